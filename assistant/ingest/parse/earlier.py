"""Earlier reports listed after a page's latest one.

A cqc.org.uk reports page ("All Inspections") lists a location's reports newest first, each opening
with its date and the kind of visit::

    23 July 2021                                   the latest report: the one the page is about
    During an inspection looking at part of the service
    …
    5 June 2019                                    the report before it: the previous inspection
    During a routine inspection
    This service is rated as Good overall. …
    Inspection carried out on 21 June 2016 During an inspection of Community end of life care
                                                   a core service's report (one line on older pages)

Only the first report's text states this report's facts. The report after it gives the previous
inspection's date and ratings, unless the latest report rated nothing and the earlier one's overall
rating is the one the page stands at (CQC leaves ratings as they were when an inspection does not
rate): then its ratings are the ones that stand. Reports further down, and reports of one core
service (“During an inspection of <service>”), are kept as text only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.ingest.dates import FoundDate, find_dates
from assistant.ingest.parse import prose
from assistant.ingest.parse.build import Facts
from assistant.ingest.parse.lines import Line, line_fact, section, title_like
from assistant.vocabulary import KQ_WORDS, RATING_WORDS, kq_id, rating_of
from assistant.models import DateRange, Fact, Section
from assistant.text import normalise

DURING = re.compile(r"^During an? \w[\w\s,()'’&-]{0,120}$", re.I)
# An entry's dating line: "17 May 2023", "20-23 May 2014", "28th-30th June", "Inspection carried out on …".
_DATED = re.compile(r"^(?:(?:inspection|assessment)(?: carried out)? on |inspection date:? )?(?P<v>\S.{0,80})$", re.I)
# Both on one line, as older pages list a core service's reports.
_DATED_DURING = re.compile(r"^(?:(?:inspection|assessment)(?: carried out)? on\s+)?(?P<v>\S.{0,80}?)\s+"
                           r"(?P<during>During an? \w[\w\s,()'’&-]{0,120})$", re.I)
_OF_SERVICE = re.compile(r"^During an? (?:\w+\s+){0,3}?(?:inspection|assessment) of (?P<v>.+)$", re.I)
# A key question's rating on its own line: "Are services safe? – Good", "Is the service safe? Good",
# "Are providers safe? – Good",
# "Safe - Requires improvement.", "Well-led: Good".
KQ_RATING = re.compile(
    rf"^(?:(?:are|is)\s+(?:(?:the|this|these)\s+)?[\w-]+(?:\s+at\s+this\s+location)?\s+(?P<kq>{KQ_WORDS})\?\s*[-–—:]?\s*"
    rf"|(?P<kq2>{KQ_WORDS})\s*[-–—:]\s*(?:[^.]{{0,40}}?\brating\s+of\s+)?)(?P<r>{RATING_WORDS})\.?"
    # "Caring - Good (this rating was carried from 2018 inspection)", "Caring - not inspected, rating of good
    # carried forward from previous inspection"
    rf"(?:\s*\([^()]{{0,80}}\)|\s+carried\s+forward\b[^.]{{0,60}})?\.?$", re.I)
EARLIER = "Earlier inspection"
# What makes an entry a report: an inspection or an assessment ("During a routine inspection", "During an
# assessment of Surgery"), not a review of the data CQC holds ("During a monthly review of our data").
_VISIT = re.compile(r"\b(?:inspect\w*|assess\w*)\b", re.I)
SIGN_OFF = re.compile(r"\bChief Inspector\b|\bInspector of\b", re.I)
_ENDS_RATED = re.compile(rf"\b(?:{RATING_WORDS}|not rated)\.?$", re.I)


@dataclass(frozen=True)
class Entry:
    """One report in a page's list of reports."""

    first: int  # index of its first line (its dating line, or a heading over it)
    dated: int  # index of its dating line
    date: FoundDate | None  # what the dating line states, if it names a day with its year
    service: str | None  # the core service it is about ("During an inspection of <service>")
    report: bool = True  # False for an entry that is no inspection or assessment ("During a monthly review of our data")


