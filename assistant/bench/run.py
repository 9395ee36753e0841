"""The benchmark: build, load, query and update a synthetic corpus at each size, through the real code.

For each size (in chunks) the corpus is generated (``generate``) and indexed by the real
``build_index``, whose progress stages give the build time split into hash, parse, chunk,
embed, sentences, vectors, terms and write. Then: load time; query latency p50/p95 split
into query embedding, filter, BM25, FAISS, fusion and answer (``timing.StageTimer`` wraps the
retriever's own steps); a set question over every provider; adding one report with the
real ``update_index``, several times in a row (each adds a segment); peak RSS; index size on
disk. In the same pass it compares our BM25 with ``rank_bm25.BM25Okapi`` (speed ratio,
scores agree) and flat FAISS with IVF on the index's own vectors (recall@10, latency).

Above ``embed_limit`` chunks the build embeds through a ``synthetic.SyntheticEmbedder``: a
sample for real, the rest synthetic (the output says so). Queries and added reports are
always embedded for real. Sizes above ``RETRIEVAL_ONLY_ABOVE`` are retrieval alone
(``scale.retrieval_only``).
"""

from __future__ import annotations

import gc
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.bench import generate
from assistant.bench.timing import STAGES, StageTimer, folder_mb, peak_rss_mb, percentiles, stopwatch

RETRIEVAL_ONLY_ABOVE = 200_000
BUILD_STAGES = ("hash", "parse", "chunk", "embed", "sentences", "vectors", "terms", "write")
# Passage and value questions over the synthetic corpus (its themes), and the set question of the issue.
QUESTIONS = (
    "How were complaints handled?", "Were staff aware of the freedom to speak up guardian?",
    "Was mandatory training completed?", "How were medicines managed?", "Were there enough staff?",
    "Was the premises clean and infection control followed?", "Did staff receive appraisals and supervision?",
    "How did the service work with the primary care network?", "Could people get appointments when needed?",
    "Were safeguarding concerns reported?", "Did leaders have oversight of risks?", "Was there a culture of blame?",
    "Were people treated with dignity and respect?", "Which services were in breach of regulations?",
    "high-risk medicines blood test monitoring", "telephone waiting times at peak times",
)
SET_QUESTION = "Which providers lacked FTSU awareness?"
PASSAGE_KINDS = ("passage", "none")  # answer kinds timed as passage answers ("none": a declined passage question)


@dataclass
class Options:
    """What to run. ``sizes`` in chunks; ``work`` None means a temporary folder."""

    sizes: tuple[int, ...] = (1_000, 10_000)
    embed_limit: int = 1_000
    sample: int = 256
    repeats: int = 3
    adds: int = 9  # reports added one at a time, each timed (the median of many: the machine is shared)
    rank_bm25_queries: int = 5
    seed: int = 0
    backend: str | None = None
    work: Path | None = None
    log: Callable[[str], object] = field(default=print)
    reference_chunks: int = 1_000  # the size adding a report is compared with


class StageClock:
    """A progress callback that notes when each stage starts; ``seconds()`` gives each stage's duration."""

    def __init__(self):
        self.starts: dict[str, float] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        self.starts.setdefault(stage, time.perf_counter())

    def seconds(self, end: float) -> dict[str, float]:
        """Stage -> seconds from its start to the next stage's start (the last one: to ``end``)."""
        order = sorted(self.starts.items(), key=lambda kv: kv[1])
        ends = [t for _, t in order[1:]] + [end]
        return {stage: round(e - s, 2) for (stage, s), e in zip(order, ends)}


