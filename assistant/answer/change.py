"""Change questions: "How has Iridium Medical Practice changed since its last inspection?"

Every indexed report of each provider in scope, newest first, with its cited score and ratings,
and the change between the latest two. With one report indexed, that report's own comparison
with the inspection before (its previous rating) is cited instead.
"""

from __future__ import annotations

from dataclasses import replace

from assistant.answer import facts
from assistant.answer.base import NOT_STATED, Ask, report_label
from assistant.answer.facts import Stated
from assistant.answer.value import kq_name, phrase
from assistant.models import Answer, Report


def compared(report: Report) -> list[Stated]:
    """The values worth comparing in one report: scores, then ratings (overall first), by key question."""
    return list(facts.per_key_question(report, "score").values()) + list(facts.per_key_question(report, "rating").values())


def answer(ask: Ask) -> Answer:
    """A cited comparison of each provider's reports over time."""
    a = ask.analysis
    reports = ask.assistant.catalog.select(replace(ask.filters, all_reports=True))
    by_provider: dict[str, list[Report]] = {}
    for r in reports:  # Catalog.select keeps each provider's reports newest first
        by_provider.setdefault(r.provider, []).append(r)
    book = ask.book()
    blocks = []
    for provider in sorted(by_provider):
        history = by_provider[provider]
        marks: dict[tuple[str, str], str] = {}
        lines = []
        for report in history:
            parts = []
            for v in compared(report):
                marks[report.report_id, v.name] = book.cite(report, v)
                parts.append(f"{phrase(v, report)} {marks[report.report_id, v.name]}")
            lines.append(f"- **{report_label(report)}**: " + ("; ".join(parts) or "states no score or rating"))
        if len(history) >= 2:
            lines.append(_moves(history[0], history[1], marks))
        else:
            previous = facts.find(history[0], "previous_rating")
            if previous is None:
                lines.append(f"Only one report of {provider} is indexed, and it states no earlier rating.")
            else:
                lines.append(f"Only one report of {provider} is indexed; it compares itself with the inspection "
                             f"before: {phrase(previous, history[0])} "
                             f"{book.cite(history[0], previous)}.")
        blocks.append(f"**{provider}** ({len(history)} report{'s' if len(history) != 1 else ''}):\n" + "\n".join(lines))
    if not len(book):
        return ask.nothing(f"No report of {', '.join(a.providers)} states a score or rating to compare.", NOT_STATED,
                           kind="value")
    text, citations, _ = book.finish("\n\n".join(blocks))
    return Answer(a.question, text, False, citations, kind="value", focus=tuple(sorted(by_provider)))


def _moves(latest: Report, before: Report, marks: dict[tuple[str, str], str]) -> str:
    """"Since the <date> report: well-led score from 50 [2] to 75 [1]; …"."""
    moves = []
    earlier = {v.name: v for v in compared(before)}
    for v in compared(latest):
        old = earlier.get(v.name)
        if old is None:
            continue
        what = f"{kq_name(v.scope)} {v.family}" if v.scope != "overall" else f"overall {v.family}"
        new_m, old_m = marks[latest.report_id, v.name], marks[before.report_id, v.name]
        if old.value == v.value:
            moves.append(f"{what} unchanged at {v.value} {old_m} {new_m}")
        else:
            moves.append(f"{what} from {old.value} {old_m} to {v.value} {new_m}")
    since = before.date_text or before.report_id
    if not moves:
        return f"The {since} and {latest.date_text or latest.report_id} reports state no value in common."
    return f"Since the {since} report: " + "; ".join(moves) + "."
