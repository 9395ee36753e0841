"""Incremental updates: only new chunks are embedded, unchanged ones keep their ids, vectors and terms."""

from __future__ import annotations

import shutil

import numpy as np
from _indexing import (
    HEARTBEAT,
    live_segments,
    HERTS,
    IRIDIUM,
    IRIDIUM_QUESTION,
    IRIDIUM_SENTENCE,
    SpyEmbedder,
    assert_iridium_scored_50,
    assistant_for,
    chunk_count,
)
from conftest import SEED_CORPUS

from assistant.config import IndexSettings
from assistant.indexing import versions
from assistant.indexing.add import add_files
from assistant.indexing.build import update_index
from assistant.indexing.load import load_index
from assistant.indexing.segments import terms
from assistant.models import Filters
from assistant.search.tokens import tokenize


def test_first_update_builds_the_index(tmp_path, embedder):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    shutil.copy(SEED_CORPUS / HERTS, corpus / HERTS)
    summary = update_index(corpus, index, embedder)
    assert summary.added == [HERTS]
    assert (summary.changed, summary.removed, summary.skipped) == ([], [], {})
    assert summary.chunks_embedded == chunk_count(corpus / HERTS) == 7
    assert summary.published and summary.version == "v000001"
    assert live_segments(index) == ["s000001"]


def test_adding_one_report_embeds_only_its_chunks(two, embedder):
    corpus, index = two
    before = load_index(index, embedder.name)
    (old_segment,) = live_segments(index)
    old_files = {p.name: (p.read_bytes(), p.stat().st_mtime_ns)
                 for p in versions.segment_dir(index, old_segment).iterdir()}
    shutil.copy(SEED_CORPUS / HEARTBEAT, corpus / HEARTBEAT)
    spy = SpyEmbedder(embedder)
    summary = update_index(corpus, index, spy)

    assert summary.added == [HEARTBEAT]
    assert (summary.changed, summary.removed, summary.skipped) == ([], [], {})
    assert summary.chunks_embedded == chunk_count(corpus / HEARTBEAT) == 11
    chunk_texts = [t for t in spy.texts if t.startswith("Heartbeat Alliance | ")]
    assert len(chunk_texts) == 11  # (the sentence table may embed Heartbeat's sentences too)
    # The update appended one segment holding only the new report; the old one was not touched.
    assert live_segments(index) == [old_segment, "s000002"]
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns)
            for p in versions.segment_dir(index, old_segment).iterdir()} == old_files
    new = versions.segment_dir(index, "s000002")
    assert "Heartbeat Alliance" in (new / "reports.json").read_text()
    assert "Iridium" not in (new / "reports.json").read_text()

    after = load_index(index, embedder.name)
    assert len(after.chunks) == len(before.chunks) + 11 == after.vectors.ntotal
    # Unchanged chunks keep their ids and their exact vectors; new ids continue from next_chunk_id.
    old_ids = [c.chunk_id for c in before.chunks]
    assert [c.chunk_id for c in after.chunks[: len(old_ids)]] == old_ids
    assert [c.chunk_id for c in after.chunks[len(old_ids) :]] == list(range(19, 30))
    assert after.manifest.next_chunk_id == 30
    ids = np.asarray(old_ids, dtype=np.int64)
    assert np.array_equal(after.vectors.reconstruct(ids), before.vectors.reconstruct(ids))

    assistant = assistant_for(index, embedder)
    answer = assistant.ask("What was Heartbeat Alliance's well-led score?")
    assert "scored 75 out of 100" in answer.text
    assert answer.citations[0].report == "heartbeat-alliance-2024-04-25"
    assert answer.citations[0].text == "This service scored 75 (out of 100) for this area."
    assert_iridium_scored_50(assistant)


