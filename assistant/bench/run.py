"""The benchmark: build, query and update a synthetic corpus at each size, and compare with the baselines.

For each size (in chunks) it reports the index build time split into parse, chunk,
embed, BM25, FAISS and write; embedding throughput; the time to add one report with
the real incremental ``update_index``; query latency p50/p95 split into query
embedding, filter, BM25, FAISS, fusion and answer; a set question over every
provider; peak RSS; index size on disk. In the same pass it compares our BM25 with
``rank_bm25.BM25Okapi`` (speed ratio, and that scores agree) and flat FAISS with the
approximate (IVF) index (recall@10 and latency).

Embedding 100k chunks at ~40 chunks/s takes ~40 minutes, so only sizes up to
``embed_limit`` are embedded for real. Above it a sample is embedded (to measure
throughput) and every other chunk gets a synthetic vector: the real vector of a
sampled chunk of the same section heading plus Gaussian noise, normalised (cosine ~0.9
to it), so the vectors cluster as real ones do. The output says so (``vectors``).
Sizes above ``RETRIEVAL_ONLY_ABOVE`` are retrieval alone (see ``retrieval_only``).
"""

from __future__ import annotations

import gc
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from assistant.bench import generate
from assistant.bench.timing import STAGES, StageTimer, folder_mb, peak_rss_mb, percentiles, stopwatch

RETRIEVAL_ONLY_ABOVE = 200_000
NOISE = 0.5  # norm of the noise added to a sampled real vector (before normalising): cosine ~0.89
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


@dataclass
class Options:
    """What to run. ``sizes`` in chunks; ``work`` None means a temporary folder."""

    sizes: tuple[int, ...] = (1_000, 10_000)
    embed_limit: int = 1_000
    sample: int = 256
    repeats: int = 3
    rank_bm25_queries: int = 5
    seed: int = 0
    backend: str | None = None
    work: Path | None = None
    log: object = field(default=print)


def synthetic_vectors(chunks, sample_rows: np.ndarray, sample_vectors: np.ndarray, seed: int) -> np.ndarray:
    """Vectors for ``chunks``: real ones for the sampled rows, a noisy copy of a same-heading sample for the rest."""
    rng = np.random.default_rng(seed)
    n, d = len(chunks), sample_vectors.shape[1]
    heading = [c.section[-1] for c in chunks]
    by_heading: dict[str, list[int]] = {}
    for j, row in enumerate(sample_rows):
        by_heading.setdefault(heading[row], []).append(j)
    anchors = np.empty(n, dtype=np.int64)
    rows_by_heading: dict[str, list[int]] = {}
    for row, h in enumerate(heading):
        rows_by_heading.setdefault(h, []).append(row)
    for h, rows in rows_by_heading.items():
        pool = np.asarray(by_heading.get(h) or range(len(sample_rows)))
        anchors[rows] = pool[rng.integers(0, len(pool), len(rows))]
    out = np.empty((n, d), dtype=np.float32)
    for i in range(0, n, 65_536):  # in blocks, to bound the temporary noise array
        block = sample_vectors[anchors[i : i + 65_536]] + rng.standard_normal((min(65_536, n - i), d)).astype(
            np.float32) * (NOISE / np.sqrt(d))
        out[i : i + len(block)] = block / np.linalg.norm(block, axis=1, keepdims=True)
    out[sample_rows] = sample_vectors
    return out


def embed_chunks(chunks, embedder, opts: Options) -> tuple[np.ndarray, dict]:
    """Vectors for ``chunks`` and what was done: embedded for real up to ``embed_limit``, else sampled."""
    from assistant.ingest.chunk import chunk_text

    n = len(chunks)
    if n <= opts.embed_limit:
        started = time.perf_counter()
        vectors = embedder.encode([chunk_text(c) for c in chunks])
        seconds = time.perf_counter() - started
        return vectors, {"vectors": "embedded", "embed_s": round(seconds, 2), "chunks_per_s": round(n / seconds, 1)}
    rows = np.sort(np.random.default_rng(opts.seed).choice(n, size=min(opts.sample, n), replace=False))
    started = time.perf_counter()
    sample = embedder.encode([chunk_text(chunks[r]) for r in rows])
    rate = len(rows) / (time.perf_counter() - started)
    vectors = synthetic_vectors(chunks, rows, sample, opts.seed)
    return vectors, {
        "vectors": f"synthetic (not embedded): {len(rows)} sampled chunks embedded, the rest a sampled vector "
                   f"plus noise, normalised",
        "embed_s": round(n / rate, 1), "embed_s_is": "estimated from the sample's throughput",
        "chunks_per_s": round(rate, 1),
    }


