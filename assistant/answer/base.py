"""What every answer kind works from: the analysed question, its scope, and one retrieval.

``Ask`` is built once per question by the ``Assistant``. Its ``hits`` are retrieved on first use
and kept, so a kind that falls back to another (a value not stated, then a passage) never
searches twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from assistant.answer.analysis import Analysis, content_words
from assistant.answer.citations import CitationBook
from assistant.answer.evidence import SentenceIndex
from assistant.config import AnswerSettings
from assistant.models import Answer, Filters, Hit, Report
from assistant.text import strip_markup

if TYPE_CHECKING:  # the Assistant builds every Ask; a run-time import would be a cycle
    from assistant.answer.assistant import Assistant
    from assistant.search.index_data import IndexData

NO_PASSAGE, FILTERS, EMPTY_INDEX, NOT_STATED = "no_passage", "filters", "empty_index", "not_stated"
UNKNOWN_PROVIDER = "unknown_provider"  # the turn names a provider the index does not hold


@dataclass
class Ask:
    """One question in flight."""

    analysis: Analysis
    filters: Filters  # the caller's filters, with the analysed providers applied
    assistant: Assistant  # data, catalog, retriever, settings
    mode: str | None = None
    k: int | None = None
    _hits: list[Hit] | None = field(default=None, repr=False)
    _vector: np.ndarray | None = field(default=None, repr=False)
    _content_vector: np.ndarray | None = field(default=None, repr=False)
    _reports: list[Report] | None = field(default=None, repr=False)

    @property
    def reports(self) -> list[Report]:
        """The reports in scope (each provider's latest unless the filters say all), listed on first use:
        a passage answer never needs the list, and at 10k providers making it costs milliseconds."""
        if self._reports is None:
            self._reports = self.assistant.catalog.select(self.filters)
        return self._reports

    @property
    def in_scope(self) -> bool:
        """Whether any chunk passes the filters (the retriever's cached mask: no list of reports made)."""
        return bool(self.assistant.retriever.allowed_rows(self.filters).any())

    @property
    def settings(self) -> AnswerSettings:
        return self.assistant.settings

    @property
    def data(self) -> IndexData:
        return self.assistant.data

    @property
    def sentences(self) -> SentenceIndex:
        return self.assistant.sentences

    @property
    def vector(self) -> np.ndarray:
        """The question's one embedding: of its topic, the question without provider names. Retrieval is
        already scoped to the providers, and names would make any sentence naming the provider look
        relevant ("For more details about Our Dorset …"). The dense search and sentence choice share it."""
        if self._vector is None:
            text = self.analysis.topic.strip() or self.analysis.text
            self._vector = np.asarray(self.assistant.retriever.embedder.encode_query(text), dtype=np.float32)
        return self._vector

    @property
    def content_vector(self) -> np.ndarray | None:
        """The embedding of the question's content words alone, without its frame ("infection control" for
        "What did CQC find about infection control?"): the gate weighs meaning by it too, since frame words
        carry no weight. None when the topic has no frame words to leave out (or nothing but them)."""
        if self._content_vector is None:
            topic = self.analysis.topic.strip()
            text = " ".join(content_words(topic, set()))
            if not text or text.lower() == topic.lower():
                return None
            self._content_vector = np.asarray(self.assistant.retriever.embedder.encode_query(text), dtype=np.float32)
        return self._content_vector

    @property
    def hits(self) -> list[Hit]:
        """The retrieved chunks (searched once): dense on the topic, BM25 on its content words."""
        if self._hits is None:
            a = self.analysis
            k = max(self.k or self.assistant.retriever.settings.k, self.settings.candidate_chunks)
            mode = self.mode or self.assistant.retriever.settings.mode
            vector = self.vector if mode != "bm25" else None
            self._hits = self.assistant.retriever.search(a.topic.strip() or a.text, self.dated_filters(), mode=mode,
                                                         k=k, vector=vector, lexical=a.search_text)
        return self._hits

    def dated_filters(self) -> Filters:
        """The filters a search uses: for a question about an earlier time ("at its 2019 inspection"), the
        reports of that time of the providers in scope, when the index holds any; else the caller's."""
        a = self.analysis
        if a.when is None or not a.providers or self.filters.since or self.filters.until:
            return self.filters
        from dataclasses import replace as _replace

        from assistant.answer import facts

        covered = [r for p in a.providers for r in facts.of_time(self.assistant.catalog.history(p), a.when)]
        if not covered:
            return self.filters
        dates = sorted(r.date for r in covered if r.date)
        return _replace(self.filters, all_reports=True, since=dates[0], until=dates[-1]) if dates else self.filters

    def book(self) -> CitationBook:
        return CitationBook(self.data.reports)

    def nothing(self, text: str, reason: str, kind: str = "none") -> Answer:
        """A no-answer that says why."""
        return Answer(self.analysis.question, text, True, kind=kind, reason=reason)


def quote(text: str) -> str:
    """A sentence as it is quoted in an answer: one line, no Markdown marks."""
    return strip_markup(" ".join(text.split()))


def report_label(report: Report) -> str:
    """"Provider (date)", the way answers name a report."""
    return f"{report.provider} ({report.date_text})" if report.date_text else report.provider


def names(items: Iterable[str]) -> str:
    """"A", "A and B", "A, B and C"."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