def build(corpus: Path, index_dir: Path, embedder, opts: Options, n: int) -> tuple[dict, dict]:
    """Index ``corpus`` with the real build_index; returns (seconds per stage, what was embedded)."""
    from assistant.bench.synthetic import SyntheticEmbedder
    from assistant.indexing.build import build_index

    synthetic = n > opts.embed_limit
    used = SyntheticEmbedder(embedder, opts.sample, opts.seed) if synthetic else embedder
    clock = StageClock()
    started = time.perf_counter()
    build_index(corpus, index_dir, used, progress=clock)
    end = time.perf_counter()
    stages = clock.seconds(end)
    seconds = {f"{s}_s": stages.get(s, 0.0) for s in BUILD_STAGES}
    seconds["total_s"] = round(end - started, 2)
    if synthetic:
        embedding = {
            "vectors": f"synthetic (not embedded): {used.embedded} sampled texts embedded, the rest a sampled "
                       f"vector plus noise, normalised",
            "embed_s_estimated": round((used.embedded + used.synthesised) / used.rate, 1),
            "chunks_per_s": round(used.rate, 1),
        }
    else:
        embedding = {"vectors": "embedded", "chunks_per_s": round(n / max(seconds["embed_s"], 1e-9), 1)}
    return seconds, embedding


def compare_faiss(data, query_vectors: np.ndarray, depth: int = 50) -> dict:
    """Flat against IVF built from the loaded index's own vectors: recall@10 on the questions, latency."""
    from assistant.search.vectors import VectorIndex, recall_at

    ids = np.asarray(sorted(c.chunk_id for c in data.chunks), dtype=np.int64)
    vectors = data.vectors.reconstruct(ids)
    flat = VectorIndex.build(vectors, ids, threshold=10**12)
    started = time.perf_counter()
    approx = VectorIndex.build(vectors, ids, threshold=0)
    approx_build = time.perf_counter() - started

    def timed(index):
        ts = []
        for q in query_vectors:
            t0 = time.perf_counter()
            index.search(q, depth)
            ts.append(time.perf_counter() - t0)
        return percentiles(ts)

    _, truth = flat.search(query_vectors, 10)
    _, found = approx.search(query_vectors, 10)
    return {"recall@10": round(recall_at(found, truth), 3), "flat": timed(flat), "approximate": timed(approx),
            "chosen": data.vectors.kinds[0] if data.vectors.parts else "flat", "cells": int(approx.ivf.nlist),
            "nprobe": approx.nprobe, "approx_build_s": round(approx_build, 2)}


def compare_bm25(tokens: list[list[str]], bm25, queries: list[list[str]]) -> dict:
    """Our BM25 against rank_bm25.BM25Okapi on the same tokens: per-query scoring time and agreement."""
    from rank_bm25 import BM25Okapi

    started = time.perf_counter()
    reference = BM25Okapi(tokens)
    build_s = time.perf_counter() - started
    theirs, ours, diff = [], [], 0.0
    for q in queries:
        t0 = time.perf_counter()
        a = reference.get_scores(q)
        t1 = time.perf_counter()
        b = bm25.scores(q)
        t2 = time.perf_counter()
        theirs.append(t1 - t0)
        ours.append(t2 - t1)
        diff = max(diff, float(np.max(np.abs(a - b))) if len(a) else 0.0)
    ratio = float(np.median(theirs) / max(np.median(ours), 1e-9))
    return {"rank_bm25": percentiles(theirs), "ours": percentiles(ours), "speedup_x": round(ratio, 2),
            "max_abs_score_diff": diff, "rank_bm25_build_s": round(build_s, 2), "queries": len(queries)}


