"""Set questions: a verdict on one topic for every provider, with negation taken seriously.

"Which providers lacked FTSU awareness?" becomes a topic (concept groups such as
{FTSU | freedom to speak up} and {aware | knew | understood}) and a polarity (the
question asks about a lack). Each provider's passages are searched for sentences
on the topic, and each such sentence is read for negation in the clause that
carries the topic: "staff knew how to contact the freedom to speak up team" meets
the standard, "not all staff were aware of the Freedom to Speak Up Guardian"
only partly does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from assistant.search.tokens import STOP_WORDS, glossary, stem_all, words

LACKING, MEETS, PARTLY, NO_EVIDENCE = "lacking", "meets", "partly", "no evidence"

# Words that flip a clause's polarity. Counted with parity, so "was not in breach"
# (two cues) reads as meeting the standard.
_NEGATIVE = frozenset(
    """not no never without unable cannot nor neither none lack lacked lacking lacks unaware fail failed
    fails failing absent insufficient ineffective inadequate poor breach breached breaches weak didn wasn
    weren couldn doesn don hadn hasn isn aren""".split()
)
# Phrases that say "some but not all": the provider partly meets the standard.
_PARTIAL = re.compile(
    r"\bnot (?:all|always|every|consistently|fully|everyone)\b|\bsome but not all\b|\binconsistent(?:ly)?\b|"
    r"\bmixed\b|\bvariable\b|\bpartial(?:ly)?\b|\bpartly\b",
    re.I,
)
# "without fear of retribution" reassures; it does not negate the clause.
_REASSURANCE = re.compile(r"\bwithout (?:any )?(?:fear|retribution|repercussions?|reprisal|delay|hesitation)\b", re.I)
# Clause boundaries inside a sentence: a contrast starts a new claim.
_CLAUSE = re.compile(r";|\bhowever\b,?|\bbut\b|\balthough\b|\bwhilst\b|\bwhile\b|\byet\b", re.I)
# Words in a set question that carry polarity or framing, not topic.
_FRAME = frozenset(
    """lack lacked lacking lacks without not no fail failed failing poor weak insufficient did had have has
    show showed shown demonstrate demonstrated evidence any good strong positive negative effective clear
    staff provider providers service services practice practices there found identified where whose who""".split()
)
# Negative words that are also the topic itself ("in breach of regulations").
_TOPICAL_NEGATIVE = frozenset({"breach", "breached", "breaches", "inadequate"})


@dataclass(frozen=True)
class Topic:
    """What a set question is about: concept groups, each a tuple of alternatives (stem sets)."""

    text: str
    groups: tuple[tuple[frozenset[str], ...], ...]
    negative: bool  # the question asks who falls short

    def query_terms(self) -> list[str]:
        """All stems of all alternatives, for BM25 candidate search."""
        return sorted({s for g in self.groups for alt in g for s in alt})


@lru_cache(maxsize=1)
def _synonyms() -> list[tuple[frozenset[str], ...]]:
    text = resources.files("assistant").joinpath("data/synonyms.tsv").read_text(encoding="utf-8")
    groups = []
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            groups.append(tuple(_stems(alt) for alt in line.split("|") if alt.strip()))
    return groups


def _stems(phrase: str) -> frozenset[str]:
    return frozenset(stem_all([w for w in words(phrase) if w not in STOP_WORDS or w == "up"]))


def topic_from(text: str) -> Topic:
    """Turn the topic part of a set question into concept groups and a polarity."""
    raw = words(text)
    negative = any(w in _NEGATIVE or w in _TOPICAL_NEGATIVE for w in raw)
    gloss = glossary()
    question_stems = set(stem_all(raw))
    groups: list[tuple[frozenset[str], ...]] = []
    covered: set[str] = set()
    # Multi-word concepts first, so "freedom to speak up" typed out is one concept, not three.
    phrases = [g for g in _synonyms()] + [(frozenset(stem_all([a])), _stems(e)) for a, e in gloss.items()]
    for group in phrases:
        for alt in group:
            if len(alt) > 1 and alt <= question_stems:
                groups.append(_with_synonyms(set(group)))
                covered |= alt
    for w in raw:
        stem = stem_all([w])[0]
        polarity_only = (w in _FRAME or w in _NEGATIVE) and w not in _TOPICAL_NEGATIVE
        if w in STOP_WORDS or polarity_only or stem in covered:
            continue
        alts = {frozenset([stem])}
        if w in gloss:
            alts.add(_stems(gloss[w]))
        covered.add(stem)
        groups.append(_with_synonyms(alts))
    return Topic(text, tuple(_merge(groups)), negative)


def _with_synonyms(alts: set[frozenset[str]]) -> tuple[frozenset[str], ...]:
    """Add every synonym group that shares an alternative with ``alts``."""
    alts = set(alts)
    for group in _synonyms():
        if alts & set(group):
            alts.update(group)
    return tuple(sorted(alts, key=sorted))


def _merge(groups: list[tuple[frozenset[str], ...]]) -> list[tuple[frozenset[str], ...]]:
    """Merge groups that share an alternative ("freedom to speak up" typed out is one concept)."""
    merged: list[set[frozenset[str]]] = []
    for g in groups:
        for m in merged:
            if m & set(g):
                m.update(g)
                break
        else:
            merged.append(set(g))
    return [tuple(sorted(m, key=sorted)) for m in merged]


def _matched(groups, stems: set[str]) -> int:
    return sum(1 for g in groups if any(alt and alt <= stems for alt in g))


@dataclass(frozen=True)
class Evidence:
    """One sentence on the topic, and how it reads."""

    start: int
    end: int
    label: str  # LACKING | MEETS | PARTLY
    relevance: float  # share of the topic's concept groups the sentence covers


def read_sentence(text: str, start: int, end: int, topic: Topic) -> Evidence | None:
    """Judge the sentence ``text[start:end]`` against the topic; None when it is off topic.

    The polarity comes from the clause that carries most of the topic, so in
    "Staff knew how to raise concerns, but not all were aware of the guardian"
    the second clause decides an awareness question.
    """
    n = len(topic.groups)
    if n == 0:
        return None
    sentence = text[start:end]
    matched = _matched(topic.groups, set(stem_all(words(sentence))))
    if matched < (n if n <= 3 else n - 1):
        return None
    clauses = [c for c in _CLAUSE.split(sentence) if c and c.strip()]
    best = max(clauses, key=lambda c: _matched(topic.groups, set(stem_all(words(c)))))
    if _PARTIAL.search(best):
        label = PARTLY
    else:
        negatives = sum(1 for w in words(_REASSURANCE.sub(" ", best)) if w in _NEGATIVE)
        label = LACKING if negatives % 2 == 1 else MEETS
    return Evidence(start, end, label, matched / n)


def verdict(evidence: list[Evidence]) -> str:
    """A provider's finding from all its on-topic sentences."""
    labels = {e.label for e in evidence}
    if not labels:
        return NO_EVIDENCE
    if labels == {LACKING}:
        return LACKING
    if labels == {MEETS}:
        return MEETS
    return PARTLY


def supporting(evidence: list[Evidence], finding: str, limit: int = 2) -> list[Evidence]:
    """The sentences that best support a finding: those with its label first, most relevant first."""
    order = {finding: 0, PARTLY: 1, LACKING: 2, MEETS: 2}
    ranked = sorted(evidence, key=lambda e: (order.get(e.label, 3), -e.relevance, e.start))
    return ranked[:limit]
