"""Input that is not a plain page: Markdown and HTML markup, pages in no known layout, one huge line.

Markup never reaches a name or a heading; a breadcrumb, a rating word or an address never becomes
a provider's name; an unknown layout is still ingested, with a warning naming what is missing.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from assistant.config import ChunkSettings, IngestSettings
from assistant.ingest.chunk import chunk_reports, embedding_text
from assistant.ingest.parse import UNKNOWN_LAYOUT_WARNING, parse_document, parse_file
from ingest._facts import quote_problems

REAL = Path(__file__).resolve().parents[1] / "data" / "real"
ACCESS = REAL / "real_access-dignity-care_2024-01.txt"
LORDSHIP = REAL / "real_lordship-lane-surgery_2023-05.txt"
# The values two renderings of one page must agree on.
VALUES = ("provider", "registered_provider", "aliases", "address", "postcode", "service_type", "service", "rating",
          "previous_rating", "ratings", "scores", "statement_scores", "dates", "breaches", "layout")


def as_markdown(text: str) -> str:
    """A Markdown rendering of a cqc.org.uk page: the title as "#", key questions as "##", quality
    statements as "###", ratings and scores in bold, bullets as "-"."""
    out = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        stripped = line.strip()
        nxt = next((ln.strip() for ln in lines[i + 1 :] if ln.strip()), "")
        if stripped.startswith("•"):
            out.append(line.replace("•", "-", 1))
        elif stripped in ("Safe", "Effective", "Caring", "Responsive", "Well-led"):
            out.append(f"## {stripped}")
        elif stripped and nxt.startswith("Score:"):
            out.append(f"### {stripped}")
        elif stripped.startswith(("Overall:", "Score:")) or stripped in ("Inadequate", "Requires improvement", "Good"):
            out.append(f"**{stripped}**")
        elif i and stripped and not lines[i - 1].strip() and lines[i - 2].strip().startswith("•"):
            out.append(f"# {stripped}")
        else:
            out.append(line)
    return "\n".join(out)


def test_markdown_page_parses_like_the_page():
    text = ACCESS.read_text(encoding="utf-8")
    markdown = as_markdown(text)
    assert "# Access Dignity Care Limited Also known as Access Dignity" in markdown and "**Inadequate**" in markdown
    [page], [md] = parse_document(text, "access.txt"), parse_document(markdown, "access.md")
    for name in VALUES:
        assert getattr(md, name) == getattr(page, name), name
    assert md.provider == "Access Dignity Care Limited"
    assert [s.path for s in md.sections] == [s.path for s in page.sections]
    for path in (p for s in md.sections for p in s.path):
        assert not re.search(r"[#*_<>`]", path), path
    assert quote_problems(md) == []


def test_markdown_title_loses_its_mark():
    [r] = parse_document("# Thornbury Practice\n\nMinutes of a meeting about the rota.\n", "thornbury.md")
    assert r.provider == r.title == "Thornbury Practice"


def as_html(text: str) -> str:
    """A cqc.org.uk-like HTML page: breadcrumbs in a list, the name in <h1>, key questions in <h2>,
    ratings in <strong>, with site chrome around."""
    body, crumbs = [], []
    for line in text.splitlines():
        stripped = html.escape(line.strip())
        if not stripped:
            continue
        if stripped.startswith("•"):
            crumbs.append(f"<li><a href='#'>{stripped[1:].strip()}</a></li>")
            continue
        if crumbs:
            body.append("<ul class='breadcrumb'>" + "".join(crumbs) + "</ul>")
            crumbs = []
            body.append(f"<h1 class='title'>{stripped}</h1>")
        elif stripped.split(" - ")[0] in ("Safe", "Effective", "Caring", "Responsive", "Well-led"):
            body.append(f"<h2>{stripped}</h2>")
        elif stripped.startswith("Overall:"):
            body.append(f"<p>Overall: <strong>{stripped[8:].strip()}</strong></p>")
        else:
            body.append(f"<p>{stripped}</p>")
    return ("<!DOCTYPE html><html><head><title>CQC</title><script>var x = 1;</script></head><body>"
            "<header><nav>Menu</nav></header><main>" + "\n".join(body) + "</main><footer>Cookies</footer></body></html>")


@pytest.mark.parametrize("source", [ACCESS, LORDSHIP], ids=lambda p: p.stem)
def test_html_page_parses_like_the_page(tmp_path, source):
    text = source.read_text(encoding="utf-8")
    path = tmp_path / f"{source.stem}.html"
    path.write_text(as_html(text), encoding="utf-8")
    [page] = parse_document(text, source.name)
    [report] = parse_file(path, tmp_path)
    for name in VALUES:
        assert getattr(report, name) == getattr(page, name), name
    assert "<" not in report.provider and "Menu" not in report.text and "Cookies" not in report.text
    assert quote_problems(report) == []


def test_breadcrumb_rating_and_address_never_name_the_provider():
    text = ("• Care Home\n  • Care home\n\nGood\n\n12 High Street, Leeds, LS1 1AA (0113) 496 0000\n\n"
            "Notes kept by the home's activities team about the summer fair and the garden party.\n")
    [r] = parse_document(text, "notes/rose-court-2024-06-01.txt")
    assert r.provider == "Rose court"  # from the file name: no line of the page names the place
    assert (r.service_type, r.postcode) == ("Care home", "LS1 1AA")
    assert r.layout == "unknown"
    [warning] = r.warnings
    assert warning.startswith(UNKNOWN_LAYOUT_WARNING + "; could not find a location name, a report or inspection date")


def test_a_rating_badge_after_the_name_is_not_part_of_it():
    text = ("• Hospital\n  • NHS hospital\n\nEpsom General Hospital Requires improvement\n\n"
            "Dorking Road, Epsom, Surrey, KT18 7EG\n\nProvided and run by:\nEpsom and St Helier University "
            "Hospitals NHS Trust\n\nReport from 2 May 2024 assessment\n\nSafe\n\nGood\n\n"
            "This service scored 63 (out of 100) for this area.\n")
    [r] = parse_document(text, "epsom.txt")
    assert r.provider == "Epsom General Hospital"
    assert r.registered_provider == "Epsom and St Helier University Hospitals NHS Trust"
    assert (r.rating, r.scores, r.date) == ("Requires improvement", (("safe", 63),), "2024-05-02")
    assert quote_problems(r) == []


def test_unknown_layout_names_what_it_could_not_find():
    [r] = parse_document("Staff rota for June\n\nMonday: Alex and Sam.\nTuesday: Jo.\n", "rota.txt")
    assert (r.layout, r.provider) == ("unknown", "Staff rota for June")
    assert r.warnings == (f"{UNKNOWN_LAYOUT_WARNING}; could not find a service type, a report or inspection date, "
                          "an overall rating, key question ratings, scores",)
    # One paragraph and no blank line between its lines: a section per line.
    assert [r.section_text(s) for s in r.sections] == ["Monday: Alex and Sam.", "Tuesday: Jo."]


@pytest.mark.slow
def test_one_huge_line_without_sentence_ends_is_parsed_and_chunked_whole(tmp_path):
    """A 1 MB single line (the issue's 5 MB one took 454 s to chunk): every word lands in exactly one
    chunk that fits the window. Timing is measured by ``python -m assistant.bench.ingest_scaling``."""
    from assistant.search.embed import token_counter

    words = re.findall(r"[a-z]+", ACCESS.read_text(encoding="utf-8").lower())
    line = " ".join(words[i % len(words)] for i in range(180_000))
    path = tmp_path / "one-line.txt"
    path.write_text(line)
    [report] = parse_file(path, tmp_path, IngestSettings(max_bytes=2 * 1024 * 1024))
    count = token_counter()
    chunks = chunk_reports([report], count, ChunkSettings(max_tokens=256))
    assert len(chunks) > 500
    assert " ".join(c.text for c in chunks).split() == line.split()
    assert all(count(embedding_text(c.provider, c.section, c.text)) <= 256 for c in chunks[:: len(chunks) // 50])