def add_reports(corpus: Path, index_dir: Path, embedder, next_i: int, opts: Options,
                reference: tuple[Path, Path] | None = None) -> dict:
    """Add the next generated reports one at a time with the real update, timing each.

    With ``reference`` (a 1k-chunk corpus and index), each report is also added there, with the
    same bytes and alternating which goes first, so the two are timed minutes apart on the same
    shared machine: their ratio is what the load of other processes cancels out of.
    """
    from assistant.indexing.build import update_index
    from assistant.indexing.load import status

    def timed(folder: Path, index: Path, doc) -> dict:
        (folder / doc.source).write_text(doc.text, encoding="utf-8")
        clock = StageClock()
        started = time.perf_counter()
        summary = update_index(folder, index, embedder, progress=clock)
        end = time.perf_counter()
        return {"seconds": round(end - started, 3), "added": summary.added,
                "chunks_embedded": summary.chunks_embedded, "stages_s": clock.seconds(end)}

    runs, ref_runs = [], []
    for k, i in enumerate(range(next_i, next_i + opts.adds)):
        doc = generate.document(i, opts.seed)
        if reference is not None and k % 2:
            ref_runs.append(timed(*reference, doc))
        runs.append(timed(corpus, index_dir, doc))
        if reference is not None and not k % 2:
            ref_runs.append(timed(*reference, doc))
    info = status(index_dir)
    out = {"seconds": round(statistics.median(r["seconds"] for r in runs), 3), "runs": runs,
           "segments_after": len(info["segments"]), "healthy_after": info["healthy"],
           "how": "assistant.indexing.build.update_index (hash, parse, embed, segment, verify, publish); "
                  "the median of the runs"}
    if ref_runs:
        ref = statistics.median(r["seconds"] for r in ref_runs)
        out["reference_1k"] = {"seconds": round(ref, 3), "runs": [r["seconds"] for r in ref_runs]}
        # From the reported (rounded) medians, so the JSON's three figures agree with one another.
        out["ratio_to_1k"] = round(out["seconds"] / max(out["reference_1k"]["seconds"], 0.001), 2)
    return out


def reference_index(work: Path, embedder, opts: Options) -> tuple[Path, Path]:
    """A 1k-chunk corpus and index to time additions against (see ``add_reports``)."""
    from assistant.bench.synthetic import SyntheticEmbedder
    from assistant.indexing.build import build_index

    corpus, index_dir = work / "reference-corpus", work / "reference-index"
    generate.write_corpus(corpus, opts.reference_chunks, opts.seed)
    build_index(corpus, index_dir, SyntheticEmbedder(embedder, opts.sample, opts.seed))
    return corpus, index_dir


def bench_size(n: int, embedder, opts: Options, work: Path, reference: tuple[Path, Path] | None = None) -> dict:
    """Everything measured at one size."""
    from assistant.indexing.load import load_index
    from assistant.indexing.segments import terms
    from assistant.search.tokens import tokenize
    from assistant.session import build_assistant

    corpus, index_dir = work / f"corpus-{n}", work / f"index-{n}"
    docs = generate.write_corpus(corpus, n, opts.seed)
    opts.log(f"  building {n:,} chunks ...")
    build_s, embedding = build(corpus, index_dir, embedder, opts, n)
    gc.collect()

    timing: dict = {}
    with stopwatch(timing, "load_s"):
        data = load_index(index_dir, embedder.name)
    assistant = build_assistant(data, embedder)
    assistant.ask(QUESTIONS[0])  # warm caches (catalog, lazy imports) outside the timings
    assistant.ask(SET_QUESTION)  # and the set scan's per-index columns (answer.scan), made on first use
    opts.log("  querying ...")
    samples, kinds = [], []
    with StageTimer(assistant.retriever) as timer:
        for _ in range(opts.repeats):
            for q in QUESTIONS:
                answered = []
                samples.append(timer.measure(lambda: answered.append(assistant.ask(q))))  # noqa: B023 - called at once
                kinds.append(answered[0].kind)
        set_times = [timer.measure(lambda: assistant.ask(SET_QUESTION))["total"] for _ in range(opts.repeats)]
    latency = {s: percentiles([x[s] for x in samples]) for s in (*STAGES, "retrieval", "total")}
    # The index's own share of retrieval (filter, BM25, FAISS, fusion): the query embedding is the
    # model's, and on a shared machine it carries most of the noise.
    latency["search"] = percentiles([x["retrieval"] - x["embed"] for x in samples])
    # Passage answers (a declined passage question included): the whole ask, the model already loaded.
    passage = [x["total"] for x, kind in zip(samples, kinds) if kind in PASSAGE_KINDS]
    if passage:
        latency["passage_answer"] = {**percentiles(passage), "answers": len(passage)}
    providers = len(assistant.catalog.by_provider)
    set_answer = assistant.ask(SET_QUESTION)

    opts.log("  comparing with rank_bm25 and flat FAISS ...")
    query_vectors = np.vstack([embedder.encode_query(q) for q in QUESTIONS]).astype(np.float32)
    faiss_cmp = compare_faiss(data, query_vectors)
    bm25_cmp = compare_bm25(terms(data.chunks), data.bm25, [tokenize(q) for q in QUESTIONS[: opts.rank_bm25_queries]])
    result = {
        "chunks": len(data.chunks), "reports": len(data.reports), "providers": providers, **embedding,
        "build": build_s, "load_s": round(timing["load_s"], 2), "query": latency, "queries": len(samples),
        "set_question": {"question": SET_QUESTION, **percentiles(set_times), "providers_scanned": providers,
                         "listed": len(set_answer.focus)},
        "bm25_vs_rank_bm25": bm25_cmp, "faiss_flat_vs_approximate": faiss_cmp, "index_mb": folder_mb(index_dir),
    }
    assistant = data = None  # type: ignore[assignment]  # free the index before the adds (closures name them)
    gc.collect()
    opts.log(f"  adding {opts.adds} reports one at a time ...")
    result["add_one_report"] = add_reports(corpus, index_dir, embedder, len(docs), opts,
                                           reference if n > opts.reference_chunks else None)
    result["peak_rss_mb"] = peak_rss_mb()
    shutil.rmtree(corpus, ignore_errors=True)
    shutil.rmtree(index_dir, ignore_errors=True)
    return result