def test_change_and_removal(two, embedder):
    corpus, index = two
    before = load_index(index, embedder.name)
    herts = before.manifest.files[HERTS]
    iridium_ids = set(range(before.manifest.files[IRIDIUM].first_chunk,
                            before.manifest.files[IRIDIUM].first_chunk + 11))
    path = corpus / IRIDIUM
    path.chmod(0o644)
    path.write_text(path.read_text(encoding="utf-8").replace("scored 50", "scored 55"), encoding="utf-8")

    changed = update_index(corpus, index, embedder)
    assert changed.changed == [IRIDIUM]
    assert (changed.added, changed.removed) == ([], [])
    assert changed.chunks_embedded == chunk_count(path) == 12
    data = load_index(index, embedder.name)
    kept = data.manifest.files[HERTS]
    assert (kept.sha256, kept.first_chunk, kept.chunks) == (herts.sha256, herts.first_chunk, herts.chunks)
    assert not iridium_ids & {c.chunk_id for c in data.chunks}
    # 12 of the first segment's 19 rows were deleted, past IndexSettings.max_deleted_share: it was rewritten
    # without them (Hertfordshire's ids kept); Iridium's new chunks are the new segment.
    first, second = data.manifest.segments
    assert first.ranges == ((herts.first_chunk, 7),) and first.deleted == ()
    assert second.ranges == ((19, 12),) and data.manifest.files[IRIDIUM].segment == second.name
    answer = assistant_for(index, embedder).ask(IRIDIUM_QUESTION)
    assert "scored 55 out of 100" in answer.text
    assert answer.citations[0].text == "This service scored 55 (out of 100) for this area."

    (corpus / HERTS).unlink()
    removed = update_index(corpus, index, embedder)
    assert removed.removed == [HERTS]
    assert (removed.added, removed.changed, removed.chunks_embedded) == ([], [], 0)
    data = load_index(index, embedder.name)
    assert list(data.manifest.files) == [IRIDIUM]
    assert data.vectors.ntotal == len(data.chunks) == 12
    assert [s.name for s in data.manifest.segments] == [second.name]  # no live chunk left in the first
    assert {r.provider for r in data.reports.values()} == {"Iridium Medical Practice"}


def test_bm25_across_segments_scores_as_rank_bm25_over_the_live_chunks(two, embedder):
    """Global idf and average length: BM25 over several segments with deletions is one BM25."""
    from rank_bm25 import BM25Okapi

    corpus, index = two
    shutil.copy(SEED_CORPUS / HEARTBEAT, corpus / HEARTBEAT)
    path = corpus / IRIDIUM
    path.chmod(0o644)
    path.write_text(path.read_text(encoding="utf-8").replace("scored 50", "scored 55"), encoding="utf-8")
    update_index(corpus, index, embedder, index_settings=IndexSettings(max_deleted_share=1.0))  # keep deleted rows
    data = load_index(index, embedder.name)
    assert len(data.manifest.segments) == 2 and data.manifest.segments[0].deleted
    reference = BM25Okapi(terms(data.chunks))
    for query in ("freedom to speak up guardian", "governance leaders staff", "scored 55 well-led"):
        q = tokenize(query)
        assert np.allclose(data.bm25.scores(q), reference.get_scores(q), rtol=0, atol=1e-9)
        assert data.bm25.scores(q).max() > 0


def test_update_with_nothing_new_publishes_nothing(two, embedder):
    corpus, index = two
    current = (index / "CURRENT").read_text()
    summary = update_index(corpus, index, embedder)
    assert not summary.published
    assert (summary.added, summary.changed, summary.removed, summary.chunks_embedded) == ([], [], [], 0)
    assert summary.version == current.split()[0]
    assert (index / "CURRENT").read_text() == current
    assert summary.to_json().keys() == {"added", "changed", "removed", "skipped", "chunks_embedded", "seconds"}


def test_running_assistant_keeps_the_version_it_loaded(two, embedder):
    corpus, index = two
    running = assistant_for(index, embedder)
    (corpus / HERTS).unlink()
    shutil.copy(SEED_CORPUS / HEARTBEAT, corpus / HEARTBEAT)
    update_index(corpus, index, embedder)
    # The running chat still answers from what it loaded, removed report included.
    answer = running.ask("What was Hertfordshire's overall rating?")
    assert "Good" in answer.text and answer.citations[0].report == "hertfordshire-iuc-huc-hq-2023-11-21"
    assert "Heartbeat Alliance" not in running.catalog.providers()
    # Reloading (what /reindex and a restart do) picks up the new version.
    reloaded = assistant_for(index, embedder)
    assert "Heartbeat Alliance" in reloaded.catalog.providers()
    assert "Hertfordshire IUC Service and HUC HQ" not in reloaded.catalog.providers()


