"""Turn a corpus file (.txt, .md, .html, .htm, .pdf) into plain text.

The text a reader returns is the text every later offset points into, so it is
returned once and never altered afterwards. Anything that cannot be read raises
``UnreadableDocument`` with a one-line reason fit to show a user.
"""

from __future__ import annotations

import codecs
import io
import re
from dataclasses import dataclass
from pathlib import Path

from assistant.config import IngestSettings
from assistant.errors import UnreadableDocument, UnsupportedFormat

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf")
MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Document:
    text: str
    notes: tuple[str, ...] = ()  # e.g. "not UTF-8: decoded as cp1252"


def read_document(path: Path, settings: IngestSettings = IngestSettings()) -> Document:
    """Read ``path`` as text, choosing the reader by its suffix.

    Raises UnsupportedFormat for an unknown suffix and UnreadableDocument for a
    file that is empty, binary, too large, corrupt, or (PDF) has no text layer.
    """
    path, max_bytes = Path(path), settings.max_bytes
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        shown = suffix or "(no extension)"
        raise UnsupportedFormat(f"unsupported format {shown} (supported: {' '.join(SUPPORTED_SUFFIXES)})")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise UnreadableDocument(f"file is {_human_size(size)}, over the {_human_size(max_bytes)} limit")
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableDocument(f"cannot read file: {exc.strerror or exc}") from exc
    if not data.strip():
        raise UnreadableDocument("empty file")

    if suffix == ".pdf":
        text, notes = _read_pdf(data), ()
    elif suffix in (".html", ".htm"):
        text, notes = _read_html(data)
    else:
        text, notes = _decode_text(data)

    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise UnreadableDocument("empty file")
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


def _read_pdf(data: bytes) -> str:
    """Text layer of a PDF, pages joined by a blank line."""
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
    text = "\n\n".join(p.strip("\n") for p in pages)
    if not text.strip():
        raise UnreadableDocument("PDF has no text layer (scanned?)")
    return text
