"""Times in questions and sentences: months, years and days, as ``DateRange``s.

"at the May 2022 inspection", "in 2021", "on 17 May 2023", "in the 2022 report": the month names
are the closed vocabulary of ``assistant.vocabulary.MONTHS``.
"""

from __future__ import annotations

import calendar
import re

from assistant.models import DateRange
from assistant.vocabulary import MONTH_WORDS, MONTHS

_WHEN = re.compile(
    rf"\b(?:(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+)?(?P<month>{MONTH_WORDS})\.?,?\s+(?P<year>(?:19|20)\d\d)\b"
    rf"|\b(?:in|during|from|of|at|for|since|before|after|by)\s+(?:the\s+|its\s+|their\s+|early\s+|late\s+|mid[-\s]?)?"
    rf"(?P<year2>(?:19|20)\d\d)\b"
    rf"|\b(?P<year3>(?:19|20)\d\d)\s+(?:inspection|assessment|report|visit|rating|score)s?\b"
    rf"|^\W*(?P<year4>(?:19|20)\d\d)\b|\b(?P<year5>(?:19|20)\d\d)\W*$",
    re.I,
)
_MENTION = re.compile(
    rf"\b(?:(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+)?(?P<month>{MONTH_WORDS})\.?\s+(?P<year>(?:19|20)\d\d)\b"
    rf"|\b(?P<year2>(?:19|20)\d\d)\b",
    re.I,
)


def _range(year: int, month: str | None, day: str | None) -> DateRange:
    if not month:
        return DateRange(f"{year}-01-01", f"{year}-12-31")
    number = MONTHS[month.lower().rstrip(".")]
    last = calendar.monthrange(year, number)[1]
    if day:
        iso = f"{year}-{number:02d}-{min(int(day), last):02d}"
        return DateRange(iso, iso)
    return DateRange(f"{year}-{number:02d}-01", f"{year}-{number:02d}-{last:02d}")


def when_in(text: str) -> tuple[DateRange, str, int, int] | None:
    """The time a question is qualified by ("at the May 2022 inspection" -> May 2022), its words and offsets."""
    m = _WHEN.search(text)
    if not m:
        return None
    year = int(next(g for g in (m.group("year"), m.group("year2"), m.group("year3"), m.group("year4"),
                                m.group("year5")) if g))
    month = m.group("month")
    r = _range(year, month, m.group("day"))
    if month:
        return r, m.group(0).strip(), m.start(), m.end()
    return r, str(year), m.start(), m.end()


def dates_in(text: str) -> list[tuple[DateRange, int, int]]:
    """Every date, month or year ``text`` mentions, as (range, start, end) offsets into ``text``."""
    out = []
    for m in _MENTION.finditer(text):
        year = int(m.group("year") or m.group("year2"))
        out.append((_range(year, m.group("month"), m.group("day")), m.start(), m.end()))
    return out


def _first_day(iso: str) -> str:
    return iso + "-01-01"[len(iso) - 4:] if len(iso) < 10 else iso  # "2014-03" -> "2014-03-01", "2014" -> "2014-01-01"


def _last_day(iso: str) -> str:
    if len(iso) == 4:
        return iso + "-12-31"
    if len(iso) == 7:
        return f"{iso}-{calendar.monthrange(int(iso[:4]), int(iso[5:7]))[1]:02d}"
    return iso


def overlaps(a: DateRange, b: DateRange) -> bool:
    """Whether two ranges share a day (a date stated to the month or year covers all of it)."""
    return _first_day(a.start) <= _last_day(b.end) and _first_day(b.start) <= _last_day(a.end)
