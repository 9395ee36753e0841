"""Readers: .txt/.md decoding, HTML and PDF extraction, and the one-line refusal reasons."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from assistant.config import IngestSettings
from assistant.ingest.parse import parse_document, parse_file
from ingest._facts import quote_problems
from assistant.ingest.readers import (
    MAX_BYTES,
    SUPPORTED_SUFFIXES,
    Document,
    UnreadableDocument,
    UnsupportedFormat,
    read_document,
)

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
HEARTBEAT = CORPUS / "heartbeat-alliance-2024-04-25.txt"


def make_pdf(pages: list[list[str]]) -> bytes:
    """A minimal valid PDF: Type1 Helvetica, one BT/Tj text object per page, one line per T*."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in below
    pages_obj = add(b"")
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    kids = []
    for lines in pages:
        ops = b"".join(b"<" + line.encode("cp1252").hex().encode() + b"> Tj T* " for line in lines)
        content = b"BT /F1 9 Tf 11 TL 36 760 Td " + ops + b"ET" if lines else b""
        stream = add(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 %d 0 R >> >>"
                        b" /Contents %d 0 R >>" % (pages_obj, font, stream)))
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages_obj
    objects[pages_obj - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids), len(kids))

    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, catalog, xref)
    return bytes(out)


def make_html(text: str) -> str:
    """An HTML page of a .txt seed: bullets as <li> in a <ul>, other lines as <p>, plus page chrome."""
    body, in_list = [], False
    for line in text.splitlines():
        if line.startswith("- ") != in_list:
            body.append("<ul>" if not in_list else "</ul>")
            in_list = not in_list
        if line.startswith("- "):
            body.append(f"<li>{html.escape(line[2:])}</li>")
        elif line.strip():
            body.append(f"<p>\n  {html.escape(line)}\n</p>")
    body.append("</ul>" if in_list else "")
    return (
        "<!DOCTYPE html><html><head><title>CQC</title><style>p {color: red}</style></head><body>"
        "<header>Care Quality Commission</header><nav><a href='/'>Home</a></nav>"
        "<script>var tracking = 1;</script>" + "\n".join(body) + "<footer>Cookies</footer></body></html>"
    )


def test_constants():
    assert SUPPORTED_SUFFIXES == (".txt", ".md", ".html", ".htm", ".pdf")
    assert MAX_BYTES == IngestSettings().max_bytes == 1024 * 1024
    # A PDF or HTML file carries fonts and markup: the file may be larger, its text may not.
    assert IngestSettings().file_limit(".pdf") == IngestSettings().file_limit(".htm") == 8 * MAX_BYTES
    assert IngestSettings().file_limit(".md") == MAX_BYTES


def test_reads_utf8_seed_verbatim():
    doc = read_document(HEARTBEAT)
    assert isinstance(doc, Document)
    assert doc.text == HEARTBEAT.read_text(encoding="utf-8")
    assert doc.notes == ()


def test_strips_bom_and_normalises_line_endings(tmp_path):
    path = tmp_path / "a.md"
    path.write_bytes(b"\xef\xbb\xbfTitle\r\nLine two\rLine three\n")
    doc = read_document(path)
    assert doc.text == "Title\nLine two\nLine three\n"
    assert doc.notes == ()


def test_non_utf8_falls_back_to_cp1252_with_a_note(tmp_path):
    path = tmp_path / "old.txt"
    path.write_bytes("Staff said it was \u2018bank\u2019 work \u2013 caf\u00e9.".encode("cp1252"))
    doc = read_document(path)
    assert doc.text == "Staff said it was \u2018bank\u2019 work \u2013 caf\u00e9."
    assert doc.notes == ("not UTF-8: decoded as cp1252",)


def test_bytes_undefined_in_cp1252_fall_back_to_latin1(tmp_path):
    path = tmp_path / "odd.txt"
    report = HEARTBEAT.read_text(encoding="utf-8").encode("latin-1", "replace")  # a real report, one odd byte
    path.write_bytes(report + b"\nCaf\xe9 \x81 here\n")
    doc = read_document(path)
    assert doc.text.endswith("Caf\u00e9 \x81 here\n")
    assert doc.notes == ("not UTF-8: decoded as latin-1",)