def test_newer_report_is_used_by_default_and_compared(two, embedder, tmp_path):
    corpus, index = two
    newer = tmp_path / "iridium-medical-practice-2025-06-02.txt"
    text = (SEED_CORPUS / IRIDIUM).read_text(encoding="utf-8")
    newer.write_text(text.replace("Report from 13 January 2025", "Report from 2 June 2025")
                     .replace("scored 50", "scored 70"), encoding="utf-8")
    summary = add_files([newer], corpus, index, embedder)
    assert summary.added == [newer.name] and summary.chunks_embedded == 12
    assert (corpus / newer.name).read_bytes() == newer.read_bytes()
    assistant = assistant_for(index, embedder)

    latest = assistant.ask(IRIDIUM_QUESTION)
    assert latest.text == "- **Iridium Medical Practice (2 June 2025)**: scored 70 out of 100 for Well-led [1]"
    assert [(c.report, c.date, c.text) for c in latest.citations] == [
        ("iridium-medical-practice-2025-06-02", "2025-06-02", "This service scored 70 (out of 100) for this area.")
    ]

    both = assistant.ask(IRIDIUM_QUESTION, Filters(all_reports=True))
    assert [(c.date, c.text[:22]) for c in both.citations] == [
        ("2025-06-02", "This service scored 70"), ("2025-01-13", "This service scored 50")
    ]
    assert "(2 June 2025)**: scored 70" in both.text and "(13 January 2025)**: scored 50" in both.text

    change = assistant.ask("How has Iridium Medical Practice changed since its last inspection?")
    assert not change.no_answer
    assert {c.report for c in change.citations} == {
        "iridium-medical-practice-2025-06-02", "iridium-medical-practice-2025-01-13"
    }
    by_text = {(c.report, c.text): c.n for c in change.citations}
    new_n = by_text["iridium-medical-practice-2025-06-02", "This service scored 70 (out of 100) for this area."]
    old_n = by_text["iridium-medical-practice-2025-01-13", IRIDIUM_SENTENCE]
    assert f"Since the 13 January 2025 report: Well-led score from 50 [{old_n}] to 70 [{new_n}]" in change.text
    assert "(2 June 2025)" in change.text and "(13 January 2025)" in change.text


def test_change_question_with_one_report_cites_its_own_comparison(two, embedder):
    corpus, index = two
    answer = assistant_for(index, embedder).ask("How has Iridium Medical Practice changed since its last inspection?")
    assert "Only one report of Iridium Medical Practice is indexed" in answer.text
    texts = [c.text for c in answer.citations]
    assert "At our last assessment, we rated this key question as good." in texts
    assert IRIDIUM_SENTENCE in texts


def test_updates_above_the_approximate_threshold_use_ivf(tmp_path, embedder):
    """With the IVF threshold lowered below the corpus size, build and update still answer exactly."""
    ivf = IndexSettings(approximate_above=5)
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    for name in (IRIDIUM, HERTS):
        shutil.copy(SEED_CORPUS / name, corpus / name)
    update_index(corpus, index, embedder, index_settings=ivf)
    shutil.copy(SEED_CORPUS / HEARTBEAT, corpus / HEARTBEAT)
    summary = update_index(corpus, index, embedder, index_settings=ivf)
    assert summary.added == [HEARTBEAT]
    assistant = assistant_for(index, embedder)
    assert [s.vectors for s in assistant.data.manifest.segments] == ["ivf", "ivf"]
    answer = assistant.ask(IRIDIUM_QUESTION)
    assert answer.citations[0].text == IRIDIUM_SENTENCE
    hits = assistant.retriever.search("Freedom to Speak Up Guardian awareness", mode="dense", k=3)
    assert hits and hits[0].chunk.provider == "Heartbeat Alliance"
