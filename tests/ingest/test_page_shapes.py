"""Page shapes of real CQC report pages, from excerpts of development-split pages of batch c.

Each excerpt keeps the page's own structure and wording (shortened); values asserted are the ones
the excerpt states. Excerpts © Care Quality Commission, Open Government Licence v3.0.
"""

from __future__ import annotations

from assistant.ingest.parse import parse_document
from assistant.ingest.parse.earlier import EARLIER
from assistant.models import Report
from ingest._facts import quote_problems


def parse(text: str, source: str = "page.txt") -> Report:
    [report] = parse_document(text, source)
    assert quote_problems(report) == []
    return report


def cited(report: Report, name: str) -> str:
    fact = report.fact(name)
    assert fact is not None, name
    return report.text[fact.start : fact.end]


# --- a reports page listing the report before the latest one --------------------------------------

UTC = """• Doctor
  • Urgent care service or mobile doctor

Archived: St Mary's Urgent Treatment Centre

Overall: Good

St Mary's Hospital, Praed Street, London, W2 1NY (0191) 229 7545

Provided and run by:
Vocare Limited

All Inspections

23 July 2021

During an inspection looking at part of the service

This service is rated as Good overall. The service had previously been inspected on 5 June 2019. Overall the report was rated as good, but at the latest inspection in 2019 the service was found to be in breach of regulation 12 (Safe care and treatment) of The Health and Social Care Act 2008 (Regulated Activities) Regulations 2014.

The key questions are rated as:

Are services safe? – Good

5 June 2019

During a routine inspection

This service is rated as Good overall.

The key questions are rated as:

Are services safe? – Requires Improvement

Are services effective? – Good

We carried out an announced comprehensive inspection at St Mary’s Urgent Care Centre on 13 July 2017. The overall rating was inadequate.
"""


def test_only_the_latest_report_on_a_reports_page_states_the_reports_facts():
    r = parse(UTC)
    assert r.layout == "inspection" and r.provider == "St Mary's Urgent Treatment Centre"
    assert r.dates["inspection"].start == "2021-07-23"
    assert str(r.dates["previous"]) == "2019-06-05"
    assert cited(r, "date:previous") == "The service had previously been inspected on 5 June 2019."
    assert r.ratings == (("overall", "Good"), ("safe", "Good"))  # not the 2019 report's effective rating
    assert r.previous_rating == "Good"
    assert r.fact("previous_rating:safe").value == "Requires improvement"  # the 2019 report's own list
    assert r.breaches == ()  # found "at the latest inspection in 2019": history
    earlier = [s for s in r.sections if s.path[0] == EARLIER]
    assert [s.path for s in earlier] == [(EARLIER, "5 June 2019")]
    assert r.section_text(earlier[0]).endswith("The overall rating was inadequate.")
    assert "date:onsite" not in {f.name for f in r.facts} and r.fact("date:inspection").value == "2021-07-23"


TRUST = """• Organisation
  • SERVICE PROVIDER

Chesterfield Royal Hospital NHS Foundation Trust

This is an organisation that runs the health and social care services we inspect

Overall: Good

All Inspections

04 Feb to 02 Apr 2020

During a routine inspection

We have not updated trust-level ratings following these core service inspections because we were not able to complete the trust-level well-led inspection.

6 Sept to 8 Nov 2018

During a routine inspection

Our rating of the trust stayed the same. We rated it as good because:

  • We rated safe, effective, caring, responsive and well led as good.
  • The medical service was rated as good overall. Effective, caring, responsive and well led were rated as good but the rating of safe domain required improvement.
"""


def test_ratings_stand_from_the_report_before_when_the_latest_rated_nothing():
    r = parse(TRUST)
    assert str(r.dates["inspection"]) == "2020-02-04/2020-04-02"
    assert str(r.dates["previous"]) == "2018-09-06/2018-11-08"
    assert dict(r.ratings) == {"overall": "Good", "safe": "Good", "effective": "Good", "caring": "Good",
                               "responsive": "Good", "well-led": "Good"}
    assert cited(r, "rating:safe") == "• We rated safe, effective, caring, responsive and well led as good."
    assert r.previous_rating is None and r.service_type == "SERVICE PROVIDER"


HOSPITAL = """• Hospital
  • NHS hospital

Goole & District Hospital

Overall: Good

Woodland Road, Goole, Humberside, DN14 6RX (01405) 720720

Provided and run by:
Northern Lincolnshire and Goole NHS Foundation Trust

Latest inspection summary

On this page

Overall inspection

Good

Updated 2 December 2022

GDH is the trust’s smallest hospital.

Medical care (including older people’s care)

Good

Updated 7 February 2020

We previously inspected medical care services at this site under this trust and overall rated it as requires improvement with requires improvement in safe, effective and well-led, and good in caring and responsive.

All Inspections

28th-30th June

During a routine inspection

GDH is the trust’s smallest hospital.

24 September to 27 September 2019

During a routine inspection

Our rating of services stayed the same. We rated it them as requires improvement because:

  • There had been little progress identified in this inspection and in some services a deterioration.
"""


