"""One analysis per question: what kind of answer it wants, about whom, what value, when, on what topic.

``analyse`` reads a question once into an ``Analysis`` that every answer kind reads; nothing below it
reads the wording again. It reads:

* **who**: the providers the question names (``search.names``: titles, aliases, registered providers,
  towns; a misspelt or unknown name is kept as such, with the nearest provider as a suggestion), else a
  follow-up's providers (the turn just before), unless the question ranges over providers in general;
* **what kind** of answer, by meaning: ``kinds`` (a model over a bank of labelled questions), then checked
  against what the question states (a value question must name a value; an overview, a change or a
  premise must be about someone; a selection must put a condition on a value). Below the model's
  confidence threshold the answer is a passage answer;
* **the slots** from the closed vocabulary (``assistant.vocabulary``): the key question (by the words
  people use: "safety" is Safe, "how well run" Well-led), a quality statement, the value asked (score,
  rating, date, capacity, …), a service inside a location ("maternity"), a condition ("below 60",
  "good or better"), an ordering, the time asked about, a premise ("Why was X rated inadequate?"), a
  count or frequency, regulation numbers;
* **the topic**: the question without its politeness, frame and names, and its content terms.

Follow-ups: a turn that names a provider and asks nothing else ("What about Kidderminster?") asks the
earlier question of that provider; a "yes" after a did-you-mean asks the earlier question of the
suggested provider; a turn naming no provider is about the providers of the turn just before.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

import numpy as np

from assistant import vocabulary
from assistant.answer import kinds as kind_model
from assistant.answer.findings import synonym_groups
from assistant.models import Answer, DateRange
from assistant.search.names import Naming, Unknown
from assistant.search.tokens import STOP_WORDS, glossary, stem_all, words
from assistant.vocabulary import Condition
from assistant.vocabulary.dates import when_in

if TYPE_CHECKING:
    from assistant.search.bm25 import BM25
    from assistant.search.catalog import Catalog

# The kinds an answer can take (``kinds.KINDS`` less "switch", which is a follow-up of the turn before, and
# "select", which is a value answer over every provider in scope).
KINDS = ("overview", "compare", "change", "premise", "value", "set", "passage")
# Words a follow-up wraps around a provider's name without asking anything ("and for X?", "what about X").
_FOLLOW_FILLER = frozenset("""and what how about for at then also same question too instead ok okay so now next
    me us give please one there again the""".split())
# Words that ask for a provider's overview in their own right: "Tell me about X" after any turn is X's overview,
# not the turn before's question asked of X.
_OVERVIEW_WORDS = frozenset("tell summarise summarize summary overview describe".split())
_PROVIDER_WORD = re.compile(r"[a-z0-9&]+")
# "Who has that role in X?", "Does X have the same?": a short turn that points back at what the turn before
# asked ("that"/"this"/"the same" before a noun, not "staff that were …", where "that" starts a clause).
_REFERS_BACK = re.compile(r"\b(?:that|this|the same)\s+(?!(?:was|were|is|are|had|has|have|did|does|do|can|could|"
                          r"would|will|should|must|they|it|he|she|we)\b)[a-z]+\b|\bthe same\b", re.I)
# Pronouns by which a turn points at the provider(s) of the turn before.
_POINTS_BACK = re.compile(r"\b(?:its|their|they|them|it)\b", re.I)
_SHORT_TURN = 12  # words: a longer turn asks its own question
_WHY = re.compile(r"^\W*(?:(?:and|so|but|ok|okay)\W+)?why\b", re.I)
# The frame of a question over many providers: "Which providers …", "Did any homes …", "Are there services …".
_FRAME_WORDS = frozenset("""which what who whose where any did do does have has were was are is there list name show
    me all of the those these them tell give find""".split())
_PLACES = re.compile(r"\b(?:providers?|services?|practices?|hospitals?|homes?|locations?|trusts?|organi[sz]ations?|"
                     r"surger(?:y|ies)|clinics?|agencies|agency|places?|ones|icss?|systems?|case\s+stud(?:y|ies)|"
                     r"reports?|gps?|dentists?|anyone|anybody|anywhere)\b", re.I)
# How a question ranging over many providers opens, when it names no plural place ("Who lacked …", "Where were
# staff not aware …", "Did anyone …").
_MANY_OPENING = re.compile(r"^\W*(?:which|whose|who (?=lacked|lacks|had|has|have|did|didn't|failed|showed|were|was in)|"
                           r"list|name|where (?:were|was|did|have|has|do)|"
                           r"(?:are|were|is) there|(?:did|do|does|have|has) (?:any|anyone|anybody))\b", re.I)
_RELATIVE = re.compile(r"^\s*(?:that|which|who|where|whose|with|in which|had|have|has)?\s*", re.I)
_OR = re.compile(r"\s+or\s+|\s*/\s*", re.I)
_DATE_KINDS = (("assessment", re.compile(r"\bassess", re.I)), ("inspection", re.compile(r"\binspect", re.I)),
               ("onsite", re.compile(r"\bvisit|\bon[- ]?site\b|\bwent in\b|\bgo(?:ne)? in\b", re.I)),
               ("published", re.compile(r"\bpublish", re.I)), ("updated", re.compile(r"\bupdated?\b", re.I)))
_REPORT_WORDS = re.compile(r"\b(?:inspect\w*|assess\w*|report\w*|visit\w*|rat(?:ed|ing|ings)|scor\w*)\b", re.I)
_HOW_MANY = re.compile(r"\b(?:how many|number of)\s+([a-z][a-z-]*(?:\s+[a-z][a-z-]*)?)", re.I)
@lru_cache(maxsize=1)
def frame_words() -> frozenset[str]:
    """Question-frame words (assistant/data/frame.tsv), as typed."""
    text = resources.files("assistant").joinpath("data/frame.tsv").read_text(encoding="utf-8")
    return frozenset(w.strip().lower() for w in text.splitlines() if w.strip() and not w.startswith("#"))


@dataclass(frozen=True)
class Analysis:
    """A question, read once."""

    question: str  # as asked
    text: str  # the question answered: a follow-up's earlier question when the turn only switched provider
    kind: str  # one of KINDS
    providers: tuple[str, ...]  # the providers in scope: named, else the earlier turn's
    named: tuple[str, ...]  # the providers this turn names
    follow_up: bool  # the turn only switched provider; ``text`` is the earlier question
    key_question: str | None  # "safe" … "well-led", or "overall"
    value: str | None  # the value asked for ("score", "rating", "previous_rating", "date", "capacity", …)
    when: DateRange | None  # the time the question is qualified by
    when_text: str  # its words ("May 2022")
    premise: tuple[str, str] | None  # (family, value) a why-question takes for granted
    order: str | None  # "min" | "max" | "rank" | "compare"
    count: bool  # asks for a number or a frequency
    frequency: bool  # asks "how often"
    figure: bool  # asks "how many": only a sentence stating a number answers it
    is_set: bool  # every provider in scope gets a verdict (a set question or a selection by value)
    topic: str  # the topic words (set questions: the question without its frame)
    topics: tuple[str, ...]  # a set topic split at "or"
    terms: tuple[tuple[str, float], ...]  # content stems and their weights (frame words carry none)
    alternatives: tuple[tuple[frozenset[str], ...], ...]  # per term: stem sets that state it too (synonyms)
    search_text: str  # what BM25 searches: the question without frame words and provider names
    unknown: str = ""  # a name the turn uses that no provider has ("Sunnyview Care Home")
    suggestion: str = ""  # the provider nearest that name, if any is close ("did you mean …?")
    confidence: float = 1.0  # the kind model's probability for the kind it read
    read_as: str = ""  # the kind the model read, before the slots were checked
    statement: str | None = None  # a quality statement the question names ("Freedom to speak up")
    service: str | None = None  # a core service inside a location ("Maternity")
    condition: Condition | None = None  # a condition on a value ("below 60", "good or better")
    selection: bool = False  # "Which providers were rated good?": a selection by stated value
    date_kind: str | None = None  # for a date question, the date asked for: assessment, inspection, onsite, …
    counted: tuple[str, ...] = ()  # the stems of what a "how many" question counts
    regulations: tuple[str, ...] = ()  # regulation numbers the question names ("12")
    service_words: tuple[str, ...] = field(default=())  # the words that named the service, as said
    # The time qualifies an inspection, assessment, report or rating ("rated at its 2019 inspection"), not
    # events in a period ("complaints in 2024", which a later report may tell of).
    when_is_report: bool = False
    # A question over many providers of one kind ("Which care homes …"): the words that mark that kind in a
    # report's service type, which scope the question.
    service_types: tuple[str, ...] = ()
    negated: bool = False  # the question asks for an absence ("no registered manager", "without a …")

    @property
    def weights(self) -> dict[str, float]:
        """Content stems -> weight."""
        return dict(self.terms)


class Weights:
    """Term weights from the lexical index: idf, and for a word the corpus never uses, the idf of a term in no chunk.

    Also tells which words the reports use at all (``known``), and which they use widely as ordinary words
    across many reports (``common``): a provider whose name is such a word ("Access Dignity") is named by it
    only when it is written as a name."""

    def __init__(self, bm25: BM25, report_of_row: np.ndarray | None = None) -> None:
        self.index = bm25.term_index
        self.idf = bm25.idf
        self._tf = getattr(getattr(bm25, "counts", None), "tf", None)
        self._report_of_row = report_of_row
        n = max(int(bm25.n_docs), 1)
        self.unseen = math.log1p((n + 0.5) / 0.5)
        self._common: dict[str, bool] = {}

    def __call__(self, stem: str) -> float:
        col = self.index.get(stem)
        if col is None:
            return self.unseen
        return max(float(self.idf[col]), 0.05)

    def known(self, word: str) -> bool:
        """Whether the reports use ``word`` (its stem is a term of the lexical index)."""
        return stem_all([word])[0] in self.index

    def common(self, word: str) -> bool:
        """Whether ``word`` occurs in the text of many reports (at least 3, and 5% of them)."""
        got = self._common.get(word)
        if got is None:
            got = self._common[word] = self._reports_using(word) >= self._enough()
        return got

    def _enough(self) -> int:
        if self._report_of_row is None or not self._report_of_row.size:
            return 1 << 30
        return max(3, math.ceil(0.05 * (int(self._report_of_row.max()) + 1)))

    def _reports_using(self, word: str) -> int:
        col = self.index.get(stem_all([word])[0])
        if col is None or self._tf is None or self._report_of_row is None:
            return 0
        rows = self._tf[:, col].nonzero()[0]
        return int(np.unique(self._report_of_row[rows]).size)


def content_words(text: str, drop: set[str], keep_frame: bool = False) -> list[str]:
    """The words of ``text`` that can carry its topic: not stop, frame, filler-of-dates or ``drop`` words."""
    frame = frozenset() if keep_frame else frame_words()
    out = []
    for w in words(text):
        if w in STOP_WORDS or w in frame or w in drop or w in vocabulary.MONTHS:
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


def _without(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with the ``spans`` left out (names), single-spaced."""
    for start, end in sorted(spans, reverse=True):
        end += len(m.group(0)) if (m := re.match(r"['’]s\b", text[end:])) else 0  # "Iridium's"
        text = text[:start] + " " + text[end:]
    return " ".join(text.split())


