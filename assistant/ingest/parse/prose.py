"""Facts stated in running prose: ratings, scores, breaches, dates and the kind of service.

Each reader takes a span of the report text, walks its sentences once, and returns what it
finds with the offsets of the sentence that states it. Every pattern is bounded, so reading is
linear in the length of the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from assistant.ingest.dates import find_dates, find_months
from assistant.vocabulary import KQ_WORDS, RATING_WORDS, REGULATION_NAMES, kq_id, rating_of
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
# What a rating is for, right after it: "good overall", "good for safe", "inadequate for providing a well-led
# service", "Good for maternity services" (a service: the overall rating of a service-level report).
_TARGET = re.compile(rf"\s*(?:(?P<overall>overall)|for\s+(?:providing\s+an?\s+|being\s+|the\s+)?(?P<kq>{KQ_WORDS})\b|"
                     rf"for\s+(?:the\s+|its\s+)?(?P<service>[a-z][a-z &,()'’-]{{2,60}}?)\s+services?\b)", re.I)
# The key questions a rating is for, named right before it: "We rated safe as Good and well-led as Good",
# "We rated safe, effective and well led as good", "Safe was rated as inadequate, effective rated requires
# improvement", "Safe, effective and well-led key questions were rated Outstanding".
_KQ_LIST = rf"{KQ_WORDS}(?:\s*,\s*{KQ_WORDS})*(?:\s*,?\s*and\s+{KQ_WORDS})?"
_KQ_AS = re.compile(rf"\b(?P<kqs>{_KQ_LIST})\s+(?:key\s+questions?\s+|domains?\s+)?"
                    rf"(?:(?:(?:is|was|are|were|has\s+been|have\s+been)\s+)?rated(?:\s+as)?|(?:and\s+)?as)"
                    rf"\s+(?P<r>{RATING_WORDS})\b", re.I)
SERVICE = "service"  # the target of a rating stated for a named service


@dataclass(frozen=True)
class StatedRating:
    """A rating read from prose: current or previous, and what it is for when the words say."""

    previous: bool
    value: str
    target: str | None  # "overall", a key question id, or None (the context decides)
    start: int
    end: int


# A sentence about the previous inspection, which the next sentence may go on describing:
# "The service was last inspected in November 2017. The overall rating of the service was good, …".
_ABOUT_PREVIOUS = re.compile(r"\b(?:last|previous(?:ly)?|prior)\s+(?:\w+\s+){0,2}(?:inspect\w*|assess\w*)|"
                             r"\b(?:was|were)\s+(?:last|previously)\s+(?:inspected|assessed)", re.I)
_PAST_ONLY = re.compile(r"\b(?:was|were|had been)\b", re.I)


def ratings_in(text: str, start: int, end: int, service: str | None = None) -> Iterator[StatedRating]:
    """Every rating stated in the prose of ``text[start:end]``, with its sentence's offsets.

    ``service``: the service the report covers, when it covers one; a rating that its sentence
    names that service for ("urgent and emergency care, which we rated as good") is the service's.
    """
    named_service = _service_words(service)
    after_previous = False  # the sentence before, on the same line, was about the previous inspection
    line_end = -1
    for s, e in sentence_spans(text, start, end):
        sentence = text[s:e]
        if s > line_end:  # a new line: context does not carry over a line break
            newline = text.find("\n", s)
            after_previous, line_end = False, len(text) if newline == -1 else newline
        carried = after_previous and not _NOW.search(sentence) and _PAST_ONLY.search(sentence) is not None
        # The account of the previous inspection goes on while its sentences stay in the past and go on
        # rating: "The last inspection was in 2021. The location was rated as inadequate. Safe was rated as …"
        # ("We found improvements had been made." ends it).
        goes_on = carried and _MENTIONS_RATING.search(sentence) is not None
        after_previous = goes_on or _ABOUT_PREVIOUS.search(sentence) is not None
        if not _MENTIONS_RATING.search(sentence):
            continue
        for m in _FROM_TO.finditer(sentence):
            yield StatedRating(True, rating_of(m["prev"]), _target(sentence, m.end()), s, e)
            yield StatedRating(False, rating_of(m["r"]), _target(sentence, m.end()), s, e)
        clause_start = 0
        for m in _RATING_CUE.finditer(sentence):
            if m.start("r") < clause_start:
                continue  # a rating already read as one of a list's ("… and well led rated as good")
            # Only the words since the previous cue decide whether this one is the earlier rating:
            # "previously rated as inadequate in 2021 and it is now rated as good".
            clause = sentence[clause_start : m.start("r")]
            previous = carried or _nearer(_PREVIOUS, _NOW, clause)
            named = _KQ_AS.search(sentence, clause_start, m.end("r"))
            if named and named.end("r") == m.end("r"):
                for kq in re.findall(KQ_WORDS, named["kqs"], re.I):
                    yield StatedRating(previous, rating_of(m["r"]), kq_id(kq), s, e)
            else:
                target = _target(sentence, m.end())
                if target is None and named_service and named_service.search(sentence, 0, m.start("r")):
                    target = SERVICE
                yield StatedRating(previous, rating_of(m["r"]), target, s, e)
            clause_start = m.end()
            # "… and well-led as Good": further key questions rated in the same breath.
            while (more := _KQ_AS.match(sentence, clause_start + _gap(sentence, clause_start))) is not None:
                for kq in re.findall(KQ_WORDS, more["kqs"], re.I):
                    yield StatedRating(previous, rating_of(more["r"]), kq_id(kq), s, e)
                clause_start = more.end()


_GENERIC_TAIL = re.compile(r"(?:\s+(?:services?|care|core services?))+$|\s*\(.*$", re.I)


def _service_words(service: str | None) -> re.Pattern | None:
    """The words that name a service in prose: "Urgent and emergency services" is named by "urgent and
    emergency" ("urgent and emergency care"), "Maternity" by "maternity"."""
    if not service:
        return None
    words = _GENERIC_TAIL.sub("", service.strip()) or service.strip()
    return re.compile(r"\b" + r"\s+".join(map(re.escape, words.split())) + r"\b", re.I)