def test_a_rated_service_part_is_not_the_locations_and_the_report_before_gives_the_previous_rating():
    r = parse(HOSPITAL)
    assert r.rating == "Good" and r.ratings == (("overall", "Good"),)  # medical care's ratings are its own
    assert r.previous_rating == "Requires improvement"
    assert cited(r, "previous_rating:overall") == "We rated it them as requires improvement because:"
    assert {k: str(v) for k, v in r.dates.items()} == {"updated": "2022-12-02", "previous": "2019-09-24/2019-09-27"}


# --- the 2024-25 assessment layout ---------------------------------------------------------------------

SERVICE_LEVEL = """• Hospital
  • NHS hospital

Central Middlesex Hospital

Overall: Good

Acton Lane, Park Royal, London, NW10 7NS (020) 8965 5733

Provided and run by:
London North West University Healthcare NHS Trust

Important: This service was previously managed by a different provider - see old profile

Report from 28 November 2025 assessment

Ratings

  • Overall

    Good

  • Safe

    Requires improvement

Our view of the service

Central Middlesex Hospital provides a range of NHS hospital services. This assessment looked at urgent and emergency care, which we rated as good. The rating of urgent and emergency care has been combined with the ratings of the other services from the last assessments.

All Inspections

During an assessment of Urgent and emergency services

This is the first time we have assessed the UTC under the assessment group (ASG) of Urgent and Emergency Care.

On this page

Safe

Good

28 November 2025

This is the first assessment for this service. This key question has been rated good.

This service scored 72 (out of 100) for this area.

Learning culture

Score: 3

The service had a proactive and positive culture of safety, based on openness and honesty.
"""


def test_a_plain_ratings_list_on_a_services_report_is_the_locations():
    r = parse(SERVICE_LEVEL)
    assert r.service == "Urgent and emergency services"
    assert r.fact("rating:location").value == "Good"
    assert r.fact("rating:safe").value == "Good"  # the service's key question page, not the list
    assert cited(r, "rating:safe") == "Safe\n\nGood"
    assert r.rating == "Good"
    assert cited(r, "rating:overall") == "This assessment looked at urgent and emergency care, which we rated as good."
    assert r.scores == (("safe", 72),) and str(r.dates["updated"]) == "2025-11-28"


NO_HEADER = """Updated 10 July 2025

We carried out an announced assessment of King George's EUCC from the 9 to 12 June 2025. We carried out this assessment to review the changes made at the previous assessment in June 2023, where the service was found in breach of regulation 12 safe care and treatment and was rated requires improvement overall and in four key questions.

King George's (EUCC) is an urgent treatment service available to anyone living or working in Ilford.

The service is co-located on one level with the emergency department of King George’s Hospital based at Barley Lane, Goodmayes, Ilford, IG3 8YB. It is accessible to those with limited mobility,

The urgent treatment centre is a 24/7 NHS service for patients who walk-in, self-refer, or are referred by the NHS 111 service.
"""


def test_a_page_without_its_header_names_itself_in_its_prose():
    r = parse(NO_HEADER)
    assert r.layout == "assessment" and r.warnings == ()
    assert r.provider == "King George's EUCC" and r.aliases == ("King George's (EUCC)",)
    assert (r.address, r.postcode) == ("Barley Lane, Goodmayes, Ilford, IG3 8YB", "IG3 8YB")
    assert {k: str(v) for k, v in r.dates.items()} == {"updated": "2025-07-10", "assessment": "2025-06-09/2025-06-12",
                                                       "previous": "2023-06"}
    assert r.rating is None and r.previous_rating == "Requires improvement"
    assert r.breaches == ()  # the previous assessment's


# --- older templates ------------------------------------------------------------------------------

PROVIDER_PAGE = """Provider: St George's University Hospitals NHS Foundation Trust Requires improvement

On 18 December 2019, we published a report on how well St George’s University Hospital NHS Foundation Trust uses its resources.

Reports

Inspection carried out on 17 July to 5 September 2019

During a routine inspection

Our rating of the trust stayed the same. We rated it as requires improvement because:

  • We rated safe, effective, responsive and well-led as requires improvement. We rated caring as good.

CQC inspections of services

Service reports published 19 July 2018
Inspection carried out on 6 Mar to 18 Apr 2018 During an inspection of Community health inpatient services
Inspection carried out on 21 June 2016 - 23 June 2016 During an inspection of Community end of life care
"""


