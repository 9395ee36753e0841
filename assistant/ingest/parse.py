"""Split a corpus document into Reports: sections with offsets, plus the facts it states.

Three layouts are recognised, each by its own small function:

* ``assessment`` - CQC 2024-25 single-key-question pages ("Report from 25 April 2024
  assessment", a contents list, the key question, then one heading per quality statement);
* ``inspection`` - CQC 2023 inspection summaries ("This service is rated as Good overall.",
  "Are services safe? - Good", colon-introduced bullet lists, a sign-off);
* ``case-study`` - an NHS document of "Case study n: <organisation>" parts, one Report each.

Anything else is still ingested, as paragraphs under its title, with a warning.
Every offset is into the whole document text, which every Report of it carries.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from assistant.config import IngestSettings
from assistant.models import Fact, Report, Section
from assistant.ingest.readers import read_document
from assistant.text import line_spans, normalise, sentence_spans


class Line(NamedTuple):
    start: int
    end: int
    text: str
    blank_before: bool  # a blank line (or the document start) precedes it


def _lines(text: str) -> list[Line]:
    out, prev_end = [], 0
    for s, e in line_spans(text):
        out.append(Line(s, e, text[s:e], not out or text.count("\n", prev_end, s) > 1))
        prev_end = e
    return out


# --- shared patterns -------------------------------------------------------------

_RATING_WORDS = r"(?:outstanding|good|requires improvement|inadequate)"
_CANONICAL = {"outstanding": "Outstanding", "good": "Good", "requires improvement": "Requires improvement",
              "inadequate": "Inadequate"}
_KEY_QUESTIONS = {"safe": "Safe", "effective": "Effective", "caring": "Caring", "responsive": "Responsive",
                  "well-led": "Well-led", "well led": "Well-led"}

# CQC states ratings in prose, in many wordings: "we rated X as good", "rated as outstanding",
# "the rating has changed to requires improvement", "which was requires improvement",
# "has improved and is now good", "remains good". A cue word must sit right before the rating,
# so "good governance" elsewhere in the sentence is not taken for a rating.
_RATING_CUE = re.compile(
    rf"\b(?:rated(?:[^.;]{{0,80}}?\bas)?|changed to|improved to|deteriorated to|dropped to|gone (?:up|down) to|"
    rf"(?:is|was|remains|remained|stayed)(?: now| still| as)?)\s+(?P<r>{_RATING_WORDS})\b",
    re.I,
)
# "...changed from good to requires improvement": both ratings in one phrase.
_RATING_FROM_TO = re.compile(rf"\bfrom (?P<prev>{_RATING_WORDS}) to (?P<r>{_RATING_WORDS})\b", re.I)
# Words that make a rating the previous one: "At our last inspection...", "previously been rated".
_PREVIOUS = re.compile(r"\b(?:last|previous(?:ly)?|prior|before)\b", re.I)
_MENTIONS_RATING = re.compile(r"\brat(?:ed|ing)\b", re.I)

_SCORE = re.compile(r"\bscored (?P<v>\d{1,3})\s*\(?out of 100\b", re.I)
# A date as CQC writes it, possibly a range: "25 April 2024", "20 and 21 November 2023",
# "30 November and 1 December 2023". The ISO date is the last day.
_DATE_TEXT = r"\d{1,2}(?: [A-Z][a-z]+)?(?:,? (?:and|to|-|–) \d{1,2}(?: [A-Z][a-z]+)?)* [A-Z][a-z]+ \d{4}"
_LAST_DAY = re.compile(r"(\d{1,2}) ([A-Z][a-z]+) (\d{4})$")
_BREACH = re.compile(r"\bbreach(?:es)? of (?:[\w-]+ ){0,3}regulations?\b[^.;]*", re.I)

# Service types named in prose, most specific first.
_SERVICE_CUES = (
    (re.compile(r"\bIUC\b|\b111 service|\bNHS 111\b|integrated urgent care", re.I),
     "Integrated urgent care (NHS 111) service"),
    (re.compile(r"\bout[- ]of[- ]hours\b", re.I), "Out of hours GP service"),
    (re.compile(r"\burgent treatment centre\b", re.I), "Urgent treatment centre"),
    (re.compile(r"\bambulance service\b", re.I), "Ambulance service"),
    (re.compile(r"\b(?:GP|medical) practice\b|\bsurgery\b|\bhealth centre\b", re.I), "GP practice"),
    (re.compile(r"\bcare home\b", re.I), "Care home"),
    (re.compile(r"\bhospital\b", re.I), "NHS hospital"),
)


def _rating_from(text: str) -> str | None:
    """A rating in CQC's own casing ("Requires improvement"), or None."""
    return _CANONICAL.get(normalise(text))


