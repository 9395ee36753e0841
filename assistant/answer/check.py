"""Every answer checks itself before it is shown.

An answer is given only when each sentence it cites belongs to what the question asks about:

* **the provider**: a question about named providers (or a follow-up's) cites only their reports;
* **the service**: a question about a core service inside a location ("maternity at X") cites a report
  about that service, a fact naming it, or a sentence that names it;
* **the time**: a question about an earlier time ("at its 2019 inspection") cites a report of that time,
  or a sentence that dates what it says to that time;
* **the value**: a value answer cites the value asked (the family, and the key question when one is
  asked): a date of an update never stands for the date of an inspection, an overall rating never for a
  key question's.

An answer that fails is declined, with a reason naming what is missing; nothing of it is shown as an
answer. The answer kinds are built to pass (they read the analysis's slots); this is the last guard, so
that a wrong target is never shown with confidence whatever a kind gets wrong.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from assistant import vocabulary
from assistant.answer import facts
from assistant.answer.base import Ask, names
from assistant.models import Answer, Citation, DateRange, Report
from assistant.text import normalise
from assistant.vocabulary.dates import dates_in, overlaps

if TYPE_CHECKING:
    from assistant.answer.analysis import Analysis

OFF_TARGET = "off_target"  # the evidence found is about another provider, service or time than the one asked


def verify(ask: Ask, answer: Answer) -> Answer:
    """``answer`` when every citation is about what was asked; otherwise a decline that says what is missing."""
    if answer.no_answer or not answer.citations:
        return answer
    a = ask.analysis
    reports = ask.data.reports
    problems: list[str] = []
    for c in answer.citations:
        report = reports.get(c.report)
        if report is None:
            problems.append(f"a citation points at a report the index does not hold ({c.report})")
            continue
        problem = _provider(a, report) or _service(a, report, c) or _time(a, report, c) or _value(a, answer, c)
        if problem:
            problems.append(problem)
    if not problems:
        return answer
    return replace(answer, text=f"No answer: {problems[0]}.", no_answer=True, citations=(), providers=(),
                   reason=OFF_TARGET)


def _provider(a: Analysis, report: Report) -> str | None:
    """A citation of a provider not asked about, when the question is about particular providers."""
    if a.is_set or not a.providers or (a.kind == "compare" and not a.named):
        return None
    # Reports of one location may spell its name apart ("St Mary’s", "St Mary's"): one provider, as the
    # catalogue groups them.
    if normalise(report.provider) in {normalise(p) for p in a.providers}:
        return None
    return f"the evidence found is from {report.provider}'s report, not from {names(list(a.providers))}'s"


def _service(a: Analysis, report: Report, c: Citation) -> str | None:
    """A citation that is not about the core service asked about."""
    if not a.service or a.selection:
        return None
    if report.service and a.service in vocabulary.service_phrases().values(report.service):
        return None
    if c.fact.startswith("service_") and a.service in vocabulary.service_phrases().values(c.fact.split(":", 2)[1]):
        return None
    said = " ".join((c.text, c.section))
    if not c.fact and a.service in vocabulary.service_phrases().values(said):
        return None
    return f"{report.provider}'s report states it for the location as a whole, not for {a.service}"


def _time(a: Analysis, report: Report, c: Citation) -> str | None:
    """A citation of a report of another time that does not date what it says to the time asked. A question
    about what happened in a period ("complaints in 2024") may be answered by a later report, which tells of
    it; one about an inspection, a report or a rating of that time needs that report, or a sentence dated to it."""
    if a.when is None:
        return None
    main = facts.main_date(report)
    if main is not None and overlaps(main, a.when):
        return None
    if not a.when_is_report and main is not None and main.end >= a.when.start and not c.fact:
        return None
    if any(overlaps(d, a.when) for d, _, _ in dates_in(c.text)):
        return None
    previous = facts.find(report, "date", "previous")
    if c.fact.startswith("previous_") and previous is not None and overlaps(DateRange.parse(previous.value), a.when):
        return None
    dated = report.date_text or (str(main) if main else "an unknown date")
    return f"the report of {report.provider} found is from {dated}, and nothing in it is dated {a.when_text}"


def _value(a: Analysis, answer: Answer, c: Citation) -> str | None:
    """A value answer citing another value than the one asked."""
    if answer.kind != "value" or not c.fact or a.kind != "value" or a.selection:
        return None
    family, _, scope = c.fact.partition(":")
    from assistant.answer.value import family_of

    asked = family_of(a)
    if asked is None:
        return None
    if family in ("service_rating", "service_score"):  # a core service's value: the service is checked above
        family = family[len("service_"):]
        scope = scope.partition(":")[2]
    if asked == "rating" and family == "previous_rating" and a.when is not None:
        return None  # a rating at an earlier time, as a later report states it
    if family != asked:
        return f"the value found is a {family.replace('_', ' ')}, not the {asked.replace('_', ' ')} asked"
    if asked in facts.SCOPED and a.key_question and scope and scope != a.key_question:
        return f"the value found is the {scope} {family}, not the {a.key_question} {family}"
    return None