def synonyms(stem: str) -> tuple[frozenset[str], ...]:
    """The stem sets that state what ``stem`` does: itself, and the alternatives of its synonym groups."""
    alts = {frozenset([stem])}
    for group in synonym_groups():
        if frozenset([stem]) in group:
            alts.update(group)
    return tuple(sorted(alts, key=sorted))


# -- reading the slots ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Slots:
    """What the closed vocabulary reads in a question (no model, no index)."""

    key_question: str | None
    statement: str | None
    value: str | None
    service: str | None
    service_words: tuple[str, ...]
    condition: Condition | None
    rating_as_value: bool  # a rating word stands as a value ("rated good"), not an adjective ("good IPC")
    order: str | None
    when: tuple[DateRange, str, int, int] | None
    date_kind: str | None
    count: bool
    figure: bool
    frequency: bool
    regulations: tuple[str, ...]
    why: bool


def read_slots(text: str) -> Slots:
    """The closed-vocabulary slots of ``text`` (names already masked or absent)."""
    statements = vocabulary.statement_phrases().find(text)
    statement = statements[0].value if statements else None
    kqs = [m.value for m in vocabulary.key_question_phrases().find(text)]
    if re.search(r"\boverall\b", text, re.I) and not kqs:
        kqs = ["overall"]
    kq = kqs[0] if kqs else (vocabulary.statement_kq(statement) if statement else None)
    found = vocabulary.field_phrases().find(text)
    opening = len(text) - len(re.sub(r"^\W*(?:and|so|ok|okay|then|but)?\W*", "", text))
    # "when" asks for a date only where it opens the question ("When was X inspected?"), not in "How many
    # people lived at X when it was inspected?".
    fields = [m.value for m in found if not (m.value == "date" and m.said.lower().startswith("when") and m.start > opening)]
    value = min(fields, key=vocabulary.FIELDS.index) if fields else None
    if value == "rating" and vocabulary.asks("previous", text):
        value = "previous_rating"  # "What was X rated at its previous inspection?"
    if statement and value in (None, "score", "rating"):
        value = "statement_score"
    condition = vocabulary.condition_in(text)
    as_value = vocabulary.rating_as_value(text)
    if value is None and condition is not None:
        # "Is X still outstanding?", "did X get at least 60": a rating or a number stands for the value.
        value = "score" if condition.threshold[:1].isdigit() else ("rating" if as_value else None)
    services = vocabulary.service_phrases().find(text)
    orders = vocabulary.order_phrases().values(text)
    order = next((o for o in ("min", "max", "rank", "compare") if o in orders), None)
    date_kind = next((k for k, p in _DATE_KINDS if p.search(text)), None)
    return Slots(
        key_question=kq, statement=statement, value=value,
        service=services[0].value if services else None, service_words=tuple(m.said for m in services),
        condition=condition, rating_as_value=as_value, order=order, when=when_in(text), date_kind=date_kind,
        count=vocabulary.asks("count", text), figure=vocabulary.asks("figure", text),
        frequency=vocabulary.asks("frequency", text), regulations=tuple(vocabulary.regulation_numbers(text)),
        why=bool(kind_model._WHY.search(text)),
    )


