"""The header block at the top of a CQC report page, and the cover of a CQC report PDF.

A cqc.org.uk location page starts::

    • Services in your home              breadcrumb lines: the service type, most specific last
      • Homecare service
    Access Dignity Care Limited Also known as Access Dignity     the location (the report's title)
    Overall: Inadequate
    34 Newgate Street, Walton-on-Naze, Essex, CO14 8AL (01255) 852882     address, postcode, phone
    Provided and run by:
    Access Dignity Care Limited          the registered provider
    Report from 16 January 2024 assessment

Older report PDFs open with the registered provider, the location, "Inspection report", the
address over several lines, "Tel:", "Date of inspection visit: …" and "Date of publication: …".
Any of these lines may be missing; a breadcrumb, a rating or an address is never a name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.ingest.dates import DATE_TEXT, find_dates, whole_date
from assistant.ingest.parse.lines import Line, line_fact, title_like
from assistant.vocabulary import RATING_WORDS, is_county, kq_heading, names_a_street_or_building, rating_of
from assistant.models import Fact
from assistant.text import normalise

# A UK postcode ("CO14 8AL", "L7 8XP", "SE22 8JN"), and what may follow it on an address line.
POSTCODE = re.compile(r"\b(?P<pc>(?:[A-Z]{1,2}\d[A-Z\d]?|GIR) ?\d[A-Z]{2})\b")
_AFTER_POSTCODE = re.compile(r"^[\s,]*(?:(?:Tel(?:ephone)?|Phone)[:.]?\s*)?[\d()+\s-]{0,24}$", re.I)
_ALSO_KNOWN = re.compile(r"\s*\bAlso known as\b:?\s*", re.I)
OVERALL = re.compile(rf"^Overall(?: rating)?(?: for this (?:service|location|provider|trust|practice))?\s*:?\s*"
                      rf"(?P<v>{RATING_WORDS}|not rated|no rating)\b(?:\s*read more.*)?$", re.I)
# A badge printed after the name: a rating, or the outcome CQC shows for services it does not rate.
_TRAILING_BADGE = re.compile(rf"\s+(?:Overall:?\s*)?(?:(?P<v>{RATING_WORDS})|No action required|Action required|"
                             rf"Requirements? notice|Enforcement action|Not rated)$", re.I)
_PROVIDED = re.compile(r"^(?:Provided and run by|Registered provider)\s*:?\s*(?P<v>.*)$", re.I)
_REPORT_FROM = re.compile(rf"^Report from (?P<v>{DATE_TEXT}) assessment$", re.I)
UPDATED = re.compile(rf"^(?:Updated|Last updated|Page last updated):?\s+(?P<v>{DATE_TEXT})$", re.I)
_DATE_LABEL = re.compile(r"^Date(?:s)? of (?P<kind>inspection visit|inspection|assessment|publication)s?\s*:?\s*", re.I)
_ARCHIVED = re.compile(r"^Archived:\s*", re.I)
_KIND_PREFIX = re.compile(r"^(?P<kind>Provider|Location):\s*(?=\S)", re.I)
PROVIDER_PAGE = "SERVICE PROVIDER"  # the breadcrumb CQC gives a provider's (a trust's) own page
# Lines of page furniture the header may hold: kept out of names and sections.
_FURNITURE = re.compile(r"^(?:inspection report|all (?:inspections|reports)|(?:tel|telephone|phone|website|email)\b.*|"
                        r"www\.\S+|care quality commission|important:.*|you are here|(?:latest )?inspection summary|"
                        r"this is an organisation that runs .*)$", re.I)
# The line under a provider's own page title: the organisation is its own registered provider.
_OWN_PROVIDER = re.compile(r"^this is an organisation that runs\b", re.I)
_NOTICE = re.compile(r"^important:\s*$", re.I)  # a notice whose text is on the lines below
_DATE_KIND = {"inspection visit": "inspection", "inspection": "inspection", "assessment": "assessment",
              "publication": "published"}


@dataclass
class Header:
    """What the header block states, with the lines it took up."""

    location: str | None = None
    location_line: Line | None = None
    registered_provider: str | None = None
    aliases: list[str] = field(default_factory=list)
    address: str | None = None
    postcode: str | None = None
    breadcrumbs: list[str] = field(default_factory=list)
    report_date_text: str | None = None
    facts: list[Fact] = field(default_factory=list)
    badges: set[Fact] = field(default_factory=set)  # ratings printed after the title: values without a sentence
    warnings: list[str] = field(default_factory=list)
    end: int = 0  # index of the first line after the header
    texts: set[str] = field(default_factory=set)  # normalised header lines, to skip where a page repeats them


def read_header(lines: list[Line]) -> Header:
    """Read the header block at the top of ``lines``."""
    h = Header()
    i = 0
    crumbs: list[Line] = []
    while i < len(lines) and i < 8 and lines[i].bullet and _is_name(lines[i].text):
        crumbs.append(lines[i])
        i += 1
    cover = _cover_title(lines, i)
    if cover is not None:  # PDF cover: [registered provider], location, "Inspection report"
        if cover > i:
            _provider(h, lines[cover - 1], lines[cover - 1])
        i = _title(h, lines, cover)
    elif i < len(lines) and is_title(lines[i]):
        i = _title(h, lines, i)
    if crumbs:
        h.breadcrumbs = [ln.text for ln in crumbs]
        h.facts.insert(0, line_fact("service_type", crumbs[-1].text, crumbs[-1]))  # before a title's "Provider:"
        h.texts |= {ln.key for ln in crumbs}
    address: list[Line] = []
    while i < len(lines) and i < 40:
        step = _header_line(h, lines, i, address)
        if step == 0:
            break
        h.texts |= {x.key for x in lines[i : i + step]}
        i += step
    h.end = i
    h.texts.discard("")  # long lines have no key; they never repeat a header
    return h


def _is_name(text: str) -> bool:
    return 0 < len(text) <= 80 and any(c.isalpha() for c in text) and not rating_of(text)


def is_title(line: Line) -> bool:
    """A line that can be a location's name: not a rating, date, address, label or sentence."""
    text = line.text
    return (title_like(line, max_words=16) and not rating_of(text) and not whole_date(text)
            and not POSTCODE.search(text) and not kq_heading(text) and not _is_label(text)
            and not text.lower().startswith(("during a", "during an", "report from", "contents", "on this page",
                                             "overall rating", "overall inspection", "overall summary")))


