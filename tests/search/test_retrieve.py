"""Hybrid retrieval: deep candidates from BM25 and FAISS, fused by chunk id, with filters."""

import pytest

from assistant.config import RetrievalSettings
from assistant.models import Filters
from assistant.search.retrieve import Retriever, fuse_convex, fuse_rrf
from assistant.search.tokens import tokenize


def test_rrf_sums_weighted_reciprocal_ranks():
    fused = dict(fuse_rrf({"bm25": [1, 2, 3], "dense": [3, 1]}, {"bm25": 1.0, "dense": 2.0}, k=60))
    assert fused[1] == pytest.approx(1 / 61 + 2 / 62)
    assert fused[3] == pytest.approx(1 / 63 + 2 / 61)
    assert fused[2] == pytest.approx(1 / 62)
    order = [cid for cid, _ in fuse_rrf({"bm25": [1, 2, 3], "dense": [3, 1]}, {"bm25": 1.0, "dense": 2.0})]
    assert order == [3, 1, 2]


def test_convex_combines_min_max_normalised_scores():
    fused = dict(fuse_convex({"bm25": [(1, 10.0), (2, 5.0), (3, 0.0)], "dense": [(3, 0.9), (1, 0.5)]},
                             {"bm25": 1.0, "dense": 3.0}))
    assert fused[1] == pytest.approx(0.25 * 1.0 + 0.75 * 0.0)
    assert fused[3] == pytest.approx(0.25 * 0.0 + 0.75 * 1.0)
    assert fused[2] == pytest.approx(0.25 * 0.5)


def test_fusion_is_by_chunk_id_not_text(retriever):
    # The score boilerplate is word-for-word the same in three reports; each is its own chunk.
    hits = retriever.search("Find out what we look at when we assess this area and How we calculate these scores",
                            k=10)
    providers = {h.chunk.provider for h in hits if "How we calculate these scores" in h.chunk.text}
    assert {"Heartbeat Alliance", "Iridium Medical Practice", "Kidderminster Hospital and Treatment Centre"} <= providers
    assert len({h.chunk.chunk_id for h in hits}) == len(hits)


def test_candidate_lists_are_deep_and_ranks_are_recorded(retriever, data):
    hits = retriever.search("staff feedback", k=len(data.chunks), depth=50)
    assert len(hits) >= 50  # 60 seed chunks: both methods go at least 50 deep
    top = hits[0]
    assert set(top.ranks) <= {"bm25", "dense"} and top.ranks
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_abbreviation_finds_the_expanded_phrase(retriever):
    hits = retriever.search("FTSU guardian", mode="bm25", k=5)
    assert any("Freedom to Speak Up Guardian" in h.chunk.text for h in hits)


def test_modes_each_work(retriever):
    for mode in ("hybrid", "bm25", "dense"):
        hits = retriever.search("learning from serious incidents across acute trusts", mode=mode, k=3)
        assert hits, mode
        assert hits[0].chunk.provider == "West Yorkshire Association of Acute Trusts", mode
    with pytest.raises(ValueError, match="unknown mode"):
        retriever.search("x", mode="magic")


def test_convex_fusion_is_selectable(data, real_embedder):
    convex = Retriever(data, real_embedder, RetrievalSettings(fusion="convex", weights={"bm25": 1.0, "dense": 1.0}))
    hits = convex.search("Which trust had a bi-annual freedom to speak up report?", k=3)
    assert hits[0].chunk.provider == "Kidderminster Hospital and Treatment Centre"


@pytest.mark.parametrize(
    "filters, allowed",
    [
        (Filters(providers=("iridium",)), {"Iridium Medical Practice"}),
        (Filters(service_types=("GP practice",)), {"Iridium Medical Practice"}),
        (Filters(ratings=("Requires improvement",)), {"Iridium Medical Practice"}),
        (Filters(since="2024-06-01"), {"Iridium Medical Practice", "Kidderminster Hospital and Treatment Centre"}),
        (Filters(until="2023-12-31"), {"Hertfordshire IUC Service and HUC HQ"}),
    ],
)
def test_filters_narrow_both_methods(retriever, filters, allowed):
    for mode in ("bm25", "dense", "hybrid"):
        hits = retriever.search("learning and improvement", filters, mode=mode, k=10)
        assert hits and {h.chunk.provider for h in hits} <= allowed, mode


