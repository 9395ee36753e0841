""""How has X changed since its last inspection?": a provider's reports side by side, each value cited.

Older reports are searched only on request (``Filters.all_reports``), but a question
about change is such a request: it is answered from every report of the providers
it names, newest first, citing the sentence that states each score and rating and
naming each report's date. With one report indexed, that report's own comparison
with the inspection before it (its "previously rated" sentence) is cited instead.
"""

from __future__ import annotations

import re
from dataclasses import replace

from assistant.answer.assistant import Assistant, _Citations, _report_label
from assistant.models import KEY_QUESTIONS, Answer, Filters, Fact, Report

_CHANGE = re.compile(
    r"\bchang\w*\b.*\b(?:since|from|compared)\b|\b(?:since|compared (?:to|with)) (?:its|their|the) "
    r"(?:last|previous|prior|earlier)\b|\b(?:improved|got worse|deteriorated)\b.*\bsince\b|\bwhat(?:'s| has) changed\b",
    re.I,
)
# The values compared, in the order they are shown: the overall rating, then each key question's.
_COMPARED = ("rating:overall",) + tuple(f"{kind}:{kq}" for kq in KEY_QUESTIONS for kind in ("score", "rating"))


def asks_change(question: str) -> bool:
    """Whether a question asks how a provider changed over time."""
    return bool(_CHANGE.search(question))


def _facts(report: Report) -> list[Fact]:
    """The values worth comparing in one report: the overall rating, then each key question's score and rating."""
    return [f for name in _COMPARED if (f := report.fact(name))]


def _label(name: str, report: Report) -> str:
    """"score:well-led" -> "well-led score"; just "score" when the report is about Well-led alone."""
    kind, _, which = name.partition(":")
    if (report.key_question or "").lower() == which:
        return kind.replace("_", " ")
    return f"{which} {kind.replace('_', ' ')}"


def change_answer(assistant: Assistant, question: str, filters: Filters) -> Answer | None:
    """A cited comparison of each named provider's reports, or None when the question
    does not ask about change or names no provider (the usual answer then applies)."""
    if not asks_change(question) or not filters.providers:
        return None
    reports = assistant.catalog.select(replace(filters, all_reports=True))
    by_provider: dict[str, list[Report]] = {}
    for r in reports:  # Catalog.select keeps each provider's reports newest first
        by_provider.setdefault(r.provider, []).append(r)
    cites = _Citations(assistant.data.reports)
    blocks = []
    for provider in sorted(by_provider):
        history = by_provider[provider]
        cited: dict[tuple[str, str], int] = {}  # (report id, fact name) -> citation number
        lines = []
        for report in history:
            parts = []
            for fact in _facts(report):
                n = cited[report.report_id, fact.name] = cites.cite(report, fact.start, fact.end, 1.0)
                parts.append(f"{Assistant._value_phrase(fact.name, fact.value, report)} [{n}]")
            lines.append(f"- **{_report_label(report)}**: " + ("; ".join(parts) or "states no score or rating"))
        if len(history) >= 2:
            latest, before = history[0], history[1]
            moves = []
            for fact in _facts(latest):
                old = before.fact(fact.name)
                if old is None:
                    continue
                verb = "unchanged at" if old.value == fact.value else "from"
                label = _label(fact.name, latest)
                new_n, old_n = cited[latest.report_id, fact.name], cited[before.report_id, fact.name]
                if verb == "from":
                    moves.append(f"{label} {verb} {old.value} [{old_n}] to {fact.value} [{new_n}]")
                else:
                    moves.append(f"{label} {verb} {fact.value} [{old_n}] [{new_n}]")
            since = before.date_text or before.report_id
            summary = f"Since the {since} report: " + "; ".join(moves) + "." if moves else (
                f"The {since} and {latest.date_text or latest.report_id} reports state no value in common.")
            lines.append(summary)
        else:
            report = history[0]
            prev = next(iter(report.stated("previous_rating")), None)
            if prev is None:
                lines.append(f"Only one report of {provider} is indexed, and it states no earlier rating.")
            else:
                n = cites.cite(report, prev.start, prev.end, 1.0)
                lines.append(f"Only one report of {provider} is indexed; it compares itself with the inspection "
                             f"before: {Assistant._value_phrase(prev.name, prev.value, report)} [{n}].")
        blocks.append(f"**{provider}** ({len(history)} report{'s' if len(history) != 1 else ''}):\n" + "\n".join(lines))
    if not cites.items:
        return None
    return Answer(question, "\n\n".join(blocks), False, tuple(cites.items), kind="value",
                  focus=tuple(sorted(by_provider)))