def _is_label(text: str) -> bool:
    return bool(OVERALL.match(text) or _PROVIDED.match(text) or _REPORT_FROM.match(text) or UPDATED.match(text)
                or _DATE_LABEL.match(text) or _FURNITURE.match(text) or _ALSO_KNOWN.match(text))


def _cover_title(lines: list[Line], i: int) -> int | None:
    """Index of the location line on a report PDF's cover (the line before "Inspection report")."""
    for j in range(i + 1, min(i + 4, len(lines))):
        if normalise(lines[j].text) == "inspection report":
            return j - 1 if is_title(lines[j - 1]) else None
    return None


def _title(h: Header, lines: list[Line], i: int) -> int:
    """Read the title line at ``i`` (with any "Also known as" on it or on the next line)."""
    line = lines[i]
    name = _ARCHIVED.sub("", line.text)
    if name != line.text:
        h.warnings.append("an archived location page: the location is no longer registered")
    parts = _ALSO_KNOWN.split(name, maxsplit=1)  # "Access Dignity Care Limited Also known as Access Dignity"
    name, alias = parts[0].strip(), parts[1] if len(parts) > 1 else ""
    trailing = _TRAILING_BADGE.search(name)
    if trailing and trailing.start() > 0:  # "Epsom General Hospital Requires improvement": a badge, not the name
        if trailing["v"]:
            h.facts.append(badge := line_fact("rating:overall", rating_of(trailing["v"]), line))
            h.badges.add(badge)
        name = name[: trailing.start()].strip()
    if kind := _KIND_PREFIX.match(name):  # an older page template: "Provider: <trust> Requires improvement"
        name = name[kind.end() :].strip()
        if kind["kind"].lower() == "provider":  # a provider's own page, as the breadcrumb of newer ones says
            h.facts.append(line_fact("service_type", PROVIDER_PAGE, line))
    h.location, h.location_line = name, line
    h.facts.append(line_fact("location", name, line))
    h.texts.add(line.key)
    if alias.strip():
        _alias(h, alias, line)
    return i + 1


def _alias(h: Header, alias: str, line: Line) -> None:
    for name in re.split(r"\s*;\s*|\s+or\s+", alias.strip().rstrip(".")):
        if name and name not in h.aliases:
            h.aliases.append(name)
            h.facts.append(line_fact("alias", name, line))


