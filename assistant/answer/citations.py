"""The citation book: numbers cited sentences in the order the answer text uses them.

An answer kind adds the sentences it quotes (``add`` gives a marker to write into the text)
in whatever order it works, and ``finish`` numbers them by their first appearance in the
final text. So [1] is always the first citation a reader meets, whatever order providers were
read in, and a sentence that ends up unused is not cited.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from assistant.models import Citation, ProviderFinding, Report

if TYPE_CHECKING:
    from assistant.answer.facts import Stated

_MARK = re.compile(r"\x00(\d+)\x00")


def section_of(report: Report, offset: int) -> tuple[str, ...]:
    """The heading path of the section holding ``offset`` (the innermost one), or the report title."""
    best = None
    for s in report.sections:
        if s.start <= offset < s.end and (best is None or s.end - s.start <= best.end - best.start):
            best = s
    return best.path if best else (report.title,)


@dataclass
class CitationBook:
    """Cited sentences of one answer; one sentence, one citation."""

    reports: Mapping[str, Report]
    _entries: list[Citation] = field(default_factory=list)  # n is the entry's key until ``finish``
    _keys: dict[tuple[str, int, int], int] = field(default_factory=dict)

    def add(self, report: Report, start: int, end: int, score: float = 1.0, section: Sequence[str] = (),
            fact: str = "") -> str:
        """Cite ``report.text[start:end]``; returns the marker to put in the text where it is used. ``fact``
        names the stated value the sentence stands for, when it stands for one."""
        key = (report.report_id, start, end)
        n = self._keys.get(key)
        if n is None:
            n = self._keys[key] = len(self._entries)
            path = tuple(section) or section_of(report, start)
            self._entries.append(Citation(n, report.provider, report.report_id, " > ".join(path),
                                          report.text[start:end], start, end, float(score), report.date,
                                          report.source, fact))
        elif fact and not self._entries[n].fact:
            self._entries[n] = replace(self._entries[n], fact=fact)
        return f"\x00{n}\x00"

    def cite(self, report: Report, value: Stated) -> str:
        """Cite the sentence stating ``value`` (a ``facts.Stated``), marked as that value."""
        return self.add(report, value.fact.start, value.fact.end, fact=value.name)

    def __len__(self) -> int:
        return len(self._entries)

    def finish(self, text: str, findings: Sequence[ProviderFinding] = ()
               ) -> tuple[str, tuple[Citation, ...], tuple[ProviderFinding, ...]]:
        """Number the citations by first use in ``text``; returns the text with [n] markers, the
        citations in that order, and ``findings`` with their citation markers resolved.

        A provider finding may point at markers (its ``citations`` hold the keys ``add`` gave, as ints);
        those that the text never uses are dropped, since every citation must be visible.
        """
        order: dict[int, int] = {}
        for m in _MARK.finditer(text):
            order.setdefault(int(m.group(1)), len(order) + 1)
        text = _MARK.sub(lambda m: f"[{order[int(m.group(1))]}]", text)
        cited = sorted(order.items(), key=lambda kv: kv[1])
        citations = tuple(replace(self._entries[key], n=n) for key, n in cited)
        # (Most findings of a set answer over 10k providers cite nothing: those are kept as they are.)
        resolved = tuple(replace(f, citations=tuple(order[k] for k in f.citations if k in order)) if f.citations
                         else f for f in findings)
        return text, citations, resolved


def key_of(marker: str) -> int:
    """The citation key inside a marker from ``CitationBook.add`` (for ``ProviderFinding.citations``)."""
    return int(marker.strip("\x00"))