def _iso_date(date_text: str) -> str | None:
    """ISO date of the last day of "20 and 21 November 2023" (month in full or short)."""
    m = _LAST_DAY.search(date_text)
    for fmt in ("%d %B %Y", "%d %b %Y"):
        try:
            return datetime.strptime(" ".join(m.groups()), fmt).date().isoformat()
        except (ValueError, AttributeError):
            continue
    return None


def _find_facts(text: str, start: int, end: int, name: str, pattern: re.Pattern, first: bool = True) -> list[Fact]:
    """A Fact for each sentence of text[start:end] that ``pattern`` matches (only the first
    if ``first``); the value is the group "v" if the pattern has one, else the match."""
    facts = []
    for s, e in sentence_spans(text, start, end):
        m = pattern.search(text, s, e)
        if m:
            value = m.group("v") if "v" in pattern.groupindex else m.group(0)
            facts.append(Fact(name, value.strip(), s, e))
            if first:
                break
    return facts


def _line_fact(name: str, value: str, line: Line) -> Fact:
    return Fact(name, value, line.start, line.end)


def _rating_facts(text: str, start: int, end: int) -> list[Fact]:
    """The first current ("rating") and first previous ("previous_rating") rating stated."""
    found: dict[str, Fact] = {}
    for s, e in sentence_spans(text, start, end):
        sentence = text[s:e]
        if not _MENTIONS_RATING.search(sentence) and not _RATING_FROM_TO.search(sentence):
            continue
        for m in _RATING_FROM_TO.finditer(sentence):
            found.setdefault("previous_rating", Fact("previous_rating", _rating_from(m["prev"]), s, e))
            found.setdefault("rating", Fact("rating", _rating_from(m["r"]), s, e))
        for m in _RATING_CUE.finditer(sentence):
            name = "previous_rating" if _PREVIOUS.search(sentence, 0, m.start()) else "rating"
            found.setdefault(name, Fact(name, _rating_from(m["r"]), s, e))
    return [found[k] for k in ("rating", "previous_rating") if k in found]


def _service_fact(text: str, start: int, end: int) -> Fact | None:
    for pattern, service in _SERVICE_CUES:
        facts = _find_facts(text, start, end, "service_type", pattern)
        if facts:
            return replace(facts[0], value=service)
    return None


def _section(path: tuple[str, ...], body: list[Line]) -> Section:
    return Section(path, body[0].start, body[-1].end)


def _values(facts: list[Fact], name: str) -> str | None:
    return next((f.value for f in facts if f.name == name), None)


def _stem(source: str) -> str:
    return PurePosixPath(source).with_suffix("").as_posix()


# --- assessment layout (CQC 2024-25) ----------------------------------------------

# "Report from 25 April 2024 assessment": the line that identifies this layout.
_REPORT_FROM = re.compile(rf"^Report from (?P<v>{_DATE_TEXT}) assessment$")
_CONTENTS = {"contents", "on this page"}


def _parse_assessment(text: str, source: str) -> list[Report] | None:
    lines = _lines(text)
    at = next((i for i, ln in enumerate(lines[:8]) if _REPORT_FROM.match(ln.text)), None)
    if at is None or at == 0:
        return None
    date_line, provider_line = lines[at], lines[at - 1]
    provider = provider_line.text
    facts = [_line_fact("provider", provider, provider_line)]
    service_line = lines[at - 2] if at >= 2 and lines[at - 2].text.startswith("- ") else None
    if service_line:
        facts.append(_line_fact("service_type", service_line.text[2:].strip(), service_line))
    date_text = _REPORT_FROM.match(date_line.text)["v"]
    facts.append(_line_fact("date", _iso_date(date_text), date_line))

    # The contents list: "Contents", "On this page", then "- Overview", "- Freedom to speak up", ...
    i, headings = at + 1, {}
    while i < len(lines) and (lines[i].text.lower() in _CONTENTS or lines[i].text.startswith("- ")):
        if lines[i].text.startswith("- "):
            name = lines[i].text[2:].strip()
            headings[normalise(name)] = name
        i += 1

    # Then the key question line ("Well-led"); its text up to the first heading is the Overview.
    key_question, groups = None, []
    for ln in lines[i:]:
        kq = _KEY_QUESTIONS.get(normalise(ln.text))
        if kq:
            key_question = key_question or kq
            groups.append(((kq, "Overview"), []))
        elif normalise(ln.text) in headings:
            groups.append(((groups[-1][0][0] if groups else "Assessment", headings[normalise(ln.text)]), []))
        else:
            if not groups:
                groups.append((("Assessment", "Overview"), []))
            groups[-1][1].append(ln)
    sections = tuple(_section(path, body) for path, body in groups if body)

    body_start = sections[0].start if sections else len(text)
    facts += _find_facts(text, body_start, len(text), "score", _SCORE)
    facts += _rating_facts(text, body_start, len(text))
    facts += _find_facts(text, body_start, len(text), "breach", _BREACH, first=False)
    score = _values(facts, "score")
    return [Report(
        report_id=_stem(source), source=source, title=f"{provider}: {date_line.text}", provider=provider,
        layout="assessment", text=text, sections=sections, service_type=_values(facts, "service_type"),
        date=_values(facts, "date"), date_text=date_text, key_question=key_question,
        score=int(score) if score else None, rating=_values(facts, "rating"),
        previous_rating=_values(facts, "previous_rating"), facts=tuple(facts),
    )]