def _premise(text: str, slots: Slots, asked: bool = False) -> tuple[str, str] | None:
    """(family, value) a why-question asserts: ("rating", "inadequate"), ("score", "30"). ``asked``: the question
    was read as asking why (by meaning: "what was behind X's inadequate rating"), not only by its first word."""
    if not (slots.why or asked):
        return None
    rating = vocabulary.rating_phrases().first(text)
    if rating is not None:
        return "rating", rating.value.lower()
    m = re.search(r"\b(?:scor\w*|got|get)\s+(?:only\s+|just\s+|a\s+)?(\d{1,3})\b|\b(\d{1,3})\s*(?:/|out of)\s*100", text, re.I)
    if m:
        return "score", m.group(1) or m.group(2)
    return None


def set_topic(text: str) -> str:
    """A question over many providers without its frame: "Which providers lacked FTSU awareness?" ->
    "lacked FTSU awareness"; "Are there any services where medicines weren't managed safely?" -> "medicines
    weren't managed safely"."""
    q = text.strip().rstrip("?").strip()
    tokens = list(re.finditer(r"\S+", q))
    cut = 0
    for i, t in enumerate(tokens[:6]):
        w = t.group(0).lower().strip(",.:;")
        if _PLACES.fullmatch(w) or w in ("any", "who", "anyone"):
            cut = t.end()
            continue
        if w in _FRAME_WORDS or vocabulary.organisation_family(w) is not None:
            if i == 0 or cut:
                cut = t.end() if i == 0 or w in ("any", "of", "the") else cut
            continue
        break
    rest = q[cut:]
    return _RELATIVE.sub("", rest, count=1).strip() or q


