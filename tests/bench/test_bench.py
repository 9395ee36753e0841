"""The benchmark's corpus generator and an end-to-end run at a tiny size (figures checked, never timed)."""

from __future__ import annotations

import statistics

import numpy as np
import pytest

from assistant.bench import generate


@pytest.mark.parametrize("n", [2, 3, 5, 7, 9, 37, 200])
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


@pytest.mark.slow
def test_benchmark_runs_end_to_end_at_a_tiny_size(tmp_path, embedder, monkeypatch):
    from assistant.bench.report import markdown
    from assistant.bench.run import QUESTIONS, Options, run


    monkeypatch.chdir(tmp_path)  # no eval file or seed corpus here: the eval comparison says it skipped
    opts = Options(sizes=(60,), embed_limit=60, repeats=1, adds=2, rank_bm25_queries=2, log=lambda line: None,
                   work=tmp_path / "work", reference_chunks=30)  # adds are timed against a 30-chunk index too
    result = run(opts)
    r = result["sizes"]["60"]
    docs = list(generate.documents(60))
    # The index holds exactly the generated corpus, built by the real code.
    assert r["chunks"] == 60 and r["reports"] == len(docs) and r["vectors"] == "embedded"
    assert r["providers"] == len({d.provider for d in docs}) == r["set_question"]["providers_scanned"]
    assert set(r["build"]) == {f"{s}_s" for s in ("hash", "parse", "chunk", "embed", "sentences", "vectors",
                                                  "terms", "write")} | {"total_s"}
    assert sum(v for k, v in r["build"].items() if k != "total_s") <= r["build"]["total_s"] + 0.05
    # Each add is the real update, adding exactly the next generated report as one new segment.
    add = r["add_one_report"]
    nexts = [generate.document(len(docs) + i) for i in range(2)]
    assert [run_["added"] for run_ in add["runs"]] == [[d.source] for d in nexts]
    assert [run_["chunks_embedded"] for run_ in add["runs"]] == [d.chunks for d in nexts]
    assert add["segments_after"] == 3 and add["healthy_after"] is True
    reference = tmp_path / "work" / "reference-corpus"
    assert all((reference / d.source).read_text(encoding="utf-8") == d.text for d in nexts)  # the same bytes
    assert len(add["reference_1k"]["runs"]) == 2 and add["ratio_to_1k"] == pytest.approx(
        add["seconds"] / add["reference_1k"]["seconds"], abs=0.01)
    assert add["seconds"] == pytest.approx(statistics.median(x["seconds"] for x in add["runs"]), abs=1e-3)
    assert r["queries"] == len(QUESTIONS)
    # The passage questions among them are timed on their own (the passage-latency target's figure).
    assert 0 < r["query"]["passage_answer"]["answers"] < len(QUESTIONS)
    assert r["bm25_vs_rank_bm25"]["max_abs_score_diff"] < 1e-9
    assert r["faiss_flat_vs_approximate"]["chosen"] == "flat"
    table = markdown(result)
    assert "| build: embed s |" in table and "| add one report s (median; each run) |" in table
    assert "| passage answer p50 / p95 ms (answers timed) |" in table


def test_synthetic_embedder_embeds_small_batches_and_a_sample_of_large_ones(embedder):
    from assistant.bench.synthetic import SyntheticEmbedder

    texts = [f"Provider {i} | Well-led > {'Safeguarding' if i % 2 else 'Governance'}\nText number {i}."
             for i in range(60)]
    fake = SyntheticEmbedder(embedder, sample=16)
    assert np.allclose(fake.encode(texts[:10]), embedder.encode(texts[:10]), atol=1e-5)  # small: real
    assert fake.embedded == 0
    vectors = fake.encode(texts)
    assert vectors.shape == (60, embedder.dimension) and (fake.embedded, fake.synthesised) == (16, 44)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    real = embedder.encode(texts)
    exact = np.isclose((vectors * real).sum(axis=1), 1.0, atol=1e-4)
    assert exact.sum() >= 16  # the sampled rows carry their real vectors
    # A synthetic vector stays near its section heading: closer to its own heading's real vectors.
    same = [(vectors[i] @ real[i % 2::2].mean(axis=0)) for i in range(60)]
    other = [(vectors[i] @ real[1 - i % 2::2].mean(axis=0)) for i in range(60)]
    assert np.mean(np.asarray(same) > np.asarray(other)) > 0.9 and fake.rate > 0


def test_verdicts_and_the_add_ratio():
    from assistant.bench.report import add_ratio, verdicts

    result = {"sizes": {
        "1000": {"add_one_report": {"seconds": 0.4}},
        "10000": {"query": {"passage_answer": {"p95_ms": 45.25, "answers": 30}}},
        "100000": {"add_one_report": {"seconds": 1.0}, "providers": 13681, "set_question": {"p95_ms": 120.0},
                   "query": {"retrieval": {"p95_ms": 31.0}}},
    }}
    assert add_ratio(result) == 2.5
    lines = verdicts(result)
    assert "add one report at 100,000: 1.0 s (target ≤ 5) — met" in lines
    assert "add one report at 100,000 vs 1,000: 2.5× (target ≤ 2×) — MISSED" in lines
    assert "set question over 13,681 providers: p95 120.0 ms (target ≤ 100) — MISSED" in lines
    assert "retrieval p95 at 100,000: 31.0 ms (target ≤ 50) — met (without the query embedding: – ms)" in lines
    assert "passage answer p95 at 10,000: 45.25 ms, model load excluded (target ≤ 100) — met" in lines