def rating_fact(r: StatedRating, kq: str | None, service_level: bool, service_part: bool) -> Fact | None:
    """The fact a prose rating states, given where it was read: in a key question's part (``kq``),
    in a report about one service (``service_level``), in that service's own part (``service_part``).

    A rating that names nothing it is for is the key question's in a key question's part, else the
    overall one; but on a service-level report, outside the service's part, it may be the location's
    ("Our rating of this hospital stayed the same. We rated it as …") and is left out.
    """
    target = r.target
    if target == SERVICE:
        target = "overall" if service_level else None
    if target is None:
        if kq:
            target = kq
        elif service_level and not service_part:
            return None
        else:
            target = "overall"
    return Fact(f"{'previous_rating' if r.previous else 'rating'}:{target}", r.value, r.start, r.end)


def _nearer(this: re.Pattern, other: re.Pattern, clause: str) -> bool:
    """Whether ``this`` occurs in ``clause`` later than ``other`` does (or ``other`` not at all): of
    "We carried out this assessment to review the previous assessment, where it was rated …", the
    words nearest the rating ("previous") say whose it is."""
    last = lambda pattern: max((m.start() for m in pattern.finditer(clause)), default=-1)  # noqa: E731
    return last(this) > last(other)


_GAP = re.compile(r"\s*(?:,\s*)?(?:and\s+)?")


def _gap(sentence: str, at: int) -> int:
    """Length of the ", and " between two items of a list at ``at``."""
    return _GAP.match(sentence, at).end() - at


def _target(sentence: str, at: int) -> str | None:
    m = _TARGET.match(sentence, at)
    if not m:
        return None
    if m["service"]:
        return SERVICE
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
# "safe care and treatment (Regulation 12), good governance (Regulation 17)": names with numbers in brackets.
_NAMED_REGULATION = re.compile(r"(?P<name>[A-Za-z][a-z ,'’-]{2,70}?)\s*\((?i:regulation|reg\.?)\s*(?P<n>\d{1,2}[A-Z]?)\)")
_REGULATION = re.compile(r"\b(?i:regulations?)\s+(?P<n>\d{1,2}[A-Z]?)\b(?:\s*\((?P<name>[^()]{3,80})\)|:\s*(?P<name2>[A-Z][a-z ,]{3,60}))?")
_MORE_REGULATION = re.compile(r"\s*(?:,|and|,\s*and|&)\s*(?:regulation\s+)?(?P<n>\d{1,2}[A-Z]?)\b(?:\s*\((?P<name>[^()]{3,80})\))?",
                              re.I)
_IN_RELATION = re.compile(r"\b(?:in relation to|relating to|regarding|in respect of)\s+(?P<v>[^.;()]{3,160})", re.I)
# A year on its own: "at the latest inspection in 2019 the service was found to be in breach".
_YEAR_ONLY = re.compile(r"\b(?:in|during)\s+((?:19|20)\d\d)\b(?!\s*(?:/|-))", re.I)
_ACT = re.compile(r"\s+(?:of|under)\s+the\s+Health\b.*$", re.I)


