"""Measures of a service a report states in its prose: capacity, people using it, its registered
manager and the population it serves.

    "The service can support up to 40 people."                         capacity = "40 places"
    "Priory Hospital Preston is a 38-bedded independent … hospital."   capacity = "38 beds"
    "At the time of the inspection there were 23 people using the service."   people_using_service = "23"
    "Thirty four people were using the service."                       people_using_service = "34"
    "There were over 6,000 people registered with the service …"       population = "6000"
    "At the time of our inspection there was a registered manager in post."   registered_manager = "yes"
    "The service does not have a registered manager in post …"          registered_manager = "no"

Which words count people, say "up to", date a count to the visit or say a count is of people
using the service are the shared vocabulary's (``stated.tsv``); this module reads their order in a
sentence. Each fact cites its sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from assistant.models import Fact
from assistant.ingest.parse.lines import marked, sentences
from assistant.vocabulary import Match, number_pattern, number_value, number_words, quantifier_phrases, stated

# A count, and the words between it and the noun it counts ("35 people", "23 older people", "40 adults").
_COUNT = re.compile(rf"(?<![\w£$.,-])(?P<n>{number_pattern()})(?![\w,]*\d)", re.I)
_DIGIT = re.compile(r"\d")
_MANAGER_WORD = re.compile(r"\bmanager\b", re.I)
# Words a count may have between it and its noun: "up to 35 younger and older people".
_GAP = re.compile(r"(?:\s*(?:[a-z’'-]+\s+){0,3}?)", re.I)


def measures_in(text: str, start: int, end: int, practice: bool = False, hospital: bool = False) -> Iterator[Fact]:
    """The capacity, people using the service, population and registered manager stated in
    ``text[start:end]``, each with its sentence's offsets, in text order (the first of a kind counts).
    ``practice``: the location is a practice (a GP's or dentist's), whose patients are its list, not its
    places; ``hospital``: it is a hospital, whose units' beds are not its capacity. A registered manager only mentioned ("we spoke to the registered manager") comes after any
    sentence saying whether there is one."""
    mentioned: Fact | None = None
    body = text[start:end].replace("-", " ")  # "38-bedded": the count and its noun as words
    hits = sorted(m.start + start for kind in ("people", "beds", "manager", "population", "serves", "registered_patients")
                  for m in stated(kind).find(body))
    hits += [m.start() + start for m in _MANAGER_WORD.finditer(body)]
    for s, e in marked(sentences(text, start, end), sorted(hits)):
        sentence = text[s:e]
        if not _DIGIT.search(sentence) and not _has_number_word(sentence) and "manager" not in sentence.lower():
            continue
        for name, value in _sentence_measures(sentence, practice, hospital):
            if name == "registered_manager" and value == "mentioned":
                mentioned = mentioned or Fact(name, "yes", s, e)
                continue
            yield Fact(name, value, s, e)
    if mentioned is not None:
        yield mentioned


def _has_number_word(sentence: str) -> bool:
    return not number_words().isdisjoint(re.findall(r"[a-z]+", sentence.lower()))


def _counts(sentence: str) -> Iterator[tuple[int, int, int, Match]]:
    """(value, start, end, noun) of each count of people or beds: a number with a people noun or a bed
    word within a few words after it."""
    spaced = sentence.replace("-", " ")  # "38-bedded": the count and its noun as words
    nouns = stated("people").find(spaced) + stated("beds").find(spaced)
    for m in _COUNT.finditer(sentence):
        value = number_value(m["n"])
        if value is None or (m["n"][:1].isdigit() and re.match(r"\s*(?:%|per\s?cent|years?|months?|weeks?|days?|hours?)",
                                                                sentence[m.end():], re.I)):
            continue
        after = [n for n in nouns if n.start >= m.end() and _GAP.fullmatch(spaced[m.end() : n.start])]
        if after:
            yield value, m.start(), m.end(), min(after, key=lambda n: n.start)


def _sentence_measures(sentence: str, practice: bool, hospital: bool) -> Iterator[tuple[str, str]]:
    registered = stated("registered_patients").find(sentence)
    using = stated("using").find(sentence)
    at_the_time = stated("at_the_time").find(sentence)
    # A trust's figures ("The trust operates … with approximately 900 beds", "<trust> … serving a population
    # of 800,000") are not the location's.
    trusts = _TRUST_SUBJECT.match(sentence) is not None
    for value, s, _end, noun in _counts(sentence):
        before = sentence[max(0, s - 60) : s]
        if noun.value == "beds":
            if not trusts and _bed_capacity(sentence, s, noun, hospital):
                yield "capacity", f"{value} beds"
            continue
        if _ends_with(before, "up_to") and _capacity_verb(sentence[: s]):
            yield "capacity", f"{value} places"
            continue
        if any(r.end > s and r.start <= noun.end + 40 for r in registered) or (
                noun.said.lower() == "patients" and re.match(r"[^.;]{0,40}?\bregistered\b", sentence[noun.end :])):
            yield "population", str(value)
            continue
        if _ends_with(before, "serves") and not at_the_time:
            if not trusts:
                yield ("population" if practice else "capacity"), str(value) if practice else f"{value} places"
            continue
        if _ends_with(before, "engaged") or _ends_with(before, "up_to"):
            continue
        just_after = [u for u in using if 0 <= u.start - noun.end <= 12]
        if just_after or (at_the_time and (_ends_with(before, "serving") or value < 100000) and not registered):
            yield "people_using_service", str(value)
        elif _ends_with(before, "serving") and not _ends_with(before, "serves"):
            yield "people_using_service", str(value)
    for m in re.finditer(r"(?<![\w-])(?P<n>\d{1,3}(?:,\d{3})+|\d{3,})(?![\w,]*\d)", sentence):
        before = sentence[: m.start()]
        if trusts:
            break
        if _ends_with(before, "population") or (practice and _ends_with(before, "serves")):
            yield "population", str(number_value(m["n"]))
    if "manager" in sentence.lower():
        found = _manager(sentence)
        if found:
            yield "registered_manager", found


def _ends_with(before: str, kind: str) -> bool:
    """Whether ``before`` ends with one of ``kind``'s cues, perhaps followed by words of degree ("up to a
    total of", "registered for over")."""
    tail = before.rstrip(" ,:(")
    while True:
        if any(m.end == len(tail) for m in stated(kind).find(tail)):
            return True
        degree = [m for m in stated("about").find(tail) if m.end == len(tail)]
        if not degree:
            return False
        tail = tail[: degree[-1].start].rstrip(" ,:(")


