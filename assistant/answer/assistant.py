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

import numpy as np

from assistant.answer import change, check, compare, kinds, overview, passage, sets, value
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
        codes: dict[str, int] = {}
        report_of_row = np.fromiter((codes.setdefault(c.report_id, len(codes)) for c in self.data.chunks),
                                    dtype=np.int64, count=len(self.data.chunks))
        self.weights = Weights(retriever.lexical, report_of_row)
        self._sentences: SentenceIndex | None = None
        self._kinds: kinds.KindModel | None = None

    @property
    def sentences(self) -> SentenceIndex:
        """The index's sentence table (built from the loaded reports on first use when the index has none)."""
        if self._sentences is None:
            self._sentences = SentenceIndex(self.data, self.retriever.embedder)
        return self._sentences

    @property
    def kind_model(self) -> kinds.KindModel:
        """The model that reads a question's kind by meaning (fitted for this assistant's embedder)."""
        if self._kinds is None:
            self._kinds = kinds.model_for(self.retriever.embedder)
        return self._kinds

    def read_kind(self, masked: str, features: np.ndarray) -> kinds.Reading:
        """The kind of a (masked) question, by meaning."""
        return self.kind_model.read(self.retriever.embedder.encode_query(masked), features)

    def analyse(self, question: str, context: Answer | None = None, filters: Filters = Filters()) -> Analysis:
        """The one reading of ``question`` that every answer kind uses."""
        scope = tuple(p for name in filters.providers for p in (self.catalog.resolve(name) or [name]))
        return analyse(question, self.catalog, self.weights, context, scope, self.read_kind,
                       self.settings.kind_confidence)

    # -- entry point --------------------------------------------------------------------------

    def ask(
        self,
        question: str,
        filters: Filters = Filters(),
        mode: str | None = None,
        k: int | None = None,
        context: Answer | None = None,
    ) -> Answer:
        """Answer ``question`` within ``filters``.

        ``context`` is the answer of the turn before, in a conversation: a question naming no
        provider is about that turn's providers, and one that only names a provider ("What about
        X?") asks that turn's question of it. Every answer is checked before it is given
        (``check.verify``): one that cites a provider, service or time other than the one asked, or
        a value other than the one asked, is declined with the reason.
        """
        question = question.strip()
        if not question:
            raise ValueError("the question is empty")
        a = self.analyse(question, context, filters)
        if a.providers and not filters.providers:
            filters = replace(filters, providers=a.providers)
        if a.service_types and not filters.service_types and not filters.providers:
            filters = replace(filters, service_types=a.service_types)  # "Which care homes …"
        ask = Ask(a, filters, self, mode, k)
        answer = self._unknown_provider(ask) or self._scope_problem(ask) or check.verify(ask, self._answer(ask))
        focus = answer.focus if (answer.kind == "set" and not answer.no_answer) else (
            answer.focus or a.providers or tuple(dict.fromkeys(c.provider for c in answer.citations)))
        scope = " · ".join(filters.providers) if filters.providers else ""
        shown = compact_query(a.topic, fallback=a.kind)  # "well-led score", or "overview" for "Tell me about X"
        return replace(answer, resolved_query=f"{shown} · {scope}" if scope else shown, focus=focus, asked=a.text)

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
        """A no-answer when the turn names a provider the index does not hold (and no provider it does):
        stated, with the nearest provider as a suggestion, never replaced by another provider or by the
        provider of the turn before. "yes" as the next turn asks the question of the suggestion."""
        a = ask.analysis
        if not a.unknown or not self.data.reports:
            return None
        text = f"No report for “{a.unknown}” in the index."
        if a.suggestion:
            text += f" Did you mean **{a.suggestion}**? (Answer “yes” to ask about it.)"
        return replace(ask.nothing(text, UNKNOWN_PROVIDER), suggestion=a.suggestion, unknown=a.unknown)

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
