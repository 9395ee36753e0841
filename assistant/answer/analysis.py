"""One analysis per question: what it asks, about whom, when, and which words carry its topic.

``analyse`` reads a question once (its wording, the providers it names, a follow-up's earlier
turn) into an ``Analysis`` that every answer kind reads. Nothing downstream re-reads the wording.

Follow-ups: the earlier turn's answer is the context. A turn that names a provider but asks
nothing new ("What about Kidderminster?") asks the earlier question again of that provider; a
turn that names no provider is about the providers of the turn just before, never an older one.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from assistant.answer import intent
from assistant.answer.findings import synonym_groups
from assistant.models import Answer, DateRange
from assistant.search.tokens import STOP_WORDS, glossary, stem_all, words

KINDS = ("overview", "compare", "change", "premise", "value", "set", "passage")
# Words a follow-up wraps around a provider's name without asking anything ("and for X?", "what about X"),
# and the words of asking for an overview ("Tell me about X").
_FOLLOW_FILLER = frozenset("""and what how about for at then also same question too instead ok okay so now next
    tell me us summarise summarize summary overview describe give please""".split())
_PROVIDER_WORD = re.compile(r"[a-z0-9&]+")
# "Who has that role in X?", "Does X have the same?": a turn that points back at what the turn before asked
# ("that"/"this"/"the same" before a noun, not "staff that were …", where "that" starts a clause).
_REFERS_BACK = re.compile(r"\b(?:that|this|the same)\s+(?!(?:was|were|is|are|had|has|have|did|does|do|can|could|"
                          r"would|will|should|must|they|it|he|she|we)\b)[a-z]+\b|\bthe same\b", re.I)
_SINGULAR_FRAME = re.compile(r"\b(?:provider|practice|service|organi[sz]ation|trust|hospital|location|home|surgery|"
                             r"system|ics|case\s+study|report)\b", re.I)
_OR = re.compile(r"\s+or\s+|\s*/\s*", re.I)
_GENERAL = re.compile(r"\b(?:all|every|each|any)\b.*\b(?:providers?|services?|practices?|hospitals?|homes?|locations?|"
                      r"organi[sz]ations?|trusts?|systems?)\b|\b(?:the|these|those) (?:providers|services|practices|"
                      r"hospitals|homes|locations|organi[sz]ations|trusts|systems)\b|\bacross (?:the )?(?:corpus|reports)\b",
                      re.I)


@lru_cache(maxsize=1)
def frame_words() -> frozenset[str]:
    """Question-frame words (assistant/data/frame.tsv), as typed."""
    text = resources.files("assistant").joinpath("data/frame.tsv").read_text(encoding="utf-8")
    return frozenset(w.strip().lower() for w in text.splitlines() if w.strip() and not w.startswith("#"))


@dataclass(frozen=True)
class Analysis:
    """A question, read once."""

    question: str  # as asked
    text: str  # the question answered: a provider-switch follow-up's earlier question
    kind: str  # one of KINDS
    providers: tuple[str, ...]  # the providers in scope: named, else the earlier turn's
    named: tuple[str, ...]  # the providers this turn names
    follow_up: bool  # the turn only switched provider; ``text`` is the earlier question
    key_question: str | None  # "safe" … "well-led", or "overall"
    value: str | None  # the fact family asked for ("score", "rating", "previous_rating", "date", …)
    when: DateRange | None  # the time the question is qualified by
    when_text: str  # its words ("May 2022")
    premise: tuple[str, str] | None  # (family, value) a why-question takes for granted
    order: str | None  # "min" | "max" | "rank" | "compare"
    count: bool  # asks for a number or a frequency
    frequency: bool  # asks "how often"
    figure: bool  # asks "how many": only a sentence stating a number answers it
    is_set: bool  # "Which providers …": every provider in scope gets a verdict
    topic: str  # the topic words (set questions: the question without its frame)
    topics: tuple[str, ...]  # a set topic split at "or"
    terms: tuple[tuple[str, float], ...]  # content stems and their weights (frame words carry none)
    alternatives: tuple[tuple[frozenset[str], ...], ...]  # per term: stem sets that state it too (synonyms)
    search_text: str  # what BM25 searches: the question without frame words and provider names
    unknown: str = ""  # a name the turn asks about ("What about Sunnyview Care Home?") that no provider has

    @property
    def weights(self) -> dict[str, float]:
        """Content stems -> weight."""
        return dict(self.terms)


class Weights:
    """Term weights from the lexical index: idf, and for a word the corpus never uses, the idf of a term in no chunk."""

    def __init__(self, bm25):
        self.index = bm25.term_index
        self.idf = bm25.idf
        n = max(int(bm25.n_docs), 1)
        self.unseen = math.log1p((n + 0.5) / 0.5)

    def __call__(self, stem: str) -> float:
        col = self.index.get(stem)
        if col is None:
            return self.unseen
        return max(float(self.idf[col]), 0.05)


def name_words(providers, catalog) -> tuple[set[str], set[str]]:
    """(every word of the providers' names and aliases, the words among them that name a provider on their
    own: "iridium", "liverpool", not "medical", "new" or "care")."""
    every: set[str] = set()
    naming: set[str] = set()
    for p in providers:
        for name in (p, *(a for r in catalog.history(p) for a in r.aliases)):
            ws = _PROVIDER_WORD.findall(name.lower())
            every.update(ws)
            naming.update(w for w in ws if p in catalog.mentioned(w))
    return every, naming


def content_words(text: str, drop: set[str], keep_frame: bool = False) -> list[str]:
    """The words of ``text`` that can carry its topic: not stop, frame, filler-of-dates or ``drop`` words."""
    frame = frozenset() if keep_frame else frame_words()
    out = []
    for w in words(text):
        if w in STOP_WORDS or w in frame or w in drop or w in intent.MONTHS:
            continue
        if re.fullmatch(r"(?:19|20)\d\d", w):
            continue
        out.append(w)
    return out


def _terms(text: str, drop: set[str], weight: Weights, keep_frame: bool = False) -> tuple[tuple[str, float], ...]:
    """Content stems of ``text`` with their weights; an abbreviation's expansion shares its weight."""
    kept = content_words(text, drop, keep_frame)
    stems: dict[str, float] = {}
    gloss = glossary()
    for w in kept:
        expansion = gloss.get(w) or (gloss.get(w[:-1]) if w.endswith("s") else None)
        if expansion:
            # "FTSU" or "freedom to speak up": one concept, weighed once, split over its forms.
            forms = [w] + [t for t in words(expansion) if t not in STOP_WORDS]
            share = 1.0 / len(forms)
            for s in stem_all(forms):
                stems[s] = stems.get(s, 0.0) + share * weight(s)
            continue
        s = stem_all([w])[0]
        stems.setdefault(s, weight(s))
    return tuple(stems.items())