def analyse(question: str, catalog: Catalog, weight: Weights, context: Answer | None = None,
            scope: tuple[str, ...] = (), read_kind: Callable[[str, np.ndarray], kind_model.Reading] | None = None,
            kind_confidence: float = 0.0) -> Analysis:
    """Read ``question`` (after the turn whose answer is ``context``, if any).

    ``scope``: the providers the caller's filters already restrict the question to (they win).
    ``read_kind(masked question, features)``: the kind model (``kinds``); without it the kind is read from
    the slots alone. ``kind_confidence``: below it, the answer is a passage answer.
    """
    question = question.strip()
    naming: Naming = catalog.names.find(question, weight.known, weight.common)
    earlier = (context.asked or context.question) if context is not None else ""
    before = tuple(context.focus) if context is not None else ()
    # "yes" to a did-you-mean: the earlier question, of the provider suggested.
    if context is not None and context.suggestion and vocabulary.affirms(question):
        return _again(question, earlier.replace(context.unknown, context.suggestion) if context.unknown else earlier,
                      catalog, weight, (context.suggestion,), scope, read_kind, kind_confidence)
    named = naming.providers
    unknown = naming.unknown[0] if naming.unknown and not named else None
    rest = _without(question, naming.spans())
    unframed = vocabulary.strip_framing(rest)  # the turn's own words, without its name, politeness and framing
    own = [w for w in words(unframed) if w not in STOP_WORDS and w not in _FOLLOW_FILLER]
    own += [w for w in words(rest) if w in _OVERVIEW_WORDS]
    slots = read_slots(rest)
    bare = not own and slots.key_question is None and slots.value is None and slots.service is None
    short = len(words(question)) <= _SHORT_TURN
    # A turn that names a provider and nothing else asks the earlier question of it; so does a short turn that
    # names one and points back ("Who has that role in Our Dorset?").
    if earlier and named and not scope and (bare or (short and _REFERS_BACK.search(rest) and slots.value is None)):
        again = _again(question, earlier, catalog, weight, named, scope, read_kind, kind_confidence)
        if again.kind != "overview" or bare:
            return again
    # "And for safe?", "what about effective", "and the score?" after a value question: the earlier question,
    # with the key question, value or service this turn names.
    if earlier and not named and not naming.unknown and short and not _topic_words(unframed) \
            and (slots.key_question or slots.value or slots.service):
        again = _again(question, earlier, catalog, weight, before, scope, read_kind, kind_confidence)
        if again.kind in ("value", "compare") or again.selection:
            return replace(again, key_question=slots.key_question or again.key_question,
                           value=slots.value or again.value, service=slots.service or again.service,
                           named=(), follow_up=True)
    # "And why was that?" after a rating or score: the provider's findings under that key question (the
    # overview of it: its ratings, then the report's concerns), not a search for the word "why".
    if earlier and context is not None and not context.no_answer and not named and not naming.unknown and short \
            and _WHY.match(unframed) and not _topic_words(unframed):
        again = _again(question, earlier, catalog, weight, before, scope, read_kind, kind_confidence)
        if again.kind in ("value", "premise") and again.providers and again.key_question not in (None, "overall"):
            return replace(again, kind="overview", named=(), follow_up=True)
    a = _read(question, question, naming, slots, rest, catalog, weight, before, scope, read_kind, kind_confidence,
              unknown=unknown)
    # A short turn the model reads as a switch ("same q for the Firs", "Cera as well?"): the earlier question.
    if earlier and named and not scope and short and a.read_as == "switch" and a.confidence >= kind_confidence:
        return _again(question, earlier, catalog, weight, named, scope, read_kind, kind_confidence)
    return a