# --- inspection layout (CQC 2023) ---------------------------------------------------

# "This service is rated as Good overall." (also "The practice is rated ...").
_OVERALL = re.compile(rf"\bis rated as (?P<v>{_RATING_WORDS}) overall\b", re.I)
# "Are services safe? – Good": one line per key question, any dash (or a colon) before the rating.
_KQ_RATING = re.compile(rf"^Are services (?P<kq>safe|effective|caring|responsive|well[- ]led)\?\s*[–—:-]?\s*"
                        rf"(?P<v>{_RATING_WORDS})\s*$", re.I)
_RATINGS_INTRO = re.compile(r"^The key questions are rated as:?$", re.I)
# "We carried out an announced comprehensive inspection of <provider> on 20 and 21 November 2023."
_INSPECTED = re.compile(rf"\binspection (?:of|at) (?P<v>[A-Z].*?) (?:on|between) (?:{_DATE_TEXT})")
_LEADING_DATE = re.compile(rf"^(?:Inspection date:? )?(?P<v>{_DATE_TEXT})$")
# Lines ending in ":" that introduce a bullet list, and the section each becomes.
_LIST_NAMES = ((re.compile(r"key findings", re.I), "Key findings"),
               (re.compile(r"outstanding practice", re.I), "Outstanding practice"),
               (re.compile(r"improve|should|must", re.I), "Areas for improvement"))
_SIGN_OFF = re.compile(r"\bChief Inspector\b|\bInspector of\b", re.I)


def _parse_inspection(text: str, source: str) -> list[Report] | None:
    lines = _lines(text)
    first = next((i for i, ln in enumerate(lines[:15]) if _OVERALL.search(ln.text) or _KQ_RATING.match(ln.text)), None)
    if first is None:
        return None
    facts = []
    date_line = next((ln for ln in lines[:first] if _LEADING_DATE.match(ln.text)), None)
    provider_fact = next(iter(_find_facts(text, 0, len(text), "provider", _INSPECTED)), None)
    provider = provider_fact.value if provider_fact else _prettify(source)
    facts += [provider_fact] if provider_fact else []

    groups: list[tuple[str, list[Line]]] = []
    for n in range(first, len(lines)):
        ln, current = lines[n], groups[-1][0] if groups else None
        name = _inspection_section(lines, n, current)
        if name != current or _starts_list(lines, n):
            groups.append((name, []))
        groups[-1][1].append(ln)
        if m := _KQ_RATING.match(ln.text):
            kq = _KEY_QUESTIONS[m["kq"].lower().replace(" ", "-")].lower()
            facts.append(_line_fact(f"rating:{kq}", _rating_from(m["v"]), ln))
    sections = tuple(_section(("Inspection summary", name), body) for name, body in groups)

    overall = _find_facts(text, 0, len(text), "rating:overall", _OVERALL)
    facts += [replace(f, value=_rating_from(f.value)) for f in overall]
    facts += [f for f in _rating_facts(text, 0, len(text)) if f.name == "previous_rating" or not overall]
    facts += [replace(f, name="rating") for f in facts if f.name == "rating:overall"]
    date_text = date_line and _LEADING_DATE.match(date_line.text)["v"]
    if date_line:
        facts.append(_line_fact("date", _iso_date(date_text), date_line))
    service = _service_fact(text, 0, len(text))
    facts += [service] if service else []
    facts += _find_facts(text, 0, len(text), "breach", _BREACH, first=False)
    ratings = tuple((f.name.split(":", 1)[1], f.value) for f in facts if f.name.startswith("rating:"))
    ratings = tuple(sorted(ratings, key=lambda r: r[0] != "overall"))
    return [Report(
        report_id=_stem(source), source=source, provider=provider, layout="inspection", text=text,
        title=f"{provider}: Inspection on {date_text}" if date_text else f"{provider}: Inspection",
        sections=sections, service_type=service.value if service else None, date=_values(facts, "date"),
        date_text=date_text, rating=_values(facts, "rating"), previous_rating=_values(facts, "previous_rating"),
        ratings=ratings, facts=tuple(facts),
    )]