def test_an_older_provider_page():
    r = parse(PROVIDER_PAGE)
    assert r.provider == "St George's University Hospitals NHS Foundation Trust"
    assert r.service_type == "SERVICE PROVIDER" and r.service is None  # the listed services' reports are others'
    assert r.aliases == ("St George’s University Hospital NHS Foundation Trust",)
    assert r.rating == "Requires improvement"  # the title's badge, cited by the sentence stating it
    assert cited(r, "rating:overall") == "We rated it as requires improvement because:"
    assert dict(r.ratings) == {"overall": "Requires improvement", "safe": "Requires improvement",
                               "effective": "Requires improvement", "caring": "Good",
                               "responsive": "Requires improvement", "well-led": "Requires improvement"}
    assert {k: str(v) for k, v in r.dates.items()} == {"inspection": "2019-07-17/2019-09-05"}
    assert [s.path[1] for s in r.sections if s.path[0] == EARLIER] == [
        "6 Mar to 18 Apr 2018: Community health inpatient services", "21 June 2016 - 23 June 2016: Community end of life care"]
    assert r.section_text(next(s for s in r.sections if s.path[0] == EARLIER)).startswith("CQC inspections of services")


SUMMARY_PAGE = """Scunthorpe General Hospital Requires improvement

Inspection Summary


Overall summary & rating

Requires improvement

Updated 12 September 2018

Our rating of services improved. We rated it them as requires improvement because:

  • We rated safe, effective, responsive and well led as requires improvement and caring and as good.
  • We rated two of the hospital’s nine services as good, six as requires improvement and one as inadequate.
"""


def test_an_older_summary_page_with_its_rating_under_a_heading():
    r = parse(SUMMARY_PAGE)
    assert r.layout == "inspection" and r.provider == "Scunthorpe General Hospital"
    assert cited(r, "rating:overall") == "Overall summary & rating\n\nRequires improvement"
    assert dict(r.ratings) == {"overall": "Requires improvement", "safe": "Requires improvement",
                               "effective": "Requires improvement", "caring": "Good",
                               "responsive": "Requires improvement", "well-led": "Requires improvement"}


# --- the previous inspection told in prose -------------------------------------------------------------

# Two pages' background paragraphs in one (Beechfields Nursing Home's, then St Andrew's Healthcare Womens
# Service's with its dates moved to 2018), to show the latest earlier inspection winning.
BACKGROUND = """• Care Home
  • Care home

Archived: Beechfields Nursing Home Limited

Overall: Requires improvement

1 Wissage Road, Lichfield, Staffordshire, WS13 6EJ (01543) 418354

Provided and run by:
Tudor Care Limited

All Inspections

22 January 2019

During a routine inspection

About the service:

Beechfields is a care home providing accommodation and nursing care to up to 35 people aged 65 and over.

The service has been in special measures since June 2017, when we rated the service as ‘Inadequate’ in the areas of Safe and Well Led due to widespread breaches of regulations.

We inspected the service again in November 2017 and found that insufficient improvements had been made. We continued to monitor the service and inspected again in June 2018.

This location has been inspected ten times. The last comprehensive inspection of this location was in July and August 2018. The location was rated as inadequate overall and placed into special measures. Safe was rated as inadequate, effective rated requires improvement, caring rated inadequate.
"""


def test_the_previous_inspection_is_the_latest_earlier_one_and_its_ratings_are_previous():
    r = parse(BACKGROUND)
    assert str(r.dates["previous"]) == "2018-07/2018-08"  # later than "again in June 2018"
    assert r.rating == "Requires improvement" and r.ratings == (("overall", "Requires improvement"),)
    assert r.previous_ratings == (("overall", "Inadequate"), ("safe", "Inadequate"),
                                  ("effective", "Requires improvement"), ("caring", "Inadequate"))
    assert "an archived location page: the location is no longer registered" in r.warnings


def test_inspected_again_dates_the_previous_inspection():
    text = BACKGROUND.split("This location has been")[0]
    r = parse(text)
    assert str(r.dates["previous"]) == "2018-06"
    assert cited(r, "date:previous") == "We continued to monitor the service and inspected again in June 2018."


def test_the_account_of_the_previous_inspection_ends_with_a_sentence_that_rates_nothing():
    """Synthetic, in the older layout's words."""
    text = ("Elm House\n\nOverall rating for this service\n\nGood\n\nWe carried out an announced comprehensive inspection of "
            "Elm House on 3 May 2023.\n\nAt our last inspection we rated the service requires improvement. The service "
            "was rated inadequate for safe. We found improvements had been made. The service was rated good for safe.\n")
    r = parse(text)
    assert r.provider == "Elm House"
    assert cited(r, "rating:overall") == "Overall rating for this service\n\nGood"
    assert r.previous_ratings == (("overall", "Requires improvement"), ("safe", "Inadequate"))
    assert r.fact("rating:safe").value == "Good"
