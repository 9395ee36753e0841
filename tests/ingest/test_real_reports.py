"""Real published CQC report pages: every value the text states is extracted right.

Values come from every ``tests/data/real-expected*.json`` present; files from ``tests/data/real/``.
One test per file and field, so a miss names itself. Files whose entry says "split": "test" are held
out: no rule is tuned on them, and their misses are reported, not listed as known.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from assistant.ingest.parse import parse_file
from assistant.models import KEY_QUESTIONS, Fact, Report
from assistant.text import normalise
from ingest._facts import citation_problem, quote_problems

DATA = Path(__file__).resolve().parents[1] / "data"
REAL = DATA / "real"

# (file, field) -> why the parser gets a development-split case wrong; "evidence:<field>" for a value
# cited by a sentence that does not state it. Only dev cases that could not be fixed belong here (strict
# xfail: a case that starts passing must leave the list); the held-out test split is never listed.
KNOWN_MISSES: dict[tuple[str, str], str] = {}


# REAL_SPLIT=dev runs the development split alone: what to run while writing rules, so that no
# held-out file is parsed and no held-out failure is read.
SPLIT = os.environ.get("REAL_SPLIT")


def _entries() -> list[dict]:
    entries = {}
    for path in sorted(DATA.glob("real-expected*.json")):
        for entry in json.loads(path.read_text(encoding="utf-8")):
            if (REAL / entry["file"]).is_file() and SPLIT in (None, entry["split"]):
                entries.setdefault(entry["file"], entry)
    return list(entries.values())


ENTRIES = _entries()
_PARSED: dict[str, Report] = {}


def parsed(name: str) -> Report:
    if name not in _PARSED:
        [_PARSED[name]] = parse_file(REAL / name, REAL)
    return _PARSED[name]


def stated_fields(entry: dict) -> dict[str, object]:
    """Each value the page states, by field name ("key_questions.safe.score": 28)."""
    fields = {name: entry.get(name) for name in ("location", "provider", "service_type", "service", "postcode",
                                                  "address", "overall_rating", "previous_overall_rating")}
    fields["aliases"] = sorted(entry.get("aliases") or [])
    if "location_overall_rating" in entry:
        fields["location_overall_rating"] = entry["location_overall_rating"]
    for kq, values in (entry.get("key_questions") or {}).items():
        fields[f"key_questions.{kq}.rating"] = values.get("rating")
        fields[f"key_questions.{kq}.score"] = values.get("score")
    fields["key_questions.others"] = []  # no rating or score for a key question the page does not rate
    for name, score in (entry.get("statement_scores") or {}).items():
        fields[f"statement_scores.{name}"] = score
    for kind, value in (entry.get("dates") or {}).items():
        fields[f"dates.{kind}"] = value
    fields["dates.others"] = []  # no date of a kind the page does not state
    fields["breaches"] = sorted(entry.get("breaches") or [])
    return fields


def extracted(report: Report, entry: dict, field: str) -> object:
    """What the parser made of ``field``, in the expected file's terms."""
    value = lambda name: (f.value if (f := report.fact(name)) else None)  # noqa: E731
    simple = {"location": value("location"), "provider": report.registered_provider,
              "service_type": report.service_type, "service": report.service, "postcode": report.postcode,
              "address": report.address, "overall_rating": value("rating:overall"),
              "previous_overall_rating": value("previous_rating:overall"),
              "location_overall_rating": value("rating:location"), "aliases": sorted(report.aliases)}
    if field in simple:
        return simple[field]
    head, _, rest = field.partition(".")
    if head == "key_questions" and rest == "others":
        rated = set(entry.get("key_questions") or {})
        return sorted(f.name for f in report.facts if f.name.split(":")[0] in ("rating", "score")
                      and f.name.split(":")[1] in KEY_QUESTIONS and f.name.split(":")[1] not in rated)
    if head == "key_questions":
        kq, _, kind = rest.rpartition(".")
        got = value(f"{kind}:{kq}")
        return int(got) if kind == "score" and got is not None else got
    if head == "statement_scores":
        got = next((f.value for f in report.facts_named("statement:")
                    if normalise(f.name.split(":", 2)[2]) == normalise(rest)), None)
        return int(got) if got is not None else None
    if head == "dates" and rest == "others":
        # The expected files record a previous inspection dated to the month only as "2014-03", and a
        # bare date under a key question's rating line as "updated", as the parser does.
        return sorted(k for k in report.dates if k not in (entry.get("dates") or {}))
    if head == "dates":
        got = report.dates.get(rest)
        return str(got) if got else None
    if head == "breaches":
        # "Regulation 12" is extracted right as "Regulation 12: Safe care and treatment" (the name stated too).
        wanted = entry.get("breaches") or []
        return sorted(next((w for w in wanted if normalise(got).startswith(normalise(w))), got) for got in report.breaches)
    raise KeyError(field)


