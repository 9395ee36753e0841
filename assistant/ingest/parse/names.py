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
from assistant.vocabulary import organisation_family

# "We carried out an announced comprehensive inspection of <location> on <date>", "… assessment of <location>
# from the 9 to 12 June 2025".
_INSPECTED = re.compile(
    rf"\b(?:carried out|undertook|conducted|completed)\s+(?:an?|this|the)\s+(?:[\w()-]+\s+){{0,4}}?(?:of|at)\s+"
    rf"(?P<v>(?:the\s+|The\s+)?[A-Z][^.;:()]{{1,100}}?)\s+(?:on|between|from)\s+(?:the\s+)?{DATE_TEXT}")


def inspected_location(text: str, start: int, end: int) -> Fact | None:
    """The location a summary names in its "inspection (or assessment) of X on <date>" sentence, else in
    the first sentence saying what it is ("The Dovecot Surgery is a GP practice …", "Hospice of St Francis
    is registered to provide …", "St Mary’s Birth Centre is part of …")."""
    spans = sentence_spans(text, start, end)
    for s, e in spans:
        if m := _INSPECTED.search(text, s, e):
            return Fact("location", m["v"].strip(), s, e)
    for s, e in spans[:40]:
        if m := _DEFINED.match(text, s, e):
            return Fact("location", m["v"].strip(), s, e)
    return None


# A proper name: capitalised words, perhaps joined by "of", "and", "the" ("Hospice of St Francis").
_NAME = r"(?:The\s+)?[A-Z][\w'’&.-]*(?:\s+(?:(?:of|and|for|the|on|upon|in|&|-)\s+)?[A-Z0-9][\w'’&.-]*){0,8}"
# A sentence saying what a location is: "<Name> is a …", "<Name> (BHH) is part of …".
_DEFINED = re.compile(rf"(?P<v>(?!(?:This|That|It|There|These|Those|Our|We|He|She|They)\b){_NAME})\s+(?:\([A-Z]{{2,8}}\)\s+)?(?:is|was)\s+(?:an?\s|part\s+of\b|registered\b|"
                      rf"situated\b|located\b|one\s+of\b)")
# The trust that runs a location, when no "Provided and run by" line says: "<location> is part of the <trust>",
# "… services at <location> are provided by <trust>", "<trust> is a large provider of acute services".
_TRUST_NAME = r"(?:[A-Z][\w'’&-]*,?\s+(?:(?:of|and|the|for|&)\s+)?){1,10}?(?:NHS\s+)?(?:Foundation\s+)?Trust\b"
_RUN_BY = re.compile(rf"\b(?:is|are|was|were)\s+(?:part\s+of|provided\s+by|run\s+by|managed\s+by|operated\s+by)\s+"
                     rf"(?:the\s+)?(?P<v>{_TRUST_NAME})")
_TRUST_SUBJECT = re.compile(rf"(?P<v>{_TRUST_NAME})\s+(?:is|was)\s+(?:an?\s|one\s+of\b)")