def test_binary_without_nul_bytes_is_not_read_as_text(tmp_path):
    """Random bytes decode as latin-1 without error: their text is judged, and refused."""
    import random

    rng = random.Random(7)
    path = tmp_path / "photo.txt"
    path.write_bytes(bytes(rng.randrange(1, 256) for _ in range(40_000)))
    with pytest.raises(UnreadableDocument) as info:
        read_document(path)
    assert str(info.value).startswith("not readable text: ")
    assert str(info.value).endswith("(binary data?)") and "\n" not in str(info.value)
    # Printable noise (no control characters) has no words: refused too.
    path.write_bytes(bytes(rng.choice(list(range(33, 127)) + list(range(161, 256))) for _ in range(40_000)))
    with pytest.raises(UnreadableDocument, match=r"^not readable text: only \d+% of it reads as words"):
        read_document(path)


@pytest.mark.parametrize("content", [b"", b"   \n\t\r\n"])
def test_empty_file(tmp_path, content):
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    with pytest.raises(UnreadableDocument, match="^empty file$"):
        read_document(path)


def test_binary_file(tmp_path):
    path = tmp_path / "image.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(UnreadableDocument, match="^binary file, not text$"):
        read_document(path)


def test_unsupported_format(tmp_path):
    path = tmp_path / "report.docx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(UnsupportedFormat) as info:
        read_document(path)
    assert str(info.value) == "unsupported format .docx (supported: .txt .md .html .htm .pdf)"
    assert isinstance(info.value, UnreadableDocument)


def test_too_large(tmp_path):
    path = tmp_path / "big.txt"
    with open(path, "wb") as fh:  # sparse: costs no disk
        fh.truncate(int(1.5 * 1024 * 1024))
    with pytest.raises(UnreadableDocument) as info:
        read_document(path)
    assert str(info.value) == "file is 1.5 MB, over the 1 MB limit"


def test_text_over_the_limit_in_a_page_under_the_file_limit(tmp_path):
    path = tmp_path / "long.html"
    sentence = "Staff told us they felt supported by leaders and knew how to raise concerns. "
    path.write_text("<html><body>" + "".join(f"<p>{sentence * 40}</p>" for _ in range(400)) + "</body></html>")
    with pytest.raises(UnreadableDocument, match=r"^its text is 1\.2 MB, over the 1 MB limit$"):
        read_document(path)
    assert read_document(path, IngestSettings(max_bytes=2 * 1024 * 1024)).text.startswith("Staff told us")


def test_max_bytes_is_overridable(tmp_path):
    path = tmp_path / "small.txt"
    path.write_text("Staff knew how to raise concerns. " * 60)
    with pytest.raises(UnreadableDocument, match="over the 1 KB limit"):
        read_document(path, IngestSettings(max_bytes=1024))
    assert read_document(path, IngestSettings(max_bytes=4096)).text.startswith("Staff knew")


def test_html_drops_chrome_and_puts_blocks_on_lines(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><script>alert(1)</script><style>.x{}</style></head><body>"
        "<header>Site header</header><nav>Menu</nav>"
        "<h1>Heartbeat   Alliance</h1><div><p>First <b>bold</b>\n para.</p><p>Second.</p></div>"
        "<ul><li>One</li><li>Two</li></ul>"
        "<table><tr><th>Barriers</th><th>Opportunities</th></tr><tr><td>A</td><td>B</td></tr></table>"
        "<footer>Footer text</footer></body></html>",
        encoding="utf-8",
    )
    doc = read_document(path)
    assert doc.text == "Heartbeat Alliance\nFirst bold para.\nSecond.\n- One\n- Two\nBarriers\tOpportunities\nA\tB"
    for chrome in ("alert", "Site header", "Menu", "Footer", ".x{}"):
        assert chrome not in doc.text


def test_html_version_of_seed_reads_like_the_txt(tmp_path):
    path = tmp_path / "heartbeat.htm"
    path.write_text(make_html(HEARTBEAT.read_text(encoding="utf-8")), encoding="utf-8")
    assert read_document(path).text == HEARTBEAT.read_text(encoding="utf-8").strip()


def test_pdf_pages_joined_by_blank_line(tmp_path):
    path = tmp_path / "two.pdf"
    path.write_bytes(make_pdf([["Page one line", "Second line"], ["Page two"]]))
    doc = read_document(path)
    lines = [ln.strip() for ln in doc.text.split("\n")]
    assert lines == ["Page one line", "Second line", "", "Page two"]
    assert "\r" not in doc.text


