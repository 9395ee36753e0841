"""Retrieval alone at sizes too large to build for real on a laptop (the 1M-chunk run).

The generated corpus is parsed, chunked and tokenised once at ``BASE_CHUNKS``; its
BM25 term rows are repeated until there are ``n`` rows, and every vector is
synthetic (see ``synthetic.SyntheticEmbedder``). Repeating rows keeps the real vocabulary
and term distribution, so a BM25 query touches as many postings as it would on a
corpus of that size; the output says all of this (``vectors``, ``bm25_rows``).
Measured: query embedding, BM25 top-50, FAISS flat and IVF, fusion; and the two
baseline comparisons. There is no answer stage, add or set question at this size.
"""

from __future__ import annotations

import gc

import numpy as np

from assistant.bench.timing import peak_rss_mb, percentiles, stopwatch

BASE_CHUNKS = 100_000


def retrieval_only(n: int, embedder, opts) -> dict:
    """Retrieval latency and the baseline comparisons at ``n`` chunks; see the module docstring."""
    from scipy import sparse

    from assistant.bench import generate
    from assistant.bench.run import QUESTIONS, compare_bm25
    from assistant.bench.synthetic import SyntheticEmbedder
    from assistant.indexing.segments import terms
    from assistant.ingest.chunk import chunk_reports, chunk_text
    from assistant.ingest.parse import parse_document
    from assistant.search.bm25 import BM25, TermCounts
    from assistant.search.embed import token_counter
    from assistant.search.retrieve import fuse_rrf
    from assistant.search.tokens import tokenize
    from assistant.search.vectors import VectorIndex, Vectors, recall_at

    base_n = min(n, BASE_CHUNKS)
    reports = [r for d in generate.documents(base_n, opts.seed) for r in parse_document(d.text, d.source)]
    base_chunks = chunk_reports(reports, token_counter(embedder.model_dir))
    base_tokens = terms(base_chunks)
    base_counts = TermCounts.from_tokens(base_tokens)
    times = -(-n // base_n)
    build: dict = {}
    with stopwatch(build, "bm25_s"):
        tf = sparse.vstack([base_counts.tf] * times, format="csr")[:n]
        counts = TermCounts(base_counts.vocab, tf, np.tile(base_counts.doc_len, times)[:n])
        bm25 = BM25(counts)
    texts = [chunk_text(c) for c in base_chunks]
    del reports
    synthetic = SyntheticEmbedder(embedder, opts.sample, opts.seed)
    vectors = synthetic.encode((texts * times)[:n])  # clustered by section heading, as in a real corpus
    del texts
    gc.collect()
    ids = np.arange(n, dtype=np.int64)
    with stopwatch(build, "faiss_s"):
        index = VectorIndex.build(vectors, ids)
    searched = Vectors([index], index.dimension)

    samples: list[dict[str, float]] = []
    query_vectors: list[np.ndarray] = []
    for _ in range(opts.repeats):
        for q in QUESTIONS:
            t: dict = {}
            with stopwatch(t, "embed"):
                v = embedder.encode_query(q).astype(np.float32)
            with stopwatch(t, "bm25"):
                rows, _ = bm25.top(tokenize(q), 50)
            with stopwatch(t, "faiss"):
                found = searched.search(v, 50)
            with stopwatch(t, "fusion"):
                fuse_rrf({"bm25": rows.tolist(), "dense": [i for i, _ in found]}, {"bm25": 1.0, "dense": 1.0})
            t["retrieval"] = sum(t.values())
            samples.append(t)
            if len(query_vectors) < len(QUESTIONS):
                query_vectors.append(v)
    latency = {s: percentiles([x[s] for x in samples]) for s in ("embed", "bm25", "faiss", "fusion", "retrieval")}
    latency["search"] = percentiles([x["retrieval"] - x["embed"] for x in samples])
    queries = np.vstack(query_vectors)
    flat = VectorIndex.build(vectors, ids, threshold=10**12)
    del vectors
    gc.collect()
    _, truth = flat.search(queries, 10)
    _, got = index.search(queries, 10)
    flat_t: dict[str, float] = {}
    for i, q in enumerate(queries):
        with stopwatch(flat_t, str(i)):
            flat.search(q, 50)
    faiss_cmp = {"recall@10": round(recall_at(got, truth), 3), "chosen": index.kind, "nprobe": index.nprobe,
                 "cells": int(index.ivf.nlist) if index.ivf is not None else None, "flat": percentiles(list(flat_t.values())),
                 "approximate": latency["faiss"]}
    del flat
    gc.collect()
    few = max(1, min(2, opts.rank_bm25_queries))  # rank_bm25 takes seconds a query here
    tokens = (base_tokens * times)[:n]
    bm25_cmp = compare_bm25(tokens, bm25, [tokenize(q) for q in QUESTIONS[:few]])
    return {
        "chunks": n, "mode": "retrieval only", "chunks_per_s": round(synthetic.rate, 1),
        "vectors": f"synthetic (not embedded): {synthetic.embedded} sampled chunks embedded, the rest a sampled "
                   "vector plus noise, normalised",
        "bm25_rows": f"the {base_n:,}-chunk generated corpus's term rows repeated {times}x",
        "build": {k: round(v, 2) for k, v in build.items()}, "query": latency, "queries": len(samples),
        "bm25_vs_rank_bm25": bm25_cmp, "faiss_flat_vs_approximate": faiss_cmp, "peak_rss_mb": peak_rss_mb(),
    }
