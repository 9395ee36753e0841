"""Grounded, extractive answers: every claim is a quoted sentence with a citation.

``Assistant.ask`` analyses a question once (``analysis``), settles its scope (the providers it
names or a follow-up inherits, within the caller's filters) and hands it to one answer kind:

* overview - a provider's ratings, scores and key findings, concerns first;
* compare  - values across providers, lowest or highest named, those without one left out;
* change   - a provider's reports over time;
* value    - a score, rating or date a report states (also at an earlier time, and false premises);
* set      - a finding for every provider in scope ("which providers lacked …");
* passage  - the sentences that answer, chosen by meaning and words together.

When nothing supports an answer, the answer says so, says why (``Answer.reason``), and sets
``no_answer``; a weak match is never dressed up as an answer.
"""

from __future__ import annotations

import re
from dataclasses import replace

from assistant.answer import change, compare, overview, passage, sets, value
from assistant.answer.analysis import Analysis, Weights, analyse, frame_words
from assistant.answer.base import EMPTY_INDEX, FILTERS, UNKNOWN_PROVIDER, Ask, names
from assistant.answer.evidence import SentenceIndex
from assistant.config import AnswerSettings
from assistant.models import Answer, Filters
from assistant.search.catalog import Catalog
from assistant.search.retrieve import Retriever

_WORD = re.compile(r"[\w’'-]+")
_DROP = frozenset({"and", "what", "their", "they", "them", "that", "this", "those", "its", "it", "was", "were",
                   "is", "are", "the", "a", "an", "of", "for", "did", "does", "do", "how", "which", "who", "s",
                   "about", "at", "in", "on", "to", "me", "tell"})


def compact_query(question: str, fallback: str | None = None) -> str:
    """The searched words of a question, for showing the user what was searched ("well-led score");
    ``fallback`` (else the question) when no word is left."""
    frame = frame_words()
    kept = [w for w in _WORD.findall(question) if w.lower() not in _DROP and w.lower() not in frame]
    return " ".join(kept) or (fallback if fallback is not None else question)


class Assistant:
    """Answers questions from one loaded index."""

    def __init__(self, retriever: Retriever, settings: AnswerSettings | None = None):
        self.retriever = retriever
        self.data = retriever.data
        self.catalog: Catalog = retriever.catalog
        self.settings = settings or AnswerSettings()
        self.weights = Weights(retriever.lexical)
        self._sentences: SentenceIndex | None = None

    @property
    def sentences(self) -> SentenceIndex:
        """The index's sentence table (built from the loaded reports on first use when the index has none)."""
        if self._sentences is None:
            self._sentences = SentenceIndex(self.data, self.retriever.embedder)
        return self._sentences

    def analyse(self, question: str, context: Answer | None = None, inherited: tuple[str, ...] = (),
                filters: Filters = Filters()) -> Analysis:
        """The one reading of ``question`` that every answer kind uses."""
        scope = tuple(p for name in filters.providers for p in (self.catalog.resolve(name) or [name]))
        return analyse(question, self.catalog, self.weights, context, inherited, scope)

    # -- entry point --------------------------------------------------------------------------

    def ask(
        self,
        question: str,
        filters: Filters = Filters(),
        mode: str | None = None,
        k: int | None = None,
        inherited_providers: tuple[str, ...] = (),
        context: Answer | None = None,
    ) -> Answer:
        """Answer ``question`` within ``filters``.

        ``context`` is the answer of the turn before, in a conversation: a question naming no
        provider is about that turn's providers, and one that only names a provider ("What about
        X?") asks that turn's question of it. Without a context, ``inherited_providers`` apply
        when the question names no provider.
        """
        question = question.strip()
        if not question:
            raise ValueError("the question is empty")
        a = self.analyse(question, context, tuple(inherited_providers), filters)
        if a.providers and not filters.providers:
            filters = replace(filters, providers=a.providers)
        ask = Ask(a, filters, self, mode, k)
        answer = self._unknown_provider(ask) or self._scope_problem(ask) or self._answer(ask)
        focus = answer.focus if (answer.kind == "set" and not answer.no_answer) else (
            answer.focus or a.providers or tuple(dict.fromkeys(c.provider for c in answer.citations)))
        scope = " · ".join(filters.providers) if filters.providers else ""
        shown = compact_query(a.topic, fallback=a.kind)  # "well-led score", or "overview" for "Tell me about X"
        return replace(answer, resolved_query=f"{shown} · {scope}" if scope else shown, focus=focus, topic=a.text)

    def _answer(self, ask: Ask) -> Answer:
        kind = ask.analysis.kind
        if kind == "change":
            return change.answer(ask)
        if kind == "premise":
            return value.premise(ask) or passage.answer(ask)
        if kind == "compare":
            return compare.answer(ask)
        if kind == "overview":
            return overview.answer(ask)
        if kind == "value":
            return value.answer(ask)
        if kind == "set":
            return sets.answer(ask)
        return passage.answer(ask)

    def _unknown_provider(self, ask: Ask) -> Answer | None:
        """A no-answer when the turn only names a provider the index does not hold: stated, never
        replaced by the provider of the turn before."""
        name = ask.analysis.unknown
        if not name or not self.data.reports:
            return None
        return ask.nothing(f"No report for “{name}” in the index.", UNKNOWN_PROVIDER)

    def _scope_problem(self, ask: Ask) -> Answer | None:
        """A no-answer when nothing is in scope: an empty index, or filters no report passes."""
        if not self.data.reports or not self.data.chunks:
            return ask.nothing("The index holds no reports yet: add reports to the corpus and run "
                               "`assistant index build`.", EMPTY_INDEX)
        if ask.in_scope:
            return None
        f = ask.filters
        unknown = [p for p in f.providers if not self.catalog.resolve(p)]
        if unknown:
            hint = f" No provider in the index is called {names([f'“{p}”' for p in unknown])}."
        else:
            hint = " Remove a filter or widen the dates."
        return ask.nothing(f"No report matches the filters ({f.describe()}).{hint}", FILTERS)