_TOKEN = re.compile(r"[A-Za-z0-9&]+(?:['’]s\b)?")


def _strip_names(text: str, names: tuple[set[str], set[str]]) -> str:
    """``text`` without the providers' names: every run of name words that holds a word naming a provider
    ("the New Royal Liverpool", "Iridium's"), so "treatment" stays in a question about Kidderminster
    Hospital and Treatment Centre unless it is part of the name as written."""
    every, naming = names
    if not naming:
        return text
    tokens = list(_TOKEN.finditer(text))
    keys = [re.sub(r"['’]s$", "", t.group(0).lower()) for t in tokens]
    drop, i = [], 0
    while i < len(tokens):
        j = i
        while j < len(tokens) and keys[j] in every:
            j += 1
        if j > i and any(k in naming for k in keys[i:j]):
            drop.append((tokens[i].start(), tokens[j - 1].end()))
        i = max(j, i + 1)
    for start, end in reversed(drop):
        text = text[:start] + " " + text[end:]
    return " ".join(text.split())


def analyse(question: str, catalog, weight: Weights, context: Answer | None = None,
            inherited: tuple[str, ...] = (), scope: tuple[str, ...] = ()) -> Analysis:
    """Read ``question`` (after the turn whose answer is ``context``, if any).

    ``inherited`` are providers the caller carries over when it passes no context (older callers);
    ``scope`` are the providers the caller's filters already restrict the question to (they win).
    """
    question = question.strip()
    named = tuple(catalog.mentioned(question))
    own_names = name_words(named, catalog)[0]
    # Frame words count here: "Why did CQC assess X?" asks something; "What about X?" does not.
    own_content = [w for w in words(question) if w not in STOP_WORDS and w not in own_names and w not in _FOLLOW_FILLER]
    earlier = (context.topic or context.question) if context is not None else ""
    before = tuple(context.focus) if context is not None else tuple(inherited)

    # A turn that names a provider and nothing else: ask the earlier question of it (or, first, an overview).
    switch = bool(named) and not own_content and not intent.value_asked(question) \
        and not intent.key_question_in(question) and not intent.set_frame(question)
    follow_up = switch and bool(earlier) and not intent.asks_overview(question)
    # A turn naming another provider and pointing back ("Who has that role in Our Dorset?") asks the earlier
    # question of that provider; its own words ("role") only point back.
    follow_up = follow_up or (bool(named) and bool(earlier) and bool(_REFERS_BACK.search(question))
                              and not intent.value_asked(question) and not intent.asks_overview(question))
    text = earlier if follow_up else question
    earlier_named = tuple(catalog.mentioned(text)) if follow_up else ()
    unknown = "" if named else unknown_name(question, weight)

    q = text.strip().rstrip("?").strip()
    frame = intent.set_frame(q)
    # "Which trust runs New Royal Liverpool?" asks one thing of the provider it names, not a verdict on every
    # provider: a singular frame noun with a named provider is not a set question ("Which trusts …" still is).
    is_set = frame is not None and not (named and _SINGULAR_FRAME.search(frame.group(0)))
    value = intent.value_asked(q)
    kq = intent.key_question_in(q)
    order = intent.order_asked(q)
    when = intent.when_in(q)
    premise = intent.premise_in(q)
    # "Rank the providers …", "Which services …" are about every provider; only a question about
    # someone in particular ("their score", "it") inherits the turn before's providers.
    general = is_set or bool(_GENERAL.search(q))
    providers = tuple(scope) or named or (() if general else before)
    names = name_words(set(providers) | set(earlier_named), catalog)
    topic = q[frame.end():].strip() if frame else _strip_names(q, names)

    if intent.asks_change(q) and providers:
        kind = "change"
    elif premise and providers:
        kind = "premise"
    elif order and (value or kq) and (is_set or len(providers) != 1 or order != "compare"):
        kind = "compare"
    elif order == "compare" and len(named) >= 2:
        kind = "compare"
    elif (intent.asks_overview(q) or (switch and not follow_up)) and providers and not value:
        kind = "overview"
    elif value:  # with no one in scope, every provider that states the value
        kind = "value"
    elif is_set:
        kind = "set"
    else:
        kind = "passage"

    drop = set(_PROVIDER_WORD.findall(when[1].lower())) if when else set()
    terms = _terms(topic, drop, weight)
    if not terms and not is_set:
        # "Why did CQC inspect X?": the frame is all there is, so it is the topic.
        terms = _terms(topic, drop, weight, keep_frame=True)
    topics = tuple(t.strip() for t in _OR.split(topic) if t.strip()) if is_set else (topic,)
    search = " ".join(content_words(topic, drop)) or q
    return Analysis(
        question=question, text=text, kind=kind, providers=tuple(providers), named=named, follow_up=follow_up,
        key_question=kq, value=value, when=when[0] if when else None, when_text=when[1] if when else "",
        premise=premise, order=order, count=intent.asks_count(q), figure=intent.asks_figure(q),
        frequency=intent.asks_frequency(q), is_set=is_set,
        topic=topic,
        topics=topics if len(topics) > 1 else (topic,), terms=terms, alternatives=tuple(synonyms(t) for t, _ in terms),
        search_text=search, unknown=unknown,
    )