def _again(question: str, earlier: str, catalog: Catalog, weight: Weights, providers: tuple[str, ...],
           scope: tuple[str, ...], read_kind: Callable[[str, np.ndarray], kind_model.Reading] | None,
           kind_confidence: float) -> Analysis:
    """The earlier question asked again of ``providers`` (a provider switch, or a yes to a suggestion)."""
    naming = catalog.names.find(earlier, weight.known, weight.common)
    rest = _without(earlier, naming.spans())
    slots = read_slots(rest)
    a = _read(question, earlier, naming, slots, rest, catalog, weight, (), tuple(scope) or providers, read_kind,
              kind_confidence, forced=providers)
    return replace(a, named=providers, follow_up=True)


def _read(question: str, text: str, naming: Naming, slots: Slots, rest: str, catalog: Catalog, weight: Weights,
          before: tuple[str, ...], scope: tuple[str, ...],
          read_kind: Callable[[str, np.ndarray], kind_model.Reading] | None, kind_confidence: float,
          unknown: Unknown | None = None, forced: tuple[str, ...] = ()) -> Analysis:
    named = forced or naming.providers
    masked = kind_model.masked(text, naming.spans())
    about = naming.places()  # places named: "St Andrew's" is one, whoever it may be
    if not about and before and _POINTS_BACK.search(masked):
        # "What was its well-led score?": read as what it is, a question about the provider of the turn before.
        masked = _POINTS_BACK.sub(lambda m: kind_model.MASK + ("'s" if m.group(0).lower() in ("its", "their") else ""),
                                  masked)
        about = len(before)
    if read_kind is not None:
        feats = kind_model.features(masked, about, len(naming.unknown))
        reading = read_kind(masked, feats)
        read_as, confidence = reading.kind, reading.confidence
        if read_as in ("set", "select") and slots.value in ("breach", "enforcement"):
            # Either reading asks the same here (who was in breach): the two are one answer.
            confidence = reading.probabilities.get("set", 0.0) + reading.probabilities.get("select", 0.0)
    else:
        read_as, confidence = _kind_from_slots(slots, named, masked), 1.0
    q = vocabulary.strip_framing(rest.strip().rstrip("?").strip()) or rest
    kind, is_set, selection = _checked(read_as, slots, naming, before, q, confidence, kind_confidence)
    general = kind in ("set", "compare") or selection or (not named and bool(_PLACES.search(q))
                                                          and kind not in ("passage", "overview", "change", "premise"))
    providers = tuple(scope) or named or (() if general else before)
    if kind in ("overview", "change", "premise") and not providers:
        kind = "passage"
    if kind == "switch":
        kind = "overview" if providers else "passage"
    when = slots.when
    topic = set_topic(q) if is_set and not selection else q
    drop = set(_PROVIDER_WORD.findall(when[1].lower())) if when else set()
    terms = _terms(topic, drop, weight)
    if not terms and not is_set:
        # "Why did CQC inspect X?": the frame is all there is, so it is the topic.
        terms = _terms(topic, drop, weight, keep_frame=True)
    topics = tuple(t.strip() for t in _OR.split(topic) if t.strip()) if is_set and not selection else (topic,)
    search = " ".join(content_words(topic, drop)) or q
    service, service_words = slots.service, slots.service_words
    if service and providers and not any(_may_have_core_services(catalog, p) for p in providers):
        service, service_words = None, ()  # "the surgery on Gordon Street": a GP surgery, not the surgical service
    counted: tuple[str, ...] = ()
    if slots.figure:
        m = _HOW_MANY.search(q)
        counted = tuple(stem_all([w for w in m.group(1).lower().split() if w not in STOP_WORDS])) if m else ()
    return Analysis(
        question=question, text=text, kind=kind, providers=tuple(providers), named=tuple(named), follow_up=False,
        key_question=slots.key_question, value=_family(slots, kind), when=when[0] if when else None,
        when_text=when[1] if when else "", premise=_premise(q, slots, asked=True) if kind == "premise" else None,
        order=slots.order, count=slots.count, figure=slots.figure, frequency=slots.frequency, is_set=is_set,
        topic=topic, topics=topics if len(topics) > 1 else (topic,), terms=terms,
        alternatives=tuple(synonyms(t) for t, _ in terms), search_text=search,
        unknown=unknown.said if unknown else "", suggestion=(unknown.suggestion or "") if unknown else "",
        confidence=round(confidence, 4), read_as=read_as, statement=slots.statement, service=service,
        condition=slots.condition if selection else None, selection=selection, date_kind=slots.date_kind,
        counted=counted, regulations=slots.regulations, service_words=service_words,
        service_types=_service_types(q) if (is_set or selection or (kind == "compare" and not named)) else (),
        negated=any(m.value == "negator" for m in vocabulary.quantities(q)),
        when_is_report=bool(when) and (slots.date_kind is not None or slots.value is not None
                                       or _REPORT_WORDS.search(q) is not None),
    )


