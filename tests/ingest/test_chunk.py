"""Chunks stay inside one section, fit the model's window and quote the report verbatim."""

import pytest

from assistant.ingest.chunk import chunk_reports, embedding_text, section_spans
from assistant.config import ChunkSettings
from assistant.search.embed import token_counter
from assistant.models import Report, Section


@pytest.fixture(scope="module")
def count():
    return token_counter()


@pytest.fixture(scope="module")
def seed_reports(corpus_dir):
    from assistant.ingest.parse import parse_file

    return [r for f in sorted(corpus_dir.iterdir()) for r in parse_file(f, corpus_dir)]


def test_chunks_never_cross_a_section_and_fit_the_window(seed_reports, count):
    chunks = chunk_reports(seed_reports, count, ChunkSettings(max_tokens=256))
    reports = {r.report_id: r for r in seed_reports}
    assert len({c.chunk_id for c in chunks}) == len(chunks)
    for c in chunks:
        report = reports[c.report_id]
        section = next(s for s in report.sections if s.path == c.section)
        assert section.start <= c.start < c.end <= section.end
        assert c.text == report.text[c.start : c.end]
        assert count(embedding_text(c.provider, c.section, c.text)) <= 256


def test_long_section_splits_at_sentence_boundaries(seed_reports, count):
    # Iridium's Overview is over 500 words: it must be split, and at sentence ends.
    iridium = next(r for r in seed_reports if r.provider == "Iridium Medical Practice")
    overview = next(s for s in iridium.sections if s.path[-1] == "Overview")
    spans = section_spans(iridium, overview, count, ChunkSettings(max_tokens=128))
    assert len(spans) >= 4
    for s, e in spans:
        assert iridium.text[e - 1] in ".:!?", iridium.text[s:e][-40:]
    # Consecutive chunks tile the section without overlap when overlap is 0.
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))
    assert spans[0][0] == overview.start or iridium.text[overview.start : spans[0][0]].strip() == ""


def test_overlap_repeats_the_last_sentence(seed_reports, count):
    iridium = next(r for r in seed_reports if r.provider == "Iridium Medical Practice")
    overview = next(s for s in iridium.sections if s.path[-1] == "Overview")
    plain = section_spans(iridium, overview, count, ChunkSettings(max_tokens=128, overlap_sentences=0))
    over = section_spans(iridium, overview, count, ChunkSettings(max_tokens=128, overlap_sentences=1))
    assert len(over) >= len(plain)
    assert any(b[0] < a[1] for a, b in zip(over, over[1:]))


def test_a_sentence_longer_than_the_window_is_split_at_words(count):
    sentence = " ".join(["governance"] * 400) + "."
    report = Report("r", "r.txt", "R", "Provider", "unknown", sentence, (Section(("R",), 0, len(sentence)),))
    chunks = chunk_reports([report], count, ChunkSettings(max_tokens=64))
    assert len(chunks) > 1
    assert all(count(embedding_text(c.provider, c.section, c.text)) <= 64 for c in chunks)
    assert "".join(c.text.replace(" ", "") for c in chunks) == sentence.replace(" ", "")


def test_chunk_ids_count_up_from_first_id(seed_reports, count):
    chunks = chunk_reports(seed_reports[:1], count, first_id=100)
    assert [c.chunk_id for c in chunks] == list(range(100, 100 + len(chunks)))
    assert all(c.provider == "Heartbeat Alliance" and c.source == "heartbeat-alliance-2024-04-25.txt" for c in chunks)


def test_scaling_benchmark_measures_both_shapes():
    """A tiny run of ``python -m assistant.bench.ingest_scaling``: it measures, it does not judge."""
    from assistant.bench.ingest_scaling import run

    lines = []
    rows = run([0.02], log=lines.append)
    assert [r["shape"] for r in rows] == ["prose", "one line"] and len(lines) == 2
    assert all(r["chunks"] > 0 and r["parse_s"] >= 0 and r["chunk_s"] >= 0 for r in rows)
