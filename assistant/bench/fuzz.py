"""Fuzzing the readers and the parser: whatever a corpus file holds, reading it gives text or a
one-line ``UnreadableDocument``, and parsing that text gives reports, never an exception.

The inputs are built from the lines CQC pages are made of (the shapes the layout readers look
for: key question ratings, dates, "Overall" blocks, scores, headings, bullets, addresses) mixed
with arbitrary text, so the fuzzer reaches the readers' corners rather than stopping at "unknown
layout"; HTML pages wrap such lines in tags left open or closed at random; files are also raw
bytes. ``tests/ingest/test_fuzz.py`` runs a bounded, derandomised number in ``make test``;
``assistant bench --fuzz N`` runs N examples of each property (hypothesis must be installed:
it is a dev dependency).

Each property fails on any exception, and on a report the parser's top-level guard had to
rescue (``LAYOUT_FAILED``): the guard keeps a user's page, but a test must see the bug.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

# Lines in the shapes the header, assessment, inspection, history and prose readers recognise.
PAGE_LINES = (
    "Sunny Practice", "Iridium Medical Practice", "• Hospital", "• NHS hospital", "• GP practice",
    "Also known as Sunny", "Overall: Good", "Overall: Requires improvement", "Provided and run by:",
    "Sunny Health Limited", "Barley Lane, Goodmayes, Ilford, IG3 8YB Tel: 0300 123 4567",
    "Report from 4 February 2025 assessment", "Updated 15 August 2025", "17 May 2023",
    "During a routine inspection", "17 May 2023 During a routine inspection", "During an inspection of Surgery",
    "Are services safe? – Good", "Are services well-led? – Inadequate", "Safe - Requires improvement.",
    "Is the service safe? Good", "Overall rating for this service Good", "This service is rated as Good overall",
    "Overall inspection", "Overall summary & rating", "Overall", "Good", "Outstanding", "Inadequate",
    "Requires improvement", "Our key findings were:", "Background to this inspection", "Safe", "Effective",
    "Caring", "Responsive", "Well-led", "Assessing needs", "Safe systems, pathways and transitions",
    "This service scored 75 (out of 100) for this area.", "Score: 3", "We scored the service as 2.",
    "Contents", "On this page", "- Safe", "- Assessing needs", "Ratings - Urgent and emergency services",
    "Ratings", "• Safe", "Medical care (including older people's care)", "Case study 1: Surrey Heartlands",
    "Provider: Sunny Trust", "Archived: Sunny Practice", "Important: this service is in special measures",
    "We carried out an announced assessment of Sunny Practice from 1 to 3 May 2024.",
    "The provider was in breach of Regulation 12, Regulation 13 and Regulation 18.",
    "At our last assessment we rated this key question inadequate. At this assessment the rating has changed to good.",
    "We rated safe, effective, responsive and well led as requires improvement.",
    "The last comprehensive inspection was in July and August 2021.", "Staff were kind.",
    "Date of inspection visit: 8 and 9 August 2024", "Inspection report", "", "   ",
)
SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf")
HTML_TAGS = ("div", "p", "nav", "header", "footer", "main", "section", "script", "style", "head", "body",
             "li", "ul", "table", "tr", "td", "h1", "h2", "br", "span", "noscript", "template", "title")


def strategies() -> dict[str, Any]:
    """The hypothesis strategies: ``page`` (report-like text), ``html`` (such text in tags) and ``file``
    (a suffix and bytes)."""
    from hypothesis import strategies as st

    known = st.sampled_from(PAGE_LINES)
    # Mostly the page's own lines, in short pages: the readers' corners are reached by their order.
    line = st.one_of(known, known, known, known, st.text(max_size=60),
                     st.text(alphabet="0123456789 :-–•()/.,GoodSafe\t", max_size=30))
    page = st.builds(lambda lines, sep: sep.join(lines), st.lists(line, max_size=12),
                     st.sampled_from(["\n", "\n", "\n", "\r\n", "\n\n", " "]))
    tag = st.sampled_from(HTML_TAGS)
    piece = st.one_of(
        line.map(lambda s: s.replace("<", "&lt;")),
        st.builds(lambda t, s: f"<{t}>{s}", tag, line),  # opened, never closed
        st.builds(lambda t, s: f"<{t}>{s}</{t}>", tag, line),
        tag.map(lambda t: f"</{t}>"),  # closed, never opened
    )
    html = st.builds(lambda head, parts: head + "".join(parts),
                     st.sampled_from(["", "<!DOCTYPE html>", "<html><head><title>Sunny</title>", "<html><body>"]),
                     st.lists(piece, max_size=40))
    raw = st.one_of(st.binary(max_size=400), page.map(lambda s: s.encode("utf-8")),
                    page.map(lambda s: s.encode("cp1252", "replace")), html.map(lambda s: s.encode("utf-8")))
    file = st.tuples(st.sampled_from(SUFFIXES), raw)
    return {"page": page, "html": html, "file": file}


def check_parse(text: str) -> None:
    """Parse ``text``: no exception, no rescued report, every offset inside the text."""
    from assistant.ingest.parse import LAYOUT_FAILED, parse_document

    for report in parse_document(text, "fuzz.txt"):
        assert not any(w.startswith(LAYOUT_FAILED) for w in report.warnings), report.warnings
        assert all(0 <= s.start <= s.end <= len(report.text) for s in report.sections)
        assert all(0 <= f.start <= f.end <= len(report.text) for f in report.facts)


def check_file(suffix: str, data: bytes, folder: Path) -> None:
    """Read ``data`` as a file of ``suffix`` and parse what it holds: only UnreadableDocument may come out."""
    from assistant.errors import UnreadableDocument
    from assistant.ingest.readers import read_document

    path = folder / f"fuzz{suffix}"
    path.write_bytes(data)
    try:
        document = read_document(path)
    except UnreadableDocument as exc:
        assert "\n" not in str(exc) and str(exc)
        return
    check_parse(document.text)


def run(examples: int, seed: int | None = None, log=print) -> dict:
    """Run each property on ``examples`` fresh random inputs (``seed``: the same ones again); returns what
    ran and how long it took. Raises on a failure, with the input that caused it."""
    from hypothesis import HealthCheck, Phase, given, settings

    s = strategies()
    config = settings(max_examples=examples, deadline=None, database=None, phases=[Phase.generate],
                      suppress_health_check=list(HealthCheck))
    out: dict = {"examples": examples, "properties": {}}
    with tempfile.TemporaryDirectory(prefix="assistant-fuzz-") as tmp:
        properties = {
            "parse": given(s["page"])(check_parse),
            "html": given(s["html"])(lambda html: check_file(".html", html.encode("utf-8"), Path(tmp))),
            "file": given(s["file"])(lambda f: check_file(f[0], f[1], Path(tmp))),
        }
        for name, prop in properties.items():
            log(f"  fuzzing {name}: {examples} examples ...")
            started = time.perf_counter()
            runner = config(prop)
            if seed is not None:
                from hypothesis import seed as with_seed

                runner = with_seed(seed)(runner)
            runner()
            out["properties"][name] = {"seconds": round(time.perf_counter() - started, 1)}
    return out