def entries(lines: list[Line], start: int) -> list[Entry]:
    """The reports listed from ``lines[start]`` on, newest first."""
    out: list[Entry] = []
    floor = start  # the line after the last entry's dating lines
    for n in range(start, len(lines)):
        text = lines[n].text
        if m := _DATED_DURING.match(text):
            during, dated, after = m["during"], m["v"], n + 1
        elif n + 1 < len(lines) and DURING.match(lines[n + 1].text) and (m := _DATED.match(text)):
            during, dated, after = lines[n + 1].text, m["v"], n + 2
        else:
            continue
        if not any(c.isdigit() for c in dated) or DURING.match(text):
            continue
        found = find_dates(dated)
        date = FoundDate(found[0].start, found[-1].end, dated, _span(found)) if found else None
        of = _OF_SERVICE.match(during)
        out.append(Entry(_heading_start(lines, n, floor), n, date, of["v"].strip() if of else None,
                         _VISIT.search(during) is not None))
        floor = after
    return out


def _span(found: list[FoundDate]) -> DateRange:
    """"Announced visit, 21-23 June 2016. Unannounced visit, 6 July 2016.": from the first day to the last."""
    return DateRange(found[0].range.start, found[-1].range.end)


def _heading_start(lines: list[Line], n: int, floor: int) -> int:
    """The first of the (at most three) heading lines right above an entry ("CQC inspections of services",
    "Service reports published 19 July 2018"): they belong to the reports that follow. A line ending in a
    rating or a colon, or an inspector's sign-off, ends the report before."""
    top = n
    while top - 1 >= max(floor, 1, n - 3) and _heading(lines[top - 1]):
        top -= 1
    return top


def _heading(line: Line) -> bool:
    text = line.text
    return title_like(line, max_words=12) and not (_ENDS_RATED.search(text) or text.endswith(":") or SIGN_OFF.search(text))


def report_start(lines: list[Line], start: int) -> int:
    """Index of the first line of the latest report: ``start``, unless entries that are no report (a
    monthly review of CQC's data) are listed above it."""
    listed = entries(lines, start)
    if listed and not listed[0].report:
        return next((e.first for e in listed if e.report), start)
    return start


def earlier_start(lines: list[Line], start: int) -> int:
    """Index of the first line of the earlier reports (``len(lines)`` when the page lists one report).
    An entry that is no report (a review of data listed above the latest report) is not one of them."""
    listed = [e for e in entries(lines, start) if e.report]
    return listed[1].first if len(listed) > 1 else len(lines)


def read(text: str, lines: list[Line], start: int, facts: Facts, current_rated: bool,
         service: str | None) -> list[Section]:
    """The earlier reports from ``lines[start]`` on, as sections; the previous one's date and ratings as facts.

    ``current_rated``: whether the latest report's own text states a rating. ``service``: the service
    a service-level report covers (earlier reports of that service are its previous ones).
    """
    listed = [e for e in entries(lines, start) if e.first >= start and e.report]
    if not listed:
        return []
    bounds = [e.first for e in listed] + [len(lines)]
    sections = []
    for k, entry in enumerate(listed):
        body = lines[bounds[k] : bounds[k + 1]]
        label = entry.date.text if entry.date else lines[entry.dated].text
        sections.append(section((EARLIER, f"{label}: {entry.service}" if entry.service else label), body))
    previous = next((e for e in listed if e.service is None
                     or (service and normalise(service) in normalise(e.service))), None)
    if previous is not None:
        k = listed.index(previous)
        _previous_facts(text, lines[previous.dated : bounds[k + 1]], previous, facts, current_rated)
    return sections


def _previous_facts(text: str, body: list[Line], entry: Entry, facts: Facts, current_rated: bool) -> None:
    if entry.date is not None:
        facts.add(line_fact("date:previous", str(entry.date.range), body[0]))
    stated = list(_ratings(text, body))
    overall = next((value for target, value, _, _ in stated if target == "overall"), None)
    standing = not current_rated and overall is not None and overall == facts.value("rating:overall")
    for target, value, s, e in stated:
        facts.add(Fact(f"{'rating' if standing else 'previous_rating'}:{target}", value, s, e))


def _ratings(text: str, body: list[Line]):
    """(target, rating, start, end) for each rating the report states of itself."""
    for ln in body:
        if m := KQ_RATING.match(ln.text):
            yield kq_id(m["kq"] or m["kq2"]), rating_of(m["r"]), ln.start, ln.end
    for r in prose.ratings_in(text, body[0].start, body[-1].end):
        if not r.previous and r.target != prose.SERVICE:  # its own previous ratings are older still
            yield r.target or "overall", r.value, r.start, r.end
