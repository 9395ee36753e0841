"""torch against ONNX int8 embedding: throughput, agreement, and evidence hit@5 on the eval set."""

from __future__ import annotations

import importlib.util
import tempfile
import time
from pathlib import Path

import numpy as np

EVAL_FILE = Path("eval/questions.jsonl")
SEED_CORPUS = Path("corpus")


def gpu_description() -> str:
    """The GPU torch sees, or why none was measured."""
    try:
        import torch

        if torch.cuda.is_available():
            return torch.cuda.get_device_name(0)
    except ImportError:
        pass
    return "none (not measured: no GPU on this machine)"


def _throughput(embedder, texts: list[str]) -> tuple[np.ndarray, float]:
    embedder.encode(texts[:8])  # the first batch pays for lazy set-up
    started = time.perf_counter()
    vectors = embedder.encode(texts)
    return vectors, len(texts) / (time.perf_counter() - started)


def backends(n_chunks: int, seed: int, log=print) -> dict:
    """Embed the same chunks with both backends: chunks/s each, speed-up, and cosine between their vectors.

    Two sets: ``n_chunks`` generated chunks (short, ~60 words) and the seed corpus's real
    CQC chunks (longer). Then evidence hit@5 on the eval set with an index built by each.
    """
    from assistant.ingest.chunk import chunk_reports, chunk_text
    from assistant.search.embed import Embedder, token_counter
    from assistant.ingest.parse import parse_document
    from assistant.bench import generate

    if importlib.util.find_spec("onnxruntime") is None:
        return {"onnx": "not measured: onnxruntime is not installed (pip install 'cqc-assistant[onnx]')"}
    counter = token_counter()
    synthetic = [chunk_text(c) for c in chunk_reports(
        [r for d in generate.documents(n_chunks, seed) for r in parse_document(d.text, d.source)], counter)]
    seed_texts = []
    if SEED_CORPUS.is_dir():
        from assistant.indexing.scan import scan_corpus

        scan = scan_corpus(SEED_CORPUS)
        seed_texts = [chunk_text(c) for c in chunk_reports([r for rs in scan.reports.values() for r in rs], counter)]
    out: dict = {}
    started = time.perf_counter()
    onnx = Embedder(backend="onnx-int8").load()
    out["onnx_load_s_incl_first_export"] = round(time.perf_counter() - started, 2)
    torch_ = Embedder(backend="torch").load()
    for label, texts in (("generated", synthetic), ("seed_corpus", seed_texts)):
        if not texts:
            continue
        log(f"  embedding {len(texts)} {label} chunks with torch and onnx ...")
        a, rate_torch = _throughput(torch_, texts)
        b, rate_onnx = _throughput(onnx, texts)
        cosine = (a * b).sum(axis=1)
        out[label] = {"chunks": len(texts), "mean_words": round(float(np.mean([len(t.split()) for t in texts])), 1),
                      "torch_chunks_per_s": round(rate_torch, 1), "onnx_chunks_per_s": round(rate_onnx, 1),
                      "speedup_x": round(rate_onnx / rate_torch, 2),
                      "cosine_min": round(float(cosine.min()), 4), "cosine_mean": round(float(cosine.mean()), 4)}
    out["eval"] = evidence_hit(log)
    return out


def evidence_hit(log=print, modes: tuple[str, ...] = ("dense", "hybrid")) -> dict:
    """Evidence hit@5 on eval/questions.jsonl with a seed-corpus index built and queried by each backend."""
    if not (EVAL_FILE.is_file() and SEED_CORPUS.is_dir()):
        return {"skipped": f"needs {EVAL_FILE} and {SEED_CORPUS}/ (run from the repository root)"}
    from assistant.search.embed import Embedder
    from assistant.evaluate import dataset, report, runner
    from assistant.indexing.build import build_index
    from assistant.indexing.load import load_index
    from assistant.session import build_assistant

    questions = dataset.load(EVAL_FILE)
    out: dict = {"questions": len(questions)}
    for backend in ("torch", "onnx"):
        log(f"  eval with {backend} ...")
        embedder = Embedder(backend="onnx-int8" if backend == "onnx" else backend).load()
        with tempfile.TemporaryDirectory() as tmp:
            build_index(SEED_CORPUS, Path(tmp), embedder)
            assistant = build_assistant(load_index(Path(tmp), embedder.name), embedder)
            summary = report.summarise(runner.run(assistant, questions, modes, k=5))
        out[backend] = {m: {key: _round(summary[m].get(key)) for key in ("answer_hit@k", "retrieval_hit@k")}
                        for m in modes}
    out["onnx_minus_torch_points"] = {
        m: {key: _points(out["onnx"][m][key], out["torch"][m][key]) for key in out["torch"][m]} for m in modes}
    return out


def _round(value):
    return None if value is None else round(float(value), 4)


def _points(a, b):
    return None if a is None or b is None else round(100 * (a - b), 1)
