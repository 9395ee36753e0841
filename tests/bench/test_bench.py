"""The benchmark's corpus generator and an end-to-end run at a tiny size (figures checked, never timed)."""

from __future__ import annotations

import pytest

from assistant.bench import generate


@pytest.mark.parametrize("n", [1, 5, 9, 37, 200])
def test_generator_makes_exactly_the_requested_chunks(n):
    from assistant.ingest.chunk import chunk_reports
    from assistant.search.embed import token_counter
    from assistant.ingest.parse import parse_document

    docs = list(generate.documents(n))
    reports = [r for d in docs for r in parse_document(d.text, d.source)]
    assert len(reports) == len(docs)
    assert len(chunk_reports(reports, token_counter())) == n == sum(d.chunks for d in docs)


def test_generator_is_deterministic_and_prefix_stable():
    small = list(generate.documents(120, seed=3))
    again = list(generate.documents(120, seed=3))
    larger = list(generate.documents(500, seed=3))
    assert small == again
    assert [d.text for d in small[:-1]] == [d.text for d in larger[: len(small) - 1]]
    assert list(generate.documents(120, seed=4)) != small


def test_generated_reports_vary_and_parse_fully():
    from assistant.ingest.parse import parse_document

    reports = [r for d in generate.documents(600) for r in parse_document(d.text, d.source)]
    assert {r.layout for r in reports} == {"assessment", "inspection"}
    assert len({r.service_type for r in reports}) >= 5
    assert len({r.rating for r in reports}) == 4
    assert all(r.date and r.provider and r.rating for r in reports)
    assert all(r.score is not None for r in reports if r.layout == "assessment")
    assert len({r.provider for r in reports}) < len(reports)  # some providers have an older report too
    names = [generate.provider_name(k)[0] for k in range(20_000)]
    assert len(set(names)) == len(names)


def test_benchmark_runs_end_to_end_at_a_tiny_size(tmp_path, embedder, monkeypatch):
    from assistant.bench.report import markdown
    from assistant.bench.run import Options, run

    monkeypatch.chdir(tmp_path)  # no eval file or seed corpus here: the eval comparison says it skipped
    result = run(Options(sizes=(60,), embed_limit=60, repeats=1, rank_bm25_queries=2, log=lambda line: None,
                         work=tmp_path / "work"))
    r = result["sizes"]["60"]
    assert r["chunks"] == 60 and r["vectors"] == "embedded" and r["chunks_per_s"] > 0
    for stage in ("parse_s", "chunk_s", "embed_s", "bm25_s", "faiss_s", "write_s", "total_s"):
        assert r["build"][stage] >= 0
    for stage in ("embed", "filter", "bm25", "faiss", "fusion", "answer", "retrieval", "total"):
        assert r["query"][stage]["p95_ms"] >= r["query"][stage]["p50_ms"] >= 0
    assert r["query"]["embed"]["p50_ms"] > 0
    assert r["add_one_report"]["chunks_embedded"] > 0 and len(r["add_one_report"]["added"]) == 1
    assert r["bm25_vs_rank_bm25"]["max_abs_score_diff"] < 1e-9
    # At 60 chunks either may win (fixed overheads dominate); the ratio must still be measured.
    assert r["bm25_vs_rank_bm25"]["speedup_x"] >= 0 and r["bm25_vs_rank_bm25"]["ours"]["p50_ms"] >= 0
    faiss_cmp = r["faiss_flat_vs_approximate"]
    assert faiss_cmp["chosen"] == "flat" and 0 <= faiss_cmp["recall@10"] <= 1
    assert r["index_mb"] > 0 and r["peak_rss_mb"] > 0 and r["set_question"]["providers_scanned"] == r["providers"]
    backends = result["embedding_backends"]
    assert "eval" in backends or "onnx" in backends
    table = markdown(result)
    assert "| build: embed s |" in table and "BM25 speed-up" in table


def test_synthetic_vectors_are_labelled_and_normalised(tmp_path, embedder):
    import numpy as np

    from assistant.bench.run import Options, embed_chunks
    from assistant.ingest.chunk import chunk_reports
    from assistant.search.embed import token_counter
    from assistant.ingest.parse import parse_document

    chunks = chunk_reports([r for d in generate.documents(80) for r in parse_document(d.text, d.source)],
                           token_counter())
    vectors, info = embed_chunks(chunks, embedder, Options(embed_limit=10, sample=16))
    assert info["vectors"].startswith("synthetic (not embedded)")
    assert vectors.shape == (80, embedder.dimension)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
