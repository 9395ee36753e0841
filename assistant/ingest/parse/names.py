"""Names and places a page states only in its prose: the location, its address, other spellings of its name.

A page that lost its header (a stored copy starting at "Updated 10 July 2025") still names the
location in the sentence that dates the visit ("We carried out an announced assessment of King
George's EUCC from the 9 to 12 June 2025") and may give its address in a sentence ("… based at
Barley Lane, Goodmayes, Ilford, IG3 8YB"). Any page may spell the location's name another way
("King George's (EUCC)", "St George’s University Hospital" for "… Hospitals"): an alias.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from assistant.ingest.dates import DATE_TEXT
from assistant.ingest.parse.header import POSTCODE
from assistant.models import Fact
from assistant.text import normalise, sentence_spans

# "We carried out an announced comprehensive inspection of <location> on <date>", "… assessment of <location>
# from the 9 to 12 June 2025".
_INSPECTED = re.compile(
    rf"\b(?:carried out|undertook|conducted|completed)\s+(?:an?|this|the)\s+(?:[\w-]+\s+){{0,4}}?(?:of|at)\s+"
    rf"(?P<v>(?:the\s+|The\s+)?[A-Z][^.;:()]{{1,100}}?)\s+(?:on|between|from)\s+(?:the\s+)?{DATE_TEXT}")


def inspected_location(text: str, start: int, end: int) -> Fact | None:
    """The location a summary names in its "inspection (or assessment) of X on <date>" sentence."""
    for s, e in sentence_spans(text, start, end):
        if m := _INSPECTED.search(text, s, e):
            return Fact("location", m["v"].strip(), s, e)
    return None


# An address's part in a sentence: a short capitalised phrase ("Barley Lane", "Unit 1", "Square One").
_PART = re.compile(r"^(?:[A-Z0-9][\w'’&.-]*)(?: [\w'’&.-]+){0,5}$")


def _sentence_at(text: str, at: int) -> tuple[int, int]:
    """The offsets of the sentence holding ``text[at]``."""
    line_start = text.rfind("\n", 0, at) + 1
    line_end = text.find("\n", at)
    line_end = len(text) if line_end == -1 else line_end
    return next(((s, e) for s, e in sentence_spans(text, line_start, line_end) if s <= at < e), (line_start, line_end))


def address_in(text: str, start: int, end: int) -> list[Fact]:
    """The address and postcode the first sentence giving an address states ("… based at Barley Lane,
    Goodmayes, Ilford, IG3 8YB", "… at Care UK (NHS 111 London), Unit 1, Square One, …, UB2 5NH on …"):
    the comma-separated capitalised parts right before a postcode (two at least), or nothing."""
    for m in POSTCODE.finditer(text, start, end):
        s, e = _sentence_at(text, m.start())
        pieces = text[s : m.start()].split(",")
        if pieces[-1].strip():
            continue  # the postcode is not a part of its own
        parts: list[str] = []
        for piece in reversed(pieces[:-1]):
            words = piece.strip()
            if _PART.match(words) and len(parts) < 6:
                parts.insert(0, words)
                continue
            head = re.search(r".*\b(?:at|is|from):?\s+(?P<v>[^,()]+)$", words)  # "… based at Barley Lane"
            if head and _PART.match(head["v"].strip()):
                parts.insert(0, head["v"].strip())
            break
        if len(parts) >= 2:
            address = ", ".join(parts + [m["pc"]])
            return [Fact("address", address, s, e), Fact("postcode", m["pc"], s, e)]
    return []


def name_variants(text: str, start: int, end: int, name: str) -> Iterator[Fact]:
    """Other spellings of ``name`` in the text: the same words with other brackets or punctuation,
    or a word in the singular or plural ("King George's (EUCC)" for "King George's EUCC"). A spelling
    that differs only in case, quote marks or spacing is the same name, not an alias."""
    words = re.findall(r"[A-Za-z0-9]+", name)
    if len(words) < 2:
        return
    parts = [re.escape(w[:-1]) + "s?" if len(w) > 3 and w[-1] in "sS" else re.escape(w) + ("s?" if len(w) > 3 else "")
             for w in words]
    pattern = re.compile(r"(?<![\w(])\(?" + r"[^\w\n]{0,4}".join(parts) + r"\)?(?![\w)])", re.I)
    seen = {normalise(name)}
    for m in pattern.finditer(text, start, end):
        variant = m.group(0).strip()
        if variant.count("(") != variant.count(")"):
            variant = variant.strip("()")
        if "\n" not in variant and normalise(variant) not in seen:
            seen.add(normalise(variant))
            yield Fact("alias", variant, *_sentence_at(text, m.start()))