def _starts_list(lines: list[Line], n: int) -> bool:
    """'Our key findings were:' followed by a bullet."""
    return lines[n].text.endswith(":") and n + 1 < len(lines) and lines[n + 1].text.startswith("- ")


def _inspection_section(lines: list[Line], n: int, current: str | None) -> str:
    """The section line n belongs to: the rating lines, then the Overview prose, then one
    section per colon-introduced bullet list, then a sign-off (or other trailing prose)."""
    text = lines[n].text
    if (current in (None, "Ratings")) and (_OVERALL.search(text) or _KQ_RATING.match(text)
                                           or _RATINGS_INTRO.match(text)):
        return "Ratings"
    if _starts_list(lines, n):
        return next((name for pattern, name in _LIST_NAMES if pattern.search(text)), text.rstrip(":"))
    if current in (None, "Ratings"):
        return "Overview"
    if current in ("Overview", "Sign-off", "Details") or text.startswith("- "):
        return current
    return "Sign-off" if any(_SIGN_OFF.search(ln.text) for ln in lines[n:]) else "Details"


# --- NHS case-study layout -----------------------------------------------------------

# "Case study 2: West Yorkshire Association of Acute Trusts (WYAAT)": one Report per case study.
_CASE_STUDY = re.compile(r"^Case study (?P<n>\d+):\s*(?P<name>.+)$", re.I)
# "West Yorkshire Association of Acute Trusts (WYAAT)": an acronym in brackets is an alias.
_ACRONYM = re.compile(r"^(?P<name>.+?)\s*\((?P<alias>[A-Z][A-Za-z&]+)\)$")
# Bullet labels such as "- **Population:** circa 1.1 million." (markdown bold around the label).
_POPULATION = re.compile(r"Population:?\**:?\s*(?P<v>.+?)\.?$")
_ESTABLISHED = re.compile(r"Established:?\**:?\s*(?P<v>.+?)\.?$")
# Contact lines end a case study: "For more details about WYAAT, go to ...", "Email ...".
_CONTACT = re.compile(r"^(?:For more details|Email\b|Contact\b)", re.I)
_ORG_KINDS = {"provider collaborative": "Provider collaborative", "integrated care system": "Integrated care system",
              "integrated care board": "Integrated care board"}


def _is_heading(lines: list[Line], i: int) -> bool:
    """A short stand-alone line between blank lines that reads like a title."""
    ln = lines[i]
    followed_by_blank = i + 1 == len(lines) or lines[i + 1].blank_before
    return (ln.blank_before and followed_by_blank and len(ln.text) <= 90 and len(ln.text.split()) <= 12
            and ln.text[0].isupper() and not ln.text.startswith(("- ", "* ", "•")) and "\t" not in ln.text
            and ln.text[-1] not in ".:;,!?" and not _CONTACT.match(ln.text))


def _parse_case_studies(text: str, source: str) -> list[Report] | None:
    lines = _lines(text)
    starts = [i for i, ln in enumerate(lines) if _CASE_STUDY.match(ln.text)]
    if not starts:
        return None
    doc_title = lines[0].text if starts[0] > 0 else "Case studies"
    reports = []
    for n, (a, b) in enumerate(zip(starts, starts[1:] + [len(lines)]), 1):
        head = _CASE_STUDY.match(lines[a].text)
        full = head["name"].strip()
        m = _ACRONYM.match(full)
        provider, aliases = (m["name"], [m["alias"]]) if m else (full, [])
        short = re.sub(r"\s+(?:ICS|ICB|STP)$", "", provider)
        for alt in (short, f"{provider} ICS"):
            if alt != provider and re.search(rf"\b{re.escape(alt)}\b", text[lines[a].end : lines[b - 1].end]):
                aliases.append(alt)
        # Text before the first case study (other than the title block) belongs to case study 1.
        part = [ln for k, ln in enumerate(lines[:a]) if n == 1 and k > 0 and not _is_heading(lines[:a], k)]
        groups: list[tuple[str, list[Line]]] = [("Introduction", part)]
        for k in range(a + 1, b):
            ln = lines[k]
            if _CONTACT.match(ln.text) and groups[-1][0] != "Contact":
                groups.append(("Contact", []))
            elif groups[-1][0] != "Contact" and _is_heading(lines, k):
                groups.append((ln.text, []))
                continue
            groups[-1][1].append(ln)
        sections = tuple(_section((provider, name), body) for name, body in groups if body)

        start, end = lines[a].start, lines[b - 1].end
        facts = [_line_fact("provider", provider, lines[a])]
        facts += _find_facts(text, start, end, "population", _POPULATION)
        facts += _find_facts(text, start, end, "established", _ESTABLISHED)
        service = _case_service(text, start, end, [provider, *aliases])
        facts += [service] if service else []
        reports.append(Report(
            report_id=f"{_stem(source)}#{n}", source=source, title=f"{doc_title}: {lines[a].text}",
            provider=provider, layout="case-study", text=text, sections=sections, aliases=tuple(aliases),
            service_type=service.value if service else None, facts=tuple(facts),
        ))
    return reports