def faiss_pair(vectors: np.ndarray, ids: np.ndarray) -> tuple[object, object, dict]:
    """(the index make_faiss chooses, the other kind for comparison, build timings)."""
    from assistant.indexing import ann
    from assistant.indexing.index import make_faiss

    t: dict = {}
    with stopwatch(t, "faiss_s"):
        chosen = make_faiss(vectors.shape[1], len(vectors))
        if not chosen.is_trained:
            chosen.train(vectors)
        chosen.add_with_ids(vectors, ids)
        tuning = ann.tune_nprobe(chosen, vectors, ids)
    if ann.ivf_of(chosen) is None:
        with stopwatch(t, "approx_build_s"):
            approx = make_faiss(vectors.shape[1], len(vectors), threshold=0)
            approx.train(vectors)
            approx.add_with_ids(vectors, ids)
            tuning = ann.tune_nprobe(approx, vectors, ids)
        flat = chosen
    else:
        approx = chosen
        flat = make_faiss(vectors.shape[1], len(vectors), threshold=len(vectors))
        flat.add_with_ids(vectors, ids)
    t["nprobe"], t["cells"], t["calibration_recall@10"] = tuning.nprobe, tuning.cells, round(tuning.recall, 3)
    return chosen, (flat, approx), t


def compare_faiss(flat, approx, queries: np.ndarray, depth: int = 50) -> dict:
    """Recall@10 of the approximate index against flat on real query vectors, and both latencies."""
    from assistant.indexing.ann import recall_at

    def timed(index):
        ts = []
        for q in queries:
            started = time.perf_counter()
            index.search(q.reshape(1, -1), depth)
            ts.append(time.perf_counter() - started)
        return percentiles(ts)

    _, truth = flat.search(queries, 10)
    _, found = approx.search(queries, 10)
    return {"recall@10": round(recall_at(found, truth), 3), "flat": timed(flat), "approximate": timed(approx)}


def compare_bm25(tokens: list[list[str]], bm25, queries: list[list[str]]) -> dict:
    """Our BM25 against rank_bm25.BM25Okapi on the same tokens: per-query scoring time and agreement."""
    from rank_bm25 import BM25Okapi

    started = time.perf_counter()
    reference = BM25Okapi(tokens)
    build = time.perf_counter() - started
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
            "max_abs_score_diff": diff, "rank_bm25_build_s": round(build, 2), "queries": len(queries)}


def write_index(index_dir: Path, corpus: Path, docs, reports, chunks, counts, faiss_index, embedder) -> None:
    """Publish the benchmark's index with a manifest that matches the corpus files, so update_index can build on it."""
    from assistant.indexing import versions as store
    from assistant.config import ChunkSettings
    from assistant.indexing.index import faiss_kind, file_entry, file_hash, new_manifest, write_version

    manifest = new_manifest(embedder.name, faiss_index.d, ChunkSettings(), faiss_kind(faiss_index))
    manifest["next_chunk_id"] = len(chunks)
    by_report: dict[str, list] = {}
    for c in chunks:
        by_report.setdefault(c.report_id, []).append(c)
    for doc in docs:
        reps = [reports[r] for r in reports_of(doc.source, reports)]
        mine = [c for r in reps for c in by_report.get(r.report_id, [])]
        manifest["files"][doc.source] = file_entry(file_hash(corpus / doc.source), reps, mine, [])
    with store.writer_lock(index_dir):
        write_version(index_dir, manifest, reports, chunks, counts, faiss_index)


def reports_of(source: str, reports: dict) -> list[str]:
    """Report ids of one source file (the generator writes one report a file)."""
    stem = source.rsplit(".", 1)[0]
    return [stem] if stem in reports else []


