"""Facts stated in running prose: ratings, scores, breaches, dates and the kind of service.

Each reader takes a span of the report text, walks its sentences once, and returns what it
finds with the offsets of the sentence that states it. Every pattern is bounded, so reading is
linear in the length of the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.ingest.dates import find_dates, find_months
from assistant.ingest.parse import services
from assistant.ingest.parse.lines import sentences
from assistant.vocabulary import (KQ_WORDS, RATING_SAID, RATING_WORDS, REGULATIONS, change_phrases, kq_id,
                                  organisation_family, rating_of, rating_rank, regulation_phrases)
from assistant.models import KEY_QUESTIONS, Fact
from assistant.text import bullet_mark, line_spans, normalise, sentence_spans

if TYPE_CHECKING:
    from assistant.ingest.parse.build import Facts

_DIGIT = re.compile(r"\d")

# --- ratings ---------------------------------------------------------------------------------

# CQC states ratings in many wordings: "we rated X as good", "we rated this key question good",
# "the rating has changed to requires improvement", "which was requires improvement", "has improved
# and is now good", "remains good", "rated Requires Improvement overall". A cue must sit right
# before the rating, so "good governance" elsewhere in the sentence is not read as one.
_RATING_CUE = re.compile(
    rf"\b(?:(?:re-?)?rated(?:\s+(?:this|the)\s+(?:key\s+question|service|practice|location|provider|trust)|"
    rf"[^.;]{{0,80}}?\b(?:as|at))?|re-?rate[^.;]{{0,60}}?\bas|"
    rf"(?P<change>changed|improved|deteriorated|declined|dropped|gone\s+(?:up|down))\s+to|identified\s+as|rating\s+(?:is|was|remains|remained|has\s+remained|of)|"
    rf"(?<=\d{{4}})\s*[-–—:]|"  # "(Previous rating March 2015 – Good)"
    rf"(?P<weak>(?:is|was|were|are|remains|remained|stayed)(?:\s+now|\s+still|\s+as|\s+at)?))\s+(?P<r>{RATING_WORDS})\b"
    rf"(?!\s+(?:practice|standard|governance)\b)",
    re.I,
)
# "...changed from good to requires improvement": both ratings in one phrase.
_FROM_TO = re.compile(rf"\bfrom\s+(?P<prev>{RATING_WORDS})\s+to\s+(?P<r>{RATING_WORDS})\b", re.I)
# Words that make a rating the earlier one: "At our last inspection…", "previously rated".
_PREVIOUS = re.compile(r"\b(?:last|previous(?:ly)?|prior|before|earlier)\b", re.I)
_NOW = re.compile(r"\b(?:now|this (?:inspection|assessment)|currently)\b", re.I)
_MENTIONS_RATING = re.compile(rf"\brat(?:ed|ings?)\b|\bre-?rated?\b|\d{{4}}\s*[-–—:]\s*{RATING_WORDS}\b|\bremain(?:s|ed)?\s+(?:at\s+|as\s+)?{RATING_WORDS}\b|\bfrom\s+{RATING_WORDS}\s+to\b|\b(?:is|was|remains)\s+(?:now\s+)?{RATING_WORDS}\b",
                              re.I)
_KQ_LIST = rf"{KQ_WORDS}(?:\s*,\s*{KQ_WORDS})*(?:\s*,?\s*and\s+{KQ_WORDS})?"
# What a rating is for, right after it: "good overall", "good for safe", "inadequate for providing a well-led
# service", "good for providing safe, responsive and well-led services", "Good for maternity services" (a
# service: the overall rating of a service-level report).
_TARGET = re.compile(rf"\s*(?:(?P<overall>overall)|(?:for|at)\s+(?:providing\s+(?:an?\s+)?|being\s+|the\s+)?(?P<kq>{_KQ_LIST})\b|"
                     rf"for\s+(?:the\s+|its\s+)?(?P<service>[a-z][a-z &,()'’-]{{2,60}}?)\s+services?\b)", re.I)
# Further ratings in the same breath, each with what it is for: "… good overall with requires improvement for
# safe, good for effective, caring, responsive and well led", "… Good overall but Requires Improvement for
# providing effective services", "… requires improvement overall and inadequate for providing a safe service".
_MORE_RATED = re.compile(rf"\s*(?:,|;|\(|with|and|but|while|whereas)\s*(?:(?:with|and|but)\s+)?(?:(?:was|were|is|rated|as)\s+)*"
                         rf"(?P<r>{RATING_WORDS})(?=\s+(?:overall|for\s))", re.I)
# "overall rating of", "overall rating was": the overall rating, named before it.
_OVERALL_BEFORE = re.compile(r"\boverall\s+rating\s+(?:\w+\s+){0,2}$", re.I)
_FOR_KQS = re.compile(rf"\bfor\s+(?P<kqs>{_KQ_LIST})\b(?!.*\bfor\b)", re.I)
_RATING_FOR = re.compile(rf"\bratings?\s+(?:for|of)\s+(?P<kqs>{_KQ_LIST})\s+(?:key\s+questions?\s+)?"
                         rf"(?:is|was|are|were|remains|remained|has\s+remained|stayed)\s+(?:as\s+|at\s+)?$", re.I)
# A rating that stands: "The previous overall rating of good remains."
_STANDS = re.compile(r"\s*(?:overall\s+)?(?:remains|still\s+stands|stands|continues)\b", re.I)
# The key questions a rating is for, named right before it: "We rated safe as Good and well-led as Good",
# "We rated safe, effective and well led as good", "Safe was rated as inadequate, effective rated requires
# improvement", "Safe, effective and well-led key questions were rated Outstanding".
_KQ_AS = re.compile(rf"\b(?P<kqs>{_KQ_LIST})\s*,?\s+(?:key\s+questions?\s+|domains?\s+)?"
                    rf"(?:(?:(?:is|was|are|were|has\s+been|have\s+been)\s+)?(?:both\s+|all\s+)?(?:rated|identified)(?:\s+as)?|"
                    rf"(?:and\s+)?as)\s+(?P<r>{RATING_WORDS})\b", re.I)
# Every key question at once: "with all key questions rated as good", "all five key questions were rated good".
_ALL_KQS = re.compile(rf"\ball\s+(?:the\s+)?(?:five\s+|5\s+)?(?:key\s+questions|domains)\s+(?:(?:were|are|have\s+been)\s+)?"
                      rf"rated\s+(?:as\s+)?(?P<r>{RATING_WORDS})\b", re.I)
SERVICE = "service"  # the target of a rating stated for a named service


@dataclass(frozen=True)
class StatedRating:
    """A rating read from prose: current or previous, and what it is for when the words say."""

    previous: bool
    value: str
    target: str | None  # "overall", a key question id, or None (the context decides)
    start: int
    end: int
    service: str | None = None  # another core service the sentence rates ("we rated maternity as good")


# A sentence about the previous inspection, which the next sentence may go on describing:
# "The service was last inspected in November 2017. The overall rating of the service was good, …".
_ABOUT_PREVIOUS = re.compile(r"\b(?:last|previous(?:ly)?|prior)\s+(?:\w+\s+){0,2}(?:inspect\w*|assess\w*)|"
                             r"\b(?:was|were)\s+(?:last|previously)\s+(?:inspected|assessed)", re.I)
_PAST_ONLY = re.compile(r"\b(?:was|were|had been|received|remained)\b", re.I)


def ratings_in(text: str, start: int, end: int, service: str | None = None,
               before: str | None = None, told_before: bool = False) -> Iterator[StatedRating]:
    """Every rating stated in the prose of ``text[start:end]``, with its sentence's offsets.

    ``service``: the service the report covers, when it covers one; a rating that its sentence
    names that service for ("urgent and emergency care, which we rated as good") is the service's.
    ``before``: the first day of the report's own date; a sentence dated earlier ("was rated as Requires
    Improvement at our inspection in February 2019") tells of an earlier inspection. ``told_before``: the
    text goes on telling of the previous inspection from the lines before it.
    """
    named_service = _service_words(service)
    after_previous = told_before  # the sentence before was about the previous inspection
    line_end = -1
    for s, e in sentence_spans(text, start, end):
        sentence = text[s:e]
        if s > line_end:  # a new line: context does not carry over a line break (but into the first line)
            newline = text.find("\n", s)
            after_previous, line_end = (after_previous and line_end < 0), len(text) if newline == -1 else newline
        now = _NOW.search(sentence) is not None
        dated_before = bool(before) and not now and _DIGIT.search(sentence) is not None and _dated_before(text, s, e, before)
        carried = after_previous and not now and _PAST_ONLY.search(sentence) is not None
        # The account of the previous inspection goes on while its sentences stay in the past and go on
        # rating: "The last inspection was in 2021. The location was rated as inadequate. Safe was rated as …"
        # ("We found improvements had been made." ends it).
        goes_on = carried and _MENTIONS_RATING.search(sentence) is not None
        after_previous = goes_on or dated_before or _ABOUT_PREVIOUS.search(sentence) is not None
        earlier = carried or dated_before

        def previous_at(at: int, sentence: str = sentence, earlier: bool = earlier) -> bool:
            # The cue nearest before the rating decides ("previously rated inadequate … and it is now rated good").
            return _nearer(_PREVIOUS, _NOW, sentence[:at]) or (earlier and not _NOW.search(sentence, 0, at))

        for kq, value, at in kq_ratings_by_verb(sentence):
            yield StatedRating(previous_at(at), value, kq, s, e)
        for m in _ALL_KQS.finditer(sentence):
            for kq in KEY_QUESTIONS:
                yield StatedRating(previous_at(m.start()), rating_of(m["r"]), kq, s, e)
        if not _MENTIONS_RATING.search(sentence):
            continue
        rates = re.search(r"\brat(?:ed|ings?)\b", sentence, re.I) is not None
        for m in _FROM_TO.finditer(sentence):
            targets, _ = _targets(sentence, m.end())
            for target in targets or (None,):
                yield StatedRating(True, rating_of(m["prev"]), target, s, e)
                yield StatedRating(False, rating_of(m["r"]), target, s, e)
        clause_start = 0
        for m in _RATING_CUE.finditer(sentence):
            if m.start("r") < clause_start:
                continue  # a rating already read as one of a list's ("… and well led rated as good")
            targets, after = _targets(sentence, m.end())
            if not targets and _OVERALL_BEFORE.search(sentence, 0, m.start("r")):
                targets = ("overall",)  # "The previous overall rating of good remains."
            if m["change"] and not targets and (subject := _FOR_KQS.search(sentence, 0, m.start())):
                # "The previous rating of requires improvement for safe, effective, and well-led improved to good."
                targets = tuple(dict.fromkeys(kq_id(k) for k in re.findall(KQ_WORDS, subject["kqs"], re.I)))
            if not targets and (of := _RATING_FOR.search(sentence, 0, m.start("r"))):
                # "The rating for safe and well-led remains requires improvement."
                targets = tuple(dict.fromkeys(kq_id(k) for k in re.findall(KQ_WORDS, of["kqs"], re.I)))
            if m["weak"] and not rates and targets != ("overall",):
                continue  # "the food was good": "was good" rates nothing unless the sentence speaks of ratings
            previous = previous_at(m.start("r")) and not m["change"]  # "… improved to good": the rating now
            value = rating_of(m["r"])
            named = _KQ_AS.search(sentence, clause_start, m.end("r"))
            stated: list[StatedRating] = []
            if named and named.end("r") == m.end("r"):
                stated += [StatedRating(previous, value, kq_id(kq), s, e) for kq in re.findall(KQ_WORDS, named["kqs"], re.I)]
            else:
                other = None
                if targets == (SERVICE,) or not targets:
                    if not targets and named_service and named_service.search(sentence, 0, m.start("r")):
                        targets = (SERVICE,)
                    elif rated := services.service_subject(sentence[: m.start("r")]):
                        if service and services.same_service(rated, service):
                            targets = (SERVICE,)
                        else:
                            targets, other = (), rated
                stated += [StatedRating(previous, value, t, s, e, other) for t in targets or (None,)]
            # "The previous overall rating of good remains", "remains requires improvement": the rating stands,
            # both before and now.
            kept = (m["weak"] or "").lower().startswith(("remain", "stayed"))  # "remains requires improvement"
            still = _STANDS.match(sentence, after) is not None  # "the previous overall rating of good remains"
            for r in stated:
                yield r
                if (kept and not r.previous) or (still and r.previous):
                    yield StatedRating(not r.previous, r.value, r.target, s, e, r.service)
            clause_start = after
            # "… good overall with requires improvement for safe, good for effective, …": more ratings, each
            # with what it is for.
            while (more := _MORE_RATED.match(sentence, clause_start)) is not None:
                more_targets, clause_start = _targets(sentence, more.end())
                for target in more_targets:
                    yield StatedRating(previous, rating_of(more["r"]), target, s, e)
            # "… and well-led as Good": further key questions rated in the same breath.
            while (more := _KQ_AS.match(sentence, clause_start + _gap(sentence, clause_start))) is not None:
                for kq in re.findall(KQ_WORDS, more["kqs"], re.I):
                    yield StatedRating(previous, rating_of(more["r"]), kq_id(kq), s, e)
                clause_start = more.end()


def _dated_before(text: str, s: int, e: int, before: str) -> bool:
    """Whether the sentence gives a date (or month, or year) earlier than ``before`` (an ISO day)."""
    found = find_dates(text, s, e) + find_months(text, s, e)
    return any(d.range.end < before[: len(d.range.end)] for d in found) or any(
        year < before[:4] for year in _YEAR_ONLY.findall(text, s, e))


# Key questions given a rating by a verb ("because safe and responsive required improvement, and effective,
# caring and well-led were good", "Caring remained good").
_KQ_WERE = re.compile(rf"\b(?P<kqs>{_KQ_LIST})\s+(?:(?:(?:were|was|are|is|all|both|remained|remains|has\s+remained|stayed)\s+)+"
                      rf"(?:as\s+)?(?P<r>{RATING_SAID})|(?P<v>(?:required|requires|needed)\s+improvement))\b", re.I)


def kq_ratings_by_verb(sentence: str) -> Iterator[tuple[str, str, int]]:
    """(key question, rating, offset) for each key question a verb rates ("effective, caring and well-led were
    good", "safe and responsive required improvement", "Caring remained good")."""
    for m in _KQ_WERE.finditer(sentence):
        for kq in re.findall(KQ_WORDS, m["kqs"], re.I):
            yield kq_id(kq), rating_of(m["r"] or m["v"]), m.start()


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
    if r.service:
        return None if r.previous else Fact(f"service_rating:{r.service}:{r.target or 'overall'}", r.value, r.start, r.end)
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


def _targets(sentence: str, at: int) -> tuple[tuple[str, ...], int]:
    """What a rating is for, read right after it: ("overall",), key questions, (SERVICE,), or () when the
    words say nothing; and where those words end."""
    m = _TARGET.match(sentence, at)
    if not m:
        return (), at
    if m["service"]:
        return (SERVICE,), m.end()
    if m["overall"]:
        return ("overall",), m.end()
    return tuple(dict.fromkeys(kq_id(k) for k in re.findall(KQ_WORDS, m["kq"], re.I))), m.end()


# --- changes of rating -------------------------------------------------------------------------

@dataclass(frozen=True)
class StatedChange:
    """A change of rating read from prose. ``direction`` is improved, declined or remained, or "changed"
    when only the two ratings say which ("the rating has changed to good"); ``targets`` the key questions
    it is for when the words name them, "overall" for the whole service or location, or () when the
    context decides; ``subject`` the words naming what the rating is of ("this hospital"), if any."""

    direction: str
    targets: tuple[str, ...]
    subject: str
    rating: str | None  # the rating it changed to, when stated ("improved to good")
    start: int
    end: int


# Words a change's subject may have between it and the change: "The ratings for safe … all went up".
_FILLER = r"(?:\s+(?:all|both|each|also|have|has|had|now|then|since|significantly|slightly|further))*"
_KQ_SUBJECT = re.compile(rf"\b(?P<kqs>{_KQ_LIST})(?:\s+key\s+questions?|\s+domains?)?{_FILLER}\s*$", re.I)
_RATING_OF = re.compile(rf"\b(?:(?:the|our|its|their)\s+)?(?:previous\s+|current\s+)?(?P<overall>overall\s+)?(?:location\s+)?"
                        rf"ratings?(?:\s+(?:of|for)\s+(?P<what>[^,;:]{{1,90}}?))?{_FILLER}\s*$", re.I)
# A sentence whose subject is a whole rating: "The previous rating of good overall with requires improvement for
# safe, … remains." (the rating as a whole remains: the overall one).
_WHOLE_RATING = re.compile(rf"^\s*(?:the|our)\s+(?:previous\s+|current\s+)?(?:overall\s+)?rating\s+of\s+{RATING_WORDS}\s+overall\b",
                           re.I)
# A change said as a noun needs its comparison: "This showed a decline since the last inspection".
_SINCE_BEFORE = re.compile(r"\b(?:since|from|compared\s+(?:with|to))\s+(?:the|our)\s+(?:last|previous|prior)\b", re.I)
_AFTER_CHANGE = re.compile(rf"\s*(?:to\s+|as\s+|at\s+)?(?P<r>{RATING_SAID})\b", re.I)


def changes_in(text: str, start: int, end: int) -> Iterator[StatedChange]:
    """Every change of rating the prose of ``text[start:end]`` states, with its sentence's offsets:
    "Our rating of the trust stayed the same", "The previous rating of requires improvement for safe,
    effective, and well-led improved to good", "Caring remained good", "At this assessment the rating
    has changed to good", "This showed a decline since the last inspection"."""
    for s, e in sentence_spans(text, start, end):
        sentence = text[s:e]
        found = change_phrases().find(sentence)
        taken = -1
        for m in found:
            if m.start < taken:
                continue
            before = sentence[: m.start].rstrip()
            rating = _AFTER_CHANGE.match(sentence, m.end)
            value = rating_of(rating["r"]) if rating else None
            noun = m.said.lower().startswith(("a ", "an "))
            if noun:
                if _SINCE_BEFORE.search(sentence, m.end):
                    yield StatedChange(m.value, (), "", None, s, e)
                continue
            if m.value == "changed" and value is None:
                continue
            if _WHOLE_RATING.match(before):
                yield StatedChange(m.value, ("overall",), "", value, s, e)
            elif kq := _KQ_SUBJECT.search(before):
                kqs = tuple(dict.fromkeys(kq_id(k) for k in re.findall(KQ_WORDS, kq["kqs"], re.I)))
                yield StatedChange(m.value, kqs, "", value, s, e)
            elif of := _RATING_OF.search(before):
                what = (of["what"] or "").strip()
                if of["overall"] and (not what or rating_of(what)):
                    yield StatedChange(m.value, ("overall",), "", value, s, e)
                    taken = m.end
                    continue
                named = tuple(dict.fromkeys(kq_id(k) for k in re.findall(rf"^{_KQ_LIST}$", what, re.I)
                                            for k in re.findall(KQ_WORDS, k, re.I)))
                yield StatedChange(m.value, named, "" if named else what, value, s, e)
            taken = m.end


def change_direction(change: StatedChange, previous: str | None, current: str | None) -> str | None:
    """The direction of a change: as stated, or for "changed", from the ratings before and after."""
    if change.direction != "changed":
        return change.direction
    before, after = rating_rank(previous or ""), rating_rank(change.rating or current or "")
    if before is None or after is None:
        return None
    return "improved" if after > before else "declined" if after < before else "remained"


# --- what one part of a report states about ratings ---------------------------------------------

def part_facts(text: str, start: int, end: int, kq: str | None, known: Facts, service_part: bool) -> Iterator[Fact]:
    """The ratings and changes of rating the prose of one part of a report states (``kq``: the key
    question whose page it is, if any; ``service_part``: the part of a service-level report that is the
    service's). A paragraph about another core service ("We inspected Critical care … We rated it as
    good because …") gives that service's ratings, never the location's."""
    own = known.value("service")
    location = known.value("location")
    service_level = own is not None
    dated = next((v for n in ("date:inspection", "date:assessment", "date:onsite", "date:report") if (v := known.value(n))), None)
    before = dated.partition("/")[0] if dated else known.own_date
    telling = False  # a list introduced by a sentence about the previous inspection goes on telling of it
    for ls, le in line_spans(text, start, end):
        line = text[ls:le]
        bullet = bullet_mark(line)
        told_before = telling
        telling = (line.rstrip().endswith(":") and _ABOUT_PREVIOUS.search(line) is not None) or (telling and bullet)
        about = services.paragraph_service(text, ls, le, location)
        if about and not services.same_service(about, own):
            for r in ratings_in(text, ls, le, before=before):
                if not r.previous:
                    target = r.target if r.target in KEY_QUESTIONS else "overall"
                    yield Fact(f"service_rating:{r.service or about}:{target}", r.value, r.start, r.end)
            continue
        stated = []
        for r in ratings_in(text, ls, le, own, before, told_before and not bullet):
            if (fact := rating_fact(r, kq, service_level, service_part)) is not None:
                stated.append(fact)
                yield fact
        told = {t for c in changes_in(text, ls, le) for t in _change_targets(c, kq, own, location, service_part)}
        for fact in _changes_told_by_two(stated, told):
            yield fact
        for change in changes_in(text, ls, le):
            for target in _change_targets(change, kq, own, location, service_part):
                previous = next((f.value for f in stated if f.name == f"previous_rating:{target}"), None)
                current = next((f.value for f in stated if f.name == f"rating:{target}"), None)
                previous = previous or known.value(f"previous_rating:{target}")
                direction = change_direction(change, previous, current or known.value(f"rating:{target}"))
                if direction:
                    s, e = change.start, change.end
                    # "At our last assessment we rated this key question good. At this assessment the rating
                    # has remained good.": the two sentences state the change together.
                    stated_before = [f for f in stated if f.name == f"previous_rating:{target}" and f.end <= s]
                    if change.direction == "changed" and stated_before:
                        s = stated_before[-1].start
                    yield Fact(f"rating_change:{target}", direction, s, e)


def _changes_told_by_two(stated: list[Fact], told: set[str]) -> Iterator[Fact]:
    """A change the paragraph tells by its two ratings, the earlier sentence giving the one before and a later
    one the one now ("At our previous inspection … was rated Requires Improvement at providing an effective
    service. At this inspection we rated effective as good …" — improved), where no word of change is said."""
    for now in stated:
        kind, _, target = now.name.partition(":")
        if kind != "rating" or target in told:
            continue
        before = [f for f in stated if f.name == f"previous_rating:{target}" and f.end <= now.start]
        if before:
            was, then = rating_rank(before[-1].value), rating_rank(now.value)
            if was is not None and then is not None:
                direction = "improved" if then > was else "declined" if then < was else "remained"
                told.add(target)
                yield Fact(f"rating_change:{target}", direction, before[-1].start, now.end)


def _change_targets(change: StatedChange, kq: str | None, own_service: str | None, location: str | None,
                    service_part: bool) -> tuple[str, ...]:
    """What a change of rating is for: the key questions it names; else what its subject names ("this
    hospital": the location, which on a service's report is ``location``; "the service", "services" or the
    report's own service: overall); else the key question whose page it is on, or overall."""
    if change.targets:
        return change.targets
    subject = normalise(change.subject)
    if not subject:
        return (kq,) if kq else ("overall",)
    if re.search(RATING_SAID, subject, re.I) or re.search(r"\bother\b", subject):
        return ()
    named = services.services_named(change.subject, location)
    if named:
        return ("overall",) if own_service and services.same_service(named[0].value, own_service) else ()
    words = [w for w in re.findall(r"[a-z]+", subject) if w not in ("the", "this", "our", "its", "their", "overall")]
    if set(words) <= {"service", "services"}:
        return ("overall",)
    place = (location and normalise(location) in subject) or all(organisation_family(w) is not None or w in (
        "location", "provider", "trust") for w in words)
    if not place:
        return ()
    return ("location",) if own_service else ("overall",)


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

_BREACH = re.compile(r"(?:\b(?P<the>the)\s+)?\b(?:(?:in\s+)?breach(?:es|ed)?\b|contrary\s+to\b(?=\s+(?:the\s+)?regulations?\s+\d))",
                     re.I)
_FOUND = re.compile(r"\b(?:found|identified|were|was|is|are|remain(?:ed|s)?)\b", re.I)
# A breach that is not this report's: followed up from before, or no longer there.
_NOT_CURRENT = re.compile(r"\bfollow(?:ed|ing)?[- ]up\s+on\b|\bno longer\b|\bnot in breach\b|\bno breach|"
                          r"\b(?:last|previous|prior)\s+(?:inspection|assessment)\b|\bpreviously\s+(?:been\s+)?(?:in\s+)?breach",
                          re.I)
# "safe care and treatment (Regulation 12), good governance (Regulation 17)": names with numbers in brackets.
_NAMED_REGULATION = re.compile(r"(?P<name>[A-Za-z][a-z ,'’-]{2,70}?)\s*\((?i:regulation|reg\.?)\s*(?P<n>\d{1,2}[A-Z]?)\)")
_REGULATION = re.compile(r"\b(?i:regulations?)\s+(?P<n>\d{1,2}[A-Z]?)\b(?:\s*\((?P<name>[^()]{3,80})\)|:\s*(?P<name2>[A-Z][a-z ,]{3,60}))?")
_MORE_REGULATION = re.compile(r"\s*(?:,|and|,\s*and|&)\s*(?:regulation\s+)?(?P<n>\d{1,2}[A-Z]?)\b(?:\s*\((?P<name>[^()]{3,80})\))?",
                              re.I)
# A year on its own: "at the latest inspection in 2019 the service was found to be in breach".
_YEAR_ONLY = re.compile(r"\b(?:in|during)\s+((?:19|20)\d\d)\b(?!\s*(?:/|-))", re.I)
_ACT = re.compile(r"\s+(?:of|under)\s+the\s+Health\b.*$", re.I)


def breaches_in(text: str, start: int, end: int, report_month: str | None = None) -> Iterator[tuple[str, str, int, int]]:
    """(fact name, value, sentence start, end) for each breach this report finds.

    A ``breach`` names its regulation by number, as CQC states it ("a breach of regulation 12", "contrary
    to regulation 19"): "Regulation 12: Safe care and treatment" when the number and name are stated,
    "Regulation 12" when only the number is. A breach stated by its topic alone ("breaches of regulation
    in relation to safe care and treatment, governance and staffing") is a ``breach_topic``, one per
    fundamental standard the topic names, in the text's words ("governance"); the vocabulary maps it to
    its regulation. A breach followed up from before, no longer there, referred back to ("the breaches of
    Regulation 17" as a topic of this visit), told with a date before ``report_month`` ("2025-03"), or
    told in the account of the previous inspection ("At our July 2021 inspection … The provider was also
    issued with warning notices in respect of breaches of regulation 12") is history.
    """
    after_previous, line_end = False, -1
    for s, e in sentences(text, start, end):
        sentence = text[s:e]
        if s > line_end:  # context does not carry over a line break
            newline = text.find("\n", s)
            after_previous, line_end = False, len(text) if newline == -1 else newline
        dated_before = bool(report_month) and _DIGIT.search(sentence) is not None and (
            any(d.range.start[:7] < report_month for d in find_months(text, s, e) + find_dates(text, s, e))
            or any(year < report_month[:4] for year in _YEAR_ONLY.findall(sentence)))
        # The account of an earlier, dated inspection goes on until a sentence turns to this one.
        carried = after_previous and not _NOW.search(sentence) and not find_dates(text, s, e)
        after_previous = carried or dated_before
        b = _BREACH.search(sentence)
        if not b or _NOT_CURRENT.search(sentence) or dated_before or carried:
            continue
        if b["the"] and not _FOUND.search(sentence, 0, b.start()):
            continue  # "the breaches of Regulation 17": breaches known before, a topic of this visit
        after = _ACT.sub("", sentence[b.end() :])
        bracketed = [_regulation(m["n"], m["name"].strip(" ,")) for m in _NAMED_REGULATION.finditer(after[:400])]
        numbered = bracketed or list(_numbered(after))
        for value in numbered:
            yield "breach", value, s, e
        if not numbered and (m := _IN_RELATION.search(after)):
            for topic in _topics(m["v"]):
                yield "breach_topic", topic, s, e


# "… in relation to safe care and treatment, governance and staffing": the topics of a breach.
_IN_RELATION = re.compile(r"\b(?:in relation to|relating to|regarding|in respect of|for)\s+(?P<v>[^.;]{3,200})", re.I)


def _topics(words: str) -> list[str]:
    """The fundamental standards a list of topics names, in its words: "safe care and treatment, governance
    and staffing (training)" -> ["safe care and treatment", "governance", "staffing"]. A topic that names
    none ("keeping people safe") is left out."""
    out = []
    for m in regulation_phrases().find(words):
        if m.value in REGULATIONS and m.said.lower() not in (t.lower() for t in out):
            out.append(m.said)
    return out


def _numbered(words: str) -> Iterator[str]:
    m = _REGULATION.search(words[:200], 0)
    if not m:
        return
    yield _regulation(m["n"], m["name"] or m["name2"] or _name_after(words, m.end()))
    at = m.end()
    while more := _MORE_REGULATION.match(words, at):
        yield _regulation(more["n"], more["name"] or _name_after(words, more.end()))
        at = more.end()


def _name_after(words: str, at: int) -> str | None:
    """A regulation's name written right after its number ("regulation 12 safe care and treatment")."""
    m = regulation_phrases().first(words[at : at + 80])
    return m.said if m is not None and not words[at : at + m.start].strip(" ,:-–") else None


def _regulation(number: str, name: str | None) -> str:
    """"Regulation 12: Safe care and treatment": the name as the vocabulary has it when the stated name is one
    of that regulation's names, else as stated."""
    if not name:
        return f"Regulation {number}"
    name = name.strip()
    if number in REGULATIONS and number in regulation_phrases().values(name):
        name = REGULATIONS[number]
    return f"Regulation {number}: {name[0].upper()}{name[1:]}"


# --- dates stated in sentences ----------------------------------------------------------------

# What a dated sentence says the date is, checked in this order on the words before the date.
_DATE_KINDS = (
    ("previous", re.compile(r"\b(?:last|previous|prior|earlier)\s+(?:\w+\s+){0,2}(?:inspection|assessment|inspected|visit|review|rating)"
                            r"|\b(?:previously|last)\s+(?:been\s+)?(?:inspected|assessed)"
                            r"|\b(?:inspected|assessed)\s+(?:[\w'’]+\s+){0,3}?again\b", re.I)),
    ("published", re.compile(r"\bdate of publication\b|\bpublished\b", re.I)),
    ("assessment", re.compile(r"\bdates? of (?:the )?assessment\b|\bassessment (?:took place|started|ran|period|dates?)\b"
                              r"|\bassessed (?:the service )?between\b|\bcarried out (?:this|the|an?|our) assessment\b"
                              r"|\b(?:carried out|conducted|undertook|completed) (?:this|the|our) (?:[\w-]+ ){0,3}?assessment\b",
                              re.I)),
    ("onsite", re.compile(r"\bon[- ]?site\b|\bsite visits?\b|\bvisit(?:ed|s)?\b|\bcarried out an? (?:un)?announced assessment\b",
                          re.I)),
    ("inspection", re.compile(r"\binspect(?:ion|ed)\b|\bcarried out an?\s+(?:un)?announced\b|"
                              r"\b(?:carried out|undertook|conducted|completed)\s+(?:an?|this|the|our)\s+(?:[\w()-]+\s+){0,4}?(?:of|at)\b",
                              re.I)),
)
_RANGE_TAIL = re.compile(r"^\s*(?:and|to|until)\s+(?:ended\s+)?(?:on\s+)?(?:the\s+)?$|"
                         # "an announced inspection visit on 2 August 2016 and an unannounced inspection on 12 August"
                         r"^\s*and\s+(?:an?\s+)?(?:(?:un)?announced\s+)?(?:inspection|visit|assessment)s?\s+(?:visits?\s+)?(?:on\s+)?$",
                         re.I)


def dated_in(text: str, start: int, end: int) -> Iterator[tuple[str, str, str, int, int]]:
    """(kind, ISO range, words, sentence start, end) for each sentence that dates an inspection,
    an assessment, a site visit, a publication or the previous inspection."""
    for s, e in sentences(text, start, end):
        if not _DIGIT.search(text, s, e):
            continue  # no date without a year
        found = find_dates(text, s, e)
        if not found:
            # The previous inspection is often dated to the month only: "previously inspected in March 2014".
            months = find_months(text, s, e)
            if months and _DATE_KINDS[0][1].search(text, s, months[0].start):
                yield "previous", str(months[0].range), months[0].text, s, e
            elif months and _DATE_KINDS[-1][1].search(text, s, months[0].start):
                # "We undertook a focused inspection of the practice in August 2019": an inspection dated to the
                # month only, which a report tells of when it is an earlier one.
                yield "inspection-month", str(months[0].range), months[0].text, s, e
            continue
        # "… from 21 to 23 February and 3 March 2017, in response to a previous inspection … in November 2015":
        # a month the sentence gives after a word of the previous inspection dates that one.
        for month in find_months(text, s, e):
            if not any(d.start <= month.start < d.end for d in found) and month.start > found[0].end and \
                    _DATE_KINDS[0][1].search(text, found[-1].end, month.start):
                yield "previous", str(month.range), month.text, s, e
        first = found[0]
        before = text[s : first.start]
        kind = next((k for k, pattern in _DATE_KINDS if pattern.search(before)), None)
        if kind is None:
            continue
        if kind == "previous" and re.search(r"\bpublished\s+(?:on\s+)?$", before, re.I):
            continue  # "The last rating … was Requires Improvement (Published on 12 November 2019)": a publication
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


# "<The location> is a GP practice …": a sentence saying what kind of service the location is.
_IS_A = re.compile(r"(?P<subject>(?:The\s+)?[A-Z][^,;:.]{1,80}?)\s+(?:is|was)\s+(?:an?|the)\s+(?P<kind>[^.;]{1,80})")


def service_type_in(text: str, start: int, end: int, location: str | None = None, limit: int = 20000) -> Fact | None:
    """The kind of service the text says the location is ("The Dovecot Surgery is a GP practice"), in the
    words CQC's breadcrumbs use, citing that sentence. A page that only mentions kinds of service in passing
    (a dental practice calling NHS 111 once, a hospital's "surgery") states none."""
    own = normalise(location) if location else None
    for s, e in sentence_spans(text, start, min(end, start + limit)):
        m = _IS_A.match(text, s, e)
        if m is None or (own is not None and normalise(m["subject"]) not in own and own not in normalise(m["subject"])):
            continue
        kind = m["kind"]
        found = [(pattern.search(kind), service) for pattern, service in _SERVICE_CUES]
        found = [(hit.start(), service) for hit, service in found if hit is not None]
        if found:
            return Fact("service_type", min(found)[1], s, e)
    return None


# The service a service-level report covers, named in prose: "During an assessment of Surgery",
# "We inspected the maternity service at George Eliot NHS Hospital".
_SERVICE_LINE = re.compile(r"^During an? (?:assessment|inspection) of (?P<v>[A-Z][\w ,&()'’-]{2,80})$")
_SERVICE_SENTENCE = re.compile(r"\bWe (?:inspected|assessed) (?:the|our) (?P<v>[a-z][a-z &'’-]{2,60}?) (?:core )?services? "
                               r"(?:at|of|provided by|run by)\b")


# "We carried out this unannounced comprehensive inspection of maternity services at Queen’s Hospital …".
_SERVICE_VISIT = re.compile(r"\bWe (?:carried out|conducted|undertook|completed) (?:this|an?|our) (?:[\w-]+ ){0,4}?"
                            r"(?:inspection|assessment) of (?:the |our )?(?P<v>[a-z][a-z &'’-]{2,60}?)(?: core)?(?: services?)? "
                            r"(?:at|in|provided by|run by)\b")


# CQC's note on a location's page that also reports one service: "Pages 1 and 2 of this report relate to the
# hospital and the ratings of that location, from page 3 the ratings and information relate to maternity …".
_LOCATION_PAGES = re.compile(r"\brelate\s+to\s+the\s+\w+\s+and\s+the\s+ratings\s+of\s+that\s+location\b", re.I)


def service_in(text: str, start: int, end: int, limit: int = 5000) -> Fact | None:
    """The service a report is about when its prose names one, before any key question: a core service
    (services.tsv) when the sentence is an inspection's or assessment's of it. A page that says its ratings
    are the location's (CQC's note "Pages 1 and 2 of this report relate to the hospital and the ratings of that
    location …") is the location's report, whatever service it also inspected."""
    if _LOCATION_PAGES.search(text, start, min(end, start + limit)):
        return None
    for s, e in sentence_spans(text, start, min(end, start + limit)):
        m = _SERVICE_LINE.match(text[s:e]) or _SERVICE_SENTENCE.search(text, s, e)
        if m is None and (visit := _SERVICE_VISIT.search(text, s, e)):
            named = services.services_named(visit["v"])
            if len(named) == 1 and len(named[0].said) >= len(visit["v"].strip()) - 2:
                m = visit
        if m:
            value = m["v"].strip()
            return Fact("service", value[0].upper() + value[1:], s, e)
    return None
