"""Split a corpus document into Reports: sections with offsets, plus the facts it states.

A CQC report page is read from its published structure, in two steps:

* ``header`` - the block at the top of every cqc.org.uk location page (breadcrumb lines, the
  location's name, "Also known as", "Overall: X", the address, "Provided and run by:",
  "Report from <date> assessment"), or the cover of a report PDF;
* a layout reader for the body -
  ``assessment`` (2024-25: a page per key question, "This service scored N (out of 100)",
  quality statements with "Score: n", a "Ratings - <service>" list), or
  ``inspection`` (older: "Are services safe? – Good", "Overall rating for this service",
  "Our key findings were:", a sign-off), or
  ``case_study`` (an NHS document of "Case study n: <organisation>" parts, one Report each).

Facts stated in prose in any layout (ratings, scores, breaches, dated sentences) come from
``prose``. Anything else is still ingested, as paragraphs under its title, with a warning that
names what could not be found. Every fact keeps the offsets of the line or sentence stating it;
the fact names follow the scheme in ``assistant.models``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from assistant.config import IngestSettings
from assistant.ingest.dates import find_dates, whole_date
from assistant.ingest.parse import (assessment, case_study, earlier, enforcement, inspection, measures, names, prose,
                                    services)
from assistant.ingest.parse.build import MAIN_DATES as _MAIN_DATES, Facts, LayoutReading, paragraphs, prettify, report_from
from assistant.ingest.parse.header import UPDATED, Header, is_title, read_header, towns
from assistant.ingest.parse.lines import Line, line_fact, lines_of, section
from assistant.ingest.readers import read_document
from assistant.models import DateRange, Fact, Report

__all__ = ["LAYOUT_FAILED", "UNKNOWN_LAYOUT_WARNING", "parse_document", "parse_file"]

UNKNOWN_LAYOUT_WARNING = "unrecognised layout: ingested as paragraphs under its title"


def parse_document(text: str, source: str) -> list[Report]:
    """Parse a document's text into its Reports (one, or one per case study).

    ``source`` is the file's path relative to the corpus folder; report ids derive from it.
    No exception escapes: should a layout reader fail on an odd page (a bug), the page is still
    ingested, as paragraphs under its title, with a warning naming the failure (``LAYOUT_FAILED``).
    """
    try:
        return _parse_document(text, source)
    except Exception as exc:  # noqa: BLE001 - any bug: the text is kept, the failure named
        where = exc.__traceback__
        while where is not None and where.tb_next is not None:
            where = where.tb_next
        at = f" at {Path(where.tb_frame.f_code.co_filename).name}:{where.tb_lineno}" if where else ""
        lines = lines_of(text)
        parsed = _read_unknown(text, lines, read_header([]), Facts((), frozenset()), source)
        parsed.layout = "unknown"
        parsed.warnings.append(f"{LAYOUT_FAILED} ({type(exc).__name__}{at}): ingested as paragraphs under its title")
        return [report_from(parsed, text, source)]


LAYOUT_FAILED = "the page's layout could not be read"


def _parse_document(text: str, source: str) -> list[Report]:
    lines = lines_of(text)
    if case_study.is_case_studies(lines):
        return case_study.read(text, lines, source)
    header = read_header(lines)
    facts = Facts(header.facts, frozenset(header.badges))
    body_start = lines[header.end].start if header.end < len(lines) else len(text)
    # A reports page lists earlier reports after the latest: only the latest one's text states its facts.
    cut = earlier.earlier_start(lines, header.end)
    own, end = lines[:cut], (lines[cut].start if cut < len(lines) else len(text))
    if facts.add(prose.service_in(text, body_start, end)):
        facts.rename("rating:overall", "rating:location")  # a service's report: the header rates the location
    # The page's own date, before the layout is read: a rating told with an earlier date is a previous one.
    first = earlier.report_start(lines, header.end)
    facts.own_date = next((DateRange.parse(v).start for kind, v, *_ in prose.dated_in(
        text, lines[first].start if first < len(lines) else len(text), end) if kind not in ("previous", "published")), None)
    if assessment.looks_like(own, header):
        parsed = assessment.read(text, own, header, facts)
    elif inspection.looks_like(own, header):
        parsed = inspection.read(text, own, header, facts)
    else:
        parsed = _read_unknown(text, own, header, facts, source)
    # A review of CQC's data listed above the latest report is no report: its words date and state nothing.
    _dates(text, own[first:], end, parsed)
    _prose_facts(text, lines[first].start if first < len(lines) else body_start, end, parsed)
    if cut < len(lines):
        rated = any(f.name.startswith("rating:") and f.start >= body_start for f in facts.all())
        parsed.sections += earlier.read(text, lines, cut, facts, rated, facts.value("service"))
    _own_service(facts)
    if parsed.layout == "unknown":
        parsed.warnings.append(_unknown_warning(parsed))
    return [report_from(parsed, text, source)]


def _own_service(facts: Facts) -> None:
    """A service-level report's ratings and scores are its service's: stated again as
    ``service_rating:<service>:…`` and ``service_score:<service>:…``, citing the same lines, so a question
    about the service by name reads them where it reads any service's."""
    if not (service := facts.value("service")):
        return
    name = services.canonical(service)
    for f in facts.all():
        kind, _, target = f.name.partition(":")
        if kind in ("rating", "score") and target != "location":
            facts.add(Fact(f"service_{kind}:{name}:{target}", f.value, f.start, f.end))