def same(expected: object, got: object) -> bool:
    if isinstance(expected, str) and isinstance(got, str):
        return normalise(expected) == normalise(got)
    if isinstance(expected, list) and isinstance(got, list):
        return sorted(map(normalise, map(str, expected))) == sorted(map(normalise, map(str, got)))
    return expected == got


def _cases():
    for entry in ENTRIES:
        for field in stated_fields(entry):
            cause = KNOWN_MISSES.get((entry["file"], field))
            marks = [pytest.mark.xfail(strict=True, reason=cause)] if cause else []
            yield pytest.param(entry, field, id=f"{entry['file']}:{field}", marks=marks)


@pytest.mark.parametrize("entry, field", list(_cases()))
def test_stated_value_is_extracted(entry, field):
    report = parsed(entry["file"])
    expected = stated_fields(entry)[field]
    got = extracted(report, entry, field)
    assert same(expected, got), f"{field}: expected {expected!r}, parsed {got!r}"


# The fact holding each field that a page's "evidence" quotes (key questions' and dates' fields are
# named by rule, list items and statement scores in ``_evidence_facts``).
_EVIDENCE_FACT = {"location": "location", "provider": "provider", "service_type": "service_type",
                  "service": "service", "postcode": "postcode", "address": "address",
                  "overall_rating": "rating:overall", "location_overall_rating": "rating:location",
                  "previous_overall_rating": "previous_rating:overall"}


def _evidence_cases():
    for entry in ENTRIES:
        for field, quote in (entry.get("evidence") or {}).items():
            cause = KNOWN_MISSES.get((entry["file"], f"evidence:{field}"))
            marks = [pytest.mark.xfail(strict=True, reason=cause)] if cause else []
            yield pytest.param(entry, field, quote, id=f"{entry['file']}:{field}", marks=marks)


def _evidence_facts(report: Report, entry: dict, field: str) -> tuple[str, str, list[Fact]]:
    """(what is cited, the value stated, the facts that hold it) for an evidence key of ``entry``.

    Keys follow the value paths ("key_questions.safe.score", "dates.report",
    "statement_scores.Learning culture"); a list's items are "breaches.<item>" and "aliases.<item>".
    """
    head, _, rest = field.partition(".")
    if head == "aliases":
        return "alias", rest, [f for f in report.facts_named("alias") if normalise(f.value) == normalise(rest)]
    if head == "breaches":  # "Regulation 12" is cited by the fact "Regulation 12: Safe care and treatment" too
        return "breach", rest, [f for f in report.facts_named("breach")
                                if normalise(f.value).startswith(normalise(rest))]
    if head == "statement_scores":
        facts = [f for f in report.facts_named("statement:") if normalise(f.name.split(":", 2)[2]) == normalise(rest)]
        return f"statement:<kq>:{rest}", str(entry["statement_scores"][rest]), facts
    if head == "key_questions":
        kq, _, kind = rest.rpartition(".")
        name = f"{kind}:{kq}"
    elif head == "dates":
        name = f"date:{rest}"
    else:
        name = _EVIDENCE_FACT[field]
    value = stated_fields(entry)[field]
    return name, str(value), [f for f in report.facts if f.name == name]


@pytest.mark.parametrize("entry, field, quote", list(_evidence_cases()))
def test_value_cites_the_stating_sentence(entry, field, quote):
    """Every fact keeps the offsets of the sentence that states it, so a value answer cites that
    sentence: the cited span overlaps the text the expected file quotes, or states the value itself."""
    report = parsed(entry["file"])
    name, value, facts = _evidence_facts(report, entry, field)
    assert facts, f"no {name} fact: the page states {value!r} in {quote!r}"
    problems = [citation_problem(report, f.name, f.start, f.end, value, quote) for f in facts]
    assert None in problems, "; ".join(problems)