def _provider(h: Header, first: Line, value_line: Line, value: str | None = None) -> None:
    name = (value or value_line.text).strip()
    if _is_name(name) and not POSTCODE.search(name):
        h.registered_provider = name
        h.facts.append(line_fact("provider", name, first, value_line))
        h.texts |= {first.key, value_line.key}


def _header_line(h: Header, lines: list[Line], i: int, address: list[Line]) -> int:
    """Read one header line at ``i``; returns how many lines it took (0: the header has ended)."""
    line, text = lines[i], lines[i].text
    if m := _ALSO_KNOWN.match(text):
        _alias(h, text[m.end() :], line)
        return 1
    if m := OVERALL.match(text):
        if not any(f.name == "rating:overall" for f in h.facts):
            h.facts.append(line_fact("rating:overall", rating_of(m["v"]), line))
        return 1
    if m := _PROVIDED.match(text):
        if m["v"]:
            _provider(h, line, line, m["v"])
            return 1
        if i + 1 < len(lines):
            _provider(h, line, lines[i + 1])
            return 2
        return 1
    if m := _REPORT_FROM.match(text):
        found = find_dates(line.raw)
        if found:
            h.report_date_text = m["v"]
            h.facts.append(line_fact("date:report", str(found[0].range), line))
        return 1
    if m := UPDATED.match(text):
        if found := find_dates(line.raw):
            h.facts.append(line_fact("date:updated", str(found[0].range), line))
        return 1
    if (m := _DATE_LABEL.match(text)) and len(text) <= 80:  # a label line, not a paragraph opening with one
        if found := find_dates(line.raw):
            kind = _DATE_KIND[m["kind"].lower()]
            first, last = found[0].range, found[-1].range
            value = f"{first.start}/{last.end}" if first.start != last.end else first.start
            h.facts.append(line_fact(f"date:{kind}", value, line))
        return 1
    if _OWN_PROVIDER.match(text) and h.location_line is not None and h.registered_provider is None:
        _provider(h, h.location_line, line, h.location)
        return 1
    if _FURNITURE.match(text):
        # "Important:" alone on its line: the notice is the paragraph under it, still the header's.
        return 2 if _NOTICE.match(text) and i + 1 < len(lines) and not _is_label(lines[i + 1].text) else 1
    if h.address is None and (m := POSTCODE.search(text)) and _AFTER_POSTCODE.match(text[m.end() :]):
        address.append(line)
        parts = [ln.text for ln in address]
        h.address = ", ".join(p.strip(" ,") for p in parts[:-1] + [parts[-1][: m.end()]])
        h.postcode = m["pc"]
        h.facts.append(line_fact("address", h.address, address[0], line))
        h.facts.append(line_fact("postcode", h.postcode, line))
        h.facts += [line_fact("town", town, address[0], line) for town in towns(h.address)]
        return 1
    if h.address is None and _address_part(lines, i) and len(address) < 6:
        address.append(line)  # a PDF cover's address, one part per line, until the postcode line
        return 1
    return 0


def _address_part(lines: list[Line], i: int) -> bool:
    """A short line on the way to a postcode line within the next few lines."""
    if not title_like(lines[i], max_words=8) and not lines[i].text.endswith(","):
        return False
    for ln in lines[i + 1 : i + 6]:
        if POSTCODE.search(ln.text):
            return True
        if not (title_like(ln, max_words=8) or ln.text.endswith(",")):
            return False
    return False


def towns(address: str) -> list[str]:
    """The place names of an address line, locality first and post town last: the parts after its street
    (or building, or house number), without the county and postcode. "123 Station Road, Countesthorpe,
    Leicester, Leicestershire, LE8 5TD" -> ["Countesthorpe", "Leicester"]. Without a part naming a street,
    every part is a place ("Woodbeck, Retford, Nottinghamshire, DN22 0PD" -> ["Woodbeck", "Retford"])."""
    parts = [p.strip() for p in POSTCODE.sub("", address).split(",")]
    parts = [p for p in parts if p and any(c.isalpha() for c in p)]
    while parts and is_county(parts[-1]):
        parts.pop()
    if not parts:
        return []
    street = max((i for i, p in enumerate(parts) if names_a_street_or_building(p) or any(c.isdigit() for c in p)),
                 default=None)
    if street is None:
        street = -1  # no street: every part is a place ("Woodbeck, Retford")
    return [p for p in parts[street + 1 :] if not any(c.isdigit() for c in p)]
