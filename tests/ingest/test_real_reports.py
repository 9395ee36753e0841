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
# Values of the held-out test split that the parser misses, with their causes (named by the lead after the
# final run; no rule was tuned on these files). Each is a strict xfail, so a fix flips it; a miss on the dev
# split is never listed here: it is fixed.
KNOWN_MISSES: dict[tuple[str, str], str] = {
    ('real_winton-health-centre_2021-08.txt', 'previous_overall_rating'):
        "the previous rating and month are stated as 'was rated as Requires Improvement at our inspection in February 2019': no previous-inspection cue the parser knows ('last', 'previous') precedes the rating",
    ('real_winton-health-centre_2021-08.txt', 'evidence:previous_overall_rating'):
        "the previous rating and month are stated as 'was rated as Requires Improvement at our inspection in February 2019': no previous-inspection cue the parser knows ('last', 'previous') precedes the rating",
    ('real_winton-health-centre_2021-08.txt', 'dates.previous'):
        "the previous rating and month are stated as 'was rated as Requires Improvement at our inspection in February 2019': no previous-inspection cue the parser knows ('last', 'previous') precedes the rating",
    ('real_winton-health-centre_2021-08.txt', 'evidence:dates.previous'):
        "the previous rating and month are stated as 'was rated as Requires Improvement at our inspection in February 2019': no previous-inspection cue the parser knows ('last', 'previous') precedes the rating",
    ('real_ivy-sage-homecare-office_2025-01.txt', 'breaches'):
        "'The provider was previously in breach of … management of medicines and assessing risk' is read as a current breach: 'previously in breach' is not among the history cues",
    ('real_ivy-sage-homecare-office_2025-01.txt', 'evidence:breaches'):
        "'The provider was previously in breach of … management of medicines and assessing risk' is read as a current breach: 'previously in breach' is not among the history cues",
    ('real_george-eliot-medical-care_2024-04.txt', 'service'):
        "the service is named only as 'Medical care has been re-rated as good overall.'; the parser reads a service from 'Ratings - <service>' or an assessment-of sentence, not from a re-rating sentence",
    ('real_george-eliot-medical-care_2024-04.txt', 'evidence:service'):
        "the service is named only as 'Medical care has been re-rated as good overall.'; the parser reads a service from 'Ratings - <service>' or an assessment-of sentence, not from a re-rating sentence",
    ('real_london-ambulance-service-hq-iuc_2021-12.txt', 'previous_overall_rating'):
        "an unrated inspection lists the standing ratings as 'Are providers safe? – Good': the parser knows 'Are services …?' only, and reads no rating from a page that says it rated nothing",
    ('real_london-ambulance-service-hq-iuc_2021-12.txt', 'evidence:previous_overall_rating'):
        "an unrated inspection lists the standing ratings as 'Are providers safe? – Good': the parser knows 'Are services …?' only, and reads no rating from a page that says it rated nothing",
    ('real_london-ambulance-service-hq-iuc_2021-12.txt', 'key_questions.safe.rating'):
        "an unrated inspection lists the standing ratings as 'Are providers safe? – Good': the parser knows 'Are services …?' only, and reads no rating from a page that says it rated nothing",
    ('real_london-ambulance-service-hq-iuc_2021-12.txt', 'evidence:key_questions.safe.rating'):
        "an unrated inspection lists the standing ratings as 'Are providers safe? – Good': the parser knows 'Are services …?' only, and reads no rating from a page that says it rated nothing",
    ('real_london-ambulance-service-hq-iuc_2021-12.txt', 'key_questions.effective.rating'):
        "an unrated inspection lists the standing ratings as 'Are providers safe? – Good': the parser knows 'Are services …?' only, and reads no rating from a page that says it rated nothing",
    ('real_london-ambulance-service-hq-iuc_2021-12.txt', 'evidence:key_questions.effective.rating'):
        "an unrated inspection lists the standing ratings as 'Are providers safe? – Good': the parser knows 'Are services …?' only, and reads no rating from a page that says it rated nothing",
    ('real_london-ambulance-service-hq-iuc_2021-12.txt', 'key_questions.caring.rating'):
        "an unrated inspection lists the standing ratings as 'Are providers safe? – Good': the parser knows 'Are services …?' only, and reads no rating from a page that says it rated nothing",
    ('real_london-ambulance-service-hq-iuc_2021-12.txt', 'evidence:key_questions.caring.rating'):
        "an unrated inspection lists the standing ratings as 'Are providers safe? – Good': the parser knows 'Are services …?' only, and reads no rating from a page that says it rated nothing",
    ('real_london-ambulance-service-hq-iuc_2021-12.txt', 'key_questions.responsive.rating'):
        "an unrated inspection lists the standing ratings as 'Are providers safe? – Good': the parser knows 'Are services …?' only, and reads no rating from a page that says it rated nothing",
    ('real_london-ambulance-service-hq-iuc_2021-12.txt', 'evidence:key_questions.responsive.rating'):
        "an unrated inspection lists the standing ratings as 'Are providers safe? – Good': the parser knows 'Are services …?' only, and reads no rating from a page that says it rated nothing",
    ('real_london-ambulance-service-hq-iuc_2021-12.txt', 'key_questions.well-led.rating'):
        "an unrated inspection lists the standing ratings as 'Are providers safe? – Good': the parser knows 'Are services …?' only, and reads no rating from a page that says it rated nothing",
    ('real_london-ambulance-service-hq-iuc_2021-12.txt', 'evidence:key_questions.well-led.rating'):
        "an unrated inspection lists the standing ratings as 'Are providers safe? – Good': the parser knows 'Are services …?' only, and reads no rating from a page that says it rated nothing",
    ('real_practice-plus-group-nhs-111-london_2017-03.txt', 'service_type'):
        "named 'NHS 111 service' in the text; the parser's vocabulary calls it 'Integrated urgent care (NHS 111) service' (the same service, another label)",
    ('real_practice-plus-group-nhs-111-london_2017-03.txt', 'evidence:service_type'):
        "named 'NHS 111 service' in the text; the parser's vocabulary calls it 'Integrated urgent care (NHS 111) service' (the same service, another label)",
    ('real_practice-plus-group-nhs-111-london_2017-03.txt', 'postcode'):
        "no header address: the address is only inside the inspection sentence ('inspection at Care UK (NHS 111 London), Unit 1, …, UB2 5NH on …'), which the parser does not read addresses from",
    ('real_practice-plus-group-nhs-111-london_2017-03.txt', 'evidence:postcode'):
        "no header address: the address is only inside the inspection sentence ('inspection at Care UK (NHS 111 London), Unit 1, …, UB2 5NH on …'), which the parser does not read addresses from",
    ('real_practice-plus-group-nhs-111-london_2017-03.txt', 'address'):
        "no header address: the address is only inside the inspection sentence ('inspection at Care UK (NHS 111 London), Unit 1, …, UB2 5NH on …'), which the parser does not read addresses from",
    ('real_practice-plus-group-nhs-111-london_2017-03.txt', 'evidence:address'):
        "no header address: the address is only inside the inspection sentence ('inspection at Care UK (NHS 111 London), Unit 1, …, UB2 5NH on …'), which the parser does not read addresses from",
    ('real_st-andrews-healthcare-northampton-acute_2025-02.txt', 'dates.report'):
        "an 'Important:' enforcement notice paragraph between the header and 'Report from 4 February 2025 assessment' ends the header block before the report date is read",
    ('real_st-andrews-healthcare-northampton-acute_2025-02.txt', 'evidence:dates.report'):
        "an 'Important:' enforcement notice paragraph between the header and 'Report from 4 February 2025 assessment' ends the header block before the report date is read",
    ('real_st-marys-hospital-warrington_2024-05.txt', 'dates.assessment'):
        "CQC misprinted the year: 'Date of assessment 23 July to 24 July 202424.'",
    ('real_st-marys-hospital-warrington_2024-05.txt', 'evidence:dates.assessment'):
        "CQC misprinted the year: 'Date of assessment 23 July to 24 July 202424.'",
}


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


TEST_SPLIT_TARGET = 0.95


@pytest.mark.xfail(strict=True, reason="the held-out split stands at 253/268 (94.4%): the misses are KNOWN_MISSES")
def test_share_of_stated_values_extracted_right(capsys):
    shares = share_extracted()
    with capsys.disabled():
        for split, (right, total) in sorted(shares.items()):
            print(f"\nreal reports, {split} split: {right}/{total} stated values extracted right ({right / total:.1%})")
    assert shares, "no real report pages found"
    for split, (right, total) in shares.items():
        if split == "test":
            assert right / total >= TEST_SPLIT_TARGET, f"test split: {right}/{total}"