def test_section_filter(retriever):
    hits = retriever.search("staff concerns", Filters(sections=("freedom to speak up",)), k=10)
    assert hits and all(h.chunk.section[-1] == "Freedom to speak up" for h in hits)


def test_lucene_bm25_idf_is_never_negative(data):
    import numpy as np

    from assistant.search.retrieve import LuceneBM25

    lucene = LuceneBM25(data.counts, k1=1.2, b=0.4)
    n = data.counts.tf.shape[0]
    df = np.bincount(data.counts.tf.indices, minlength=len(data.counts.vocab))
    col = lucene.term_index["staff"]  # in most seed chunks: rank_bm25's idf would be negative
    assert lucene.idf[col] == pytest.approx(np.log(1 + (n - df[col] + 0.5) / (df[col] + 0.5)))
    assert (lucene.idf[df > 0] > 0).all()


def test_bm25_variant_is_a_setting(data, real_embedder):
    from assistant.search.retrieve import LuceneBM25, lexical_index

    assert lexical_index(data, RetrievalSettings(bm25_idf="okapi", bm25_k1=1.5, bm25_b=0.75)) is data.bm25
    assert isinstance(lexical_index(data, RetrievalSettings()), LuceneBM25)
    with pytest.raises(ValueError, match="unknown BM25 idf"):
        lexical_index(data, RetrievalSettings(bm25_idf="magic"))


def test_search_reuses_a_given_vector_and_lexical_text(retriever, real_embedder):
    vector = real_embedder.encode_query("freedom to speak up guardian awareness")
    hits = retriever.search("ignored for dense", vector=vector, lexical="freedom speak guardian", k=3)
    assert any("Freedom to Speak Up Guardian" in h.chunk.text for h in hits)
    assert all("dense" in h.ranks or "bm25" in h.ranks for h in hits)


def test_scoped_bm25_leaves_out_terms_every_chunk_in_scope_holds(retriever):
    # Every Heartbeat Alliance chunk's header names it: the name cannot rank within its own scope.
    mask = retriever.allowed_rows(Filters(providers=("Heartbeat Alliance",)))
    kept = retriever._discriminating(tokenize("Heartbeat Alliance freedom to speak up"), mask)
    assert kept == tokenize("freedom to speak up")
    # A query of nothing but such terms is searched whole rather than not at all.
    assert retriever._discriminating(tokenize("Heartbeat Alliance"), mask) == tokenize("Heartbeat Alliance")


def test_the_page_header_is_found_for_the_service_type(retriever):
    hits = retriever.search("What type of service is Heartbeat Alliance?", Filters(providers=("Heartbeat Alliance",)))
    assert any("Out of hours GP service" in h.chunk.text for h in hits)


def test_a_year_before_the_latest_report_searches_the_providers_history(tmp_path, embedder):
    import shutil
    from pathlib import Path

    from assistant.indexing.build import update_index
    from assistant.session import load_assistant

    real = Path(__file__).resolve().parents[1] / "data" / "real"
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("real_meon-health-practice_2022-07.txt", "real_meon-health-practice_2024-03.txt"):
        shutil.copy(real / name, corpus / name)
    update_index(corpus, tmp_path / "index", embedder)
    retriever = load_assistant(tmp_path / "index", embedder=embedder).retriever
    meon = Filters(providers=("Meon Health Practice",))
    question = "What was Meon Health Practice rated at its July 2022 inspection?"
    hits = retriever.search(question, meon)
    assert any("Overall, the practice is rated as Requires Improvement." in h.chunk.text for h in hits)
    assert {h.chunk.report_id for h in hits} >= {"real_meon-health-practice_2022-07"}
    # Without a year, only the latest report is searched.
    latest = retriever.search("What was Meon Health Practice rated?", meon, k=50)
    assert {h.chunk.report_id for h in latest} == {"real_meon-health-practice_2024-03"}
    # A filter that already chooses reports by date is kept as it is.
    assert retriever.scope(Filters(providers=meon.providers, since="2024-01-01"), question).all_reports is False