def _at(report: Report, words: str, nth: int = 0) -> tuple[int, int]:
    """The offsets of the ``nth`` occurrence of ``words`` in the report's text."""
    at = -1
    for _ in range(nth + 1):
        at = report.text.index(words, at + 1)
    return at, at + len(words)


def test_the_citation_check_refuses_a_sentence_that_does_not_state_the_value():
    """The check above can fail: a citation of the wrong line, of the same value for another key
    question or of another key question's score is refused; the same value stated elsewhere is not."""
    report = parsed("real_clinica-london_2022-09.txt")  # a dev file
    safe, evidence = "Requires improvement", "Are services safe? – Requires improvement"
    assert citation_problem(report, "rating:safe", *_at(report, evidence), safe, evidence) is None
    wrong = citation_problem(report, "rating:safe", *_at(report, "Our key findings were:"), safe, evidence)
    assert wrong and "does not state 'Requires improvement'" in wrong
    other_kq = citation_problem(report, "rating:safe", *_at(report, "Are services well-led? – Requires improvement"),
                                safe, evidence)
    assert other_kq and "nor states" in other_kq
    header = "Overall: Requires improvement"  # the overall rating is stated in the header and in prose
    prose_line = "This service is rated as Requires improvement overall."
    assert citation_problem(report, "rating:overall", *_at(report, prose_line), safe, header) is None
    assert citation_problem(report, "rating:overall", *_at(report, evidence), safe, header) is not None
    assert "does not occur" in citation_problem(report, "rating:overall", *_at(report, header), safe, "Overall: Good")

    scores = parsed("real_access-dignity-care_2024-01.txt")
    effective = "This service scored 58 (out of 100) for this area."
    assert citation_problem(scores, "score:effective", *_at(scores, effective), "58", effective) is None
    caring = "This service scored 50 (out of 100) for this area."
    assert citation_problem(scores, "score:effective", *_at(scores, caring), "58", effective) is not None
    same_score = parsed("real_priory-hospital-norwich_2024-06.txt")  # every key question scored 75
    quote = next(e for e in ENTRIES if e["file"] == same_score.source)["evidence"]["key_questions.safe.score"]
    sentence = "This service scored 75 (out of 100) for this area."
    cited = [citation_problem(same_score, "score:safe", *_at(same_score, sentence, n), "75", quote) is None
             for n in range(same_score.text.count(sentence))]
    assert cited.count(True) == 1 and len(cited) == 4  # only the safe page's sentence


@pytest.mark.parametrize("name", [e["file"] for e in ENTRIES])
def test_every_fact_quotes_its_value(name):
    report = parsed(name)
    assert quote_problems(report) == []
    previous_end = -1
    for s in report.sections:  # sections are in order, never overlap, and hold trimmed text
        assert previous_end < s.start < s.end <= len(report.text)
        assert report.text[s.start : s.end] == report.text[s.start : s.end].strip()
        previous_end = s.end
    assert report.layout != "unknown" and not any("layout" in w for w in report.warnings)


def share_extracted() -> dict[str, tuple[int, int]]:
    """(values extracted right, values stated) per split."""
    counts: dict[str, list[int]] = {}
    for entry in ENTRIES:
        report = parsed(entry["file"])
        right_total = counts.setdefault(entry["split"], [0, 0])
        for field, expected in stated_fields(entry).items():
            right_total[0] += same(expected, extracted(report, entry, field))
            right_total[1] += 1
    return {split: (right, total) for split, (right, total) in counts.items()}


def test_share_of_stated_values_extracted_right(capsys):
    shares = share_extracted()
    with capsys.disabled():
        for split, (right, total) in sorted(shares.items()):
            print(f"\nreal reports, {split} split: {right}/{total} stated values extracted right ({right / total:.1%})")
    assert shares, "no real report pages found"
    for split, (right, total) in shares.items():
        if split == "test":
            assert right / total >= 0.95, f"test split: {right}/{total}"
