"""The NHS case-study layout: "Case study n: <organisation>" parts, one Report each."""

from __future__ import annotations

import re
from dataclasses import replace

from assistant.ingest.parse.build import stem
from assistant.ingest.parse.lines import Line, line_fact, section
from assistant.models import Fact, Report
from assistant.text import sentence_spans

# "Case study 2: West Yorkshire Association of Acute Trusts (WYAAT)": one Report per case study.
_CASE_STUDY = re.compile(r"^Case study (?P<n>\d+):\s*(?P<name>.+)$", re.I)
# "West Yorkshire Association of Acute Trusts (WYAAT)": an acronym in brackets is an alias.
_ACRONYM = re.compile(r"^(?P<name>.+?)\s*\((?P<alias>[A-Z][A-Za-z&]+)\)$")
# Bullet labels such as "- **Population:** circa 1.1 million." (read from the line without markup).
_POPULATION = re.compile(r"Population:?\**:?\s*(?P<v>.+?)\.?$")
_ESTABLISHED = re.compile(r"Established:?\**:?\s*(?P<v>.+?)\.?$")
# Contact lines end a case study: "For more details about WYAAT, go to ...", "Email ...".
_CONTACT = re.compile(r"^(?:For more details|Email\b|Contact\b)", re.I)
_ORG_KINDS = {"provider collaborative": "Provider collaborative", "integrated care system": "Integrated care system",
              "integrated care board": "Integrated care board"}


def is_case_studies(lines: list[Line]) -> bool:
    """Whether the document is made of "Case study n: …" parts."""
    return any(_CASE_STUDY.match(ln.text) for ln in lines)


def _is_heading(lines: list[Line], i: int) -> bool:
    """A short stand-alone line between blank lines that reads like a title."""
    ln = lines[i]
    followed_by_blank = i + 1 == len(lines) or lines[i + 1].blank_before
    return (ln.blank_before and followed_by_blank and len(ln.text) <= 90 and len(ln.text.split()) <= 12
            and ln.text[0].isupper() and not ln.bullet and "\t" not in ln.text
            and ln.text[-1] not in ".:;,!?" and not _CONTACT.match(ln.text))


def _find(text: str, start: int, end: int, name: str, pattern: re.Pattern) -> Fact | None:
    for s, e in sentence_spans(text, start, end):
        if m := pattern.search(text, s, e):
            return Fact(name, m["v"].strip().replace("**", ""), s, e)
    return None


def read(text: str, lines: list[Line], source: str) -> list[Report]:
    """One Report per case study; every offset is into the whole document's text."""
    starts = [i for i, ln in enumerate(lines) if _CASE_STUDY.match(ln.text)]
    doc_title = lines[0].text if starts[0] > 0 else "Case studies"
    reports = []
    for n, (a, b) in enumerate(zip(starts, starts[1:] + [len(lines)]), 1):
        head = _CASE_STUDY.match(lines[a].text)
        full = head["name"].strip()
        m = _ACRONYM.match(full)
        name, aliases = (m["name"], [m["alias"]]) if m else (full, [])
        short = re.sub(r"\s+(?:ICS|ICB|STP)$", "", name)
        for alt in (short, f"{name} ICS"):
            if alt != name and re.search(rf"\b{re.escape(alt)}\b", text[lines[a].end : lines[b - 1].end]):
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
        sections = tuple(section((name, heading), body) for heading, body in groups if body)

        start, end = lines[a].start, lines[b - 1].end
        facts = [line_fact("location", name, lines[a])]
        facts += [line_fact("alias", alias, lines[a]) for alias in aliases if alias.lower() in lines[a].raw.lower()]
        for fact in (_find(text, start, end, "population", _POPULATION),
                     _find(text, start, end, "established", _ESTABLISHED),
                     _service(text, start, end, [name, *aliases])):
            facts += [fact] if fact else []
        service = next((f.value for f in facts if f.name == "service_type"), None)
        reports.append(Report(
            report_id=f"{stem(source)}#{n}", source=source, title=f"{doc_title}: {lines[a].text}",
            provider=name, layout="case-study", text=text, sections=sections, aliases=tuple(aliases),
            service_type=service, facts=tuple(facts),
        ))
    return reports


def _service(text: str, start: int, end: int, names: list[str]) -> Fact | None:
    """What kind of organisation a case study is about: "X is a Provider Collaborative", or an
    ICS when written as "<name> ICS" or listed as "ICS: <name>"."""
    named = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    kinds = "|".join(_ORG_KINDS)
    is_a = re.compile(rf"\b(?:{named}) (?:is|are) an? (?P<v>{kinds})\b", re.I)
    ics = re.compile(rf"(?P<v>\b(?:{named}) ICS\b|\bICS:\**:?\s*(?:{named})\s*$)")
    for pattern, fixed in ((is_a, None), (ics, "Integrated care system")):
        fact = _find(text, start, end, "service_type", pattern)
        if fact:
            return replace(fact, value=fixed or _ORG_KINDS[fact.value.lower()])
    return None
