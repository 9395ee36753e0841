"""The older inspection layout (CQC reports before the 2024 assessment framework).

On a location's web page::

    17 May 2023                                   the inspection date …
    During a routine inspection                   … and what kind of visit it was
    This service is rated as Good overall.        (or "Overall, the practice is rated as …")
    Are services safe? – Good                     one line per key question; also "Safe - Good."
    We carried out an announced comprehensive inspection of <location> on <date>.
    Our key findings were:                        colon-introduced bullet lists
    - …
    Dr … / Chief Inspector of …                   a sign-off

In a report PDF: "Overall rating for this service Good", "Is the service safe? Good", "Summary of
findings", "People's experience of using this service and what we found", "Background to this
inspection", then a part per key question ("Is the service safe?", "Our findings", …).
"""

from __future__ import annotations

import re

from assistant.ingest.dates import DATE_TEXT, whole_date
from assistant.ingest.parse import earlier, prose, services
from assistant.ingest.parse.build import Facts, LayoutReading
from assistant.ingest.parse.header import OVERALL as _OVERALL, UPDATED, Header
from assistant.ingest.parse.lines import Line, line_fact, section, title_like
from assistant.vocabulary import KQ_NAMES, RATING_WORDS, kq_heading, kq_id, rating_of
from assistant.text import normalise

SUMMARY = "Inspection summary"
KQ_RATING = earlier.KQ_RATING
_OVERALL_SENTENCE = re.compile(rf"\bis rated as {RATING_WORDS} overall\b|^Overall,? the \w+ (?:is|was) rated", re.I)
_RATINGS_INTRO = re.compile(r"^(?:The key questions are rated as:?|Ratings|Our ratings for this (?:service|location))$",
                            re.I)
_DURING = earlier.DURING
# A heading over the overall rating's line: "Overall inspection / Good", "Overall summary & rating / Good".
_OVERALL_LABEL = re.compile(r"^Overall(?: inspection| summary(?: (?:&|and) ratings?)?| rating"
                            r"(?: for this (?:service|location|provider|trust|practice))?)?:?$", re.I)
# The line dating a summary: "17 May 2023", "Inspection carried out on 5 October 2016".
_DATE_LINE = re.compile(rf"^(?:(?:inspection|assessment)(?: carried out)? on |inspection date:? )?(?P<v>{DATE_TEXT})$", re.I)
NAV = frozenset({"contents", "on this page"})
# Lines ending in ":" that introduce a bullet list, and the section each list becomes.
_LIST_NAMES = ((re.compile(r"key findings", re.I), "Key findings"),
               (re.compile(r"outstanding practice", re.I), "Outstanding practice"),
               (re.compile(r"\b(?:should|must)\b|\bareas? (?:for|where|of)\b.*\bimprov", re.I), "Areas for improvement"))
_SIGN_OFF = earlier.SIGN_OFF
# Phrases only the older layout uses.
_MARKERS = re.compile(r"^(?:Our (?:key )?findings were|People['’]?s experience of using this service|Background to this "
                      r"inspection|The five questions we ask|Summary of findings|Why we inspected|Rating at last inspection|"
                      r"Inspection report$|(?:Latest )?inspection summary$|Overall inspection$|Overall summary(?: (?:&|and) ratings?)?$|We carried out (?:an?|this|the) [\w\s-]{0,40}?inspection\b|"
                      r"This inspection (?:took place|was carried out)\b)", re.I)


def looks_like(lines: list[Line], header: Header) -> bool:
    """Whether the page is an inspection report or summary."""
    if any(f.name == "date:inspection" for f in header.facts):
        return True
    for i, ln in enumerate(lines[:400]):
        text = ln.text
        if KQ_RATING.match(text) or _OVERALL_SENTENCE.search(text) or _MARKERS.match(text):
            return True
        if _DATE_LINE.match(text) and i + 1 < len(lines) and _DURING.match(lines[i + 1].text):
            return True
        if _OVERALL.match(text) and i >= header.end:
            return True
    return False