def parse_file(path: Path, corpus_dir: Path, settings: IngestSettings = IngestSettings()) -> list[Report]:
    """Read and parse one corpus file; reader notes become each Report's warnings.

    Raises errors.UnreadableDocument (or UnsupportedFormat) for a file it cannot read.
    """
    path, corpus_dir = Path(path), Path(corpus_dir)
    try:  # the path's own name inside the corpus, not a link target's
        source = path.absolute().relative_to(corpus_dir.absolute()).as_posix()
    except ValueError:
        try:
            source = path.resolve().relative_to(corpus_dir.resolve()).as_posix()
        except ValueError:
            source = path.name
    document = read_document(path, settings)
    return [replace(r, warnings=r.warnings + document.notes) for r in parse_document(document.text, source)]


def _dates(text: str, body: list[Line], end: int, parsed: LayoutReading) -> None:
    """Dates stated on their own line ("Updated 7 May 2022") or in a sentence ("We carried out this
    assessment on 28 and 29 January 2025"); the first of each kind is kept."""
    facts = parsed.facts
    for n, ln in enumerate(body):
        if UPDATED.match(ln.text) and (found := find_dates(ln.raw)):
            facts.add(line_fact("date:updated", str(found[0].range), ln))
        elif _UPDATED_ALONE.match(ln.text) and n + 1 < len(body) and (date := whole_date(body[n + 1].text)):
            facts.add(line_fact("date:updated", str(date.range), ln, body[n + 1]))  # "Updated" / "18 March 2022"
    start = body[0].start if body else len(text)
    earlier: list[Fact] = []
    own = facts.get("date:inspection") if parsed.layout == "inspection" else None
    for kind, value, _words, s, e in prose.dated_in(text, start, end):
        # On an inspection's page, an inspection (or visit) dated before the page's own is an earlier one:
        # "We undertook a comprehensive inspection of … on 16 November 2021" on the page of 1 March 2022.
        if kind in ("inspection", "onsite", "inspection-month") and own is not None and (
                DateRange.parse(value).end < DateRange.parse(own.value).start[: len(DateRange.parse(value).end)]):
            # … unless it is one core service's ("We inspected Urgent and emergency care in November 2017").
            kind = "service" if services.services_named(text[s:e], facts.value("location")) else "previous"
        if kind in ("inspection-month", "service"):
            continue
        if kind == "inspection" and parsed.layout == "assessment":
            if (stated := facts.get("date:assessment")) is not None and stated.value == value:
                continue  # "At this inspection on 22 February to 1 March 2024": the assessment's own dates again
            kind = "onsite"  # in an assessment, the "inspection" is the visit to the site
        visit = kind == "onsite"
        if kind == "onsite" and parsed.layout == "inspection" and not _ON_SITE.search(text, s, e):
            kind = "inspection"  # in an inspection, a visit ("We visited the office on …") is the inspection
        if kind == "onsite" and facts.get("date:report") is None and assessment.ASSESSED.match(text[s:e]):
            kind = "assessment"  # no "Report from … assessment": the summary's opening dates the assessment
        if kind == "previous":
            earlier.append(Fact("date:previous", value, s, e))
            continue
        stated = facts.get(f"date:{kind}")
        if kind == "inspection" and parsed.layout == "inspection" and own is None:
            own = Fact("date:inspection", value, s, e)  # the page's own inspection, dated by this sentence
        if stated and _date_line(text[stated.start : stated.end]) and (stated.value == value or (
                not visit and DateRange.parse(value).start == DateRange.parse(stated.value).start)):
            # Cite the sentence, not a bare date line; a sentence giving every day of a visit the line dates by its
            # first ("18 April 2016" over "This inspection took place on 18, 19, 20, 21 and 26 April 2016") gives the range.
            facts.replace(Fact(stated.name, value, s, e))
        else:
            facts.add(Fact(f"date:{kind}", value, s, e))
    facts.add(_previous(earlier, next((f for n in _MAIN_DATES if (f := facts.get(n))), None)))


