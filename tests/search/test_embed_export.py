"""The ONNX export cache: keyed by the model's contents, reused without torch, safe under two exporters.

These export a tiny BERT made here (random weights, the bundled tokenizer) rather than
all-MiniLM-L6-v2: the same code path in a second instead of ten.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from _isolation import ROOT, run_python

pytestmark = pytest.mark.slow  # every test here exports a model with torch


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    """A sentence-transformers folder: 2-layer, 32-wide BERT, mean pooling, the bundled tokenizer."""
    import torch
    from transformers import BertConfig, BertModel

    from assistant import config

    source, target = Path(config.model_path()), tmp_path_factory.mktemp("tiny") / "model"
    torch.manual_seed(0)
    BertModel(BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                         intermediate_size=64)).save_pretrained(target)
    for name in ("tokenizer.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json",
                 "modules.json", "sentence_bert_config.json"):
        shutil.copy(source / name, target / name)
    (target / "1_Pooling").mkdir()
    pooling = json.loads((source / "1_Pooling" / "config.json").read_text())
    (target / "1_Pooling" / "config.json").write_text(json.dumps({**pooling, "word_embedding_dimension": 32}))
    return target


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    """An empty data folder for this test's exports (children inherit it through the environment)."""
    folder = tmp_path / "data"
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(folder))
    return folder


def _files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_key_follows_the_contents_not_the_place_or_the_times(tiny_model, tmp_path, data_dir):
    from assistant.search.embed import export

    key = export.cache_key(str(tiny_model))
    copy = tmp_path / "copy"
    shutil.copytree(tiny_model, copy)
    os.utime(copy / "config.json", (1_000_000_000, 1_000_000_000))
    assert export.cache_key(str(copy)) == key  # another place, other times, same model: same export
    changed = json.loads((copy / "config.json").read_text())
    changed["layer_norm_eps"] = 1e-6
    (copy / "config.json").write_text(json.dumps(changed))
    assert export.cache_key(str(copy)) != key
    (copy / "extra.txt").write_text("a file the model gained")
    (copy / "config.json").write_text((tiny_model / "config.json").read_text())
    assert export.cache_key(str(copy)) != key
    (copy / "extra.txt").unlink()
    assert export.cache_key(str(copy)) == key


def test_export_is_checked_published_whole_and_reused_without_torch(tiny_model, data_dir):
    from assistant.search.embed import Embedder, export

    # A folder left by an export that was killed half-way is never mistaken for an export.
    key_dir = export.cache_dir(str(tiny_model))
    (key_dir / ".fp32.999.deadbeef.tmp").mkdir(parents=True)
    (key_dir / ".fp32.999.deadbeef.tmp" / "model.onnx").write_bytes(b"half a model")

    vectors = Embedder(str(tiny_model), backend="onnx").encode(["Leaders promoted an open culture.", "Good"])
    graph = key_dir / "fp32" / export.GRAPH
    assert vectors.shape == (2, 32) and graph.is_file() and (graph.parent / export.WEIGHTS).is_file()
    assert _files(key_dir) == ["fp32/model.onnx", "fp32/model.onnx.data", "recipe.json"]  # the leftover is gone
    recipe = json.loads((key_dir / "recipe.json").read_text())
    assert recipe["recipe"] == export.RECIPE_VERSION and recipe["pooling"] == "mean"
    before = (graph.stat().st_ino, graph.stat().st_mtime_ns)

    code = ("from assistant.search.embed import Embedder\n"
            f"e = Embedder({str(tiny_model)!r}, role='query')\n"
            "print(e.backend, ' '.join(f'{x:.6f}' for x in e.encode_query('Leaders promoted an open culture.')))\n")
    lines, loaded = run_python(code, block_torch=True)
    backend, *numbers = lines[0].split()
    assert backend == "onnx" and "torch" not in loaded
    assert np.allclose(np.asarray(numbers, dtype=np.float32), vectors[0], atol=1e-5)
    assert (graph.stat().st_ino, graph.stat().st_mtime_ns) == before  # reused, not exported again


def test_without_torch_a_missing_export_is_one_clear_error(tiny_model, data_dir):
    code = ("from assistant.errors import ModelMissing\nfrom assistant.search.embed import Embedder\n"
            "try:\n"
            f"    Embedder({str(tiny_model)!r}, role='query').encode_query('x')\n"
            "except ModelMissing as exc:\n"
            "    print(exc)\n")
    lines, _ = run_python(code, block_torch=True)
    assert "not exported yet" in lines[0] and "assistant index build" in lines[0]
    assert not list(data_dir.rglob("*.onnx"))


def test_two_processes_exporting_at_once_share_one_export(tiny_model, data_dir):
    code = ("import sys\nfrom assistant.search.embed import export\n"
            f"path = export.ensure({str(tiny_model)!r}, 'int8')\n"
            "print(path, path.stat().st_ino)\n")
    children = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [child.communicate(timeout=300) for child in children]
    assert all(child.returncode == 0 for child in children), outputs
    assert outputs[0][0] == outputs[1][0]  # the same file: the second waited and reused the first's export
    key_dir = Path(outputs[0][0].split()[0]).parent.parent
    assert _files(key_dir) == ["fp32/model.onnx", "fp32/model.onnx.data", "int8/model.onnx",
                               "int8/model.onnx.data", "recipe.json"]