def _service_types(q: str) -> tuple[str, ...]:
    """The service-type words of the kind of provider a question over many names in its frame ("Which GP
    practices …"): the first such noun, within the question's first words."""
    found = vocabulary.service_type_phrases().find(q)
    first = found[0] if found and found[0].start <= 40 else None
    return vocabulary.service_type_words(first.value) if first else ()


def _family(slots: Slots, kind: str) -> str | None:
    """The fact family a value answer reads: the value asked, else a rating when only a key question is named."""
    numeric = slots.condition is not None and slots.condition.threshold[:1].isdigit()
    if slots.value in (None, "rating") and numeric and kind in ("value", "compare"):
        return "score"  # "got less than 60": only scores are numbers
    if slots.value:
        return slots.value
    if kind in ("value", "compare") and slots.key_question:
        return "rating"
    return None


# Kinds of service (service_types.tsv) whose reports rate no core services of their own.
_WITHOUT_CORE_SERVICES = ("care home", "homecare", "gp", "dentist")


def _may_have_core_services(catalog: Catalog, provider: str) -> bool:
    """Whether a provider's reports may rate core services (maternity, surgery, …): any report that is of a
    service, or whose service type is unknown or not of a kind that has none (a GP practice, a care home)."""
    words = [w for kind in _WITHOUT_CORE_SERVICES for w in vocabulary.service_type_words(kind)]
    reports = catalog.history(provider)
    return not reports or any(r.service or not r.service_type or not any(w in r.service_type.lower() for w in words)
                              for r in reports)


