"""Value answers: a score, rating or date a report states, citing the sentence that states it.

Also: values at an earlier time ("at the May 2022 inspection": from the report of that time, or
from a later report's own history sentences; declined when no report covers it), "which providers
were rated good / scored below 60" over every provider in scope, and false premises ("Why was X
rated inadequate?" when X was rated good: "It was rated Good [n]").
"""

from __future__ import annotations

import re

from assistant.answer import facts, intent
from assistant.answer.base import NOT_STATED, Ask, names, quote, report_label
from assistant.answer.citations import key_of
from assistant.answer.facts import Stated
from assistant.models import KEY_QUESTIONS, Answer, DateRange, Fact, ProviderFinding, Report

LABELS = {"score": "score", "rating": "rating", "previous_rating": "previous rating", "date": "date",
          "population": "population", "established": "date of establishment", "service_type": "service type",
          "provider": "registered provider", "address": "address"}
_RATING_WORD = re.compile(r"\b(outstanding|good|requires improvement|inadequate)\b", re.I)
# "scored below 60", "at least 75", "scored 75": a numeric condition in a value set question.
_CONDITION = re.compile(
    r"\b(?P<op>below|under|less than|lower than|above|over|more than|higher than|at least|at most)?\s*(?P<n>\d{1,3})\b",
    re.I,
)
_OPS = {
    None: lambda v, n: v == n, "below": lambda v, n: v < n, "under": lambda v, n: v < n,
    "less than": lambda v, n: v < n, "lower than": lambda v, n: v < n, "above": lambda v, n: v > n,
    "over": lambda v, n: v > n, "more than": lambda v, n: v > n, "higher than": lambda v, n: v > n,
    "at least": lambda v, n: v >= n, "at most": lambda v, n: v <= n,
}


def lookup(report: Report, family: str, kq: str | None) -> Stated | None:
    """The value a question about ``family`` (for key question ``kq``) reads from one report."""
    if kq and family in facts.SCOPED:
        return facts.find(report, family, kq)
    return facts.find(report, family)


def lookup_all(report: Report, family: str, kq: str | None) -> list[Stated]:
    """Every value the question reads from one report: one, or, when it names no key question and
    the report states several ("What scores did X get?"), each key question's in CQC's order."""
    one = lookup(report, family, kq)
    if one is not None or kq or family not in facts.SCOPED:
        return [one] if one is not None else []
    return list(facts.per_key_question(report, family).values())


def kq_name(kq: str) -> str:
    """A key question as CQC writes it: "Well-led", "Safe"."""
    return kq[:1].upper() + kq[1:]


def phrase(v: Stated, report: Report) -> str:
    """How an answer states a value: "scored 50 out of 100 for Well-led", "rated Good overall"."""
    about = "overall" if v.scope in ("overall", "location") else f"for {kq_name(v.scope)}"
    if v.family == "score":
        return f"scored {v.value} out of 100 {about}"
    if v.family == "rating":
        return f"rated {v.value} {about}"
    if v.family == "previous_rating":
        return f"previously rated {v.value} {about}"
    if v.family == "statement":
        kq, _, statement = v.scope.partition(":")
        return f"scored {v.value} (of 4) for the quality statement “{statement}” ({kq_name(kq)})"
    if v.family == "date":
        verb = {"inspection": "inspected", "assessment": "assessed", "onsite": "visited on site",
                "updated": "updated", "previous": "previously inspected"}.get(v.scope, "reported")
        when = report.date_text if (v == facts.find(report, "date") and report.date_text) else describe(v.value)
        return f"{verb} {when if ' and ' in when or ' to ' in when else 'on ' + when}"
    return f"{LABELS.get(v.family, v.family)}: {v.value}"


def describe(value: str) -> str:
    """A date fact's value in words: "8 July 2024", "8 to 9 August 2024", "September 2023"."""
    from datetime import date

    try:
        r = DateRange.parse(value)
        if len(r.start) == 7:
            return f"{date.fromisoformat(r.start + '-01'):%B %Y}"
        a, b = date.fromisoformat(r.start), date.fromisoformat(r.end)
    except ValueError:
        return value
    last = f"{b.day} {b:%B %Y}"
    if a == b:
        return last
    return f"{a.day} to {last}" if (a.year, a.month) == (b.year, b.month) else f"{a.day} {a:%B %Y} to {last}"


# "When was X assessed / inspected / visited?" asks for that date; otherwise the report's main date.
_DATE_KIND = (("assessment", re.compile(r"\bassess", re.I)), ("inspection", re.compile(r"\binspect", re.I)),
              ("onsite", re.compile(r"\bvisit|\bon site\b|\bonsite\b", re.I)))


