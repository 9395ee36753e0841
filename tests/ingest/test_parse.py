"""Parsing the seed corpus (three layouts) and small synthetic variants."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.ingest.parse import UNKNOWN_LAYOUT_WARNING, parse_document, parse_file
from ingest._facts import quote_problems

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def parsed(name: str):
    return parse_file(CORPUS / name, CORPUS)


def one(name: str):
    [report] = parsed(name)
    return report


def section(report, *path):
    return next(s for s in report.sections if s.path == path)


ALL_REPORTS = [r for p in sorted(CORPUS.iterdir()) for r in parse_file(p, CORPUS)]

# --- assessment layout ------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, provider, service, date, date_text, score, rating, previous",
    [
        ("heartbeat-alliance-2024-04-25.txt", "Heartbeat Alliance", "Out of hours GP service",
         "2024-04-25", "25 April 2024", 75, "Good", "Inadequate"),
        ("iridium-medical-practice-2025-01-13.txt", "Iridium Medical Practice", "GP practice",
         "2025-01-13", "13 January 2025", 50, "Requires improvement", "Good"),
        ("kidderminster-hospital-2024-07-24.txt", "Kidderminster Hospital and Treatment Centre", "NHS hospital",
         "2024-07-24", "24 July 2024", 75, "Good", "Requires improvement"),
    ],
)
def test_assessment_values(name, provider, service, date, date_text, score, rating, previous):
    r = one(name)
    assert r.report_id == name.removesuffix(".txt")
    assert r.source == name
    assert r.layout == "assessment"
    assert (r.provider, r.service_type, r.date, r.date_text) == (provider, service, date, date_text)
    assert (r.key_question, r.score, r.rating, r.previous_rating) == ("Well-led", score, rating, previous)
    assert r.title == f"{provider}: Report from {date_text} assessment"
    assert r.aliases == ()
    assert r.warnings == ()
    assert r.text == (CORPUS / name).read_text(encoding="utf-8")


def test_assessment_section_paths():
    r = one("heartbeat-alliance-2024-04-25.txt")
    assert [s.path for s in r.sections] == [
        ("Well-led", "Overview"),
        ("Well-led", "Capable, compassionate and inclusive leaders"),
        ("Well-led", "Freedom to speak up"),
        ("Well-led", "Workforce equality, diversity and inclusion"),
        ("Well-led", "Governance, management and sustainability"),
        ("Well-led", "Partnerships and communities"),
        ("Well-led", "Learning, improvement and innovation"),
    ]


def test_assessment_section_text():
    r = one("heartbeat-alliance-2024-04-25.txt")
    ftsu = r.section_text(section(r, "Well-led", "Freedom to speak up"))
    assert "not all staff were aware of the Freedom to Speak Up Guardian" in ftsu
    assert ftsu.startswith("Staff knew how to raise concerns")
    assert ftsu.endswith("set out within its Duty of Candour Policy.")
    overview = r.section_text(section(r, "Well-led", "Overview"))
    assert overview.startswith("At our last inspection in May 2022")
    assert "This service scored 75 (out of 100) for this area." in overview
    assert "Contents" not in overview and "- Shared direction" not in overview


def test_assessment_facts():
    r = one("iridium-medical-practice-2025-01-13.txt")
    score, rating, previous = r.fact("score:well-led"), r.fact("rating:well-led"), r.fact("previous_rating:well-led")
    assert r.text[score.start : score.end] == "This service scored 50 (out of 100) for this area."
    assert rating.value == "Requires improvement"
    assert r.text[rating.start : rating.end] == "At this assessment, the rating has changed to requires improvement."
    assert r.text[previous.start : previous.end] == "At our last assessment, we rated this key question as good."
    assert r.fact("rating:overall") is None  # a single key question's rating is not an overall one
    # A breach named by its topic, not its regulation's number, is a breach_topic (the vocabulary maps it).
    assert r.fact("breach") is None
    breach = r.fact("breach_topic")
    assert breach.value == "good governance" and r.text[breach.start : breach.end] == (
        "The service was in breach of legal regulation in relation to good governance.")
    assert r.fact("date:report").value == "2025-01-13"
    assert one("heartbeat-alliance-2024-04-25.txt").fact("breach") is None


def test_kidderminster_rating_wording():
    r = one("kidderminster-hospital-2024-07-24.txt")
    previous, rating, date = r.fact("previous_rating:well-led"), r.fact("rating:well-led"), r.fact("date:report")
    assert "which was requires improvement" in r.text[previous.start : previous.end]
    assert "is now good" in r.text[rating.start : rating.end]
    assert date.value == "2024-07-24"
    assert "24 July 2024" in r.text[date.start : date.end]


SYNTHETIC_ASSESSMENT = """- Care home
Rosewood Lodge
Report from 3 and 4 March 2025 assessment
On this page
- Overview
- Learning culture
- Safe systems, pathways and transitions
Safe
We looked at 2 quality statements. At our last inspection we rated this key question as requires improvement.
At this assessment, the rating has changed from requires improvement to outstanding.
This service scored 88 (out of 100) for this area.
Learning culture
Staff reported incidents and learned from them.
Safe systems, pathways and transitions
People moved between services safely.
"""


def test_synthetic_assessment_other_key_question():
    [r] = parse_document(SYNTHETIC_ASSESSMENT, "rosewood-lodge.md")
    assert r.report_id == "rosewood-lodge"
    assert (r.provider, r.service_type, r.key_question) == ("Rosewood Lodge", "Care home", "Safe")
    assert (r.date, r.date_text, r.score) == ("2025-03-04", "3 and 4 March 2025", 88)
    assert (r.rating, r.previous_rating) == ("Outstanding", "Requires improvement")
    assert [s.path for s in r.sections] == [
        ("Safe", "Overview"), ("Safe", "Learning culture"), ("Safe", "Safe systems, pathways and transitions")]
    assert r.section_text(r.sections[-1]) == "People moved between services safely."


def test_rated_as_outstanding_wording():
    text = SYNTHETIC_ASSESSMENT.replace(
        "At our last inspection we rated this key question as requires improvement.\n"
        "At this assessment, the rating has changed from requires improvement to outstanding.",
        "We rated Rosewood Lodge as outstanding for providing a safe service.")
    [r] = parse_document(text, "rosewood.txt")
    assert (r.rating, r.previous_rating) == ("Outstanding", None)


# --- inspection layout ------------------------------------------------------------------


def test_inspection_values():
    r = one("hertfordshire-iuc-huc-hq-2023-11-21.txt")
    assert r.layout == "inspection"
    assert r.provider == "Hertfordshire IUC Service and HUC HQ"
    # No breadcrumb and no sentence saying what the location is: a page mentioning NHS 111 states no type.
    assert r.service_type is None
    assert (r.date, r.date_text) == ("2023-11-21", "20 and 21 November 2023")
    assert (r.rating, r.previous_rating) == ("Good", "Good")
    assert r.ratings == (("overall", "Good"), ("safe", "Good"), ("effective", "Good"), ("caring", "Good"),
                         ("responsive", "Good"), ("well-led", "Good"))
    assert r.score is None
    assert r.title == "Hertfordshire IUC Service and HUC HQ: Inspection on 20 and 21 November 2023"
    safe = r.fact("rating:safe")
    assert r.text[safe.start : safe.end] == "Are services safe? \u2013 Good"
    overall = r.fact("rating:overall")
    assert r.text[overall.start : overall.end] == "This service is rated as Good overall."
    previous = r.fact("previous_rating:overall")
    assert "previously been inspected in November 2015" in r.text[previous.start : previous.end]
    location = r.fact("location")
    assert r.text[location.start : location.end].startswith("We carried out an announced comprehensive inspection")
    assert r.fact("date:inspection").value == "2023-11-20/2023-11-21"
    assert r.registered_provider is None  # no "Provided and run by" line: the location is not its provider


def test_inspection_sections():
    r = one("hertfordshire-iuc-huc-hq-2023-11-21.txt")
    assert [s.path for s in r.sections] == [
        ("Inspection summary", name)
        for name in ("Ratings", "Overview", "Key findings", "Outstanding practice", "Areas for improvement", "Sign-off")
    ]
    findings = r.section_text(section(r, "Inspection summary", "Key findings"))
    assert findings.startswith("Our key findings were:\n- The service had clear systems")
    assert findings.count("\n- ") == 5
    improve = r.section_text(section(r, "Inspection summary", "Areas for improvement"))
    assert "key performance indicators (KPIs)" in improve
    assert r.section_text(r.sections[-1]).endswith("Chief Inspector of Health Care")


def test_synthetic_inspection():
    text = (
        "30 November and 1 December 2023\nDuring a routine inspection\n"
        "This practice is rated as Requires improvement overall.\n"
        "Are services safe? - Inadequate\nAre services well-led? - Requires improvement\n"
        "We carried out an announced comprehensive inspection at Elm Tree Surgery on 30 November and 1 December 2023."
        " The practice was previously rated as outstanding.\n"
        "The areas where the provider must make improvements are:\n- Ensure care is safe.\n"
    )
    [r] = parse_document(text, "elm.txt")
    assert (r.layout, r.provider, r.service_type, r.date) == ("inspection", "Elm Tree Surgery", None, "2023-12-01")
    assert (r.rating, r.previous_rating) == ("Requires improvement", "Outstanding")
    assert r.ratings == (("overall", "Requires improvement"), ("safe", "Inadequate"),
                         ("well-led", "Requires improvement"))
    assert r.sections[-1].path == ("Inspection summary", "Areas for improvement")


# --- case studies ---------------------------------------------------------------------------

CASES = "nhs-improving-quality-through-systems-case-studies.txt"


def test_case_studies_are_three_reports():
    reports = parsed(CASES)
    stem = CASES.removesuffix(".txt")
    assert [r.report_id for r in reports] == [f"{stem}#1", f"{stem}#2", f"{stem}#3"]
    assert [r.provider for r in reports] == [
        "Surrey Heartlands ICS", "West Yorkshire Association of Acute Trusts", "Our Dorset"]
    assert reports[0].aliases == ("Surrey Heartlands",)
    assert reports[1].aliases == ("WYAAT",)
    assert [r.service_type for r in reports] == [
        "Integrated care system", "Provider collaborative", "Integrated care system"]
    assert reports[1].title == (
        "Improving quality through systems: Case study 2: West Yorkshire Association of Acute Trusts (WYAAT)")
    assert {r.layout for r in reports} == {"case-study"}
    full = (CORPUS / CASES).read_text(encoding="utf-8")
    assert all(r.text == full for r in reports)


def test_case_study_facts():
    reports = parsed(CASES)
    assert [r.fact("population").value for r in reports] == ["circa 1.1 million", "2.6 million", "800,000"]
    for r in reports:
        f = r.fact("population")
        assert f.value in r.text[f.start : f.end]
    wyaat = reports[1]
    assert wyaat.fact("established").value == "December 2016"
    assert "WYAAT is a Provider Collaborative" in wyaat.text[wyaat.fact("service_type").start : wyaat.fact("service_type").end]


def test_case_study_sections():
    surrey, wyaat, dorset = parsed(CASES)
    assert [s.path[1] for s in surrey.sections] == [
        "Overview", "Key principles to Surrey Heartlands' approach to quality improvement",
        "Quality oversight in Surrey Heartlands", "Key achievements", "Key lessons", "Contact"]
    assert [s.path[1] for s in wyaat.sections] == [
        "Overview", "Operating model", "A focus on driving improvements in the quality of care and outcomes",
        "Key achievements", "Key lessons", "Contact"]
    assert {s.path[0] for s in wyaat.sections} == {"West Yorkshire Association of Acute Trusts"}
    assert section(dorset, "Our Dorset", "Quality oversight in Our Dorset")
    table = surrey.section_text(section(surrey, "Surrey Heartlands ICS",
                                        "Key principles to Surrey Heartlands' approach to quality improvement"))
    assert "Barriers\tOpportunities" in table
    continued = wyaat.section_text(section(wyaat, "West Yorkshire Association of Acute Trusts", "Key achievements"))
    assert "commissioner approval and have been supported" in continued  # page-break continuation kept
    assert surrey.section_text(surrey.sections[-1]).startswith("For more details about Surrey Heartlands")
    # each case study's sections lie inside its own part of the document, in order
    assert surrey.sections[-1].end < wyaat.sections[0].start
    assert wyaat.sections[-1].end < dorset.sections[0].start


# --- properties of every seed report -------------------------------------------------------


@pytest.mark.parametrize("report", ALL_REPORTS, ids=lambda r: r.report_id)
def test_facts_quote_their_values(report):
    assert report.facts
    assert quote_problems(report) == []


@pytest.mark.parametrize("report", ALL_REPORTS, ids=lambda r: r.report_id)
def test_sections_nest_and_exclude_headings(report):
    previous_end = -1
    heading_lines = {p for s in report.sections for p in s.path}
    for s in report.sections:
        assert previous_end < s.start < s.end <= len(report.text)
        body = report.text[s.start : s.end]
        assert body == body.strip()
        assert not heading_lines & {line.strip() for line in body.splitlines()}, s.path
        previous_end = s.end


@pytest.mark.parametrize("name", [p.name for p in sorted(CORPUS.iterdir())])
def test_no_text_dropped_but_headings(name):
    """Every non-blank line is in some section, or is a heading, title or contents line."""
    reports = parsed(name)
    text = reports[0].text
    covered = [(s.start, s.end) for r in reports for s in r.sections]
    headings = {p for r in reports for s in r.sections for p in s.path}
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped in headings or stripped == "WYAAT Governance":  # a heading over a figure only
            continue
        at = text.find(stripped)
        inside = any(a <= at and at + len(stripped) <= b for a, b in covered)
        if not inside:
            # before the first section: title, date and contents lines; or a case-study heading
            assert at < min(a for a, _ in covered) or stripped.startswith("Case study "), stripped


# --- fallback ---------------------------------------------------------------------------------


def test_unknown_layout_falls_back_to_paragraphs():
    text = "Minutes of the quality board\n\nThe board met in June.\nIt agreed the plan.\n\nNext meeting in July.\n"
    [r] = parse_document(text, "minutes/board-2024-06-01.txt")
    assert r.layout == "unknown"
    assert r.report_id == "minutes/board-2024-06-01"
    assert r.provider == r.title == "Minutes of the quality board"
    [warning] = r.warnings
    assert warning.startswith(UNKNOWN_LAYOUT_WARNING)
    assert warning.endswith("could not find a service type, a report or inspection date, an overall rating, "
                            "key question ratings, scores")
    assert [s.path for s in r.sections] == [("Minutes of the quality board",)] * 2
    assert [r.section_text(s) for s in r.sections] == [
        "The board met in June.\nIt agreed the plan.", "Next meeting in July."]


def test_unknown_layout_with_long_first_line_uses_file_stem(tmp_path):
    path = tmp_path / "rose-court-notes-2024-02-01.txt"
    path.write_text(("A very long opening sentence about nothing in particular. " * 4) + "\nSecond line.\n")
    [r] = parse_file(path, tmp_path)
    assert r.provider == "Rose court notes"
    assert len(r.sections) == 2  # no blank lines: one section per line
    [warning] = r.warnings
    assert warning.startswith(UNKNOWN_LAYOUT_WARNING + "; could not find a location name, a service type")


def test_a_range_written_with_between_keeps_it():
    """ "between 20 and 23 May 2014" is four days; "20 and 23 May 2014" alone would read as two."""
    path = CORPUS.parent / "tests" / "data" / "real" / "real_central-middlesex-hospital_2014-05.txt"
    (r,) = parse_document(path.read_text(encoding="utf-8"), path.name)
    assert (r.date, r.date_text) == ("2014-05-23", "between 20 and 23 May 2014")
    assert r.title == "Central Middlesex Hospital: Inspection between 20 and 23 May 2014"
    assert "between 20 and 23 May 2014" in r.text