def _case_service(text: str, start: int, end: int, names: list[str]) -> Fact | None:
    """What kind of organisation a case study is about: "X is a Provider Collaborative", or an
    ICS when written as "<name> ICS" or listed as "ICS: <name>"."""
    named = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    kinds = "|".join(_ORG_KINDS)
    is_a = re.compile(rf"\b(?:{named}) (?:is|are) an? (?P<v>{kinds})\b", re.I)
    ics = re.compile(rf"\b(?:{named}) ICS\b|\bICS:\**:?\s*(?:{named})\s*$")
    for pattern, fixed in ((is_a, None), (ics, "Integrated care system")):
        facts = _find_facts(text, start, end, "service_type", pattern)
        if facts:
            return replace(facts[0], value=fixed or _ORG_KINDS[facts[0].value.lower()])
    return None


# --- fallback ---------------------------------------------------------------------------

UNKNOWN_LAYOUT_WARNING = "unrecognised layout: ingested as paragraphs under its title"


def _prettify(source: str) -> str:
    """"some-provider-2024-01-02.txt" -> "Some provider"."""
    stem = re.sub(r"[-_ ]*\d{4}-\d{2}-\d{2}$", "", PurePosixPath(source).stem)
    words = re.sub(r"[-_]+", " ", stem).strip()
    return words[:1].upper() + words[1:] if words else source


def _parse_unknown(text: str, source: str) -> Report:
    """One Report: the first line is the title (if short), each paragraph a section under it."""
    lines = _lines(text)
    title_line = lines[0] if lines and len(lines[0].text) <= 100 else None
    title = title_line.text if title_line else _prettify(source)
    body = lines[1:] if title_line else lines
    paragraphs: list[list[Line]] = []
    for ln in body:
        if ln.blank_before or not paragraphs:
            paragraphs.append([])
        paragraphs[-1].append(ln)
    if len(paragraphs) == 1:  # no blank lines at all: one section per line
        paragraphs = [[ln] for ln in paragraphs[0]]
    facts = [_line_fact("provider", title, title_line)] if title_line else []
    return Report(
        report_id=_stem(source), source=source, title=title, provider=title, layout="unknown", text=text,
        sections=tuple(_section((title,), p) for p in paragraphs), facts=tuple(facts),
        warnings=(UNKNOWN_LAYOUT_WARNING,),
    )


# --- entry points -------------------------------------------------------------------------

_LAYOUTS = (_parse_assessment, _parse_inspection, _parse_case_studies)


def parse_document(text: str, source: str) -> list[Report]:
    """Parse a document's text into its Reports (one, or one per case study).

    ``source`` is the file's path relative to the corpus folder; report ids derive from it.
    """
    for parse_layout in _LAYOUTS:
        reports = parse_layout(text, source)
        if reports:
            return reports
    return [_parse_unknown(text, source)]


def parse_file(path: Path, corpus_dir: Path, settings: IngestSettings = IngestSettings()) -> list[Report]:
    """Read and parse one corpus file; reader notes become each Report's warnings.

    Raises readers.UnreadableDocument (or UnsupportedFormat) for a file it cannot read.
    """
    path, corpus_dir = Path(path), Path(corpus_dir)
    try:  # the path's own name inside the corpus, not a link target's
        source = path.absolute().relative_to(corpus_dir.absolute()).as_posix()
    except ValueError:
        try:
            source = path.resolve().relative_to(corpus_dir.resolve()).as_posix()
        except ValueError:
            source = path.name
    document = read_document(path, settings.max_bytes)
    return [replace(r, warnings=r.warnings + document.notes) for r in parse_document(document.text, source)]