def date_asked(report: Report, text: str) -> Stated | None:
    """The date a question asks for: the kind its verb names when the report states it, else the main date.

    When the question names a kind (inspected, assessed, visited), the fallback must be a date of the
    report's own work (``facts.MAIN_DATES``): the date a page was updated is not when CQC inspected, and a
    value the report does not state is never answered with another one.
    """
    asked = False
    for kind, pattern in _DATE_KIND:
        if pattern.search(text):
            asked = True
            found = facts.find(report, "date", kind)
            if found is not None:
                return found
    main = facts.find(report, "date")
    if asked and main is not None and main.scope not in facts.MAIN_DATES:
        return None
    return main


def label(family: str, kq: str | None) -> str:
    """"Well-led score", "rating"."""
    word = LABELS.get(family, family)
    return f"{kq_name(kq)} {word}" if kq and kq != "overall" and family in facts.SCOPED else word


def answer(ask: Ask) -> Answer:
    """The asked value for each provider in scope (or, for a set question, which meet its condition)."""
    a = ask.analysis
    if a.when is not None:
        return at_time(ask)
    book = ask.book()
    lines, missing, matching = [], [], []
    wanted = _wanted_rating(a.text) if a.is_set else None
    for report in sorted(ask.reports, key=lambda r: r.provider):
        found = ([v] if (v := date_asked(report, a.text)) else []) if a.value == "date" else \
            lookup_all(report, a.value, a.key_question)
        if not found:
            missing.append(report)
            continue
        marks = [book.add(report, v.fact.start, v.fact.end) for v in found]
        lines.append(f"- **{report_label(report)}**: " + "; ".join(f"{phrase(v, report)} {m}" for v, m in zip(found, marks)))
        if a.is_set and len(found) == 1 and _meets(a.text, found[0].value, wanted):
            matching.append(ProviderFinding(report.provider, "meets", (key_of(marks[0]),)))
    if not lines:
        who = names([r.provider for r in missing]) or "any report in scope"
        return ask.nothing(f"No report in scope states a {label(a.value, a.key_question)} for {who}.", NOT_STATED,
                           kind="value")
    text = "\n".join(lines)
    if a.is_set and (wanted or _CONDITION.search(a.text)):
        listed = ", ".join(m.name for m in matching) or "none"
        text = f"{len(matching)} of {len(ask.reports)} providers in scope match: {listed}.\n\nAll stated values:\n" + text
    if missing:
        text += f"\n\nNot stated in the report of: {', '.join(r.provider for r in missing)}."
    text, citations, found = book.finish(text, matching)
    # "Which providers were rated good?" is a set question: its providers are those that match.
    return Answer(a.question, text, False, citations, found, kind="set" if a.is_set else "value",
                  focus=tuple(m.name for m in found) if a.is_set else (), selection=a.is_set)


def _wanted_rating(text: str) -> str | None:
    m = _RATING_WORD.search(text)
    return m.group(1).lower() if m else None


def _meets(text: str, value: str, wanted: str | None) -> bool:
    """Whether a stated value satisfies the question's condition ("rated good", "scored below 60")."""
    if wanted:
        return value.lower() == wanted
    m = _CONDITION.search(text)
    number = facts.score_value(value)
    if not m or number is None:
        return False
    op = m.group("op").lower() if m.group("op") else None
    return _OPS[op](number, int(m.group("n")))


# -- values at a time --------------------------------------------------------------------------


def at_time(ask: Ask) -> Answer:
    """The value as it stood at the asked time: from a report of that time, else from a later report's
    history sentences; declined (reason ``not_stated``) when no report covers the time."""
    a = ask.analysis
    family = "rating" if a.value == "previous_rating" else a.value
    book = ask.book()
    lines, uncovered = [], []
    for provider in sorted({r.provider for r in ask.reports}):
        history = ask.assistant.catalog.history(provider)
        line = _from_report_of_time(book, history, family, a.key_question, a.when) or \
            _from_history(ask, book, history, family, a.key_question, a.when)
        if line:
            lines.append(line)
        else:
            uncovered.append(history[0] if history else None)
    if not lines:
        dated = [f"{r.provider}'s latest report is from {r.date_text or r.date}" for r in uncovered if r]
        tail = f" ({'; '.join(dated)})" if dated else ""
        return ask.nothing(f"No report in scope states the {label(family, a.key_question)} in {a.when_text}{tail}.",
                           NOT_STATED, kind="value")
    text, citations, _ = book.finish("\n".join(lines))
    return Answer(a.question, text, False, citations, kind="value")


