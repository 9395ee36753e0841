"""Chunks stay inside one section, fit the model's window and quote the report verbatim."""

import pytest

from assistant.ingest.chunk import HEADER_PATH, chunk_reports, embedding_text, header_section, report_sections, section_spans
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
        section = next(s for s in report_sections(report) if s.path == c.section)
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


def test_the_page_header_is_chunked_first(seed_reports, count):
    # The header states the service type, name and date; the parser reads it into fields, no section holds it.
    heartbeat = next(r for r in seed_reports if r.provider == "Heartbeat Alliance")
    chunks = chunk_reports([heartbeat], count)
    assert chunks[0].section == HEADER_PATH
    assert "Out of hours GP service" in chunks[0].text
    assert "Report from 25 April 2024 assessment" in chunks[0].text
    assert chunks[0].end <= heartbeat.sections[0].start
    assert [c.section for c in chunks[1:]] == [c.section for c in chunk_reports([heartbeat], count, header=False)]


def test_a_real_page_header_holds_the_overall_rating_and_provider(count):
    from pathlib import Path

    from assistant.ingest.parse import parse_file

    folder = Path(__file__).resolve().parents[1] / "data" / "real"
    report = parse_file(folder / "real_access-dignity-care_2024-01.txt", folder)[0]
    header = header_section(report)
    text = report.text[header.start:header.end]
    assert "Overall: Inadequate" in text and "Provided and run by:\nAccess Dignity Care Limited" in text
    assert text.startswith("• Services in your home")


def test_only_the_first_report_of_a_document_has_a_page_header(seed_reports):
    studies = [r for r in seed_reports if "#" in r.report_id]
    assert len(studies) >= 2
    assert all(header_section(r) is None for r in studies if not r.report_id.endswith("#1"))
