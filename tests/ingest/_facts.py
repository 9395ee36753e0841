"""Checks every parsed fact against the text it cites: shared by the seed and real-report tests."""

from __future__ import annotations

import re

from assistant.ingest.dates import find_dates, find_months
from assistant.ingest.parse import prose
from assistant.models import KEY_QUESTIONS, DateRange, Report
from assistant.text import normalise

_KQ = "|".join(KEY_QUESTIONS)
# The fact names of the scheme in assistant/models.py.
SCHEME = re.compile(
    rf"^(?:location|provider|alias|address|postcode|service_type|service|breach|population|established|"
    rf"rating:(?:overall|location|{_KQ})|previous_rating:(?:overall|{_KQ})|score:(?:{_KQ})|statement:(?:{_KQ}):.+|"
    rf"date:(?:report|assessment|inspection|onsite|updated|previous))$"
)


def quote_problems(report: Report) -> list[str]:
    """Each fact whose offsets do not index wording that states its value, described."""
    problems = []
    for f in report.facts:
        span = report.text[f.start : f.end]
        if not SCHEME.match(f.name):
            problems.append(f"{f.name}: not a name of the fact scheme")
        elif not 0 <= f.start < f.end <= len(report.text):
            problems.append(f"{f.name}: offsets {f.start}:{f.end} outside the text")
        elif not _states(f.name, f.value, span, report.text, f.start, f.end):
            problems.append(f"{f.name}={f.value!r} not stated by {span[:120]!r}")
    return problems


def _states(name: str, value: str, span: str, text: str, start: int, end: int) -> bool:
    if name.startswith("date:"):
        want = DateRange.parse(value)
        found = find_dates(text, start, end) if len(want.start) > 7 else find_months(text, start, end)
        return any(d.range == want for d in found) or (
            bool(found) and found[0].range.start == want.start and found[-1].range.end == want.end)
    if name.startswith("score:"):
        return re.search(rf"\bscored {value}\b", span) is not None
    if name == "breach":
        number, _, title = value.partition(": ")
        return all(normalise(part) in normalise(span) for part in (number, title) if part)
    if name == "service_type" and normalise(value) not in normalise(span):
        inferred = prose.service_type_in(text, start, end)  # read from a cue ("IUC", "surgery")
        acronym = "".join(w[0] for w in value.split()).upper()  # "Integrated care system" as "ICS"
        return (inferred is not None and inferred.value == value) or re.search(rf"\b{acronym}\b", span) is not None
    return normalise(value) in normalise(span)
