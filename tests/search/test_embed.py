"""Embedding: the one interface, the backend choice, and the ONNX exports against torch on real report text."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT, SEED_CORPUS

SENTENCES = [
    "Staff were aware of who the freedom to speak up guardian (FTSU) was at the practice and within the PCN.",
    "The service was in breach of legal regulation in relation to good governance.",
    "This service scored 50 (out of 100) for this area.",
    "Processes for recording and managing incidents and complaints were not effective.",
    "Patients found the service easy to use and reported they were able to access care when they needed it.",
    "Leaders promoted an open culture.",
]
REAL = ROOT / "tests" / "data" / "real"


def test_default_backend_vectors_are_normalised_and_meaningful(real_embedder):
    assert real_embedder.backend in ("onnx", "torch")  # torch only for a build on an NVIDIA GPU (test_backend_choice)
    v = real_embedder.encode(SENTENCES)
    assert v.shape == (len(SENTENCES), real_embedder.dimension) == (6, 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    q = real_embedder.encode_query("Who is the FTSU guardian?")
    assert int(np.argmax(v @ q)) == 0
    assert real_embedder.encode([]).shape == (0, real_embedder.dimension)


def test_encode_keeps_the_callers_order_and_reports_progress(real_embedder):
    one_by_one = np.vstack([real_embedder.encode([s]) for s in SENTENCES])
    done = []
    small_batches = type(real_embedder)(backend=real_embedder.backend, batch_size=4)
    assert np.allclose(small_batches.encode(SENTENCES, progress=done.append), one_by_one, atol=1e-5)
    assert done == [4, 2]


@pytest.mark.slow  # it loads the real model (and exports it to ONNX when the data folder has no export)
def test_an_embedder_loads_nothing_until_asked():
    from assistant.search.embed import Embedder

    e = Embedder(role="query")
    assert not e.loaded and e.dimension == 384 and e.name == "sentence-transformers/all-MiniLM-L6-v2"
    e.warm().join()
    assert e.loaded and e.device == "cpu"


def test_backend_choice(monkeypatch):
    from assistant.search.embed import BACKENDS, Embedder, choose_backend
    from assistant.search.embed.factory import default_backend, gpu_visible
    from assistant.search.embed.onnx_backend import ort_cuda_available

    monkeypatch.delenv("ASSISTANT_BACKEND", raising=False)
    assert choose_backend(role="query") == "onnx"
    assert choose_backend() == ("torch" if gpu_visible() and not ort_cuda_available() else "onnx")
    monkeypatch.setenv("ASSISTANT_BACKEND", "onnx-int8")
    assert choose_backend() == "onnx-int8" and choose_backend("torch") == "torch"
    assert Embedder(role="query").backend == "onnx-int8"
    monkeypatch.setenv("ASSISTANT_BACKEND", "tensorflow")
    with pytest.raises(ValueError, match="unknown embedding backend"):
        Embedder()
    assert set(BACKENDS) == {"onnx", "onnx-int8", "torch"}
    # A GPU changes only the build, and only when onnxruntime cannot use it; queries stay on ONNX.
    assert default_backend("build", onnx_ok=True, gpu=True, ort_cuda=False) == "torch"
    assert default_backend("build", onnx_ok=True, gpu=True, ort_cuda=True) == "onnx"
    assert default_backend("query", onnx_ok=True, gpu=True, ort_cuda=False) == "onnx"
    assert default_backend("query", onnx_ok=False, gpu=False, ort_cuda=False) == "torch"


def test_bench_cli_offers_every_backend():
    from assistant.cli.bench import bench
    from assistant.search.embed import BACKENDS

    choice = next(p for p in bench.params if p.name == "backend").type
    assert tuple(choice.choices) == BACKENDS


def _model_folder(tmp_path: Path, modules: list[dict]) -> str:
    """A copy of the bundled model's small settings files (no weights), with these modules."""
    from assistant import config

    source, target = Path(config.model_path()), tmp_path / "model"
    (target / "1_Pooling").mkdir(parents=True)
    for name in ("config.json", "sentence_bert_config.json", "tokenizer.json", "1_Pooling/config.json"):
        shutil.copy(source / name, target / name)
    (target / "modules.json").write_text(json.dumps(modules), encoding="utf-8")
    return str(target)


