"""Dates as CQC writes them, read into ``DateRange`` values.

CQC states a day, a range or a list of days, naming the month and year once at the end when
they are shared: "16 January 2024", "8 and 9 August 2024", "23 July to 24 July 2024",
"30 November and 1 December 2023", "14 June 2023 to 5 July 2023", "1, 2 and 5 May 2023",
"11th and 12th March 2015". A stated list is kept as the range from its first to its last day.
A day must be stated for ``find_dates``; ``find_months`` reads "in March 2014" as "2014-03", for the
places where a report dates something only to the month.
"""

from __future__ import annotations

from typing import Any

import re
from dataclasses import dataclass
from datetime import date

from assistant.models import DateRange

_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10,
    "nov": 11, "dec": 12,
}
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December|" \
         r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
_DAY = r"[0-3]?\d(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d\d(?!\d)"  # "202424" (a misprint) is not a year
_PART = rf"{_DAY}(?:\s+{_MONTH}(?:,?\s+{_YEAR})?)?"
_SEP = r"\s*(?:,\s*(?:and\s+|&\s*)?|\s(?:and|to|until|&)\s|[-–—]|\s(?:and|to)\s+the\s)\s*"
# Every part but the last may leave out its month and year; the last states both.
DATE_TEXT = rf"(?<![\d£$.,])(?<!\d )(?<!\d\.){_DAY}(?:\s+{_MONTH}(?:,?\s+{_YEAR})?)?(?:{_SEP}(?:the\s+)?{_PART}){{0,8}}" \
            rf"\s+{_MONTH},?\s+{_YEAR}"
_DATE = re.compile(DATE_TEXT, re.I)
_ONE = re.compile(rf"(?P<d>[0-3]?\d)(?:st|nd|rd|th)?(?:\s+(?P<m>{_MONTH})(?:,?\s+(?P<y>{_YEAR}))?)?", re.I)


@dataclass(frozen=True)
class FoundDate:
    """A date stated in the text: its offsets, its words and the range they mean."""

    start: int
    end: int
    text: str
    range: DateRange


def parse_date_text(words: str) -> DateRange | None:
    """The range that "8 and 9 August 2024" (or any DATE_TEXT) means, or None if no such day exists."""
    parts = [(int(m["d"]), m["m"], m["y"]) for m in _ONE.finditer(words)]
    if not parts or parts[-1][1] is None or parts[-1][2] is None:
        return None
    days: list[list[Any]] = []
    month: int | None = None
    year: int | None = None
    for day, m, y in reversed(parts):  # month and year carry back from the part that states them
        month = _MONTHS[m.lower().rstrip(".")] if m else month
        year = int(y) if y else year
        days.append([year, month, day, bool(y)])
    days.reverse()
    for earlier, later in zip(days, days[1:]):  # "30 December and 2 January 2024": the year turned
        if not earlier[3] and (earlier[0], earlier[1], earlier[2]) > (later[0], later[1], later[2]):
            earlier[0] -= 1
    try:
        first, last = date(*days[0][:3]), date(*days[-1][:3])
    except ValueError:
        return None
    if first > last:
        first, last = last, first
    return DateRange(first.isoformat(), last.isoformat())


def find_dates(text: str, start: int = 0, end: int | None = None) -> list[FoundDate]:
    """Every stated date (or range of dates) in ``text[start:end]``, in order."""
    found = []
    for m in _DATE.finditer(text, start, len(text) if end is None else end):
        value = parse_date_text(m.group(0))
        if value is not None:
            found.append(FoundDate(m.start(), m.end(), m.group(0), value))
    return found


def whole_date(line: str) -> FoundDate | None:
    """The date when ``line`` is nothing but a date ("17 May 2023"), else None."""
    m = _DATE.fullmatch(line.strip().rstrip("."))
    if m is None:
        return None
    value = parse_date_text(m.group(0))
    return FoundDate(0, len(m.group(0)), m.group(0), value) if value else None


# "March 2014", and a run of months sharing one year: "July and August 2021", "June to August 2021".
_MONTH_YEAR = re.compile(rf"(?<![\d\w])(?<!\d )(?<!\dst )(?<!\dnd )(?<!\drd )(?<!\dth )"
                         rf"(?P<first>{_MONTH})(?:(?:\s+(?P<y0>{_YEAR}))?\s*(?:and|to|until|-|–)\s*(?P<m>{_MONTH}))?"
                         rf"\s+(?P<y>{_YEAR})", re.I)


def find_months(text: str, start: int = 0, end: int | None = None) -> list[FoundDate]:
    """Every month stated with its year and no day ("in March 2014"): ranges of precision "2014-03".

    Two months joined by "and" or "to" are one range: "July and August 2021" is "2021-07/2021-08".
    """
    found = []
    for m in _MONTH_YEAR.finditer(text, start, len(text) if end is None else end):
        last = f"{int(m['y']):04d}-{_MONTHS[(m['m'] or m['first']).lower().rstrip('.')]:02d}"
        first = last
        if m["m"]:
            year = int(m["y0"] or m["y"])
            month = _MONTHS[m["first"].lower().rstrip(".")]
            if not m["y0"] and f"{year:04d}-{month:02d}" > last:
                year -= 1  # "December and January 2024": the year turned between them
            first = f"{year:04d}-{month:02d}"
        found.append(FoundDate(m.start(), m.end(), m.group(0), DateRange(min(first, last), max(first, last))))
    return found
