"""Facts stated in running prose: ratings, scores, breaches, dates and the kind of service.

Each reader takes a span of the report text, walks its sentences once, and returns what it
finds with the offsets of the sentence that states it. Every pattern is bounded, so reading is
linear in the length of the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from assistant.ingest.dates import DATE_TEXT, find_dates
from assistant.ingest.parse.vocab import KQ_WORDS, RATING_WORDS, REGULATION_NAMES, kq_id, rating_of
from assistant.models import Fact
from assistant.text import sentence_spans

# --- ratings ---------------------------------------------------------------------------------

# CQC states ratings in many wordings: "we rated X as good", "we rated this key question good",
# "the rating has changed to requires improvement", "which was requires improvement", "has improved
# and is now good", "remains good", "rated Requires Improvement overall". A cue must sit right
# before the rating, so "good governance" elsewhere in the sentence is not read as one.
_RATING_CUE = re.compile(
    rf"\b(?:rated(?:\s+(?:this|the)\s+(?:key\s+question|service|practice|location|provider|trust)|"
    rf"[^.;]{{0,80}}?\bas)?|changed\s+to|improved\s+to|deteriorated\s+to|declined\s+to|dropped\s+to|"
    rf"gone\s+(?:up|down)\s+to|rating\s+(?:is|was|remains|remained|has\s+remained|of)|"
    rf"(?:is|was|remains|remained|stayed)(?:\s+now|\s+still|\s+as)?)\s+(?P<r>{RATING_WORDS})\b(?!\s+(?:practice|standard|governance)\b)",
    re.I,
)
# "...changed from good to requires improvement": both ratings in one phrase.
_FROM_TO = re.compile(rf"\bfrom\s+(?P<prev>{RATING_WORDS})\s+to\s+(?P<r>{RATING_WORDS})\b", re.I)
# Words that make a rating the earlier one: "At our last inspection…", "previously rated".
_PREVIOUS = re.compile(r"\b(?:last|previous(?:ly)?|prior|before|earlier)\b", re.I)
_NOW = re.compile(r"\b(?:now|this (?:inspection|assessment)|currently)\b", re.I)
_MENTIONS_RATING = re.compile(rf"\brat(?:ed|ing)\b|\bfrom\s+{RATING_WORDS}\s+to\b|\b(?:is|was|remains)\s+(?:now\s+)?{RATING_WORDS}\b",
                              re.I)
# What a rating is for, right after it: "good overall", "good for safe", "inadequate for providing a well-led service".
_TARGET = re.compile(rf"^\s*(?:(?P<overall>overall)|for\s+(?:providing\s+an?\s+|being\s+|the\s+)?(?P<kq>{KQ_WORDS})\b)",
                     re.I)


@dataclass(frozen=True)
class StatedRating:
    """A rating read from prose: current or previous, and what it is for when the words say."""

    previous: bool
    value: str
    target: str | None  # "overall", a key question id, or None (the context decides)
    start: int
    end: int


def ratings_in(text: str, start: int, end: int) -> Iterator[StatedRating]:
    """Every rating stated in the prose of ``text[start:end]``, with its sentence's offsets."""
    for s, e in sentence_spans(text, start, end):
        sentence = text[s:e]
        if not _MENTIONS_RATING.search(sentence):
            continue
        for m in _FROM_TO.finditer(sentence):
            yield StatedRating(True, rating_of(m["prev"]), _target(sentence, m.end()), s, e)
            yield StatedRating(False, rating_of(m["r"]), _target(sentence, m.end()), s, e)
        clause_start = 0
        for m in _RATING_CUE.finditer(sentence):
            # Only the words since the previous cue decide whether this one is the earlier rating:
            # "previously rated as inadequate in 2021 and it is now rated as good".
            clause = sentence[clause_start : m.start("r")]
            previous = bool(_PREVIOUS.search(clause)) and not _NOW.search(clause)
            yield StatedRating(previous, rating_of(m["r"]), _target(sentence, m.end()), s, e)
            clause_start = m.end()


def _target(sentence: str, at: int) -> str | None:
    m = _TARGET.match(sentence, at)
    if not m:
        return None
    return "overall" if m["overall"] else kq_id(m["kq"])


# --- scores ------------------------------------------------------------------------------------

_SCORE = re.compile(r"\bscored\s+(?P<v>\d{1,3})\s*(?:\(\s*)?(?:out of|/)\s*100\b", re.I)
# "We scored the service as 3." / "We scored this quality statement as 2": a quality statement's score.
_STATEMENT_SCORE = re.compile(r"^We (?:have )?scored (?:the|this) (?:service|quality statement|location|provider)"
                              r"(?: as| at)? (?P<v>[1-4])\b(?! ?(?:out of|/) ?100)", re.I)


