"""Value answers: a score, rating or date a report states, citing the sentence that states it.

Also: values at an earlier time ("at the May 2022 inspection": from the report of that time, or
from a later report's own history sentences; declined when no report covers it), "which providers
were rated good / scored below 60" over every provider in scope, and false premises ("Why was X
rated inadequate?" when X was rated good: "It was rated Good [n]").
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from assistant import vocabulary
from assistant.answer import facts
from assistant.answer.base import NOT_STATED, Ask, names, quote, report_label
from assistant.answer.citations import CitationBook, key_of
from assistant.answer.facts import Stated
from assistant.models import KEY_QUESTIONS, Answer, DateRange, Fact, ProviderFinding, Report
from assistant.vocabulary.dates import dates_in, overlaps

if TYPE_CHECKING:
    from assistant.answer.analysis import Analysis

LABELS = {"score": "score", "rating": "rating", "previous_rating": "previous rating", "date": "date",
          "population": "population", "established": "date of establishment", "service_type": "service type",
          "provider": "registered provider", "address": "address", "town": "town", "capacity": "capacity",
          "people_using_service": "number of people using the service", "registered_manager": "registered manager",
          "enforcement": "enforcement action", "breach": "breach of regulation",
          "statement": "quality statement score"}
_RATING_WORD = re.compile(r"\b(outstanding|good|requires improvement|inadequate)\b", re.I)
# Values that may be stated several times in one report (every breach, every enforcement action, every town).
_MANY = ("breach", "breach_topic", "enforcement", "town", "alias")


def lookup(report: Report, family: str, kq: str | None, statement: str | None = None) -> Stated | None:
    """The value a question about ``family`` (for key question ``kq``) reads from one report."""
    if family == "statement":
        return next((v for v in facts.stated(report) if v.family == "statement"
                     and v.scope.partition(":")[2].lower() == (statement or "").lower()), None)
    if kq and family in facts.SCOPED:
        return facts.find(report, family, kq)
    return facts.find(report, family)


def lookup_all(report: Report, family: str, kq: str | None, statement: str | None = None) -> list[Stated]:
    """Every value the question reads from one report: one, or, when it names no key question and
    the report states several ("What scores did X get?"), each key question's in CQC's order; every
    breach or enforcement action the report states."""
    if family in _MANY:
        return [v for v in facts.stated_all(report) if v.family == family]
    one = lookup(report, family, kq, statement)
    if one is not None or kq or family not in facts.SCOPED:
        return [one] if one is not None else []
    return list(facts.per_key_question(report, family).values())


def kq_name(kq: str) -> str:
    """A key question as CQC writes it: "Well-led", "Safe"."""
    return kq[:1].upper() + kq[1:]


def phrase(v: Stated, report: Report) -> str:
    """How an answer states a value: "scored 50 out of 100 for Well-led", "rated Good overall"."""
    if v.family in ("service_rating", "service_score"):  # a core service's: "Surgery:responsive"
        service, _, kq = v.scope.rpartition(":")
        inner = Stated(v.family[len("service_"):], kq or "overall", v.value, v.fact)
        return f"{phrase(inner, report)} ({service})"
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
    if v.family == "registered_manager":
        return "a registered manager in post" if v.value.lower() in ("yes", "true") else "no registered manager"
    if v.family == "enforcement":
        action, _, rest = v.value.partition("; ")
        details = [describe(p) if p[:4].isdigit() else p for p in rest.split("; ") if p]
        return f"{action}" + (f" ({', '.join(details)})" if details else "")
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


def date_asked(report: Report, kind: str | None) -> Stated | None:
    """The date a question asks for: the kind it names (assessed, inspected, visited, published) when the
    report states it, else the main date.

    When the question names a kind, the fallback must be a date of the report's own work
    (``facts.MAIN_DATES``): the date a page was updated is not when CQC inspected, and a value the report
    does not state is never answered with another one.
    """
    if kind is not None:
        found = facts.find(report, "date", kind)
        if found is not None:
            return found
        if kind in ("assessment", "inspection", "onsite"):  # CQC's own work: the other kinds of it stand in
            found = next((facts.find(report, "date", k) for k in facts.MAIN_DATES if facts.find(report, "date", k)), None)
            return found
    main = facts.find(report, "date")
    if kind is not None and main is not None and main.scope not in facts.MAIN_DATES:
        return None
    return main


def label(family: str, kq: str | None) -> str:
    """"Well-led score", "rating"."""
    word = LABELS.get(family, family)
    return f"{kq_name(kq)} {word}" if kq and kq != "overall" and family in facts.SCOPED else word


# The value a question asks for -> the fact family that states it, where their names differ.
_FAMILY = {"statement_score": "statement", "people": "people_using_service", "manager": "registered_manager"}


def family_of(a: Analysis) -> str | None:
    """The fact family a value question reads ("statement" for a quality statement's score)."""
    return _FAMILY.get(a.value, a.value) if a.value else None


def answer(ask: Ask) -> Answer:
    """The asked value for each provider in scope (or, for a selection, which meet its condition)."""
    a = ask.analysis
    family = family_of(a)
    if a.service and not a.selection:
        return service_value(ask)
    if a.when is not None and not (a.selection and family == "date"):
        of_time = _reports_of_time(ask) if a.value == "previous_rating" else []
        if not of_time:
            return at_time(ask)
        # "The rating before its January 2025 assessment": what the report of that time states as previous.
        ask = Ask(a, ask.filters, ask.assistant, ask.mode, ask.k, _reports=of_time)
    # A value question names the value it reads (analysis._checked: a value, or a key question's rating).
    assert family is not None
    book = ask.book()
    lines, missing, matching = [], [], []
    for latest in sorted(ask.reports, key=lambda r: r.provider):
        report, found = _latest_stating(ask, latest, family)
        if not found:
            missing.append(latest)
            continue
        marks = [book.cite(report, v) for v in found]
        lines.append(f"- **{report_label(report)}**: " + "; ".join(f"{phrase(v, report)} {m}" for v, m in zip(found, marks)))
        if a.selection and _selected(a, found):
            matching.append(ProviderFinding(report.provider, "meets", (key_of(marks[0]),), answers=True))
    if not lines:
        who = names([r.provider for r in missing]) or "any report in scope"
        return ask.nothing(f"No report in scope states a {label(family, a.key_question)} for {who}.", NOT_STATED,
                           kind="value")
    text = "\n".join(lines)
    if a.selection:
        listed = ", ".join(m.name for m in matching) or "none"
        checked = f"{len(ask.reports)} provider{'s' if len(ask.reports) != 1 else ''} checked"
        text = (f"{len(matching)} match ({checked}): {listed}.\n\nAll stated values:\n" + text)
    if missing:
        text += f"\n\nNot stated in the report of: {', '.join(r.provider for r in missing)}."
    text, citations, findings = book.finish(text, matching)
    # "Which providers were rated good?" is a set question: its providers are those that match.
    return Answer(a.question, text, False, citations, findings, kind="set" if a.selection else "value",
                  focus=tuple(m.name for m in findings) if a.selection else (), selection=a.selection)


def _latest_stating(ask: Ask, latest: Report, family: str) -> tuple[Report, list[Stated]]:
    """The newest report of ``latest``'s provider that states the value asked, and the value: a report that
    assessed one key question leaves the others as an earlier report stated them (CQC keeps ratings until it
    rates again). Only ``latest`` when the filters ask for every report (each is then asked on its own)."""
    a = ask.analysis
    history = [latest] if ask.filters.all_reports else \
        [latest] + [r for r in ask.assistant.catalog.history(latest.provider) if r.report_id != latest.report_id]
    for report in history:
        found = ([v] if (v := date_asked(report, a.date_kind)) else []) if family == "date" else \
            lookup_all(report, family, a.key_question, a.statement)
        if found:
            return report, found
    return latest, []


def _selected(a: Analysis, found: list[Stated]) -> bool:
    """Whether a provider's stated values meet a selection's condition ("rated good", "below 60"); a value that
    selects by itself (a breach, an enforcement action) selects every provider stating one."""
    if a.value == "date" and a.when is not None:
        return any(overlaps(DateRange.parse(v.value), a.when) for v in found)
    if a.value == "manager":  # "Which homes have no registered manager?"
        return any((v.value.lower() in ("no", "false")) == a.negated for v in found)
    if a.condition is None:
        return bool(found)
    return any(a.condition.holds(v.value) for v in found)


def service_value(ask: Ask) -> Answer:
    """A value for a core service inside a location ("How was maternity at X rated?"): from a report about
    that service, or a fact naming it. When neither states it, declined, with the location's own value as a
    clearly separate note, never as the service's."""
    a = ask.analysis
    family = family_of(a)
    assert family is not None  # as in answer(), the only caller: a value question names its value
    book = ask.book()
    lines, notes = [], []
    v: Stated | None  # a stated value, then what lookup() finds (None: not stated)
    for provider in sorted({r.provider for r in ask.reports}):
        history = ask.assistant.catalog.history(provider)
        if a.when is not None:  # "How was maternity at X rated in 2023?": the reports of that time only
            history = facts.of_time(history, a.when)
        found = None
        for report in history:
            for v in facts.stated(report):
                if v.family == f"service_{family}" and _same_service(v.scope.partition(":")[0], a.service) \
                        and (not a.key_question or v.scope.partition(":")[2] in (a.key_question, "")):
                    found = (report, v)
                    break
            if found is None and _same_service(report.service or "", a.service):
                v = lookup(report, family, a.key_question, a.statement) if family != "date" else date_asked(report, a.date_kind)
                if v is not None:
                    found = (report, v)
            if found is not None:
                break
        if found is not None:
            report, v = found
            lines.append(f"- **{report_label(report)}**, {a.service}: {phrase(v, report)} {book.cite(report, v)}")
            continue
        latest = history[0] if history else None
        own = lookup(latest, family, a.key_question, a.statement) if latest is not None and family != "date" else None
        when = f" in {a.when_text}" if a.when is not None else ""
        note = f"No report states a {label(family, a.key_question)} for {a.service} at {provider}{when}."
        if own is not None and latest is not None and not latest.service:  # (own is None without a latest)
            note += (f" For the location as a whole (not {a.service}), {provider} was {phrase(own, latest)} "
                     f"{book.cite(latest, own)}.")
        notes.append(note)
    if not lines:
        text, citations, _ = book.finish("\n".join(notes))
        return Answer(a.question, text, True, citations, kind="value", reason=NOT_STATED)
    text, citations, _ = book.finish("\n".join(lines + ([""] + notes if notes else [])))
    return Answer(a.question, text, False, citations, kind="value")


def _same_service(stated: str, asked: str | None) -> bool:
    """Whether a service a report names is the service asked about (by CQC's name for it)."""
    if not stated or not asked:
        return False
    named = vocabulary.service_phrases().values(stated)
    return asked in named or stated.strip().lower() == asked.lower()


# -- values at a time --------------------------------------------------------------------------


def _reports_of_time(ask: Ask) -> list[Report]:
    """For each provider in scope, its report of the asked time, when the index holds one for every provider."""
    a = ask.analysis
    assert a.when is not None
    out = []
    for provider in sorted({r.provider for r in ask.reports}):
        of_time = facts.of_time(ask.assistant.catalog.history(provider), a.when)
        if not of_time:
            return []
        out.append(of_time[0])
    return out


def at_time(ask: Ask) -> Answer:
    """The value as it stood at the asked time: from a report of that time, else from a later report's
    history sentences; declined (reason ``not_stated``) when no report covers the time."""
    a = ask.analysis
    assert a.when is not None  # answer() sends only a question about a time here
    family = "rating" if a.value == "previous_rating" else (family_of(a) or "rating")
    book = ask.book()
    lines, uncovered = [], []
    for provider in sorted({r.provider for r in ask.reports}):
        history = ask.assistant.catalog.history(provider)
        line = (_date_of_time(book, history, a.when) if family == "date" else None) \
            or _from_report_of_time(book, history, family, a.key_question, a.when, a.statement) \
            or _from_history(ask, book, history, family, a.key_question, a.when)
        if line:
            lines.append(line)
        else:
            uncovered.append(history[0] if history else None)
    if not lines:
        dated = [f"{r.provider}'s latest report is from {r.date_text or r.date}" if (r.date_text or r.date)
                 else f"{r.provider}'s report states no date" for r in uncovered if r]
        tail = f" ({'; '.join(dated)})" if dated else ""
        return ask.nothing(f"No report in scope states the {label(family, a.key_question)} in {a.when_text}{tail}.",
                           NOT_STATED, kind="value")
    text, citations, _ = book.finish("\n".join(lines))
    return Answer(a.question, text, False, citations, kind="value")


def _date_of_time(book: CitationBook, history: list[Report], when: DateRange) -> str | None:
    """"When was X inspected in 2019?": a date any report of the provider states (its own, or the previous
    inspection's) that falls in the time asked."""
    for report in history:
        for v in facts.stated(report):
            if v.family == "date" and v.scope != "updated" and overlaps(DateRange.parse(v.value), when):
                return f"- **{report_label(report)}**: {phrase(v, report)} {book.cite(report, v)}"
    return None


def _from_report_of_time(book: CitationBook, history: list[Report], family: str, kq: str | None, when: DateRange,
                         statement: str | None = None) -> str | None:
    for report in history:
        date = facts.main_date(report)
        if date is None or not overlaps(date, when):
            continue
        found = lookup_all(report, family, kq, statement)
        if found:
            return f"- **{report_label(report)}**: " + "; ".join(f"{phrase(v, report)} {book.cite(report, v)}"
                                                                 for v in found)
    return None


def _from_history(ask: Ask, book: CitationBook, history: list[Report], family: str, kq: str | None,
                  when: DateRange) -> str | None:
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
            in_time = any(overlaps(d, when) for d, _, _ in dates_in(sentence))
            if in_time or (previous is not None and overlaps(DateRange.parse(previous.value), when)):
                return (f"- **{report.provider}** in {ask.analysis.when_text} (as {report_label(report)} states): "
                        f"rated {v.value}{'' if v.scope == 'overall' else ' for ' + kq_name(v.scope)} "
                        f"{book.cite(report, v)}")
        found = _dated_sentence(ask, report, family, kq, when)
        if found:
            value, fact = found
            return (f"- **{report.provider}** in {ask.analysis.when_text} (as {report_label(report)} states): "
                    f"{'rated' if family == 'rating' else 'scored'} {value} {book.add(report, fact.start, fact.end, fact=fact.name)}")
    return None


def _dated_sentence(ask: Ask, report: Report, family: str, kq: str | None, when: DateRange) -> tuple[str, Fact] | None:
    """A sentence of ``report`` that dates a value of ``family`` to ``when``, and the value nearest that date."""
    from assistant.text import sentence_spans

    for s, e in sentence_spans(report.text):
        sentence = report.text[s:e]
        mentions = [(d, ds, de) for d, ds, de in dates_in(sentence) if overlaps(d, when)]
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
    assert a.premise is not None  # set for every "premise" question (analysis._read), the only kind sent here
    family, claimed = a.premise
    book = ask.book()
    lines = []
    for report in sorted(ask.reports, key=lambda r: r.provider):
        v = lookup(report, family, a.key_question)
        if v is None:
            continue
        same = (v.value.strip().lower() == claimed) if family == "rating" else (facts.score_value(v.value) == float(claimed))
        what, was = ("rated", "was ") if family == "rating" else ("scored", "")
        mark = book.cite(report, v)
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