def bench_size(n: int, embedder, opts: Options, work: Path) -> dict:
    """Everything measured at one size."""
    from assistant.search.bm25 import BM25, TermCounts
    from assistant.ingest.chunk import chunk_reports
    from assistant.search.embed import token_counter
    from assistant.indexing.index import load_index, tokens_for
    from assistant.ingest.parse import parse_document
    from assistant.session import build_assistant
    from assistant.search.tokens import tokenize

    corpus, index_dir = work / f"corpus-{n}", work / f"index-{n}"
    docs = generate.write_corpus(corpus, n, opts.seed)
    build: dict = {}
    with stopwatch(build, "parse_s"):
        reports = {r.report_id: r for d in docs for r in parse_document(d.text, d.source)}
    with stopwatch(build, "chunk_s"):
        chunks = chunk_reports(reports.values(), token_counter(embedder.model_dir))
    vectors, embedding = embed_chunks(chunks, embedder, opts)
    build["embed_s"] = embedding.pop("embed_s")
    with stopwatch(build, "bm25_s"):
        tokens = tokens_for(chunks)
        counts = TermCounts.from_tokens(tokens)
        bm25 = BM25(counts)
    ids = np.asarray([c.chunk_id for c in chunks], dtype=np.int64)
    chosen, (flat, approx), faiss_t = faiss_pair(vectors, ids)
    build["faiss_s"] = faiss_t.pop("faiss_s")
    with stopwatch(build, "write_s"):
        write_index(index_dir, corpus, docs, reports, chunks, counts, chosen, embedder)
    build = {k: round(v, 2) for k, v in build.items()}
    build["total_s"] = round(sum(build.values()), 2)
    del vectors
    gc.collect()

    query_vectors = np.vstack([embedder.encode_query(q) for q in QUESTIONS]).astype(np.float32)
    faiss_cmp = compare_faiss(flat, approx, query_vectors)
    faiss_cmp.update(faiss_t, approx_build_s=round(faiss_t.pop("approx_build_s", build["faiss_s"]), 2),
                     chosen="ivf" if chosen is approx else "flat")
    bm25_cmp = compare_bm25(tokens, bm25, [tokenize(q) for q in QUESTIONS[: opts.rank_bm25_queries]])
    del tokens, flat, approx, chosen
    gc.collect()

    data = load_index(index_dir, embedder.name)
    assistant = build_assistant(data, embedder)
    assistant.ask(QUESTIONS[0])  # warm caches (catalog, lazy imports) outside the timings
    samples = []
    with StageTimer(assistant.retriever) as timer:
        for _ in range(opts.repeats):
            for q in QUESTIONS:
                samples.append(timer.measure(lambda: assistant.ask(q)))
        set_times = [timer.measure(lambda: assistant.ask(SET_QUESTION))["total"] for _ in range(opts.repeats)]
    latency = {s: percentiles([x[s] for x in samples]) for s in (*STAGES, "retrieval", "total")}
    providers = len(assistant.catalog.by_provider)
    set_answer = assistant.ask(SET_QUESTION)
    del assistant, data
    gc.collect()

    add = add_one_report(corpus, index_dir, embedder, len(docs), opts.seed)
    result = {
        "chunks": len(chunks), "reports": len(reports), "providers": providers, **embedding,
        "build": build, "add_one_report": add, "query": latency, "queries": len(samples),
        "set_question": {"question": SET_QUESTION, **percentiles(set_times), "providers_scanned": providers,
                         "listed": len(set_answer.focus)},
        "bm25_vs_rank_bm25": bm25_cmp, "faiss_flat_vs_approximate": faiss_cmp,
        "index_mb": folder_mb(index_dir), "peak_rss_mb": peak_rss_mb(),
    }
    shutil.rmtree(corpus, ignore_errors=True)
    shutil.rmtree(index_dir, ignore_errors=True)
    return result


def add_one_report(corpus: Path, index_dir: Path, embedder, next_i: int, seed: int) -> dict:
    """Write the next generated report into the corpus and time the real incremental update."""
    from assistant.indexing.update import update_index

    doc = generate.document(next_i, seed)
    (corpus / doc.source).write_text(doc.text, encoding="utf-8")
    started = time.perf_counter()
    summary = update_index(corpus, index_dir, embedder)
    return {"seconds": round(time.perf_counter() - started, 2), "chunks_embedded": summary.chunks_embedded,
            "added": summary.added, "how": "assistant.update.update_index (whole incremental update, publish included)"}


def run(opts: Options) -> dict:
    """Run every size in ``opts.sizes``; returns the figures (see ``report`` for the table)."""
    import os
    import platform

    from assistant.search.embed import Embedder
    from assistant.bench import compare

    work = Path(opts.work) if opts.work else Path(tempfile.mkdtemp(prefix="assistant-bench-"))
    os.environ.setdefault("ASSISTANT_DATA_DIR", str(work / "data"))
    embedder = Embedder(backend=opts.backend)
    started = time.perf_counter()
    embedder.load()
    result = {
        "machine": {"cpu": _cpu_name() or platform.machine(), "cores": os.cpu_count(),
                    "memory_gb": round(__import__("psutil").virtual_memory().total / 2**30, 1),
                    "python": platform.python_version(), "gpu": compare.gpu_description()},
        "backend": embedder.backend, "device": embedder.device,
        "model_load_s": round(time.perf_counter() - started, 2), "sizes": {},
    }
    for n in opts.sizes:
        opts.log(f"size {n:,} chunks ...")
        if n > RETRIEVAL_ONLY_ABOVE:
            from assistant.bench.scale import retrieval_only

            result["sizes"][str(n)] = retrieval_only(n, embedder, opts)
        else:
            result["sizes"][str(n)] = bench_size(n, embedder, opts, work)
        opts.log(f"size {n:,} done")
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