def scores_in(text: str, start: int, end: int) -> Iterator[tuple[str, int, int]]:
    """(score out of 100, sentence start, end) for each "This service scored N (out of 100)"."""
    for s, e in sentence_spans(text, start, end):
        if m := _SCORE.search(text, s, e):
            yield m["v"], s, e


def statement_score_in(text: str, start: int, end: int) -> tuple[str, int, int] | None:
    """The score a quality statement's first sentences state ("We scored the service as 3.")."""
    for n, (s, e) in enumerate(sentence_spans(text, start, min(end, start + 2000))):
        if m := _STATEMENT_SCORE.match(text[s:e]):
            return m["v"], s, e
        if n >= 2:
            break
    return None


# --- breaches ----------------------------------------------------------------------------------

_BREACH = re.compile(r"\b(?:in\s+)?breach(?:es|ed)?\b", re.I)
# A breach that is not this report's: followed up from before, or no longer there.
_NOT_CURRENT = re.compile(r"\bfollow(?:ed|ing)?[- ]up\s+on\b|\bno longer\b|\bnot in breach\b|\bno breach|"
                          r"\b(?:last|previous|prior)\s+(?:inspection|assessment)\b", re.I)
_REGULATION = re.compile(r"\b(?i:regulations?)\s+(?P<n>\d{1,2}[A-Z]?)\b(?:\s*\((?P<name>[^()]{3,80})\)|:\s*(?P<name2>[A-Z][a-z ,]{3,60}))?")
_MORE_REGULATION = re.compile(r"\s*(?:,|and|,\s*and|&)\s*(?:regulation\s+)?(?P<n>\d{1,2}[A-Z]?)\b(?:\s*\((?P<name>[^()]{3,80})\))?",
                              re.I)
_IN_RELATION = re.compile(r"\b(?:in relation to|relating to|regarding|in respect of)\s+(?P<v>[^.;()]{3,160})", re.I)
_ACT = re.compile(r"\s+(?:of|under)\s+the\s+Health\b.*$", re.I)


def breaches_in(text: str, start: int, end: int) -> Iterator[tuple[str, int, int]]:
    """(breach, sentence start, end) for each regulation this report finds breached.

    "Regulation 12: Safe care and treatment" when the number and name are stated, "Regulation 12"
    when only the number is, "safe care and treatment" when only the name is.
    """
    for s, e in sentence_spans(text, start, end):
        sentence = text[s:e]
        b = _BREACH.search(sentence)
        if not b or _NOT_CURRENT.search(sentence):
            continue
        after = _ACT.sub("", sentence[b.end() :])
        numbered = list(_numbered(after))
        if numbered:
            for value in numbered:
                yield value, s, e
        elif m := _IN_RELATION.search(after):
            for name in _named(m["v"]):
                yield name, s, e


def _numbered(words: str) -> Iterator[str]:
    m = _REGULATION.search(words[:200], 0)
    if not m:
        return
    yield _regulation(m["n"], m["name"] or m["name2"])
    at = m.end()
    while more := _MORE_REGULATION.match(words, at):
        yield _regulation(more["n"], more["name"])
        at = more.end()


def _regulation(number: str, name: str | None) -> str:
    return f"Regulation {number}: {name.strip()[0].upper()}{name.strip()[1:]}" if name else f"Regulation {number}"


def _named(words: str) -> list[str]:
    """Split "safe care and treatment, governance and staffing" into the regulations it names."""
    words = words.strip().rstrip(".")
    kept = {}
    for i, name in enumerate(sorted(REGULATION_NAMES, key=len, reverse=True)):
        if (at := words.lower().find(name)) >= 0:
            key = f"\x00{i}\x00"
            kept[key] = words[at : at + len(name)]
            words = words[:at] + key + words[at + len(name) :]
    parts = [p for chunk in re.split(r",\s*", words) for p in re.split(r"\s+and\s+", chunk)]
    out = []
    for part in parts:
        for key, name in kept.items():
            part = part.replace(key, name)
        part = part.strip()
        if part and len(part.split()) <= 8:
            out.append(part)
    return out


# --- dates stated in sentences ----------------------------------------------------------------