def _capacity_verb(before: str) -> bool:
    """A verb of capacity ("accommodates", "can support", "providing care … to") in the words before a count."""
    return bool(stated("capacity").find(before[-160:]))


def _bed_capacity(sentence: str, count_start: int, noun: Match, hospital: bool) -> bool:
    """A count of beds that is the service's ("a 38-bedded independent mental health hospital", "an 18 bed
    in-patient unit" of a hospice, "The home has 40 beds"), not a ward's ("a 15 bedded acute ward") nor a
    hospital department's ("The Labour Suite has 13 beds", "a 4 bedded midwife led unit")."""
    part = re.compile(r"\b(?:wards?|bays?|rooms?|suites?|cubicles?|units?|areas?|departments?|centres?)\b", re.I)
    after = re.match(r"\s*(?:[\w’'()-]+\s+){0,8}?(?P<part>" + part.pattern + ")", sentence[noun.end : noun.end + 80], re.I)
    if after and not (after["part"].lower().startswith("unit") and not hospital):
        return False
    if part.search(sentence, max(0, count_start - 100), count_start):
        return False
    return noun.said.lower().endswith("bedded") or _ends_with(sentence[:count_start], "owns") or bool(
        re.search(r"\b(?:an?|the)\s*$", sentence[:count_start]))


# A sentence about a trust: "The trust operates …", "<Name> NHS Trust is a large provider …".
_TRUST_SUBJECT = re.compile(r"\s*(?:(?i:the\s+trust)\b|(?:[A-Z][\w'’&,-]*\s+(?:(?:and|of|the)\s+)?){1,10}?(?:NHS\s+)?(?:Foundation\s+)?Trust\b)")


_THERE_IS = re.compile(r"\b(?:there\s+(?:is|was|were|has\s+been|had\s+been)|(?:has|have|had)(?:\s+had)?|employs?|employed)"
                       r"\s+(?P<neg>no|not\s+(?:got\s+)?(?:been\s+)?a|not\s+had\s+a|never\s+had\s+a)?\s*(?:a\s+|an\s+)?"
                       r"(?:new\s+|current\s+|permanent\s+)?registered\s+managers?\b", re.I)
_NOT_HAVE = re.compile(r"\b(?:does|did|do)\s+not\s+(?:currently\s+|yet\s+)?have\s+a\s+registered\s+manager\b|"
                       r"\bwithout\s+a\s+registered\s+manager\b|\bno\s+registered\s+manager\b|"
                       r"\bmanager\s+(?:was|is|had)\s+not\s+(?:yet\s+)?(?:been\s+)?registered\b", re.I)


def _manager(sentence: str) -> str | None:
    """"yes" when the sentence says the service has a registered manager, "no" when it says it has none,
    "mentioned" when it speaks of the registered manager as a person ("we spoke to the registered manager");
    None for a sentence that only says one is required, or what one is."""
    if not stated("manager").find(sentence) and not _MANAGER_REGISTERED.search(sentence):
        return None
    if stated("manager_required").find(sentence) or re.match(r"\s*A\s+registered\s+manager\s+is\b", sentence, re.I):
        return None
    if stated("manager_none").find(sentence) or _NOT_HAVE.search(sentence):
        return "no"
    if m := _THERE_IS.search(sentence):
        negated = m["neg"] or any(q.value == "negator" for q in quantifier_phrases().find(sentence[max(0, m.start() - 20) : m.start()]))
        return "no" if negated else "yes"
    if _IN_PLACE.search(sentence) or _MANAGER_REGISTERED.search(sentence):
        return "yes"
    if re.search(r"\b(?:the|our|their|its)\s+registered\s+manager\b", sentence, re.I):
        return "mentioned"
    return None


# "A registered manager was in place", "The service had a manager registered with the Care Quality Commission".
_IN_PLACE = re.compile(r"\bregistered\s+manager\s+(?:was|is|has\s+been)\s+(?:in\s+(?:place|post)|employed|appointed)\b", re.I)
_MANAGER_REGISTERED = re.compile(r"\b(?:has|had|have)\s+a\s+manager\s+(?:who\s+(?:is|was)\s+)?registered\s+with\b", re.I)
