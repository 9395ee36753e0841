"""Reading a sentence against a set question's topic: is it on the topic, and does it meet the standard?

"Which providers lacked FTSU awareness?" becomes a topic (concept groups such as
{FTSU | freedom to speak up} and {aware | knew | understood}) and what it asks about (who falls
short). A sentence on the topic is read in the clause that carries the topic, for whether it
affirms, denies or partly affirms it. The finding is then judged against the *standard*, not by
counting negations: awareness is a standard, so "not all staff were aware" partly meets it;
bullying is a harm, so "staff did not experience bullying" meets the standard (freedom from it).

Labels: ``lacking`` (falls short), ``partly``, ``meets``, ``no evidence``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from assistant import vocabulary
from assistant.search.sentences import NEGATIVE_WORDS, REASSURANCE
from assistant.search.tokens import STOP_WORDS, glossary, stem_all, words

LACKING, MEETS, PARTLY, NO_EVIDENCE = "lacking", "meets", "partly", "no evidence"
AFFIRMS, DENIES, SOME = "affirms", "denies", "partly"

_NEGATIVE = NEGATIVE_WORDS
# Words that turn a claim round ("not", "no"); the other negative words name a failing ("ineffective",
# "breach"), and several failings in one claim are one denial.
_NEGATORS = frozenset("not no never without unable cannot nor neither none didn wasn weren couldn doesn don hadn hasn "
                      "isn aren".split())
_TOKEN = re.compile(r"[a-z0-9]+(?:&[a-z0-9]+)?")  # the tokens ``words`` gives, with their offsets
_REASSURANCE = REASSURANCE  # "without fear of retribution" reassures; it does not negate the clause
# "raise concerns", "report issues": speaking up, not a finding of failure; "addressed the concerns",
# "managing risk issues": acting on a problem, which is the standard, not a failing.
_SPEAKING_UP = re.compile(r"\b(?:rais\w*|voic\w*|report\w*|escalat\w*|shar\w*|highlight\w*|flag\w*|"
                          r"address\w*|resolv\w*|tackl\w*|fix\w*|rectif\w*|remed\w*|manag\w*|handl\w*|"
                          r"respond\w* to|act\w* on|deal\w* with|dealt with)\s+"
                          r"(?:\w+\s+)?(?:concerns?|issues?|problems?|shortfalls?|gaps?|failings?|weakness(?:es)?|"
                          r"deficienc(?:y|ies)|difficult(?:y|ies))\b", re.I)
# "Improvements were needed", "must improve": CQC's words for falling short of a standard.
_NEEDS_IMPROVING = re.compile(r"\bimprovements? (?:(?:was|were|is|are) )?(?:still )?(?:needed|required|necessary)\b|"
                              r"\b(?:needs?|needed|must|should|required) to (?:be )?improv\w*\b|"
                              r"\brequires? improvement\b", re.I)
# A harm named as what care guards against ("at risk of self-harm", "protected from abuse") is not a failing.
_GUARDED = re.compile(r"\b(?:of|from|against|prevent\w*|reduc\w*|avoid\w*|minimi[sz]\w*)\s+(?:\w+[-\s])?$", re.I)
# A finding dated to an earlier inspection ("was previously in breach", "at the previous assessment … found in
# breach"), unless the sentence also says how things stand now ("still in breach", "had been addressed").
_PAST = re.compile(r"\bpreviously\b|\b(?:previous|last|prior|earlier) (?:inspection|assessment|visit)s?\b", re.I)
_NOW = re.compile(r"\b(?:still|continued|continues|remained|remains|now|had been|has been|have been)\b", re.I)
# A verb, roughly: a part of a sentence with one makes a claim of its own.
_VERB = re.compile(r"\b(?:is|are|was|were|be|been|had|has|have|did|does|do|could|can|would|should|must|will|found|"
                   r"\w+ed)\b", re.I)
# "free from bullying", "free of harassment": a denial written without a negation word.
_FREE_FROM = re.compile(r"\bfree (?:from|of)\b", re.I)
# Clause boundaries inside a sentence: a contrast starts a new claim.
_CLAUSE = re.compile(r";|\bhowever\b,?|\bbut\b|\balthough\b|\bwhilst\b|\bwhile\b|\byet\b", re.I)
# Words in a set question that carry polarity or framing, not topic.
_FRAME = frozenset(
    """lack lacked lacking lacks without not no fail failed failing poor weak insufficient did had have has
    show showed shown demonstrate demonstrated evidence any good strong positive negative effective clear
    staff provider providers service services practice practices there found identified where whose who""".split()
)
# Words that name a problem: a question about "problems with staffing" asks who falls short, and a
# sentence that reports "concerns about … staffing" reads as a shortfall.
PROBLEM = frozenset(
    """problem problems issue issues concern concerns failing failings failure failures weakness weaknesses
    shortfall shortfalls difficulty difficulties gap gaps deficiency deficiencies""".split()
)
# Harms and failings: a topic made of one of these is a thing a provider should be free of, so a
# sentence affirming it falls short of the standard ("staff experienced bullying").
UNDESIRABLE = frozenset(
    """breach breached breaches bullying bullied harassment harassed discrimination discriminated abuse abused
    neglect neglected harm harmed inadequate unsafe violence racism sexism intimidation victimisation
    victimization retribution reprisal backlog backlogs delay delays delayed shortage shortages error errors
    restraint coercion""".split()
)


@dataclass(frozen=True)
class Topic:
    """What a set question is about: concept groups, each a tuple of alternatives (stem sets)."""

    text: str
    groups: tuple[tuple[frozenset[str], ...], ...]
    negative: bool  # the question asks who falls short of the standard
    undesirable: bool = False  # the topic is a harm or failing (bullying, a breach)

    def query_terms(self) -> list[str]:
        """All stems of all alternatives, for BM25 candidate search."""
        return sorted({s for g in self.groups for alt in g for s in alt})

    def required(self) -> int:
        """How many concept groups a sentence must state to be on the topic."""
        n = len(self.groups)
        return n if n <= 3 else n - 1


@lru_cache(maxsize=1)
def synonym_groups() -> list[tuple[frozenset[str], ...]]:
    """Groups of words and phrases (as stem sets) that mean the same (assistant/data/synonyms.tsv)."""
    text = resources.files("assistant").joinpath("data/synonyms.tsv").read_text(encoding="utf-8")
    groups = []
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            groups.append(tuple(_stems(alt) for alt in line.split("|") if alt.strip()))
    return groups


def _stems(phrase: str) -> frozenset[str]:
    return frozenset(stem_all([w for w in words(phrase) if w not in STOP_WORDS or w == "up"]))


def topic_from(text: str, asks_lack: bool | None = None) -> Topic:
    """Turn the topic part of a set question into concept groups and what it asks.

    ``asks_lack``: whether the question asks who lacks the topic; read from ``text`` when None
    (pass it when ``text`` is one part of an "or" question whose polarity word is in another part).
    """
    raw = words(text)
    framing = problem_words(text)  # "problems with staffing": framing; "raise concerns": the topic
    undesirable = any(w in UNDESIRABLE for w in raw if w not in framing)
    if asks_lack is None:
        asks_lack = any(w in _NEGATIVE and w not in UNDESIRABLE for w in raw) or bool(_FREE_FROM.search(text)) \
            or bool(framing)
    gloss = glossary()
    question_stems = set(stem_all(raw))
    groups: list[tuple[frozenset[str], ...]] = []
    covered: set[str] = set()
    # Multi-word concepts first, so "freedom to speak up" typed out is one concept, not three.
    phrases = [g for g in synonym_groups()] + [(frozenset(stem_all([a])), _stems(e)) for a, e in gloss.items()]
    for group in phrases:
        for alt in group:
            if len(alt) > 1 and alt <= question_stems:
                groups.append(_with_synonyms(set(group)))
                covered |= alt
    for w in raw:
        stem = stem_all([w])[0]
        polarity_only = (w in _FRAME or w in _NEGATIVE or w in framing) and w not in UNDESIRABLE
        if w in STOP_WORDS or polarity_only or stem in covered or w == "free":
            continue
        alts = {frozenset([stem])}
        if w in gloss:
            alts.add(_stems(gloss[w]))
        covered.add(stem)
        groups.append(_with_synonyms(alts))
    return Topic(text, tuple(_merge(groups)), asks_lack != undesirable, undesirable)


def problem_words(text: str) -> set[str]:
    """The words of ``text`` that name a problem ("concerns about", "issues with"), except where they are
    what is raised or reported ("staff raised concerns"): speaking up is not a finding of failure."""
    spoken = [m.span() for m in _SPEAKING_UP.finditer(text)]
    out = set()
    for m in re.finditer(r"[a-z]+", text.lower()):
        if m.group(0) in PROBLEM and not any(a <= m.start() < b for a, b in spoken):
            out.add(m.group(0))
    return out


def _with_synonyms(alts: set[frozenset[str]]) -> tuple[frozenset[str], ...]:
    """Add every synonym group that shares an alternative with ``alts``."""
    alts = set(alts)
    for group in synonym_groups():
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


def matched(groups: Sequence[tuple[frozenset[str], ...]], stems: set[str]) -> int:
    """How many concept groups a set of stems states."""
    return sum(1 for g in groups if any(alt and alt <= stems for alt in g))


@dataclass(frozen=True)
class Evidence:
    """One sentence on the topic, and how it reads."""

    start: int
    end: int
    label: str  # LACKING | MEETS | PARTLY, against the standard
    relevance: float  # how closely it is about the topic (share of concepts, or similarity in meaning)


def reading(clause: str, topic: Topic) -> str:
    """Whether a clause affirms, denies or partly affirms the topic.

    Negation words count. For a topic that is a standard (staffing, awareness), so do words naming a
    failing ("concerns about", "a breach of"): "we found concerns about staffing" denies that staffing met
    it. For a topic that is itself a harm, other harms are its company, not a denial ("did not experience
    bullying or harassment").
    """
    said = vocabulary.quantities(clause)
    if any(m.value == "some" for m in said):
        return SOME  # "not all staff", "most staff", "inconsistently": partly
    plain = _REASSURANCE.sub(" ", clause)
    for m in reversed([m for m in said if m.value == "not_negating"]):  # "not only were staff aware"
        plain = plain[:m.start] + " " * (m.end - m.start) + plain[m.end:]
    own = {s for g in topic.groups for alt in g for s in alt}
    problems = problem_words(plain)
    negations = 0
    failing = False  # "concerns about risk which resulted in a breach": two failings are one denial, not two
    lowered = plain.lower().replace("’", "'")
    for t in _TOKEN.finditer(lowered):  # (not ``m``: that is a quantity's match above)
        w = t.group(0)
        if w in _NEGATORS:
            negations += 1
        elif w in _NEGATIVE and w not in UNDESIRABLE:
            failing = True
        elif not topic.undesirable and (w in UNDESIRABLE or w in problems) and stem_all([w])[0] not in own \
                and not (w in UNDESIRABLE and _GUARDED.search(plain[:t.start()])):
            failing = True
    negations += len(_FREE_FROM.findall(plain))
    # "Few staff knew", "hardly any staff were aware": a quantity that denies without a negation word.
    negations += sum(1 for m in vocabulary.quantities(plain) if m.value == "none"
                     and m.said.lower().replace("’", "'") not in _NEGATORS)
    if not topic.undesirable and _NEEDS_IMPROVING.search(plain):
        failing = True
    negations += failing
    return DENIES if negations % 2 == 1 else AFFIRMS


def label_of(read: str, topic: Topic) -> str:
    """The finding a reading gives against the standard: a harm affirmed, or a standard denied, falls short."""
    if read == SOME:
        # "Some staff reported being bullied": a harm present at all falls short; a standard met in part is partly.
        return LACKING if topic.undesirable else PARTLY
    falls_short = (read == AFFIRMS) == topic.undesirable
    return LACKING if falls_short else MEETS


def topic_clause(sentence: str, topic: Topic) -> str:
    """The clause of ``sentence`` that carries most of the topic.

    Within that clause, a part joined by "and" that carries the topic as fully as the whole clause is
    the claim ("staffing levels were not sufficient and not all staff had completed training": the
    second part says nothing about staffing levels); "infection prevention and control" stays whole,
    since neither part carries the concept alone.
    """
    def count(c: str) -> int:
        return matched(topic.groups, set(stem_all(words(c))))

    def fullness(c: str) -> int:  # how many topic words the part states: "staffing levels" over "staff"
        stems = set(stem_all(words(c)))
        return sum(len(alt) for g in topic.groups for alt in g if alt <= stems)

    clauses = [c for c in _CLAUSE.split(sentence) if c and c.strip()] or [sentence]
    best = max(clauses, key=count)
    whole = count(best)
    parts = _claims(best)
    if whole and len(parts) > 1:
        carrying = sorted((p for p in parts if count(p) == whole), key=fullness, reverse=True)
        if len(carrying) == 1 or (carrying and fullness(carrying[0]) > fullness(carrying[1])):
            return carrying[0]
    return best


def read_sentence(text: str, start: int, end: int, topic: Topic, on_topic: bool | None = None,
                  relevance: float | None = None) -> Evidence | None:
    """Judge the sentence ``text[start:end]`` against the topic; None when it is off topic.

    ``on_topic`` overrides the concept test (the caller judged relevance by meaning too). The
    polarity comes from the clause that carries most of the topic, so in "Staff knew how to raise
    concerns, but not all were aware of the guardian" the second clause decides an awareness question.
    """
    n = len(topic.groups)
    if n == 0:
        return None
    sentence = text[start:end]
    if _not_a_finding(sentence) or (_PAST.search(sentence) and not _NOW.search(sentence)
                                    and not _PAST.search(topic.text)):
        return None
    count = matched(topic.groups, set(stem_all(words(sentence))))
    if on_topic is None:
        on_topic = count >= topic.required()
    if not on_topic:
        return None
    label = label_of(reading(topic_clause(sentence, topic), topic), topic)
    return Evidence(start, end, label, count / n if relevance is None else relevance)


def _claims(clause: str) -> list[str]:
    """The parts of a clause joined by "and" or a comma that each make a claim of their own (have a verb):
    "concerns about assessing risk and staffing" is one claim about two things, not two claims."""
    parts: list[str] = []
    pending = ""
    for part in (p for p in re.split(r",?\s+\band\b\s+|,\s+", clause) if p.strip()):
        if _VERB.search(part):
            parts.append(f"{pending} {part}".strip())
            pending = ""
        elif parts:
            parts[-1] = f"{parts[-1]} and {part}"
        else:
            pending = f"{pending} {part}".strip()
    return parts or [clause]


def _not_a_finding(sentence: str) -> bool:
    """A heading ("Infection prevention and control": a few words, no full stop) or a sentence that only says
    what inspectors examined ("we looked at the infection control measures")."""
    s = sentence.strip()
    if len(words(s)) <= 5 and not s.endswith((".", "!", "?")):
        return True
    return vocabulary.says_only_method(s)


def worst(labels: list[str]) -> str:
    """The finding that falls furthest short among ``labels`` (for "lacked X or Y": one shortfall is enough)."""
    order = [LACKING, PARTLY, MEETS, NO_EVIDENCE]
    return min(labels, key=order.index) if labels else NO_EVIDENCE


def best(labels: list[str]) -> str:
    """The finding that best meets the standard among ``labels`` (for "had good X or Y")."""
    order = [MEETS, PARTLY, LACKING, NO_EVIDENCE]
    return min(labels, key=order.index) if labels else NO_EVIDENCE


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
