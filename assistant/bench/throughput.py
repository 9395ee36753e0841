"""Embedding throughput at build: chunks per second for each backend, on real-length chunks.

The generated benchmark corpus (``generate``) writes chunks of ~43 words; real CQC
chunks run ~110-130 words, and time per chunk grows with length, so this measures
the chunks of the seed corpus (``corpus/``) and of the real report pages
(``tests/data/real/*.txt``), repeated to ``n`` chunks. Backends take turns within each
repeat, so a burst of load from elsewhere on a shared machine hits them alike; the
figures are medians, plus CPU time per chunk (all threads), which load disturbs less
than wall time. Each backend also reports its vectors' cosine to torch's.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

SOURCES = (Path("corpus"), Path("tests/data/real"))


def real_chunks(sources: tuple[Path, ...] = SOURCES) -> list[str]:
    """The embedding texts of every chunk of the report files in ``sources``."""
    from assistant.ingest.chunk import chunk_reports, chunk_text
    from assistant.ingest.parse import parse_file
    from assistant.search.embed import token_counter

    reports = []
    for folder in sources:
        for path in sorted(folder.iterdir()):
            # SOURCES.md in tests/data/real says where the pages came from; it is not a report.
            if path.is_file() and not path.name.startswith(".") and path.name != "SOURCES.md":
                reports.extend(parse_file(path, folder))
    return [chunk_text(c) for c in chunk_reports(reports, token_counter())]


def _device_name(device: str | None) -> str:
    if device and device.startswith("cuda"):
        import torch

        return f"cuda ({torch.cuda.get_device_name(0)})"
    return device or "cpu"


def run(backends: tuple[str, ...] = ("torch", "onnx", "onnx-int8"), n: int = 512, repeats: int = 3,
        sources: tuple[Path, ...] = SOURCES, log=print) -> dict:
    """Embed the same ``n`` real-length chunks with each backend ``repeats`` times; chunks/s and agreement."""
    from assistant.search.embed import Embedder, token_counter
    from assistant.search.embed.base import cpu_threads

    base = real_chunks(sources)
    if not base:
        raise ValueError(f"no report files under {', '.join(map(str, sources))} (run from the repository root)")
    texts = (base * (n // len(base) + 1))[:n]
    count = token_counter()
    out: dict = {"chunks": n, "distinct_chunks": len(base), "repeats": repeats, "threads": cpu_threads(),
                 "mean_words": round(float(np.mean([len(t.split()) for t in base])), 1),
                 "mean_tokens": round(float(np.mean([min(count(t), 256) for t in base])), 1), "backends": {}}
    embedders = {}
    for name in backends:
        log(f"  loading {name} ...")
        started = time.perf_counter()
        embedders[name] = Embedder(backend=name).load()
        load_s = time.perf_counter() - started
        embedders[name].encode(texts[:32])  # first batches pay for lazy set-up (allocations, kernels)
        out["backends"][name] = {"load_s": round(load_s, 2), "runs_chunks_per_s": [],
                                 "runs_cpu_ms_per_chunk": [], "device": _device_name(embedders[name].device)}
    vectors = {}
    for r in range(repeats):
        for name, embedder in embedders.items():
            log(f"  run {r + 1}/{repeats}: {name} ...")
            wall, cpu = time.perf_counter(), time.process_time()
            vectors[name] = embedder.encode(texts)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            out["backends"][name]["runs_chunks_per_s"].append(round(n / wall, 1))
            out["backends"][name]["runs_cpu_ms_per_chunk"].append(round(1000 * cpu / n, 1))
    for name, figures in out["backends"].items():
        figures["chunks_per_s"] = round(float(np.median(figures["runs_chunks_per_s"])), 1)
        figures["cpu_ms_per_chunk"] = round(float(np.median(figures["runs_cpu_ms_per_chunk"])), 1)
        if "torch" in vectors:
            cosine = (vectors[name] * vectors["torch"]).sum(axis=1)
            figures["cosine_to_torch_min"] = round(float(cosine.min()), 5)
            figures["cosine_to_torch_mean"] = round(float(cosine.mean()), 5)
    if "torch" in out["backends"]:
        reference = out["backends"]["torch"]["chunks_per_s"]
        for figures in out["backends"].values():
            figures["x_torch"] = round(figures["chunks_per_s"] / reference, 2)
    return out


def markdown(result: dict) -> str:
    """The throughput figures as a table."""
    lines = [f"Embedding throughput: {result['chunks']} chunks ({result['distinct_chunks']} distinct real chunks "
             f"repeated; ~{result['mean_words']} words, ~{result['mean_tokens']} tokens each), {result['threads']} "
             f"threads, median of {result['repeats']} runs.", "",
             "| backend | device | chunks/s (median) | runs | CPU ms / chunk | × torch | cosine to torch min / mean "
             "| load s |", "|---|---|---|---|---|---|---|---|"]
    for name, f in result["backends"].items():
        cosine = f"{f.get('cosine_to_torch_min', '–')} / {f.get('cosine_to_torch_mean', '–')}"
        lines.append(f"| {name} | {f['device']} | {f['chunks_per_s']} | {', '.join(map(str, f['runs_chunks_per_s']))} "
                     f"| {f['cpu_ms_per_chunk']} | {f.get('x_torch', '–')} | {cosine} | {f['load_s']} |")
    return "\n".join(lines)
