"""Checks every parsed fact against the text it cites: shared by the seed and real-report tests."""

from __future__ import annotations

import re

from assistant.ingest.dates import find_dates, find_months
from assistant.ingest.parse import prose
from assistant import vocabulary
from assistant.models import KEY_QUESTIONS, DateRange, Report
from assistant.text import normalise

_KQ = "|".join(KEY_QUESTIONS)
# The fact names of the scheme in assistant/models.py.
SCHEME = re.compile(
    rf"^(?:location|provider|alias|address|postcode|town|service_type|service|breach|breach_topic|population|established|"
    rf"capacity|people_using_service|registered_manager|enforcement|"
    rf"rating:(?:overall|location|{_KQ})|previous_rating:(?:overall|{_KQ})|score:(?:{_KQ})|statement:(?:{_KQ}):.+|"
    rf"rating_change:(?:overall|location|{_KQ})|service_rating:[^:]+:(?:overall|{_KQ})|service_score:[^:]+:(?:{_KQ})|"
    rf"date:(?:report|assessment|inspection|onsite|published|updated|previous))$"
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


def _says_rating(value: str, span: str) -> bool:
    """Whether ``span`` states the rating ``value`` in any of the words reports use ("required improvement")."""
    said = [m.group(0) for m in re.finditer(vocabulary.RATING_SAID + "|not rated", span, re.I)]
    return any(vocabulary.rating_of(w) == value for w in said)


def _says_number(value: int, span: str) -> bool:
    """Whether ``span`` states the count ``value`` ("6,000", "Thirty four", "38-bedded")."""
    return any(vocabulary.number_value(m.group(0)) == value
               for m in re.finditer(vocabulary.number_pattern(), span.replace("-", " "), re.I))


def _says_regulation(number: str, span: str) -> bool:
    """Whether ``span`` names the regulation by number or by one of its names."""
    return number in vocabulary.regulation_numbers(span) or number in vocabulary.regulation_phrases().values(span)


def _states(name: str, value: str, span: str, text: str, start: int, end: int) -> bool:
    kind = name.split(":", 1)[0]
    if kind in ("rating", "previous_rating", "service_rating"):
        return _says_rating(value, span)
    if kind == "rating_change":
        return value in ("improved", "declined", "remained") and bool(
            vocabulary.change_phrases().find(span) or len(re.findall(vocabulary.RATING_SAID, span, re.I)) >= 2)
    if kind == "service_score":
        return re.search(rf"\bscored {value}\b", span) is not None
    if kind in ("people_using_service", "population") and value.isdigit():
        return _says_number(int(value), span)
    if kind == "capacity":
        count, _, unit = value.partition(" ")
        return count.isdigit() and unit in ("places", "beds") and _says_number(int(count), span)
    if kind == "breach_topic":
        return normalise(value) in normalise(span) and bool(vocabulary.regulation_phrases().find(value))
    if kind == "registered_manager":
        return value in ("yes", "no") and bool(re.search(r"registered manager|manager registered", normalise(span)))
    if kind == "enforcement":
        action, date, regulations = (value.split("; ") + ["", ""])[:3]
        if action not in vocabulary.enforcement_phrases().values(span):
            return False
        if date and not _states("date:x", date, span, text, start, end):
            return False
        return all(_says_regulation(r.replace("Regulation", "").strip(), span) for r in regulations.split(",") if r.strip())
    if name.startswith("date:"):
        want = DateRange.parse(value)
        found = find_dates(text, start, end) if len(want.start) > 7 else find_months(text, start, end)
        return any(d.range == want for d in found) or (
            bool(found) and found[0].range.start == want.start and found[-1].range.end == want.end)
    if name.startswith("score:"):
        return re.search(rf"\bscored {value}\b", span) is not None
    if name == "breach":
        number, _, title = value.partition(": ")
        if number.startswith("Regulation ") and (n := number.split()[1]) in vocabulary.REGULATIONS:
            named = title and normalise(title) == normalise(vocabulary.REGULATIONS[n])
            return _says_regulation(n, span) and (not title or named or normalise(title) in normalise(span))
        return all(normalise(part) in normalise(span) for part in (number, title) if part)
    if name == "service_type" and value == "SERVICE PROVIDER" and normalise(span).startswith("provider:"):
        return True  # an older provider page's title, "Provider: <trust>", says what its breadcrumb would
    if name == "service_type" and normalise(value) not in normalise(span):
        inferred = prose.service_type_in(text, start, end)  # read from a cue ("IUC", "surgery")
        acronym = "".join(w[0] for w in value.split()).upper()  # "Integrated care system" as "ICS"
        return (inferred is not None and inferred.value == value) or re.search(rf"\b{acronym}\b", span) is not None
    return normalise(value) in normalise(span)


# --- citations against the expected files' evidence -------------------------------------------

_KQ_WORD = r"(?:safe|effective|caring|responsive|well[- ]led)"
# Words that make a stated rating the one before this report: "At our last inspection", "from good to".
_EARLIER = re.compile(r"\b(?:previous(?:ly)?|last|prior|before|earlier)\b|\bfrom\s+[a-z]+(?:\s+improvement)?\s+to\b")


def states_as_such(report: Report, name: str, value: str, start: int, end: int) -> bool:
    """Whether ``report.text[start:end]`` states ``value`` as the value ``name`` is, not just its words.

    A rating's and a quality statement score's words are short ("Good", "3") and occur in sentences
    that state something else ("good governance", "Are services well-led? - Good" for safe): a rating
    needs a rating cue and must be for what ``name`` is for (the key question named, or the span in
    that key question's part; the overall one names no key question as rated; a previous one says
    so); a key question's score must be in its part or name it; a statement score needs a score cue
    and the statement's name or part. Every other kind is as ``quote_problems`` checks it.
    """
    text, span = report.text, report.text[start:end]
    if not _states(name, value, span, text, start, end):
        return False
    kind, _, target = name.partition(":")
    said = normalise(span)
    part = next((s.path for s in report.sections if s.start <= start < s.end), ())
    if kind in ("rating", "previous_rating"):
        word = re.escape(normalise(value))
        # "Good" on a line of its own (under "Safe"), after a label ("Overall: Good", "Safe - Good"),
        # or with a rating cue ("We rated it as good", "rated Good overall").
        labelled = re.compile(rf"^(?:.*[:?\-–—]\s*)?{word}\.?\)?$")
        cued = re.compile(rf"\b(?:rated|rating|overall)\b[^.;]{{0,100}}\b{word}\b|\b{word}\s+overall\b")
        lines = [normalise(line) for line in span.splitlines() if line.strip()]
        if not (any(labelled.match(line) for line in lines) or cued.search(said)):
            return False
        if all(line.rstrip(".") == normalise(value) for line in lines):
            return False  # a rating alone on its line does not say what it is for
        if (kind == "previous_rating") != bool(_EARLIER.search(said) or _dated_before(report, start, end)):
            return False
        # The key questions named as rated: "Are services safe? - Good", "We rated safe, effective and well-led
        # as good" (each named in the words before the rating, since the last rating).
        rated, since = set(), 0
        # A ratings list names the key question on the line above its rating ("• Safe" / "Good").
        if len(lines) == 2 and re.fullmatch(rf"(?:[•*-]\s*)?({_KQ_WORD})", lines[0]) and labelled.match(lines[1]):
            rated.add(re.fullmatch(rf"(?:[•*-]\s*)?({_KQ_WORD})", lines[0]).group(1).replace(" ", "-"))
        for m in re.finditer(rf"(?:\bas\b|\brated\b|[-:?])\s*{word}\b", said):
            clause = said[max(since, m.start() - 100) : m.start()]
            rated |= {kq.replace(" ", "-") for kq in re.findall(_KQ_WORD, clause)}
            since = m.end()
        if target in KEY_QUESTIONS:
            in_part = bool(part) and normalise(part[0]) == target
            return target in rated or (in_part and not rated)
        return not rated and "this key question" not in said
    if kind == "score":  # "This service scored 75 (out of 100)" on the key question's own page
        return (bool(part) and normalise(part[0]) == target) or re.search(rf"\b{target}\b", said) is not None
    if kind == "statement":
        statement = target.split(":", 1)[1]
        cued = re.search(rf"\bscore:?\s*{value}\b|\bscored\b[^.;]{{0,60}}\b{value}\b", said)
        in_part = bool(part) and normalise(part[-1]) == normalise(statement)
        return cued is not None and (normalise(statement) in said or in_part)
    return True


def _dated_before(report: Report, start: int, end: int) -> bool:
    """Whether the span gives a date before the report's own (it tells of an earlier inspection)."""
    own = [d for k, d in report.dates.items() if k in ("inspection", "assessment", "report")]
    if not own:
        return False
    first = min(d.start for d in own)
    found = find_dates(report.text, start, end) + find_months(report.text, start, end)
    return any(d.range.end < first[: len(d.range.end)] for d in found)


def occurrences(text: str, quote: str) -> list[tuple[int, int]]:
    """Where ``quote`` occurs in ``text``, whatever the spaces and line breaks between its words."""
    words = quote.split()
    if not words:
        return []
    pattern = re.compile(r"\s+".join(re.escape(w) for w in words))
    return [(m.start(), m.end()) for m in pattern.finditer(text)]


def citation_problem(report: Report, name: str, start: int, end: int, value: str, evidence: str) -> str | None:
    """Why the fact ``name`` citing ``text[start:end]`` does not cite a statement of ``value``, or None.

    ``evidence`` is the text that the expected file quotes as stating the value. The citation is
    right when it states the value and either overlaps an occurrence of the evidence or, where the
    page states the value in more than one place, states it as such itself ("Overall: Good" in the
    header and "We rated it as good." in the summary are both the overall rating).
    """
    text = report.text
    span = text[start:end]
    found = occurrences(text, evidence)
    if not found:
        return f"the evidence {evidence!r} does not occur in {report.source}: the expected file is wrong"
    if not _states(name, value, span, text, start, end):
        return f"{name} cites {span[:160]!r}, which does not state {value!r}"
    if any(s < end and start < e for s, e in found):
        return None
    if states_as_such(report, name, value, start, end):
        return None
    return (f"{name} cites {span[:160]!r}, which neither overlaps the stating text {evidence!r} "
            f"nor states {value!r} as such")