def provider_in(text: str, start: int, end: int, location: str | None) -> Fact | None:
    """The trust a page without a "Provided and run by" line says runs the location ("<location> is part of
    <trust>", "… at <location> are provided by <trust>", or a first paragraph opening "<trust> is a …"),
    citing its sentence."""
    own = normalise(location or "")
    for n, (s, e) in enumerate(sentence_spans(text, start, end)[:60]):
        m = _RUN_BY.search(text, s, e)
        if m and own and own in normalise(text[s : m.start()]):
            return Fact("provider", m["v"].strip(" ,"), s, e)
        if n < 3 and (m := _TRUST_SUBJECT.match(text, s, e)) and normalise(m["v"]) != own:
            return Fact("provider", m["v"].strip(" ,"), s, e)
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
    """Other names of the location in the text: the same words with other brackets or punctuation, a word in
    the singular or plural, "St" for "Saint" ("King George's (EUCC)" for "King George's EUCC", "Saint Mary’s
    Birth Centre" for "St Mary's Birth Centre"); its initials in brackets after it ("Birmingham Heartlands
    Hospital (BHH)"); and its name without the words saying what it is, when a sentence says what it is
    ("Meadow Lodge is a care home" for "Meadow Lodge Care Home"). A spelling that differs only in case, quote
    marks or spacing between the same words is the same name, not an alias; a web address is not a name."""
    words = re.findall(r"[A-Za-z0-9]+", name)
    seen = {normalise(name)}
    if len(words) >= 2:
        parts = [_SAINT if w.lower() in ("st", "saint") else
                 re.escape(w[:-1]) + "s?" if len(w) > 3 and w[-1] in "sS" else re.escape(w) + ("s?" if len(w) > 3 else "")
                 for w in words]
        pattern = re.compile(r"(?<![\w(./@-])\(?" + r"[^\w\n]{0,4}".join(parts) + r"\)?(?![\w)]|\.[a-z])", re.I)
        for m in pattern.finditer(text, start, end):
            variant = m.group(0).strip()
            if variant.count("(") != variant.count(")"):
                variant = variant.strip("()")
            if "\n" not in variant and normalise(variant) not in seen:
                seen.add(normalise(variant))
                yield Fact("alias", variant, *_sentence_at(text, m.start()))
    for bracket in _BRACKETED.finditer(text, start, end):
        before = text[max(start, bracket.start() - 120) : bracket.start()]
        m = _ACRONYM_NAME.search(before)
        said, acronym = (m["name"] if m else ""), bracket["acr"]
        if m and _names_it(said, name) and _initials(said, acronym) and normalise(acronym) not in seen:
            seen.add(normalise(acronym))
            yield Fact("alias", acronym, *_sentence_at(text, bracket.start("acr")))
    own = _squeezed(name)
    for s, e in sentence_spans(text, start, end)[:80]:
        m = _DEFINED.match(text, s, e)
        if m is None:
            continue
        short = m["v"].strip()
        key = _squeezed(short)
        tail = name[len(short):].strip() if normalise(name).startswith(normalise(short)) else ""
        # The words left off say what kind of place it is ("Care Home"), not which one ("Limited", "Northampton").
        kind_only = key == own or (tail and organisation_family(tail) not in (None, "generic"))
        if normalise(short) not in seen and len(short.split()) >= 2 and key and own.startswith(key) and kind_only:
            seen.add(normalise(short))
            yield Fact("alias", short, s, e)


_SAINT = r"(?:St\.?|Saint)"
# A name with its initials in brackets: "Wolverhampton Urgent Care Centre (WUCC)".
_BRACKETED = re.compile(r"\((?P<acr>[A-Z]{2,8})\)")
_ACRONYM_NAME = re.compile(rf"(?P<name>{_NAME})\s*$")


def _squeezed(name: str) -> str:
    """A name's letters and digits only, lower case: "LIVE IN CARE4U LTD" and "Live in Care 4U Ltd" agree."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _names_it(said: str, name: str) -> bool:
    """Whether words before an acronym name the location: its name, or the end of it ("Wolverhampton Urgent
    Care Centre" of "West Midlands Doctors Urgent Care - Wolverhampton Urgent Care Centre")."""
    a, b = _squeezed(said), _squeezed(name)
    return bool(a) and len(a) >= 6 and (b.endswith(a) or a.endswith(b))


def _initials(said: str, acronym: str) -> bool:
    """Whether the acronym's letters are initials of the name's words, in order ("NSFT" of "Norfolk and Suffolk
    NHS Foundation Trust")."""
    initials = [w[0].upper() for w in re.findall(r"[A-Za-z]+", said)]
    i = 0
    for ch in acronym:
        while i < len(initials) and initials[i] != ch:
            i += 1
        if i == len(initials):
            return False
        i += 1
    return True
