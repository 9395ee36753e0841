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

    if suffix == ".pdf":
        from assistant.ingest.pdf import pdf_text

        text, notes = pdf_text(data), ()
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
_BLOCKS = {
    "p", "div", "section", "article", "main", "aside", "blockquote", "li", "ul", "ol", "dl", "dt", "dd",
    "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tfoot", "tr", "caption",
    "figure", "figcaption", "address", "form", "fieldset", "details", "summary", "hr", "pre",
}
_DROPPED = ("script", "style", "nav", "header", "footer", "noscript", "template", "head", "svg", "iframe")
_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0]+")


def _read_html(data: bytes) -> tuple[str, tuple[str, ...]]:
    """Visible text of an HTML page, one block element per line, "- " before list items,
    table cells joined by tabs: the same shape as the .txt seeds."""
    from bs4 import BeautifulSoup, Comment, Doctype, NavigableString, ProcessingInstruction

    if b"\x00" in data:
        raise UnreadableDocument("binary file, not text")
    soup = BeautifulSoup(data, "html.parser")
    notes: tuple[str, ...] = ()
    encoding = (soup.original_encoding or "utf-8").lower()
    if encoding not in ("utf-8", "ascii"):
        notes = (f"not UTF-8: decoded as {encoding}",)
    for tag in soup.find_all(_DROPPED):
        tag.decompose()

    lines: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        line = _SPACES.sub(" ", "".join(buf)).strip()
        if line and line != "-":
            lines.append(line)
        buf.clear()

    def walk(node) -> None:
        for child in node.children:
            if isinstance(child, (Comment, Doctype, ProcessingInstruction)):
                continue
            if isinstance(child, NavigableString):
                buf.append(str(child))
            elif child.name == "br":
                flush()
            elif child.name == "tr":
                flush()
                cells = [_SPACES.sub(" ", c.get_text(" ")).strip() for c in child.find_all(["td", "th"])]
                if any(cells):
                    lines.append("\t".join(cells))
            elif child.name in _BLOCKS:
                flush()
                if child.name == "li":
                    buf.append("- ")
                walk(child)
                flush()
            else:
                walk(child)

    walk(soup)
    flush()
    return "\n".join(lines), notes


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