_UPDATED_ALONE = re.compile(r"^(?:Updated|Last updated|Page last updated):?$", re.I)
_ON_SITE = re.compile(r"\bon[- ]?site\b|\bsite visits?\b", re.I)


def _previous(stated: list[Fact], main: Fact | None) -> Fact | None:
    """The previous inspection among the earlier ones a report dates ("inspected again in November 2017 …
    and again in June 2018"): the latest before the report's own date."""
    if main is not None:
        own = DateRange.parse(main.value).start
        stated = [f for f in stated if DateRange.parse(f.value).end < own[: len(DateRange.parse(f.value).end)]]
    return max(stated, key=lambda f: DateRange.parse(f.value).end, default=None)


def _date_line(words: str) -> bool:
    """A line that gives a date and little else ("17 May 2023", "Inspection carried out on 5 October 2016")."""
    return len(words) <= 60 and "." not in words.rstrip(".") and bool(find_dates(words))


def _prose_facts(text: str, start: int, end: int, parsed: LayoutReading) -> None:
    """Facts any layout may state in its prose: breaches, the location and the kind of service."""
    facts = parsed.facts
    main = next((f for n in _MAIN_DATES if (f := facts.get(n))), None)
    for name, value, s, e in prose.breaches_in(text, start, end, main.value[:7] if main else None):
        facts.add(Fact(name, value, s, e))
    for fact in enforcement.enforcement_in(text, 0, end):  # the page header's notices state enforcement too
        facts.add(fact)
    if facts.get("location") is None:  # no header: the sentence dating the visit names the location
        facts.add(names.inspected_location(text, start, end))
    if facts.get("provider") is None:
        facts.add(names.provider_in(text, start, end, facts.value("location")))  # a sentence naming the trust that runs it
    if facts.get("service_type") is None:
        facts.add(prose.service_type_in(text, start, end, facts.value("location")))
    practice = bool(re.search(r"\b(?:GP|dentist|dental|doctor)", facts.value("service_type") or "", re.I))
    hospital = bool(re.search(r"\bhospital", " ".join(filter(None, (facts.value("service_type"), facts.value("location")))), re.I))
    for fact in measures.measures_in(text, start, end, practice, hospital):
        facts.add(fact)
    if facts.get("postcode") is None:
        for fact in names.address_in(text, start, end):
            facts.add(fact)
            if fact.name == "address":
                for town in towns(fact.value):
                    facts.add(Fact("town", town, fact.start, fact.end))
    if location := facts.value("location"):
        for fact in names.name_variants(text, start, end, location):
            facts.add(fact)


def _read_unknown(text: str, lines: list[Line], header: Header, facts: Facts, source: str) -> LayoutReading:
    """A layout not recognised: each paragraph after the header a section under the title."""
    start = header.end
    if header.location is None and lines and is_title(lines[0]):
        facts.add(line_fact("location", lines[0].text, lines[0]))  # no header, but a title line
        start = max(start, 1)
    title = facts.value("location") or prettify(source)
    body = [ln for ln in lines[start:] if ln.key not in header.texts]
    sections = [section((title,), p) for p in paragraphs(body)] if body else []
    return LayoutReading("unknown", header, facts, sections)


# What an unrecognised page was checked for, by the fact that shows it was found.
_LOOKED_FOR = (("location", "a location name"), ("service_type", "a service type"),
               ("date:", "a report or inspection date"), ("rating:overall", "an overall rating"),
               ("rating:", "key question ratings"), ("score:", "scores"))


def _unknown_warning(parsed: LayoutReading) -> str:
    missing = [label for prefix, label in _LOOKED_FOR
               if not any(f.name.startswith(prefix) and (prefix != "rating:" or f.name != "rating:overall")
                          for f in parsed.facts.all())]
    if not missing:
        return UNKNOWN_LAYOUT_WARNING
    return f"{UNKNOWN_LAYOUT_WARNING}; could not find {', '.join(missing)}"
