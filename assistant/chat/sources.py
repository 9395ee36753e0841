"""Where a citation sits in its report: the section around it, and the cited span inside it.

The chat's section viewer, its sources list and ``[n]`` links all go through
here, so what the user opens is exactly the characters the answer cites.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.models import Citation, Report, Section

_MARKER = re.compile(r"\[(\d+)\]")
_CITE_HREF = re.compile(r"^cite:(\d+)$")


@dataclass(frozen=True)
class CitedSection:
    """A report section, its text, and the cited span as offsets into that text."""

    report: Report
    section: Section
    text: str  # report.section_text(section)
    start: int  # the cited span, relative to ``text``
    end: int

    @property
    def cited(self) -> str:
        return self.text[self.start : self.end]

    @property
    def title(self) -> str:
        return " > ".join(self.section.path)


def section_at(report: Report, offset: int) -> Section:
    """The section holding ``offset``; text outside every section (a report's header) counts as one.

    Facts such as a score are often stated in the header, before the first
    section, so a citation of one still opens with some context around it.
    """
    for s in report.sections:
        if s.start <= offset < s.end:
            return s
    before = max((s.end for s in report.sections if s.end <= offset), default=0)
    after = min((s.start for s in report.sections if s.start > offset), default=len(report.text))
    return Section((report.title,), before, after)


def locate(report: Report, citation: Citation) -> CitedSection:
    """The section of ``report`` (the citation's) that the citation quotes, with the cited span."""
    section = section_at(report, citation.start)
    end = min(citation.end, section.end)
    return CitedSection(report, section, report.section_text(section), citation.start - section.start,
                        end - section.start)


def snippet(text: str, width: int = 110) -> str:
    """One line of at most ``width`` characters, cut at a word, for listing a citation."""
    flat = " ".join(text.split())
    if len(flat) <= width:
        return flat
    cut = flat[: width - 1].rsplit(" ", 1)[0]
    return cut + "…"


def link_markers(markdown: str, known: set[int] | None = None) -> str:
    """Turn each ``[n]`` marker into a Markdown link ``cite:n`` so a click opens citation n.

    Only numbers in ``known`` (when given) become links: a quoted "[2]" that is
    not one of the answer's citations stays plain text.
    """

    def link(m: re.Match) -> str:
        n = int(m.group(1))
        if known is not None and n not in known:
            return m.group(0)
        return f"[\\[{n}\\]](cite:{n})"

    return _MARKER.sub(link, markdown)


def cite_number(href: str) -> int | None:
    """The citation number of a ``cite:n`` link, or None for any other link."""
    m = _CITE_HREF.match(href.strip())
    return int(m.group(1)) if m else None


def citation(citations: tuple[Citation, ...], n: int) -> Citation | None:
    """Citation number ``n`` of an answer, or None."""
    return next((c for c in citations if c.n == n), None)