def _checked(read_as: str, slots: Slots, naming: Naming, before: tuple[str, ...], q: str, confidence: float,
             threshold: float) -> tuple[str, bool, bool]:
    """(kind, is_set, selection): the model's kind checked against what the question states.

    A value needs a value or key question to read; a selection needs a condition on a value (or a value that
    selects by itself: a warning notice, a breach); a comparison a value and an ordering or two providers; a
    set question a topic. Below the confidence threshold, or when the slots do not fit, a passage answer."""
    kind = read_as
    places = naming.places()  # "St Andrew's" is one place named, whoever it may be
    if confidence < threshold:
        return "passage", False, False
    if kind in ("select", "set") and slots.value in ("breach", "enforcement"):
        return "set", True, False  # read from the breaches and actions the reports state (answer/sets.py)
    if kind == "select" and slots.value == "date" and slots.when is not None:
        return "value", True, True  # "Which locations were inspected in 2023?": a selection by date
    if kind == "select":
        selects = (slots.condition is not None and (slots.condition.threshold[:1].isdigit() or slots.rating_as_value)) \
            or slots.value in ("enforcement", "breach", "service_type", "town", "manager")
        if selects and (slots.value or slots.key_question or slots.condition is not None):
            return "value", True, True
        return ("set", True, False) if _has_topic(q) else ("passage", False, False)
    if kind == "set":
        if slots.condition is not None and slots.rating_as_value and not _has_topic(q):
            return "value", True, True
        over_many = bool(_PLACES.search(q) or _MANY_OPENING.search(q))
        return ("set", True, False) if _has_topic(q) and over_many else ("passage", False, False)
    if kind == "value":
        if slots.value is None and (slots.key_question is None or slots.figure):
            return "passage", False, False  # "How many staff …" counts something no report states as a value
        if places == 0 and (_MANY_OPENING.search(q) or _PLACES.search(q)) and (
                slots.condition is not None or slots.value in ("enforcement", "breach", "manager")):
            return "value", True, True  # "Which services scored below 65 for safe?": a selection by value
        return "value", False, False
    if kind == "compare":
        if slots.value is None and slots.key_question is None and places < 2:
            return "passage", False, False
        if slots.order is None and places < 2:
            return ("value", False, False) if (slots.value or slots.key_question) else ("passage", False, False)
        return "compare", False, False
    if kind == "premise":
        return ("premise", False, False) if _premise(q, slots, asked=True) else ("passage", False, False)
    if kind == "switch" and _topic_words(q):
        return "passage", False, False  # a turn that names a provider and a topic of its own is no provider switch
    if kind == "overview" and _topic_words(q) and confidence < 0.8:
        return "passage", False, False  # "What does X specialise in?" asks about something, not for a summary
    if kind in ("overview", "change", "switch", "passage"):
        return kind, False, False
    return "passage", False, False


def _topic_words(q: str) -> list[str]:
    """The words of a question about one provider that name a topic: not frame, filler, key question, value,
    service or time words ("Summarise X's well-led findings" has none; "X's policy on parking" has two)."""
    rest = q
    for phrases in (vocabulary.key_question_phrases(), vocabulary.field_phrases(), vocabulary.service_phrases(),
                    vocabulary.order_phrases()):
        for m in reversed(phrases.find(rest)):
            rest = rest[:m.start] + " " + rest[m.end:]
    return [w for w in content_words(rest, set()) if w not in _FOLLOW_FILLER and w not in _FRAME_WORDS]


def _has_topic(q: str) -> bool:
    """Whether a question over many providers says what about them: content words beyond its frame and values."""
    topic = set_topic(q)
    return any(w not in _FRAME_WORDS and not vocabulary.field_phrases().find(w) for w in content_words(topic, set()))


def _kind_from_slots(slots: Slots, named: tuple[str, ...], masked: str) -> str:
    """The kind read from the slots alone, where no kind model is given (a fallback for tools, not for answers)."""
    over_many = bool(_PLACES.search(masked)) and not named
    if slots.why and _premise(masked, slots):
        return "premise"
    if slots.order or (len(named) >= 2 and (slots.value or slots.key_question)):
        return "compare"
    if over_many and slots.condition is not None and slots.rating_as_value:
        return "select"
    if slots.value or (slots.key_question and named and slots.key_question != "overall"):
        return "value"
    if over_many:
        return "set"
    return "passage"
