"""Retrieval alone at sizes too large to build for real on a laptop (the 1M-chunk run).

The generated corpus is parsed, chunked and tokenised once at ``BASE_CHUNKS``; its
BM25 term rows are repeated until there are ``n`` rows, and every vector is
synthetic (see ``run.synthetic_vectors``). Repeating rows keeps the real vocabulary
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

    from assistant.search.bm25 import BM25, TermCounts
    from assistant.ingest.chunk import chunk_reports
    from assistant.search.embed import token_counter
    from assistant.indexing.index import tokens_for
    from assistant.ingest.parse import parse_document
    from assistant.search.retrieve import fuse_rrf
    from assistant.search.tokens import tokenize
    from assistant.bench import generate
    from assistant.bench.run import QUESTIONS, compare_bm25, compare_faiss, embed_chunks, faiss_pair

    base_n = min(n, BASE_CHUNKS)
    reports = [r for d in generate.documents(base_n, opts.seed) for r in parse_document(d.text, d.source)]
    base_chunks = chunk_reports(reports, token_counter(embedder.model_dir))
    base_tokens = tokens_for(base_chunks)
    base_counts = TermCounts.from_tokens(base_tokens)
    times = -(-n // base_n)
    build: dict = {}
    with stopwatch(build, "bm25_s"):
        tf = sparse.vstack([base_counts.tf] * times, format="csr")[:n]
        counts = TermCounts(base_counts.vocab, tf, np.tile(base_counts.doc_len, times)[:n])
        bm25 = BM25(counts)
    chunks = (base_chunks * times)[:n]  # vectors are drawn per chunk heading; ids are rows
    del reports
    vectors, embedding = embed_chunks(chunks, embedder, opts)
    del chunks
    gc.collect()
    ids = np.arange(n, dtype=np.int64)
    chosen, (flat, approx), faiss_t = faiss_pair(vectors, ids)
    build["faiss_s"] = faiss_t.pop("faiss_s")
    del vectors
    gc.collect()

    query_vectors = []
    samples = []
    for _ in range(opts.repeats):
        for q in QUESTIONS:
            t: dict = {}
            with stopwatch(t, "embed"):
                v = embedder.encode_query(q).reshape(1, -1).astype(np.float32)
            with stopwatch(t, "bm25"):
                rows, scores = bm25.top(tokenize(q), 50)
            with stopwatch(t, "faiss"):
                _, found = chosen.search(v, 50)
            with stopwatch(t, "fusion"):
                fuse_rrf({"bm25": rows.tolist(), "dense": found[0].tolist()}, {"bm25": 1.0, "dense": 1.0})
            t["retrieval"] = sum(t.values())
            samples.append(t)
            if len(query_vectors) < len(QUESTIONS):
                query_vectors.append(v[0])
    latency = {s: percentiles([x[s] for x in samples]) for s in ("embed", "bm25", "faiss", "fusion", "retrieval")}
    faiss_cmp = compare_faiss(flat, approx, np.vstack(query_vectors))
    faiss_cmp.update(faiss_t, approx_build_s=round(faiss_t.pop("approx_build_s", build["faiss_s"]), 2),
                     chosen="ivf" if chosen is approx else "flat")
    del flat, approx, chosen
    gc.collect()
    few = max(1, min(2, opts.rank_bm25_queries))  # rank_bm25 takes seconds a query here
    tokens = (base_tokens * times)[:n]
    bm25_cmp = compare_bm25(tokens, bm25, [tokenize(q) for q in QUESTIONS[:few]])
    return {
        "chunks": n, "mode": "retrieval only", **embedding,
        "bm25_rows": f"the {base_n:,}-chunk generated corpus's term rows repeated {times}x",
        "build": {k: round(v, 2) for k, v in build.items()}, "query": latency, "queries": len(samples),
        "bm25_vs_rank_bm25": bm25_cmp, "faiss_flat_vs_approximate": faiss_cmp, "peak_rss_mb": peak_rss_mb(),
    }