def test_model_settings_come_from_the_folder(tmp_path):
    from assistant import config
    from assistant.search.embed import choose_backend
    from assistant.search.embed.model import model_info

    info = model_info(config.model_path())
    assert (info.dimension, info.max_tokens, info.pooling, info.onnx_problem) == (384, 256, "mean", "")
    dense = _model_folder(tmp_path, [{"path": "", "type": "sentence_transformers.models.Transformer"},
                                     {"path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
                                     {"path": "2_Dense", "type": "sentence_transformers.models.Dense"}])
    assert "Dense" in model_info(dense).onnx_problem
    assert choose_backend(role="query", model_dir=dense) == "torch"  # ONNX cannot reproduce a Dense layer


def test_a_missing_model_is_one_clear_error(tmp_path, index_dir):
    from assistant.errors import ModelMissing
    from assistant.search.embed import Embedder
    from assistant.session import load_assistant

    with pytest.raises(ModelMissing, match="embedding model not found"):
        load_assistant(index_dir, str(tmp_path / "nowhere"))
    with pytest.raises(ModelMissing, match="embedding model not found"):
        Embedder(str(tmp_path / "nowhere")).encode(["text"])


# -- the ONNX exports against torch, on real report text --------------------------------------------


def _real_texts() -> tuple[list[str], list[str]]:
    """(sentences, chunk texts) of the seed corpus and the real report pages, as they are embedded."""
    from assistant.bench.throughput import real_chunks
    from assistant.ingest.parse import parse_file
    from assistant.text import sentence_spans

    reports = [r for folder in (SEED_CORPUS, REAL) for path in sorted(folder.glob("*.txt"))
               for r in parse_file(path, folder)]
    chunks = real_chunks((SEED_CORPUS, REAL))
    sentences = [r.text[s:e] for r in reports for s, e in sentence_spans(r.text, 0, len(r.text))]
    return sentences[::5], chunks


@pytest.fixture(scope="module")
def real_vectors():
    from assistant.search.embed import Embedder

    sentences, chunks = _real_texts()
    assert len(sentences) > 200 and len(chunks) > 100
    texts = sentences + chunks
    return texts, Embedder(backend="torch").encode(texts)


@pytest.mark.slow
def test_onnx_fp32_matches_torch_on_real_reports(real_vectors, real_embedder):
    from assistant.search.embed import Embedder

    texts, torch_vectors = real_vectors
    onnx = Embedder(backend="onnx")
    vectors = onnx.encode(texts)
    cosine = (torch_vectors * vectors).sum(axis=1)
    assert cosine.min() >= 0.999, texts[int(np.argmin(cosine))]
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    # The index is built and queried with this backend: a vector does not depend on its batch-mates.
    alone = onnx.encode([texts[-1]])[0]
    assert float(alone @ vectors[-1]) > 0.99999


@pytest.mark.slow
def test_onnx_int8_stays_close_to_torch(real_vectors):
    from assistant.search.embed import Embedder

    texts, torch_vectors = real_vectors
    int8 = Embedder(backend="onnx-int8")
    cosine = (torch_vectors * int8.encode(texts)).sum(axis=1)
    # Short headings ("- Overview") stray most: ~0.97 at worst on this text.
    assert cosine.min() > 0.95 and cosine.mean() > 0.99


@pytest.mark.slow
def test_the_gpu_direct_path_matches_sentence_transformers(real_vectors):
    """The direct path a GPU build takes (fast tokenizer, transformer, pooling in torch), run here on
    the CPU, gives sentence-transformers' vectors; on a GPU it also takes larger batches."""
    from assistant.search.embed.model import model_info
    from assistant.search.embed.torch_backend import GPU_BATCH, TorchBackend
    from assistant.config import model_path

    texts, torch_vectors = real_vectors
    backend = TorchBackend(model_info(model_path(None)), role="query", device="cpu")
    backend.load()
    direct = np.concatenate([backend._encode_direct(texts[i : i + 64]) for i in range(0, 256, 64)])
    cosine = (torch_vectors[:256] * direct).sum(axis=1)
    assert cosine.min() > 0.99999
    assert backend.batch_size(32) == 32
    backend.device = "cuda"
    assert backend.batch_size(32) == GPU_BATCH