def read(text: str, lines: list[Line], header: Header, facts: Facts) -> LayoutReading:
    """Sections and facts of an inspection page whose header ends at ``header.end``."""
    skip = set()  # the lines that date the summary: not section text
    if listed := [e for e in earlier.entries(lines, header.end) if e.report]:  # the latest report: "17 May 2023 / During a …"
        first = listed[0]
        if first.date is not None:
            facts.add(line_fact("date:inspection", str(first.date.range), lines[first.dated]))
        after = first.dated + 1  # the "During a …" line under the date, unless both share one line (or none follows)
        skip |= {first.dated} | ({after} if after < len(lines) and earlier.DURING.match(lines[after].text) else set())
    overall = "rating:location" if facts.get("service") else "rating:overall"  # a service's page: the location's
    groups: list[tuple[tuple[str, ...], list[Line]]] = []
    other_services: set[tuple[str, ...]] = set()  # parts rating one of the location's other services
    kqs: list[str] = []
    in_nav = False
    for n in range(header.end, len(lines)):
        ln = lines[n]
        if n in skip or ln.key in header.texts:
            continue  # the dating lines, or the page header repeated
        if ln.key in NAV or (in_nav and ln.bullet):
            in_nav = True
            continue
        in_nav = False
        current = groups[-1][0] if groups else None
        path, heading = _path(lines, n, current)
        if path != current:
            groups.append((path, []))
        if not heading:  # a heading names its section; it is not part of the section's text
            groups[-1][1].append(ln)
        elif _rated_service(lines, n, facts.value("service")):
            other_services.add(path)
            # "Medical care (including older people's care)" / "Good": that service's overall rating.
            facts.add(line_fact(f"service_rating:{services.canonical(ln.text)}:overall", rating_of(lines[n + 1].text),
                                ln, lines[n + 1]))
        if m := KQ_RATING.match(ln.text):
            kq = kq_id(m["kq"] or m["kq2"])
            facts.add(line_fact(f"rating:{kq}", rating_of(m["r"]), ln))
        elif (m := _OVERALL.match(ln.text)) and rating_of(m["v"]):
            facts.add(line_fact("rating:overall", rating_of(m["v"]), ln))
        elif _OVERALL_LABEL.match(ln.text) and n + 1 < len(lines) and (rating := rating_of(lines[n + 1].text)):
            facts.add(line_fact(overall, rating, ln, lines[n + 1]))  # "Overall inspection / Good"
        elif (kq := kq_heading(ln.text)) and not ln.bullet and n + 1 < len(lines) and (rating := rating_of(lines[n + 1].text)):
            facts.add(line_fact(f"rating:{kq}", rating, ln, lines[n + 1]))  # a summary page's "Safe" / "Good"
        if (kq := kq_heading(ln.text)) and kq not in kqs:
            kqs.append(kq)
    sections = []
    for path, body in (g for g in groups if g[1]):
        sections.append(section(path, body))
        if path not in other_services:
            _prose_facts(text, path, body, facts)
    return LayoutReading("inspection", header, facts, sections, kqs)


def _rated_service(lines: list[Line], n: int, service: str | None) -> bool:
    """A heading with a rating line under it that names neither the report's overall rating, nor a key
    question, nor the report's own service: one of the location's services ("Medical care / Good"),
    whose part states that service's ratings, not the location's."""
    text = lines[n].text
    return (n + 1 < len(lines) and rating_of(lines[n + 1].text) is not None and not _OVERALL_LABEL.match(text)
            and kq_heading(text) is None and not (service and normalise(service) in normalise(text)))


def _path(lines: list[Line], n: int, current: tuple[str, ...] | None) -> tuple[tuple[str, ...], bool]:
    """The section line ``n`` belongs to, and whether the line is that section's heading: the rating
    lines, then the Overview prose, then a section per heading or per colon-introduced list, a part
    per key question, and a sign-off."""
    ln, text = lines[n], lines[n].text
    name = current[-1] if current else None
    if KQ_RATING.match(text) or _OVERALL.match(text):
        return (SUMMARY, "Ratings"), False
    if name in (None, "Ratings") and (_RATINGS_INTRO.match(text) or _OVERALL_SENTENCE.search(text)):
        return (SUMMARY, "Ratings"), False
    if (kq := kq_heading(text)) and not ln.bullet:
        return (KQ_NAMES[kq], "Our findings"), True
    if name == "Sign-off" or _is_sign_off(lines, n):
        return (SUMMARY, "Sign-off"), False
    if _starts_list(lines, n):
        listed = next((nm for pattern, nm in _LIST_NAMES if pattern.search(text)), None)
        if listed:
            return (SUMMARY, listed), False
    if _is_heading(lines, n):
        return (current[0] if current and current[0] != SUMMARY else SUMMARY, text), True
    if current is None or name == "Ratings":
        return (SUMMARY, "Overview"), False
    if name in ("Key findings", "Outstanding practice", "Areas for improvement") and not ln.bullet:
        return (SUMMARY, "Details"), False  # prose after a finished list
    return current, False


def _starts_list(lines: list[Line], n: int) -> bool:
    """'Our key findings were:' followed by a bullet."""
    return lines[n].text.endswith(":") and n + 1 < len(lines) and lines[n + 1].bullet


def _is_sign_off(lines: list[Line], n: int) -> bool:
    """The inspector's name and title that close a summary ("Chief Inspector of Health Care")."""
    for ln in lines[n : n + 3]:
        if not title_like(ln, max_words=14):
            return False
        if _SIGN_OFF.search(ln.text):
            return True
    return False


def _is_heading(lines: list[Line], n: int) -> bool:
    """A short stand-alone heading ("Why we carried out this inspection") with text after it."""
    ln = lines[n]
    return (title_like(ln, max_words=10) and not ln.text.endswith(":") and n + 1 < len(lines)
            and not rating_of(ln.text) and not whole_date(ln.text) and not UPDATED.match(ln.text))


def _prose_facts(text: str, path: tuple[str, ...], body: list[Line], facts: Facts) -> None:
    """Ratings stated in prose: a key question's in its part, the overall one elsewhere."""
    kq = next((k for k, name in KQ_NAMES.items() if name == path[0]), None)
    # An inspection of one service ("During an inspection of <service>"): its whole text is the service's.
    for fact in prose.part_facts(text, body[0].start, body[-1].end, kq, facts, facts.get("service") is not None):
        facts.add(fact)