def test_pdf_without_text_layer(tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(make_pdf([[], []]))
    with pytest.raises(UnreadableDocument) as info:
        read_document(path)
    assert str(info.value) == "PDF has no text layer (scanned?)"


def test_corrupt_pdf(tmp_path):
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4\nthis is not really a pdf at all\n")
    with pytest.raises(UnreadableDocument) as info:
        read_document(path)
    assert str(info.value).startswith("corrupt PDF: ")
    assert "\n" not in str(info.value)


def test_html_and_pdf_versions_parse_like_the_txt(tmp_path):
    text = HEARTBEAT.read_text(encoding="utf-8")
    [expected] = parse_document(text, HEARTBEAT.name)
    lines = text.splitlines()
    (tmp_path / "heartbeat.html").write_text(make_html(text), encoding="utf-8")
    (tmp_path / "heartbeat.pdf").write_bytes(make_pdf([lines[:16], lines[16:]]))
    for name in ("heartbeat.html", "heartbeat.pdf"):
        [report] = parse_file(tmp_path / name, tmp_path)
        assert report.source == name
        assert report.report_id == "heartbeat"
        assert report.layout == "assessment"
        assert (report.provider, report.score, report.rating, report.date) == (
            expected.provider, expected.score, expected.rating, expected.date)
        assert [s.path for s in report.sections] == [s.path for s in expected.sections]
        assert report.fact("score:well-led").value == "75"


def test_reader_notes_become_report_warnings(tmp_path):
    path = tmp_path / "legacy.txt"
    path.write_bytes(HEARTBEAT.read_text(encoding="utf-8").encode("cp1252"))
    [report] = parse_file(path, tmp_path)
    assert report.warnings == ("not UTF-8: decoded as cp1252",)
    assert report.score == 75


# --- PDFs as CQC publishes them ---------------------------------------------------------------

REAL = Path(__file__).resolve().parents[1] / "data" / "real"
ACCESS = REAL / "real_access-dignity-care_2024-01.txt"
RUNNING_HEADER = "Access Dignity Care Limited Assessment report 16 January 2024"


def wrapped_lines(text: str, width: int = 92) -> list[str]:
    """The report's lines wrapped as a page would, hyphenating a long word where one starts a line."""
    import textwrap

    out = []
    for paragraph in text.splitlines():
        lines = textwrap.wrap(paragraph, width) or [""]
        for k in range(len(lines) - 1):
            head, _, rest = lines[k + 1].partition(" ")
            if len(head) >= 8 and head.isalpha() and head.islower():
                lines[k], lines[k + 1] = f"{lines[k]} {head[:4]}-", f"{head[4:]} {rest}".strip()
        out += lines
    return out


def report_pdf(lines: list[str]) -> bytes:
    """A PDF of ``lines`` with a running header, a running footer and a page number on every page."""
    from fpdf import FPDF

    class Page(FPDF):
        def header(self):
            self.set_font("helvetica", size=8)
            self.cell(0, 5, RUNNING_HEADER, align="C", new_x="LMARGIN", new_y="NEXT")
            self.ln(4)

        def footer(self):
            self.set_y(-15)
            self.set_font("helvetica", size=8)
            self.cell(0, 5, "Care Quality Commission - report published 16 January 2024", align="L",
                      new_x="LMARGIN", new_y="NEXT")
            self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="C")

    pdf = Page()
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    pdf.set_font("helvetica", size=10)
    for line in lines:
        if line:
            pdf.cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.ln(3)
    return bytes(pdf.output())


