"""Fuzzing the readers and the parser (``assistant.bench.fuzz``): no input raises anything but a one-line
``UnreadableDocument``, and the parser never needs its top-level guard.

A bounded, derandomised run here (the same examples every time, so CI is not flaky); ``assistant bench
--fuzz N`` runs long ones. The two inputs an outside fuzzer found (IndexErrors in the inspection and the
assessment readers) are kept as regression cases.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings

from assistant.bench import fuzz
from assistant.ingest.parse import LAYOUT_FAILED, parse_document

BOUNDED = settings(max_examples=150, deadline=None, database=None, derandomize=True,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
S = fuzz.strategies()

FOUND = {  # issue 19: IndexError at inspection.py:76 and at assessment.py:135
    "inspection": "Sunny Practice\nAre services safe? – Good\n17 May 2023 During a routine inspection",
    "assessment": "Good\nAssessing needs\nOverall\nGood\nUpdated 15 August 2025\n"
                  "Staff were kind. This service scored 75 (out of 100) for this area.",
}


@pytest.mark.parametrize("layout", FOUND)
def test_the_inputs_the_fuzzer_found_parse_in_their_layout(layout):
    (report,) = parse_document(FOUND[layout], "found.txt")
    assert report.layout == layout and not report.warnings
    if layout == "inspection":
        assert (report.ratings, report.date) == ((("safe", "Good"),), "2023-05-17")
    else:
        assert report.scores == (("effective", 75),)


def test_a_failing_layout_reader_keeps_the_page_and_says_so(monkeypatch):
    from assistant.ingest.parse import inspection

    def broken(*args):
        raise IndexError("list index out of range")

    monkeypatch.setattr(inspection, "read", broken)
    (report,) = parse_document(FOUND["inspection"], "found.txt")
    assert report.layout == "unknown" and "17 May 2023 During a routine inspection" in report.text
    assert report.warnings[0].startswith(f"{LAYOUT_FAILED} (IndexError at test_fuzz.py:")
    assert sum(len(report.text[s.start:s.end]) for s in report.sections) > 0


@BOUNDED
@given(S["page"])
@example(FOUND["inspection"])
@example(FOUND["assessment"])
def test_parsing_any_page_raises_nothing(text):
    fuzz.check_parse(text)


@BOUNDED
@given(S["html"])
def test_reading_any_html_raises_only_unreadable(tmp_path, html):
    fuzz.check_file(".html", html.encode("utf-8"), tmp_path)


@BOUNDED
@given(S["file"])
def test_reading_any_file_raises_only_unreadable(tmp_path, file):
    fuzz.check_file(*file, tmp_path)