def breaches_in(text: str, start: int, end: int, report_month: str | None = None) -> Iterator[tuple[str, int, int]]:
    """(breach, sentence start, end) for each regulation this report finds breached.

    "Regulation 12: Safe care and treatment" when the number and name are stated, "Regulation 12"
    when only the number is, "safe care and treatment" when only the name is. A breach followed up
    from before, no longer there, or told with a date before ``report_month`` ("2025-03") is history.
    """
    for s, e in sentence_spans(text, start, end):
        sentence = text[s:e]
        b = _BREACH.search(sentence)
        if not b or _NOT_CURRENT.search(sentence):
            continue
        if report_month and (any(d.range.start[:7] < report_month for d in find_months(text, s, e) + find_dates(text, s, e))
                             or any(year < report_month[:4] for year in _YEAR_ONLY.findall(sentence))):
            continue
        after = _ACT.sub("", sentence[b.end() :])
        bracketed = [_regulation(m["n"], m["name"].strip(" ,")) for m in _NAMED_REGULATION.finditer(after[:400])]
        numbered = bracketed or list(_numbered(after))
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
                            r"|\b(?:previously|last)\s+(?:been\s+)?(?:inspected|assessed)"
                            r"|\b(?:inspected|assessed)\s+(?:[\w'’]+\s+){0,3}?again\b", re.I)),
    ("report", re.compile(r"\bdate of publication\b|\bpublished\b", re.I)),
    ("assessment", re.compile(r"\bdates? of (?:the )?assessment\b|\bassessment (?:took place|started|ran|period|dates?)\b"
                              r"|\bassessed (?:the service )?between\b|\bcarried out (?:this|the|an?|our) assessment\b",
                              re.I)),
    ("onsite", re.compile(r"\bon[- ]?site\b|\bsite visits?\b|\bvisit(?:ed|s)?\b|\bcarried out an? (?:un)?announced assessment\b",
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
            # The previous inspection is often dated to the month only: "previously inspected in March 2014".
            months = find_months(text, s, e)
            if months and _DATE_KINDS[0][1].search(text, s, months[0].start):
                yield "previous", str(months[0].range), months[0].text, s, e
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

# Cues in prose, and the breadcrumb words CQC uses for each kind of service. The kind named in most
# sentences wins (a dental practice mentions NHS 111 once, dentists many times); ties go to the
# more specific, earlier entry.
_SERVICE_CUES = (
    (re.compile(r"\bIUC\b|\b111 service|\bNHS 111\b|integrated urgent care", re.I), "Integrated urgent care (NHS 111) service"),
    (re.compile(r"\bout[- ]of[- ]hours\b", re.I), "Out of hours GP service"),
    (re.compile(r"\burgent treatment centre\b", re.I), "Urgent treatment centre"),
    (re.compile(r"\bambulance service\b", re.I), "Ambulance service"),
    (re.compile(r"\bdent(?:al|ist|ists|istry)\b", re.I), "Dentist"),
    (re.compile(r"\b(?:GP|medical) practice\b|\bsurgery\b|\bhealth centre\b|\bgeneral practi", re.I), "GP practice"),
    (re.compile(r"\b(?:domiciliary care|home ?care (?:agency|service)|supported living)\b", re.I), "Homecare service"),
    (re.compile(r"\b(?:care|nursing|residential) home\b", re.I), "Care home"),
    (re.compile(r"\bmental health (?:hospital|service|unit)\b|\bpsychiatric\b", re.I), "Mental health service"),
    (re.compile(r"\bhospital\b", re.I), "NHS hospital"),
)


def service_type_in(text: str, start: int, end: int, limit: int = 20000) -> Fact | None:
    """The kind of service the text is about, citing the first sentence that names it."""
    counts: dict[str, list[int]] = {}
    for s, e in sentence_spans(text, start, min(end, start + limit)):
        for pattern, service in _SERVICE_CUES:
            if pattern.search(text, s, e):
                counts.setdefault(service, []).extend((s, e))
    if not counts:
        return None
    order = [service for _, service in _SERVICE_CUES]
    best = max(counts, key=lambda k: (len(counts[k]), -order.index(k)))
    return Fact("service_type", best, counts[best][0], counts[best][1])


# The service a service-level report covers, named in prose: "During an assessment of Surgery",
# "We inspected the maternity service at George Eliot NHS Hospital".
_SERVICE_LINE = re.compile(r"^During an? (?:assessment|inspection) of (?P<v>[A-Z][\w ,&()'’-]{2,80})$")
_SERVICE_SENTENCE = re.compile(r"\bWe (?:inspected|assessed) (?:the|our) (?P<v>[a-z][a-z &'’-]{2,60}?) (?:core )?services? "
                               r"(?:at|of|provided by|run by)\b")


def service_in(text: str, start: int, end: int, limit: int = 5000) -> Fact | None:
    """The service a report is about when its prose names one, before any key question."""
    for s, e in sentence_spans(text, start, min(end, start + limit)):
        m = _SERVICE_LINE.match(text[s:e]) or _SERVICE_SENTENCE.search(text, s, e)
        if m:
            value = m["v"].strip()
            return Fact("service", value[0].upper() + value[1:], s, e)
    return None