# What a dated sentence says the date is, checked in this order on the words before the date.
_DATE_KINDS = (
    ("previous", re.compile(r"\b(?:last|previous|prior|earlier)\s+(?:\w+\s+){0,2}(?:inspection|assessment|inspected|visit)"
                            r"|\bpreviously\s+inspected", re.I)),
    ("report", re.compile(r"\bdate of publication\b|\bpublished\b", re.I)),
    ("assessment", re.compile(r"\bdates? of (?:the )?assessment\b|\bassessment (?:took place|started|ran|period|dates?)\b"
                              r"|\bassessed (?:the service )?between\b", re.I)),
    ("onsite", re.compile(r"\bon[- ]?site\b|\bsite visits?\b|\bvisited\b|\bcarried out an? (?:un)?announced assessment\b",
                          re.I)),
    ("inspection", re.compile(r"\binspect(?:ion|ed)\b|\bcarried out an?\s+(?:un)?announced\b", re.I)),
)
_RANGE_TAIL = re.compile(r"^\s*(?:and|to|until)\s+(?:ended\s+)?(?:on\s+)?(?:the\s+)?$", re.I)


def dated_in(text: str, start: int, end: int) -> Iterator[tuple[str, str, str, int, int]]:
    """(kind, ISO range, words, sentence start, end) for each sentence that dates an inspection,
    an assessment, a site visit, a publication or the previous inspection."""
    for s, e in sentence_spans(text, start, end):
        found = find_dates(text, s, e)
        if not found:
            continue
        first = found[0]
        before = text[s : first.start]
        kind = next((k for k, pattern in _DATE_KINDS if pattern.search(before)), None)
        if kind is None:
            continue
        last = first
        for nxt in found[1:]:  # "started on 14 June 2023 and ended on 5 July 2023", "between X and Y"
            if _RANGE_TAIL.match(re.sub(r"\bended\b|\bon\b", " ", text[last.end : nxt.start])):
                last = nxt
            else:
                break
        value = str(first.range) if last is first else f"{first.range.start}/{last.range.end}"
        yield kind, value, text[first.start : last.end], s, e


# --- the kind of service, when no breadcrumb says -------------------------------------------------

# Named in prose, most specific first; the same words CQC's breadcrumbs use.
_SERVICE_CUES = (
    (re.compile(r"\bIUC\b|\b111 service|\bNHS 111\b|integrated urgent care", re.I), "Integrated urgent care (NHS 111) service"),
    (re.compile(r"\bout[- ]of[- ]hours\b", re.I), "Out of hours GP service"),
    (re.compile(r"\burgent treatment centre\b", re.I), "Urgent treatment centre"),
    (re.compile(r"\bambulance service\b", re.I), "Ambulance service"),
    (re.compile(r"\bdental (?:practice|surgery|service)\b|\bdentist", re.I), "Dental practice"),
    (re.compile(r"\b(?:GP|medical) practice\b|\bsurgery\b|\bhealth centre\b", re.I), "GP practice"),
    (re.compile(r"\b(?:domiciliary care|home ?care (?:agency|service)|supported living)\b", re.I), "Homecare service"),
    (re.compile(r"\b(?:care|nursing|residential) home\b", re.I), "Care home"),
    (re.compile(r"\bmental health (?:hospital|service|unit)\b|\bpsychiatric\b", re.I), "Mental health service"),
    (re.compile(r"\bhospital\b", re.I), "NHS hospital"),
)


def service_type_in(text: str, start: int, end: int, limit: int = 20000) -> Fact | None:
    """The kind of service the text says it is about, from the most specific cue stated."""
    spans = sentence_spans(text, start, min(end, start + limit))
    for pattern, service in _SERVICE_CUES:
        for s, e in spans:
            if pattern.search(text, s, e):
                return Fact("service_type", service, s, e)
    return None


# "We carried out an announced comprehensive inspection of <location> on <date>."
_INSPECTED = re.compile(
    rf"\b(?:carried out|undertook|conducted|completed)\s+(?:an?|this|the)\s+(?:[\w-]+\s+){{0,4}}?(?:of|at)\s+"
    rf"(?P<v>(?:the\s+|The\s+)?[A-Z][^.;:()]{{1,100}}?)\s+(?:on|between)\s+(?:the\s+)?{DATE_TEXT}")


def inspected_location(text: str, start: int, end: int) -> Fact | None:
    """The location an inspection summary names in its "inspection of X on <date>" sentence."""
    for s, e in sentence_spans(text, start, end):
        if m := _INSPECTED.search(text, s, e):
            return Fact("location", m["v"].strip(), s, e)
    return None