def _from_report_of_time(book, history: list[Report], family: str, kq: str | None, when: DateRange) -> str | None:
    for report in history:
        date = facts.main_date(report)
        if date is None or not intent.overlaps(date, when):
            continue
        v = lookup(report, family, kq)
        if v is not None:
            return f"- **{report_label(report)}**: {phrase(v, report)} {book.add(report, v.fact.start, v.fact.end)}"
    return None


def _from_history(ask: Ask, book, history: list[Report], family: str, kq: str | None, when: DateRange) -> str | None:
    """A later report's own account of the earlier time: a previous-value fact whose sentence (or the
    report's ``date:previous``) falls in the time, else a sentence that dates a value of that kind to it."""
    for report in history:
        date = facts.main_date(report)
        if date is not None and date.end < when.start:
            continue  # this report is from before the asked time
        previous = facts.find(report, "date", "previous")
        for v in facts.stated(report):
            if v.family != f"previous_{family}" or (kq and v.scope not in (kq, "overall")):
                continue
            sentence = report.text[v.fact.start:v.fact.end]
            in_time = any(intent.overlaps(d, when) for d, _, _ in intent.dates_in(sentence))
            if in_time or (previous is not None and intent.overlaps(DateRange.parse(previous.value), when)):
                return (f"- **{report.provider}** in {ask.analysis.when_text} (as {report_label(report)} states): "
                        f"rated {v.value}{'' if v.scope == 'overall' else ' for ' + kq_name(v.scope)} "
                        f"{book.add(report, v.fact.start, v.fact.end)}")
        found = _dated_sentence(ask, report, family, kq, when)
        if found:
            value, fact = found
            return (f"- **{report.provider}** in {ask.analysis.when_text} (as {report_label(report)} states): "
                    f"{'rated' if family == 'rating' else 'scored'} {value} {book.add(report, fact.start, fact.end)}")
    return None


def _dated_sentence(ask: Ask, report: Report, family: str, kq: str | None, when: DateRange) -> tuple[str, Fact] | None:
    """A sentence of ``report`` that dates a value of ``family`` to ``when``, and the value nearest that date."""
    from assistant.text import sentence_spans

    for s, e in sentence_spans(report.text):
        sentence = report.text[s:e]
        mentions = [(d, ds, de) for d, ds, de in intent.dates_in(sentence) if intent.overlaps(d, when)]
        if not mentions or (kq and kq != "overall" and kq.replace("-", " ") not in sentence.lower().replace("-", " ")
                            and not _about_report_kq(report, kq)):
            continue
        pattern = _RATING_WORD if family == "rating" else re.compile(r"\b(\d{1,3})\s*(?:\(out of 100\)|out of 100)")
        values = [(abs(m.start() - mentions[0][1]), m.group(1)) for m in pattern.finditer(sentence)]
        if values:
            return min(values)[1], Fact(family, min(values)[1], s, e)
    return None


def _about_report_kq(report: Report, kq: str) -> bool:
    return facts.key_question_of(report) == kq


# -- false premises ----------------------------------------------------------------------------


def premise(ask: Ask) -> Answer | None:
    """"Why was X rated inadequate?": when X's stated value differs, say so and cite it; when it holds, cite
    it and the report's concerns (the reasons it gives). None when the value cannot be checked (no report
    in scope states it): the passage answer then gives what the reports say."""
    from assistant.answer.overview import key_findings

    a = ask.analysis
    family, claimed = a.premise
    book = ask.book()
    lines = []
    for report in sorted(ask.reports, key=lambda r: r.provider):
        v = lookup(report, family, a.key_question)
        if v is None:
            continue
        same = (v.value.strip().lower() == claimed) if family == "rating" else (facts.score_value(v.value) == float(claimed))
        what, was = ("rated", "was ") if family == "rating" else ("scored", "")
        mark = book.add(report, v.fact.start, v.fact.end)
        if not same:
            lines.append(f"**{report.provider}** was not {what} {claimed}: it {was}{phrase(v, report)} {mark}.")
            continue
        kq = v.scope if v.scope in KEY_QUESTIONS else None
        concerns, _ = key_findings(ask, report, kq)
        lines.append(f"**{report.provider}** {was}{phrase(v, report)} {mark}." + (" The report's concerns:" if concerns else ""))
        lines += [f"- “{quote(report.text[s:e])}” {book.add(report, s, e)}" for s, e in concerns]
    if not lines:
        return None
    text, citations, _ = book.finish("\n".join(lines))
    return Answer(a.question, text, False, citations, kind="value")