_NAME_TOKEN = re.compile(r"[A-Za-z0-9&][A-Za-z0-9&'’.-]*")


def unknown_name(question: str, weight: Weights | None = None) -> str:
    """The name a turn asks about when the turn is nothing but a name ("What about Care 4U Services?",
    "Tell me about Sunnyview"): its words, besides filler, are all capitalised and none is a key question,
    a value or a known abbreviation, and (given ``weight``) at least one is a word the reports never use:
    "What about Safeguarding?" is a topic, not a provider. "" otherwise. The caller asks this only when no
    provider matched, so the name can be reported as unknown rather than silently replaced by the turn
    before's provider."""
    q = question.strip().rstrip("?.!").strip()
    if intent.value_asked(q) or intent.key_question_in(q) or intent.set_frame(q):
        return ""
    gloss = glossary()
    kept = [m for m in _NAME_TOKEN.finditer(q)
            if m.group(0).lower() not in _FOLLOW_FILLER and m.group(0).lower() not in STOP_WORDS]
    if not kept or any(not (t.group(0)[0].isupper() or t.group(0)[0].isdigit()) for t in kept):
        return ""
    if all(t.group(0).lower().strip(".") in gloss for t in kept):
        return ""
    # Capitals alone do not make a name: a word the reports use ("Staffing", "Safeguarding") is a topic.
    if weight is not None and all(s in weight.index for s in stem_all([t.group(0).lower() for t in kept])):
        return ""
    return q[kept[0].start():kept[-1].end()]


def synonyms(stem: str) -> tuple[frozenset[str], ...]:
    """The stem sets that state what ``stem`` does: itself, and the alternatives of its synonym groups."""
    alts = {frozenset([stem])}
    for group in synonym_groups():
        if frozenset([stem]) in group:
            alts.update(group)
    return tuple(sorted(alts, key=sorted))
