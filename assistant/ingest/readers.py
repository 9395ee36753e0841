"""Turn a corpus file (.txt, .md, .html, .htm, .pdf) into plain text.

The text a reader returns is the text every later offset points into, so it is
returned once and never altered afterwards. Anything that cannot be read raises
``UnreadableDocument`` with a one-line reason fit to show a user.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

from assistant.config import IngestSettings
from assistant.errors import UnreadableDocument, UnsupportedFormat

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf")
# The default size limit (``IngestSettings.max_bytes``), for code that has no settings value to hand.
MAX_BYTES = IngestSettings().max_bytes


@dataclass(frozen=True)
class Document:
    text: str
    notes: tuple[str, ...] = ()  # e.g. "not UTF-8: decoded as cp1252"


def read_document(path: Path, settings: IngestSettings = IngestSettings()) -> Document:
    """Read ``path`` as text, choosing the reader by its suffix.

    Raises UnsupportedFormat for an unknown suffix and UnreadableDocument for a file that is
    empty, binary, over ``settings.max_bytes``, corrupt, not readable prose, or (PDF) has no
    text layer.
    """
    path, max_bytes = Path(path), settings.max_bytes
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        shown = suffix or "(no extension)"
        raise UnsupportedFormat(f"unsupported format {shown} (supported: {' '.join(SUPPORTED_SUFFIXES)})")
    try:
        size, limit = path.stat().st_size, settings.file_limit(suffix)
        if size > limit:
            raise UnreadableDocument(f"file is {_human_size(size)}, over the {_human_size(limit)} limit")
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableDocument(f"cannot read file: {exc.strerror or exc}") from exc
    if not data.strip():
        raise UnreadableDocument("empty file")

    notes: tuple[str, ...] = ()
    if suffix == ".pdf":
        from assistant.ingest.pdf import pdf_text

        text = pdf_text(data)
    elif suffix in (".html", ".htm"):
        text, notes = _read_html(data)
    else:
        text, notes = _decode_text(data)

    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise UnreadableDocument("empty file")
    if len(text) > max_bytes and (n := len(text.encode("utf-8"))) > max_bytes:
        raise UnreadableDocument(f"its text is {_human_size(n)}, over the {_human_size(max_bytes)} limit")
    check_plausible(text)
    return Document(text=text, notes=notes)


def _human_size(n: int) -> str:
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= scale:
            value = f"{n / scale:.1f}".removesuffix(".0")
            return f"{value} {unit}"
    return f"{n} bytes"


def _decode_text(data: bytes) -> tuple[str, tuple[str, ...]]:
    """UTF-8 (BOM stripped); else cp1252; else latin-1, with a note saying which."""
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec), (f"not UTF-8: decoded as {codec[:6].upper()}",)
            except UnicodeDecodeError as exc:
                raise UnreadableDocument("binary file, not text") from exc
    if b"\x00" in data:
        raise UnreadableDocument("binary file, not text")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8"), ()
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), ("not UTF-8: decoded as cp1252",)
    except UnicodeDecodeError:
        return data.decode("latin-1"), ("not UTF-8: decoded as latin-1",)


# Elements that start a new line of text; everything else flows inline.
_BLOCKS = frozenset({
    "p", "div", "section", "article", "main", "aside", "blockquote", "li", "ul", "ol", "dl", "dt", "dd",
    "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tfoot", "tr", "caption",
    "figure", "figcaption", "address", "form", "fieldset", "details", "summary", "hr", "pre",
    "nav", "header", "footer", "title",
})
_HIDDEN = frozenset({"script", "style", "noscript", "template", "svg", "iframe", "head"})  # never page text
_CHROME = ("nav", "header", "footer")  # page furniture, dropped when the page closes every one of them
# Elements whose content an HTML5 parser reads as raw text up to their end tag: left unclosed, they
# would swallow the rest of the page.
_RAW_TEXT = re.compile(r"<(script|style|title|textarea|xmp|iframe|noembed|noframes|noscript)(?=[\s/>])[^>]*>", re.I)
_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0]+")


def _read_html(data: bytes) -> tuple[str, tuple[str, ...]]:
    """Visible text of an HTML page, one block element per line, "- " before list items, table cells
    joined by tabs: the same shape as the .txt seeds.

    Parsed as a browser would (lexbor, the HTML5 algorithm: a missing ``</head>`` or ``</p>`` is
    implied, never taken for a page without a body), walked without recursion (so 20,000 nested
    ``<div>`` are one more page). Two leniencies keep text a browser would hide by a page's own
    mistake: a raw-text element (``<script>``, ``<style>``, ``<title>``, …) left unclosed is read as
    if its opening tag were not there; navigation, header and footer elements are dropped as page
    furniture only when the page closes each of them (unclosed, they hold the rest of the page). The
    page is "empty" only when it has no text at all: when dropping furniture leaves nothing, the
    furniture and the title are the text.
    """
    from bs4.dammit import UnicodeDammit
    from selectolax.lexbor import LexborHTMLParser

    if b"\x00" in data:
        raise UnreadableDocument("binary file, not text")
    dammit = UnicodeDammit(data, is_html=True)
    markup = dammit.unicode_markup
    if markup is None:
        raise UnreadableDocument("binary file, not text")
    encoding = (dammit.original_encoding or "utf-8").lower()
    notes = (f"not UTF-8: decoded as {encoding}",) if encoding not in ("utf-8", "ascii") else ()
    markup = _close_raw_text(markup)
    tree = LexborHTMLParser(markup)
    root = tree.root
    if root is None:
        return "", notes
    lowered = markup.lower()
    chrome = {tag for tag in _CHROME if len(re.findall(rf"<{tag}[\s/>]", lowered)) <= lowered.count(f"</{tag}")}
    text = _visible_text(root, _HIDDEN | chrome)
    if not text.strip():  # nothing but furniture: that is the page's text
        text = _visible_text(root, _HIDDEN - {"head"}, only_title_in_head=True)
    return text, notes


def _close_raw_text(markup: str) -> str:
    """``markup`` with the opening tag of each raw-text element that is never closed removed."""
    out, pos = [], 0
    while m := _RAW_TEXT.search(markup, pos):
        end = re.compile(rf"</{m.group(1)}[\s/>]", re.I).search(markup, m.end())
        if end is None:  # unclosed: what follows is the page, not a script
            out.append(markup[pos : m.start()])
            pos = m.end()
        else:
            out.append(markup[pos : end.end()])
            pos = end.end()
    out.append(markup[pos:])
    return "".join(out)


def _visible_text(root, hidden: frozenset[str], only_title_in_head: bool = False) -> str:
    """The text under ``root`` without the ``hidden`` elements, by an explicit stack (no recursion)."""
    lines: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        line = _SPACES.sub(" ", "".join(buf)).strip()
        if line and line != "-":
            lines.append(line)
        buf.clear()

    stack: list[tuple[object, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        tag = node.tag  # type: ignore[attr-defined]
        if leaving:  # the end of a block
            flush()
            continue
        if tag == "-text":
            buf.append(node.text_content or "")  # type: ignore[attr-defined]
            continue
        if tag in hidden or tag.startswith(("-", "!")):  # hidden, a comment or a doctype
            continue
        if only_title_in_head and tag == "head":
            title = node.css_first("title")  # type: ignore[attr-defined]
            if title is not None:
                stack.append((title, False))
            continue
        if tag == "br":
            flush()
            continue
        if tag == "tr":
            flush()
            cells = [_SPACES.sub(" ", c.text(separator=" ")).strip() for c in node.css("td, th")]  # type: ignore[attr-defined]
            if any(cells):
                lines.append("\t".join(cells))
            continue
        block = tag in _BLOCKS
        if block:
            flush()
            stack.append((node, True))
            if tag == "li":
                buf.append("- ")
        children = []
        child = node.child  # type: ignore[attr-defined]
        while child is not None:
            children.append(child)
            child = child.next
        stack.extend((c, False) for c in reversed(children))
    flush()
    return "\n".join(lines)


# What decoded text must look like to be read as a report, not binary noise decoded by chance.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd]")
_WORD = re.compile(r"^[(\[\"'‘“*_#>•-]*[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ'’-]*[.,;:!?)\]\"'’”*_]*$")
_SAMPLE = 200_000  # characters judged, from the start, middle and end of a large text
MAX_CONTROL_SHARE = 0.01
MIN_WORD_SHARE = 0.4


def check_plausible(text: str) -> None:
    """Refuse text that is not prose: binary data decoded as latin-1 has control characters and
    almost no words. Raises UnreadableDocument with the reason."""
    if len(text) > _SAMPLE:
        third = _SAMPLE // 3
        mid = len(text) // 2
        text = text[:third] + " " + text[mid - third // 2 : mid + third // 2] + " " + text[-third:]
    control = len(_CONTROL.findall(text)) / max(len(text), 1)
    if control > MAX_CONTROL_SHARE:
        raise UnreadableDocument(f"not readable text: {control:.0%} of it is control characters (binary data?)")
    tokens = text.split()
    words = sum(1 for t in tokens if len(t) <= 40 and _WORD.match(t)) / max(len(tokens), 1)
    if words < MIN_WORD_SHARE:
        raise UnreadableDocument(f"not readable text: only {words:.0%} of it reads as words (binary data?)")
