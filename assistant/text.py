"""Sentence boundaries and text normalisation shared by parsing, chunking and answering."""

from __future__ import annotations

import re
import unicodedata

# Abbreviations after which a full stop does not end a sentence. CQC and NHS texts
# use "Dr", "e.g." and "c." (circa, as in "c.£2m") mid-sentence.
_ABBREVIATIONS = {
    "dr", "mr", "mrs", "ms", "prof", "st", "e.g", "i.e", "eg", "ie", "etc", "c", "ca",
    "no", "vs", "approx", "inc", "ltd", "co", "dept", "mb", "chb", "bsc", "msc",
}

# A sentence ends at . ! or ? (optionally followed by a closing quote or bracket)
# when whitespace and then something that can start a sentence follows.
_BOUNDARY = re.compile(r"""[.!?][”’"')\]]*(?=\s+[\-–•*“‘"'(\[]*[A-Z0-9£])""")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")


def line_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Offsets of the non-blank lines in ``text[start:end]``, stripped of surrounding spaces."""
    end = len(text) if end is None else end
    spans = []
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        stop = end if nl == -1 else nl
        s, e = pos, stop
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            spans.append((s, e))
        pos = stop + 1
    return spans


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Offsets of the sentences in ``text[start:end]``.

    Every line break ends a sentence: CQC reports put each paragraph, heading and
    bullet on its own line. Within a line, a sentence ends at . ! or ? followed by
    a capital, digit or opening quote, unless the word before it is a known
    abbreviation.
    """
    spans: list[tuple[int, int]] = []
    for ls, le in _joined_lines(text, line_spans(text, start, end)):
        s = ls
        for m in _BOUNDARY.finditer(text, ls, le):
            if text[m.start()] == ".":
                word = _WORD_BEFORE.search(text, max(ls, m.start() - 12), m.start())
                if word and word.group(1).lower().rstrip(".") in _ABBREVIATIONS:
                    continue
            e = m.end()
            if e > s:
                spans.append((s, e))
            s = e
            while s < le and text[s].isspace():
                s += 1
        if s < le:
            spans.append((s, le))
    return spans


def _joined_lines(text: str, lines: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Rejoin a sentence that a page break cut in two (PDF extracts do this):
    a line that starts in lower case continues an unfinished line before it."""
    joined: list[tuple[int, int]] = []
    for s, e in lines:
        if joined and text[s].islower() and text[joined[-1][1] - 1] not in ".!?:;":
            joined[-1] = (joined[-1][0], e)
        else:
            joined.append((s, e))
    return joined


_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"', "–": "-", "—": "-"})
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Lower case, straight quotes and dashes, single spaces: for comparing strings."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return _SPACE.sub(" ", text).strip().lower()


def strip_markup(text: str) -> str:
    """Drop Markdown emphasis and bullet marks for display in plain places."""
    text = text.replace("**", "")
    return re.sub(r"^\s*[-•*]\s+", "", text)


# Markup that can wrap a name or heading in a .md or hand-made .html page. Each pattern is bounded,
# so cleaning a line is linear in its length.
_BULLET = re.compile(r"^(?:[•◦▪▫‣●○·∙*+]|-(?!-))\s+")
_MD_HEADING = re.compile(r"^(?:#{1,6}\s+|>\s*)|\s+#{1,6}$")
_HTML_TAG = re.compile(r"</?[A-Za-z][^<>\n]{0,200}>")
_MD_LINK = re.compile(r"!?\[([^\[\]\n]{0,300})\]\([^()\s]{0,500}\)")
_EMPHASIS = re.compile(r"(?<![\w*_])[*_]{1,3}(?=\S)|(?<=\S)[*_]{1,3}(?![\w*_])|`+")
_ENTITY = re.compile(r"&(?:#\d{1,6}|#x[0-9a-fA-F]{1,6}|[A-Za-z]{2,8});")


def bullet_mark(line: str) -> bool:
    """Whether a (stripped) line starts with a list bullet: "• Safe", "- Overview", "* Good"."""
    return bool(_BULLET.match(line))


def clean_line(line: str) -> str:
    """A line's words without Markdown or HTML markup or a bullet mark, spaces collapsed.

    "# Thornbury Practice" -> "Thornbury Practice", "**Safe**" -> "Safe", "• Doctor" -> "Doctor",
    "<b>Good</b>" -> "Good". Names and headings are read from this, never from the raw line.
    """
    text = line.strip()
    for _ in range(2):  # "- **Safe**", "## - Safe": a heading mark and a bullet, in either order
        text = _MD_HEADING.sub("", _BULLET.sub("", text)).strip()
    if "<" in text:
        text = _HTML_TAG.sub("", text)
    if "](" in text:
        text = _MD_LINK.sub(r"\1", text)
    text = _EMPHASIS.sub("", text)
    if "&" in text:
        import html

        text = _ENTITY.sub(lambda m: html.unescape(m.group(0)), text)
    return _SPACE.sub(" ", text).strip()


_MD_INLINE = re.compile(r"([\\`*_\[\]<~])|&(?=#?\w+;)")
_MD_LINE_START = re.compile(r"^(\s*)(?:([#>+=-])|(\d+)([.)]))")


def markdown_literal(text: str) -> str:
    """``text`` with Markdown's marks escaped, so a Markdown renderer shows every character as written:
    emphasis, code, links, HTML tags, entities (``&amp;`` stays ``&amp;``), and on each line's start a
    heading, quote or list mark. Nothing else is touched, so the text still reads as itself."""
    text = _MD_INLINE.sub(lambda m: "\\" + m.group(0), text)
    return "\n".join(_MD_LINE_START.sub(_escape_line_start, line) for line in text.split("\n"))


def _escape_line_start(m: re.Match) -> str:
    if m.group(2):
        return f"{m.group(1)}\\{m.group(2)}"
    return f"{m.group(1)}{m.group(3)}\\{m.group(4)}"


def parse_iso_date(value: str | None) -> str | None:
    """Check a YYYY-MM-DD date typed by a user; ValueError with a clear message if it is not one."""
    if value is None or value == "":
        return None
    from datetime import date

    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise ValueError(f"'{value}' is not a date: use YYYY-MM-DD, e.g. 2024-07-24") from None