def run(opts: Options) -> dict:
    """Run every size in ``opts.sizes``; returns the figures (see ``report`` for the table)."""
    import os
    import platform

    from assistant.bench import compare
    from assistant.search.embed import Embedder

    work = Path(opts.work) if opts.work else Path(tempfile.mkdtemp(prefix="assistant-bench-"))
    os.environ.setdefault("ASSISTANT_DATA_DIR", str(work / "data"))
    embedder = Embedder(backend=opts.backend)
    started = time.perf_counter()
    embedder.load()
    result: dict[str, Any] = {
        "machine": {"cpu": _cpu_name() or platform.machine(), "cores": os.cpu_count(),
                    "memory_gb": round(__import__("psutil").virtual_memory().total / 2**30, 1),
                    "python": platform.python_version(), "gpu": compare.gpu_description(),
                    "load_average_at_start": [round(x, 2) for x in os.getloadavg()]},
        "backend": embedder.backend, "device": embedder.device,
        "model_load_s": round(time.perf_counter() - started, 2), "sizes": {},
    }
    reference = None
    if any(opts.reference_chunks < n <= RETRIEVAL_ONLY_ABOVE for n in opts.sizes):
        opts.log(f"reference index of {opts.reference_chunks:,} chunks ...")
        reference = reference_index(work, embedder, opts)
    for n in opts.sizes:
        opts.log(f"size {n:,} chunks ...")
        if n > RETRIEVAL_ONLY_ABOVE:
            from assistant.bench.scale import retrieval_only

            result["sizes"][str(n)] = retrieval_only(n, embedder, opts)
        else:
            result["sizes"][str(n)] = bench_size(n, embedder, opts, work, reference)
        opts.log(f"size {n:,} done")
    result["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    if opts.embed_limit and min(opts.sizes, default=0) <= opts.embed_limit:
        opts.log("embedding backends ...")
        result["embedding_backends"] = compare.backends(min(opts.sizes), opts.seed, opts.log)
    result["peak_rss_mb"] = peak_rss_mb()
    if not opts.work:
        shutil.rmtree(work, ignore_errors=True)
    return result


def _cpu_name() -> str:
    """The CPU model from /proc/cpuinfo (Linux), else empty."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""
