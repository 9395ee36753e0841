"""Overviews: "Tell me about X", "Summarise X's well-led findings".

A provider's ratings and scores as its latest report states them (each cited), then its key
findings, concerns first. Key findings come from the parts of the report where CQC summarises
(each key question's opening "Overview", "Our view of the service", "Key findings", "Areas for
improvement", …); a report without such parts is summarised from all its sections. A sentence is
a concern when it denies, qualifies or reports a failing ("was not safe", "not all staff",
"a decline", "a breach"); methodology ("We looked at …") and page furniture are left out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from assistant.answer import facts
from assistant.answer.base import NOT_STATED, Ask, quote, report_label
from assistant.answer.findings import UNDESIRABLE
from assistant.answer.value import kq_name, phrase
from assistant.models import KEY_QUESTIONS, Answer, Report
from assistant.search import sentences as st
from assistant.search.tokens import words
from assistant.text import normalise

if TYPE_CHECKING:
    from assistant.answer.citations import CitationBook
    from assistant.answer.evidence import SentenceIndex

# Section headings under which CQC pages summarise their findings.
SUMMARY_HEADINGS = ("overview", "summary", "our view of the service", "key findings", "our findings",
                    "areas for improvement", "outstanding practice", "key achievements", "key lessons",
                    "what we found", "the service", "inspection summary")
_CONCERN_WORDS = UNDESIRABLE | frozenset(
    "decline declined deteriorated deteriorating worse needed required requires shortfall "
    "shortfalls failure failures unmet lacked lack lacking breaches".split())
_METHOD = re.compile(r"^\W*(?:we|cqc|inspectors?)\s+(?:looked|assessed|carried|conducted|spoke|reviewed|visited|based|"
                     r"asked|did not look|have asked|scored the service|rated|used|undertook|inspected)\b", re.I)
# A sentence restating a rating or how scores work is not a finding (the ratings are listed already).
_RATING_TALK = re.compile(r"\brat(?:ed|ing)\b.*\b(?:outstanding|good|requires improvement|inadequate)\b|"
                          r"^\W*each quality statement|\bscored the service as\b", re.I)
_MIN_WORDS = 4


def answer(ask: Ask) -> Answer:
    """An overview of each provider in scope (usually the one the question names)."""
    a = ask.analysis
    if not ask.reports:
        return ask.nothing("No report in scope to summarise.", NOT_STATED, kind="overview")
    book = ask.book()
    blocks = [_provider(ask, book, report) for report in sorted(ask.reports, key=lambda r: r.provider)]
    text, citations, _ = book.finish("\n\n".join(blocks))
    return Answer(a.question, text, False, citations, kind="overview",
                  focus=tuple(sorted({r.provider for r in ask.reports})))


def _provider(ask: Ask, book: CitationBook, report: Report) -> str:
    kq = ask.analysis.key_question if ask.analysis.key_question != "overall" else None
    about = [x for x in (report.service_type, report.service) if x]
    head = f"**{report_label(report)}**" + (f" — {', '.join(about)}" if about else "")
    lines = [head]
    values = _values(book, report, kq)
    if values:
        lines += ["", "Ratings and scores:", *values]
    concerns, others = key_findings(ask, report, kq)
    if concerns:
        lines += ["", "Concerns:"] + [f"- “{quote(report.text[s:e])}” {book.add(report, s, e)}" for s, e in concerns]
    if others:
        lines += ["", "Other findings:"] + [f"- “{quote(report.text[s:e])}” {book.add(report, s, e)}" for s, e in others]
    if not values and not concerns and not others:
        lines.append("The report states no ratings, scores or findings that could be summarised.")
    return "\n".join(lines)


def _values(book: CitationBook, report: Report, kq: str | None) -> list[str]:
    """One line per key question (and overall): its rating and score, each cited."""
    ratings = facts.per_key_question(report, "rating")
    scores = facts.per_key_question(report, "score")
    lines = []
    for name in ("overall", *KEY_QUESTIONS):
        if kq and name not in (kq, "overall"):
            continue
        parts = [f"{phrase(v, report)} {book.cite(report, v)}"
                 for v in (ratings.get(name), scores.get(name)) if v is not None]
        if parts:
            lines.append(f"- {kq_name(name)}: " + "; ".join(parts))
    previous = facts.find(report, "previous_rating", kq) if kq else facts.find(report, "previous_rating")
    if previous is not None:
        lines.append(f"- Before: {phrase(previous, report)} {book.cite(report, previous)}")
    return lines


def is_concern(sentence: str, cues: int) -> bool:
    """Whether a sentence reports a failing: it denies or qualifies something, or names a failing."""
    if cues & (st.NEGATION | st.PARTIAL):
        return True
    return any(w in _CONCERN_WORDS for w in words(sentence))


def key_findings(ask: Ask, report: Report, kq: str | None) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(concerns, other findings) of a report as (start, end) spans, in report order within each."""
    s = ask.settings
    index = ask.sentences
    chunk_ids = [ask.data.chunks[r].chunk_id for r in ask.assistant.retriever.report_rows(report.report_id)]
    rows = index.lookup.rows(chunk_ids)
    rows = rows[(index.table.cues[rows] & (st.BOILERPLATE | st.LABEL)) == 0]
    sections = {cid: index.chunks[cid].section for cid in chunk_ids}
    header = _page_header(index, chunk_ids)
    if header:  # the page's header (title, address, a banner) is never a finding, whatever its words
        rows = rows[~np.isin(index.table.chunk_id[rows], list(header))]
    in_kq = _filter(rows, index, sections, lambda path: any(normalise(kq) in normalise(p) for p in path)) if kq else rows
    rows = in_kq if in_kq.size else rows
    summary = _filter(rows, index, sections, lambda path: normalise(path[-1]) in SUMMARY_HEADINGS
                      or (len(path) == 1 and normalise(path[0]) in KEY_QUESTIONS))
    rows = summary if summary.size else rows
    rows = rows[~_boilerplate(ask, rows)]
    stated = {(v.fact.start, v.fact.end) for v in facts.stated(report)}
    concerns: list[tuple[int, int]] = []
    others: list[tuple[int, int]] = []
    for row in rows[np.argsort(index.table.start[rows], kind="stable")]:
        start, end = int(index.table.start[row]), int(index.table.end[row])
        sentence = report.text[start:end]
        if (start, end) in stated or len(words(sentence)) < _MIN_WORDS or _METHOD.search(sentence) \
                or _RATING_TALK.search(sentence) \
                or not sentence.rstrip(" ”’\"')").endswith((".", "!", "?")):  # a label or list heading
            continue
        (concerns if is_concern(sentence, int(index.table.cues[row])) else others).append((start, end))
    return concerns[: s.overview_concerns], others[: s.overview_strengths]