def test_report_pdf_loses_its_page_furniture_and_parses_like_the_page(tmp_path):
    # Helvetica in a PDF has no curly quotes or bullets; the page's text otherwise as published.
    text = ACCESS.read_text(encoding="utf-8").replace("\u2019", "'").replace("\u2022", "-")
    lines = wrapped_lines(text)
    assert sum(line.endswith("-") for line in lines) >= 5  # the test does hyphenate words
    path = tmp_path / "access-dignity.pdf"
    path.write_bytes(report_pdf(lines))

    [report] = parse_file(path, tmp_path)
    [page] = parse_document(text, "access-dignity.txt")
    assert report.text.count("\n") < len(lines) / 2  # wrapped lines are paragraphs again
    for furniture in (RUNNING_HEADER, "Care Quality Commission - report", "Page 1 of", "Page 2 of"):
        assert furniture not in report.text
    for hyphenated in [ln for ln in lines if ln.endswith("-")]:
        assert hyphenated not in report.text
    # The words of the page, every one, and nothing else: only line breaks and hyphens moved.
    assert report.text.split() == [w for w in " ".join(text.split()).split()]
    for name in ("provider", "registered_provider", "aliases", "address", "postcode", "service_type", "rating",
                 "ratings", "date", "date_text", "layout", "breaches", "scores", "statement_scores", "dates"):
        assert getattr(report, name) == getattr(page, name), name
    assert [s.path for s in report.sections] == [s.path for s in page.sections]
    assert quote_problems(report) == []  # every offset indexes the extracted text exactly
    cited = report.fact("score:caring")
    assert report.text[cited.start : cited.end] == "This service scored 50 (out of 100) for this area."


def test_hyphen_kept_where_the_document_writes_the_word_with_it():
    from assistant.ingest.pdf import clean_pages

    wide = "The service was rated as requires improvement for being well-led and safe at this time of the"
    pages = [[wide, "year, and leaders were asked to make improvements to how the service was well-",
              "led and how staff were recruit-", "ed into their roles.", "Page 1"],
             ["Next page heading", "Page 2"]]
    assert clean_pages(pages) == (
        f"{wide} year, and leaders were asked to make improvements to how the service was well-led and "
        "how staff were recruited into their roles.\n\nNext page heading")


# -- HTML as a browser reads it (issue 19) ----------------------------------------------------------

BODY = "<h1>Sunny Practice</h1><p>Staff were kind.</p><p>This service scored 75 (out of 100) for this area.</p>"
BODY_LINES = ["Sunny Practice", "Staff were kind.", "This service scored 75 (out of 100) for this area."]


@pytest.mark.parametrize("page", [
    "<html><head><title>CQC</title><meta charset='utf-8'>" + BODY,  # no </head>, no <body>: both implied
    "<html><head><title>CQC</title><body>" + BODY + "</body></html>",  # no </head>
    "<html><body><nav><a href='/'>Home</a> " + BODY + "</body></html>",  # <nav> never closed
    "<html><body><header><a href='/'>CQC</a> " + BODY,  # <header> never closed
    "<html><head><style>p { color: red }</head><body>" + BODY,  # <style> never closed
    "<html><body><script>var x = 1;\n" + BODY,  # <script> never closed
    "<html><head><title>CQC</head><body>" + BODY,  # <title> never closed
    "<p>" + BODY,  # a fragment
], ids=["no-head-end", "no-head-end-2", "open-nav", "open-header", "open-style", "open-script", "open-title",
        "fragment"])
def test_html_mistakes_a_page_can_make_keep_all_its_body_text(tmp_path, page):
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    lines = read_document(path).text.splitlines()
    assert [line for line in lines if line in BODY_LINES] == BODY_LINES, lines


def test_closed_furniture_is_still_dropped(tmp_path):
    path = tmp_path / "page.html"
    path.write_text("<html><head><title>CQC</title></head><body><header>Site header</header><nav>Menu</nav>"
                    + BODY + "<script>var x;</script><footer>Cookies</footer></body></html>", encoding="utf-8")
    assert read_document(path).text.splitlines() == BODY_LINES


def test_deeply_nested_html_is_read_without_recursion(tmp_path):
    path = tmp_path / "deep.html"
    path.write_text("<html><body>" + "<div>" * 20_000 + BODY + "</div>" * 20_000 + "</body></html>",
                    encoding="utf-8")
    assert read_document(path).text.splitlines() == BODY_LINES


def test_html_is_empty_only_when_the_page_has_no_text(tmp_path):
    only_furniture = tmp_path / "nav.html"
    only_furniture.write_text("<html><head><title>Sunny Practice</title></head><body><nav>Inspection reports "
                              "are listed by date.</nav></body></html>", encoding="utf-8")
    assert read_document(only_furniture).text.splitlines() == ["Sunny Practice", "Inspection reports are listed by date."]
    blank = tmp_path / "blank.html"
    blank.write_text("<html><head><script>var x = 'words words words';</script></head><body> <br> </body></html>",
                     encoding="utf-8")
    with pytest.raises(UnreadableDocument, match="empty file"):
        read_document(blank)
