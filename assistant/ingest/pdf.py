"""Text of a report PDF as CQC publishes them: running header, footer and page numbers removed,
words hyphenated across line breaks joined, and lines wrapped by the page width rejoined.

The result is the text every offset indexes: it is built here once and never altered after.
"""

from __future__ import annotations

import io
import re
from collections import Counter

from assistant.errors import UnreadableDocument
from assistant.text import bullet_mark, normalise

# A page-number line: "3", "Page 3", "Page 3 of 12", "3 / 12", "- 3 -".
_PAGE_NUMBER = re.compile(r"^(?:page\s*)?[-–]?\s*\d{1,4}\s*[-–]?(?:\s*(?:of|/)\s*\d{1,4})?$", re.I)
_DIGITS = re.compile(r"\d+")
_ZONE = 3  # lines at the top and at the bottom of a page where running headers and footers sit
_TERMINAL = ".!?:;"
_HYPHENATED = re.compile(r"([A-Za-z]+)-$")
_FIRST_WORD = re.compile(r"^([a-z]+)")


def pdf_text(data: bytes) -> str:
    """The cleaned text layer of a PDF. Raises UnreadableDocument for a damaged, encrypted or
    scanned (text-less) file."""
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableDocument("encrypted PDF")
        pages = [(page.extract_text() or "") for page in reader.pages]
    except UnreadableDocument:
        raise
    except Exception as exc:  # pypdf raises many types for damaged files
        reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise UnreadableDocument(f"corrupt PDF: {reason}") from exc
    text = clean_pages([p.replace("\r\n", "\n").replace("\r", "\n").split("\n") for p in pages])
    if not text.strip():
        raise UnreadableDocument("PDF has no text layer (scanned?)")
    return text


def clean_pages(pages: list[list[str]]) -> str:
    """Join the pages' lines into one text without the furniture every page repeats."""
    furniture = _furniture(pages)
    kept: list[list[str]] = []
    for lines in pages:
        lines = [ln.rstrip() for ln in lines]
        nonblank = [i for i, ln in enumerate(lines) if ln.strip()]
        zone = set(nonblank[:_ZONE] + nonblank[-_ZONE:])
        kept.append([ln for i, ln in enumerate(lines)
                     if not (i in zone and (_shape(ln) in furniture or _PAGE_NUMBER.match(ln.strip())))])
    return _reflow(kept)


def _shape(line: str) -> str:
    """A line with its numbers blanked: the running footer "3 X Inspection report" matches on every page."""
    return _DIGITS.sub("#", normalise(line))


def _furniture(pages: list[list[str]]) -> set[str]:
    """Line shapes found at the top or bottom of most pages: running headers and footers."""
    if len(pages) < 2:
        return set()
    seen: Counter[str] = Counter()
    for lines in pages:
        nonblank = [ln for ln in lines if ln.strip()]
        seen.update({_shape(ln) for ln in nonblank[:_ZONE] + nonblank[-_ZONE:]})
    need = max(2, (len(pages) + 1) // 2)
    return {shape for shape, n in seen.items() if n >= need and shape}


def _reflow(pages: list[list[str]]) -> str:
    """Lines of all pages as paragraphs: a line filled to the page width that does not end a
    sentence continues on the next line; a word hyphenated at a line end is joined."""
    lengths = sorted(len(ln.strip()) for lines in pages for ln in lines if len(ln.split()) >= 4)
    width = lengths[int(0.9 * (len(lengths) - 1))] if lengths else 0
    words = Counter(w.lower() for lines in pages for ln in lines for w in re.findall(r"[A-Za-z]+(?:-[A-Za-z]+)*", ln))
    out: list[str] = []
    for n, lines in enumerate(pages):
        if n and out and out[-1] != "":
            out.append("")  # a page break is a paragraph break unless a sentence runs on
        for ln in lines:
            line = ln.strip()
            if not line:
                if out and out[-1] != "":
                    out.append("")
                continue
            previous = _last_text(out)
            if previous is not None and _continues(out[previous], line, width):
                if out[-1] == "":
                    out.pop()  # the run-on crosses a page break
                out[-1] = _join(out[-1], line, words)
            else:
                out.append(line)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out)


def _last_text(out: list[str]) -> int | None:
    """Index of the last line written, looking past one page-break blank."""
    if not out:
        return None
    if out[-1]:
        return len(out) - 1
    return len(out) - 2 if len(out) >= 2 and out[-2] else None


def _continues(previous: str, line: str, width: int) -> bool:
    if bullet_mark(line):
        return False
    if _HYPHENATED.search(previous) and _FIRST_WORD.match(line):
        return True
    full = width > 0 and len(previous) >= 0.75 * width
    return full and previous[-1] not in _TERMINAL


def _join(previous: str, line: str, words: Counter) -> str:
    """Join two wrapped lines; "assess-" + "ment" is "assessment" unless the document writes
    the word with its hyphen elsewhere ("well-" + "led" stays "well-led")."""
    m, first = _HYPHENATED.search(previous), _FIRST_WORD.match(line)
    if m and first:
        left, right = m.group(1).lower(), first.group(1).lower()
        keep_hyphen = words[f"{left}-{right}"] > words[f"{left}{right}"]
        return (previous if keep_hyphen else previous[:-1]) + line
    return f"{previous} {line}"