def _page_header(index: SentenceIndex, chunk_ids: list[int]) -> set[int]:
    """The chunks of a report's page header (the text before its first section, chunked under
    ``HEADER_PATH``), when the report has sections after it; none when the page is all header."""
    from assistant.ingest.chunk import HEADER_PATH

    body = [index.chunks[cid].start for cid in chunk_ids if index.chunks[cid].section != HEADER_PATH]
    if not body:
        return set()
    first = min(body)
    return {cid for cid in chunk_ids if index.chunks[cid].section == HEADER_PATH and index.chunks[cid].start < first}


def _boilerplate(ask: Ask, rows: np.ndarray) -> np.ndarray:
    """Which ``rows`` are page boilerplate: sentences the corpus repeats word for word across many reports,
    or close in meaning to one ("This rating uses some scores from the previous inspection." beside the
    repeated "The score for this quality statement is based on the previous rating for Safe.")."""
    s = ask.settings
    index = ask.sentences
    repeated = index.repeated(s.boilerplate_min_reports, s.boilerplate_share)
    out = np.zeros(rows.size, dtype=bool)
    if repeated.size == 0 or rows.size == 0:
        return out
    terms = np.sort(index.table.terms[rows], axis=1)
    known = np.sort(index.table.terms[repeated], axis=1)
    out |= (terms[:, None, :] == known[None, :, :]).all(axis=2).any(axis=1)
    if index.table.has_vectors:
        near = index.table.vector[rows].astype(np.float32) @ index.table.vector[repeated].astype(np.float32).T
        out |= near.max(axis=1) >= s.boilerplate_similarity
    return out


def _filter(rows: np.ndarray, index: SentenceIndex, sections: dict[int, tuple[str, ...]],
            keep: Callable[[tuple[str, ...]], bool]) -> np.ndarray:
    wanted = {cid for cid, path in sections.items() if keep(path)}
    return rows[np.isin(index.table.chunk_id[rows], list(wanted))] if wanted else rows[:0]
