"""Collect the facts a layout reader finds, and turn them into a ``Report``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from assistant.ingest.parse.header import Header
from assistant.ingest.parse.lines import Line
from assistant.vocabulary import KQ_NAMES
from assistant.models import KEY_QUESTIONS, DateRange, Fact, Report, Section

# Names a report may state more than once; every other name keeps the first value stated.
MULTI_VALUED = ("breach", "breach_topic", "alias", "town", "enforcement")
# The date a report is filed under, most telling first.
MAIN_DATES = ("date:report", "date:inspection", "date:assessment", "date:onsite", "date:published", "date:updated")


class Facts:
    """The facts of one report, in the order found; the first stated value of a name wins.

    A fact may be kept as ``weakly`` cited (a rating badge printed after the page title): the value
    stands, but the first sentence found later that states the same value becomes its citation.
    """

    def __init__(self, facts: list[Fact] = (), weakly: frozenset[Fact] = frozenset()):
        self._items: list[Fact] = []
        self._weak: set[str] = set()
        # The first day of the report's own date, once known: a sentence dated before it tells of an earlier
        # inspection. Read from the header, or the first sentence dating the visit, before the layout reader.
        self.own_date: str | None = None
        for f in facts:
            if self.add(f) and f in weakly:
                self._weak.add(f.name)

    def add(self, fact: Fact | None) -> bool:
        """Keep ``fact`` unless its name already has a value (or, for a multi-valued name, this value)."""
        if fact is None or not fact.value:
            return False
        if fact.name in MULTI_VALUED:
            if any(f.name == fact.name and f.value.lower() == fact.value.lower() for f in self._items):
                return False
        elif (old := self.get(fact.name)) is not None:
            if fact.name in self._weak and old.value.lower() == fact.value.lower():
                self._weak.discard(fact.name)
                self.replace(fact)  # the same value, now cited by a sentence stating it
            return False
        self._items.append(fact)
        return True

    def get(self, name: str) -> Fact | None:
        return next((f for f in self._items if f.name == name), None)

    def value(self, name: str) -> str | None:
        f = self.get(name)
        return f.value if f else None

    def rename(self, old: str, new: str) -> None:
        """Give the fact called ``old`` the name ``new`` (a value found to mean something else)."""
        self._items = [Fact(new, f.value, f.start, f.end) if f.name == old else f for f in self._items]
        if old in self._weak:
            self._weak = (self._weak - {old}) | {new}

    def replace(self, fact: Fact) -> None:
        """Put ``fact`` in the place of the fact of the same name (the same value, better cited)."""
        self._items = [fact if f.name == fact.name else f for f in self._items]

    def named(self, prefix: str) -> list[Fact]:
        return [f for f in self._items if f.name.startswith(prefix)]

    def all(self) -> tuple[Fact, ...]:
        return tuple(self._items)


@dataclass
class LayoutReading:
    """What a layout reader found in a document, before it becomes a Report."""

    layout: str
    header: Header
    facts: Facts
    sections: list[Section] = field(default_factory=list)
    key_questions: list[str] = field(default_factory=list)  # ids, in the order the report takes them
    warnings: list[str] = field(default_factory=list)


def stem(source: str) -> str:
    """The report id of a source file: its path without the suffix."""
    return PurePosixPath(source).with_suffix("").as_posix()


def prettify(source: str) -> str:
    """"some-provider-2024-01-02.txt" -> "Some provider": a name when the text states none."""
    name = re.sub(r"[-_ ]*\d{4}-\d{2}(?:-\d{2})?$", "", PurePosixPath(source).stem)
    words = re.sub(r"[-_]+", " ", name).strip()
    return words[:1].upper() + words[1:] if words else source


def date_text(text: str, fact: Fact | None) -> str | None:
    """The words of a date fact's date as the report writes them ("20 and 21 November 2023")."""
    if fact is None:
        return None
    from assistant.ingest.dates import find_dates

    found = find_dates(text, fact.start, fact.end)
    want = DateRange.parse(fact.value)
    for d in found:
        if d.range == want:
            return _with_between(text, d.start, d.text)
    if found and found[0].range.start == want.start:
        return _with_between(text, found[0].start, text[found[0].start : found[-1].end])
    return _with_between(text, found[0].start, found[0].text) if found else None


def _with_between(text: str, start: int, words: str) -> str:
    """``words`` as the report reads them: "between 10 and 13 November 2015" keeps its "between" (without it,
    "10 and 13 November 2015" reads as two days, not four)."""
    before = text[max(0, start - 8) : start]
    return f"between {words}" if before.lower() == "between " and " and " in words else words


def report_from(parsed: LayoutReading, text: str, source: str, report_id: str | None = None) -> Report:
    """Assemble a Report: typed fields from the facts, every fact kept with its offsets."""
    facts, header = parsed.facts, parsed.header
    location = facts.value("location") or prettify(source)
    # The key questions the report rates or scores (a heading alone, "Safe:" over a summary, is not one).
    kqs = sorted({f.name.split(":")[1] for f in facts.all() if f.name.split(":")[0] in ("rating", "score")
                  and f.name.split(":")[1] in KEY_QUESTIONS}, key=KEY_QUESTIONS.index)
    single = kqs[0] if len(kqs) == 1 else None
    main = next((facts.get(n) for n in MAIN_DATES if facts.get(n)), None)
    main_text = date_text(text, main)
    if parsed.layout == "assessment" and header.report_date_text:
        title = f"{location}: Report from {header.report_date_text} assessment"
    elif parsed.layout == "inspection":
        inspected = date_text(text, facts.get("date:inspection"))
        on = "" if inspected and inspected.startswith("between ") else "on "
        title = f"{location}: Inspection {on}{inspected}" if inspected else f"{location}: Inspection"
    else:
        title = location
    score = facts.value(f"score:{single}") if single else None
    ratings = [("overall", v)] if (v := facts.value("rating:overall")) else []
    ratings += [(kq, v) for kq in KEY_QUESTIONS if (v := facts.value(f"rating:{kq}"))]
    return Report(
        report_id=report_id or stem(source), source=source, title=title, provider=location,
        layout=parsed.layout, text=text, sections=tuple(parsed.sections),
        aliases=tuple(f.value for f in facts.named("alias")),
        registered_provider=facts.value("provider"), address=facts.value("address"),
        postcode=facts.value("postcode"), service_type=facts.value("service_type"), service=facts.value("service"),
        date=DateRange.parse(main.value).end if main else None, date_text=main_text,
        key_question=KQ_NAMES[single] if single else None, score=int(score) if score else None,
        rating=facts.value("rating:overall") or (facts.value(f"rating:{single}") if single else None),
        previous_rating=facts.value("previous_rating:overall")
        or (facts.value(f"previous_rating:{single}") if single else None),
        ratings=tuple(ratings), facts=facts.all(), warnings=tuple(header.warnings + parsed.warnings),
    )


def paragraphs(body: list[Line]) -> list[list[Line]]:
    """Lines grouped by blank lines; one line each when there are no blank lines at all."""
    groups: list[list[Line]] = []
    for ln in body:
        if ln.blank_before or not groups:
            groups.append([])
        groups[-1].append(ln)
    if len(groups) == 1:
        groups = [[ln] for ln in groups[0]]
    return groups
