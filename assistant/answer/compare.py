"""Comparisons and rankings across providers: "Which service scored lowest on well-led?",
"Rank the providers by safe rating", "Compare Iridium and Kidderminster".

Providers whose reports state no such value are left out of the comparison, and the answer
names them. Ratings are ordered inadequate < requires improvement < good < outstanding; ties are
named together.
"""

from __future__ import annotations

from assistant.answer import facts
from assistant.answer.base import NOT_STATED, Ask, names, report_label
from assistant.answer.citations import key_of
from assistant.answer.overview import _values
from assistant.answer.value import label, lookup, phrase
from assistant.models import Answer, ProviderFinding


def answer(ask: Ask) -> Answer:
    """The comparison the question asks for, every value cited."""
    a = ask.analysis
    family = a.value if a.value in facts.SCOPED else ("score" if a.order in ("min", "max", "rank") and a.key_question
                                                     and not a.value else None)
    if family is None:
        return _side_by_side(ask)
    reports = sorted(ask.reports, key=lambda r: r.provider)
    ranked, missing = [], []
    for report in reports:
        v = lookup(report, family, a.key_question)
        key = None if v is None else (facts.score_value(v.value) if family == "score" else facts.rating_rank(v.value))
        if v is None or key is None:  # (key is None when v is: both said, so v's type narrows)
            missing.append(report.provider)
        else:
            ranked.append((key, report, v))
    what = label(family, a.key_question)
    if not ranked:
        return ask.nothing(f"No report in scope states a {what}, so there is nothing to compare.", NOT_STATED,
                           kind="compare")
    lowest_first = a.order == "min"
    ranked.sort(key=lambda x: (x[0] if lowest_first else -x[0], x[1].provider))
    book = ask.book()
    marks = {id(v): book.cite(r, v) for _, r, v in ranked}
    lines = []
    chosen = ranked
    if a.order in ("min", "max"):
        best = ranked[0][0]
        chosen = [x for x in ranked if x[0] == best]
        word = "Lowest" if lowest_first else "Highest"
        lines.append(f"{word} {what}: " + names([f"**{r.provider}**, {phrase(v, r)} {marks[id(v)]}" for _, r, v in chosen])
                     + ".")
        if len(ranked) > 1:
            lines.append("")
    if len(ranked) > 1 or a.order not in ("min", "max"):
        order = "lowest first" if lowest_first else "highest first"
        lines.append(f"Every stated {what}, {order}:")
        lines += [f"{i}. **{report_label(r)}**: {v.value} {marks[id(v)]}" for i, (_, r, v) in enumerate(ranked, start=1)]
    if missing:
        lines += ["", f"Left out, because their reports state no {what}: {', '.join(missing)}."]
    found = [ProviderFinding(r.provider, "meets", (key_of(marks[id(v)]),)) for _, r, v in chosen]
    text, citations, findings = book.finish("\n".join(lines), found)
    return Answer(a.question, text, False, citations, findings, kind="compare", focus=tuple(f.name for f in findings))


def _side_by_side(ask: Ask) -> Answer:
    """"Compare X and Y": each provider's ratings and scores, key question by key question."""
    a = ask.analysis
    kq = a.key_question if a.key_question != "overall" else None
    book = ask.book()
    blocks, missing = [], []
    for report in sorted(ask.reports, key=lambda r: r.provider):
        lines = _values(book, report, kq)
        if lines:
            blocks.append(f"**{report_label(report)}**:\n" + "\n".join(lines))
        else:
            missing.append(report.provider)
    if not blocks:
        return ask.nothing("None of the reports in scope states a rating or score to compare.", NOT_STATED,
                           kind="compare")
    text = "\n\n".join(blocks)
    if missing:
        text += f"\n\nLeft out, because their reports state no rating or score: {', '.join(missing)}."
    text, citations, _ = book.finish(text)
    return Answer(a.question, text, False, citations, kind="compare",
                  focus=tuple(sorted({r.provider for r in ask.reports})))
