"""Facts read from prose in every layout, each on a development page that states it.

Towns, changes of rating, core services' ratings, enforcement, capacity, people using the service,
the registered manager, population, breaches and the report's own and earlier dates: each test parses
a real page of the development split and checks the value and the sentence it cites. Pages © Care
Quality Commission, Open Government Licence v3.0.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from assistant.ingest.parse import parse_file
from assistant.models import Report

REAL = Path(__file__).resolve().parents[1] / "data" / "real"


@cache
def page(name: str) -> Report:
    [report] = parse_file(REAL / f"real_{name}.txt", REAL)
    return report


def said(report: Report, name: str, value: str | None = None) -> str:
    """The text cited by the fact ``name`` (with ``value``, when several share the name)."""
    fact = next(f for f in report.facts if f.name == name and (value is None or f.value == value))
    return report.text[fact.start : fact.end]


# --- the address line's places ---------------------------------------------------------------

def test_towns_are_the_places_after_the_street_without_the_county():
    assert page("cherrytree-residential-home_2023-06").towns == ("Countesthorpe", "Leicester")
    assert page("winton-health-centre_2021-08").towns == ("Winton", "Bournemouth")  # building, number, street
    assert page("practice-plus-group-nhs-111-south-west_2021-12").towns == ("Stoke Gifford", "Bristol")  # not Avon
    assert page("rampton-hospital_2016-10").towns == ("Woodbeck", "Retford")  # no street: every part a place
    assert page("west-midlands-iuc-worcester_2018-03").towns == ("Worcester",)  # "Blackpole Trading Estate West"
    report = page("cherrytree-residential-home_2023-06")
    assert said(report, "town", "Leicester").startswith("123 Station Road, Countesthorpe")


# --- ratings and their changes ----------------------------------------------------------------

def test_a_change_of_rating_is_read_from_its_words_and_its_two_ratings():
    report = page("george-eliot-medical-care_2024-04")
    assert dict(report.rating_changes) == {"safe": "improved", "effective": "improved", "well-led": "improved",
                                           "caring": "remained", "responsive": "remained"}
    assert said(report, "rating_change:caring") == "Caring remained good and Responsive remained as requires improvement."
    changed = page("ivy-sage-homecare-office_2025-01")  # "At our last … requires improvement. … changed to good."
    assert changed.fact("rating_change:safe").value == "improved"
    assert said(changed, "rating_change:safe").startswith("At our last assessment we rated this key question")
    told_by_two = page("hollyhurst-medical-centre_2024-11")  # no word of change: the two ratings tell it
    assert told_by_two.fact("rating_change:effective").value == "improved"
    stayed = page("charing-cross-hospital_2019-02")
    assert stayed.fact("rating_change:overall").value == "remained"
    assert said(stayed, "rating_change:overall") == "Our rating of services stayed the same."


def test_a_rating_that_remains_is_the_rating_before_and_now():
    report = page("queens-hospital-romford-maternity_2024-08")
    assert report.service == "Maternity"  # "We carried out this … inspection of maternity services at …"
    assert (report.fact("rating:overall").value, report.fact("previous_rating:overall").value) == (
        "Requires improvement", "Requires improvement")
    assert said(report, "previous_rating:safe") == "The rating for safe and well-led remains requires improvement."
    assert report.fact("rating_change:well-led").value == "remained"


def test_older_layout_ratings_in_prose():
    report = page("hollins-grove-surgery_2019-11")  # "We rated the practice good for providing safe, … services"
    assert all(report.fact(f"rating:{kq}").value == "Good" for kq in ("safe", "effective", "caring", "responsive", "well-led"))
    assert report.fact("previous_rating:well-led").value == "Inadequate"  # in the account of March 2019
    harley = page("harley-street-healthcare-clinic_2022-02")
    assert said(harley, "previous_rating:overall") == "(Previous inspection July 2021 – Inadequate)"
    assert harley.fact("date:previous").value == "2021-07"
    ohp = page("ohp-college-road-surgery_2024-03")  # "… rated as Good overall, with all key questions rated as good."
    assert {kq for kq, _ in ohp.ratings} == {"overall", "safe", "effective", "caring", "responsive", "well-led"}
    carried = page("hollyhurst-medical-centre_2022-10")  # "Caring - not inspected, rating of good carried forward …"
    assert carried.fact("rating:caring").value == "Good"


# --- core services ------------------------------------------------------------------------------

def test_a_paragraph_about_another_service_rates_that_service_not_the_location():
    report = page("charing-cross-hospital_2019-02")
    ratings = {(s, t): v for s, t, v in report.service_ratings}
    assert ratings[("Critical care", "overall")] == "Good"
    assert ratings[("Surgery", "safe")] == "Requires improvement" and ratings[("Surgery", "well-led")] == "Good"
    assert ratings[("Medical care (including older people's care)", "caring")] == "Outstanding"
    assert report.fact("rating:caring") is None  # the services' key questions are not the hospital's


def test_a_location_page_that_also_reports_a_service():
    report = page("hull-royal-infirmary_2023-08")  # "Pages 1 and 2 of this report relate to the hospital …"
    assert report.service is None and report.fact("rating:overall").value == "Inadequate"
    assert dict(((s, t), v) for s, t, v in report.service_ratings)[("Maternity", "overall")] == "Inadequate"
    assert said(report, "service_rating:Maternity:overall") == "Maternity is rated inadequate."
    heading = page("goole-district-hospital_2022-12")  # a service's heading over its rating line
    assert said(heading, "service_rating:Medical care (including older people's care):overall").endswith("Good")


def test_a_services_report_rates_its_service_by_name_too():
    report = page("new-royal-liverpool-uec_2025-04")
    assert report.fact("service_rating:Urgent and emergency services:responsive").value == "Requires improvement"
    assert report.fact("service_score:Urgent and emergency services:well-led").value == "75"
    assert report.fact("rating:location").value == "Not rated"


# --- enforcement --------------------------------------------------------------------------------

def test_enforcement_with_its_date_and_regulation():
    report = page("harley-street-healthcare-clinic_2022-02")
    assert report.facts_named("enforcement") and [f.value for f in report.facts_named("enforcement")] == [
        "special measures; 2021-07", "conditions; 2021-07; Regulation 12", "conditions; 2021-07; Regulation 17",
        "warning notice; 2021-07; Regulation 12"]  # a requirement notice is no enforcement
    header = page("st-andrews-healthcare-northampton-acute_2025-02")  # told in an "Important:" notice
    assert header.fact("enforcement").value == "conditions; 2025-07-14"
    assert header.fact("date:report").value == "2025-02-04"  # the header goes on past the notice
    served = page("gordon-street-surgery_2023-05")  # the date said with the action wins over the sentence's
    assert served.fact("enforcement").value == "warning notice; 2021-07-01; Regulation 19"
    shared = page("lordship-lane-surgery_2023-05")  # "the warning notice and requirement notice, which had been issued …"
    assert shared.fact("enforcement").value == "warning notice; 2021-04"
    ended = page("sherwood-rise-medical-centre_2023-07")  # "take the practice out of special measures"
    assert ended.fact("enforcement") is None


# --- measures of the service ----------------------------------------------------------------------

def test_capacity_people_manager_and_population():
    home = page("cherrytree-residential-home_2023-06")
    assert (home.fact("capacity").value, home.fact("people_using_service").value) == ("40 places", "23")
    assert said(home, "capacity") == "The service can support up to 40 people."
    assert page("priory-hospital-preston_2022-09").fact("capacity").value == "38 beds"  # "a 38-bedded … hospital"
    assert page("nottingham-city-hospital_2023-04").fact("capacity") is None  # a unit's beds, not the hospital's
    assert page("cherrybrook-care-home_2022-02").fact("people_using_service").value == "34"  # "Thirty four people"
    assert page("limes-retirement-home_2022-04").fact("registered_manager").value == "yes"
    assert page("welham-house_2023-09").fact("registered_manager").value == "no"  # "there was not a registered manager"
    mentioned = page("harley-street-healthcare-clinic_2022-02")  # "we spoke to the registered manager"
    assert mentioned.fact("registered_manager").value == "yes"
    assert page("beechfields-nursing-home_2024-01").fact("registered_manager") is None  # only "required to have"
    assert page("chesser-surgery_2024-07").fact("population").value == "6000"  # "over 6,000 people registered"
    assert page("dovecot-surgery_2025-10").fact("population").value == "4258"  # a practice "delivers services to"
    assert page("queens-hospital-romford-maternity_2025-08").fact("population") is None  # the trust's population


# --- breaches ---------------------------------------------------------------------------------------

def test_breaches_by_number_and_by_topic():
    report = page("friarsgate-practice_2024-01")
    assert report.breaches == ("Regulation 12: Safe care and treatment",)  # "regulation 12 safe care and treatment"
    topics = page("chesser-surgery_2024-07")
    assert topics.breaches == () and [f.value for f in topics.facts_named("breach_topic")] == [
        "safe care and treatment", "governance", "staffing"]
    earlier = page("harley-street-healthcare-clinic_2022-02")  # told in the account of July 2021
    assert earlier.breaches == ()
    assert page("private-ambulance-service_2016-08").breaches == ("Regulation 19",)  # "contrary to regulation 19"


# --- dates --------------------------------------------------------------------------------------------

def test_a_review_of_data_is_no_report_and_dates_nothing():
    report = page("grove-residential-home-maidstone_2021-03")  # "During a monthly review of our data" above it
    assert report.fact("date:inspection").value == "2021-03-22" and report.date == "2021-03-22"


def test_the_reports_own_dates_and_the_previous_inspection():
    visit = page("private-ambulance-service_2016-08")  # two visits of one inspection
    assert visit.fact("date:inspection").value == "2016-08-02/2016-08-12"
    hospice = page("saint-francis-hospice_2016-04")  # "took place on 18, 19, 20, 21 and 26 April 2016"
    assert hospice.fact("date:inspection").value == "2016-04-18/2016-04-26"
    updated = page("capital-homecare-uk_2023-03")  # "Updated" over "8 July 2023"
    assert updated.fact("date:updated").value == "2023-07-08" and updated.fact("date:inspection").value == "2023-03-21"
    earlier = page("doctor-care-anywhere_2017-11")  # "CQC inspected the service on 24 May 2017"
    assert earlier.fact("date:previous").value == "2017-05-24"
    assert page("gordon-street-surgery_2023-05").fact("date:previous").value == "2021-09-22"  # "last … review"


# --- names in prose ---------------------------------------------------------------------------------

def test_a_page_without_its_header_names_itself_and_its_trust():
    report = page("birmingham-heartlands-hospital_2020-12")  # "You are here" / title / … "is part of the …"
    assert report.provider == "Birmingham Heartlands Hospital"
    assert report.registered_provider == "University Hospitals Birmingham NHS Foundation Trust"
    assert "BHH" in report.aliases  # "Birmingham Heartlands Hospital (BHH)"
    trust = page("derbyshire-community-health-services-nhs-ft_2021-12")  # a trust's own page
    assert trust.registered_provider == trust.provider
    assert page("dovecot-surgery_2025-10").service_type == "GP practice"  # "The Dovecot Surgery is a GP practice"


def test_other_names_of_the_location():
    assert "Meadow Lodge" in page("meadow-lodge-care-home-birmingham_2021-02").aliases  # "Meadow Lodge is a care home"
    assert "Saint Mary’s Birth Centre" in page("st-marys-birth-centre_2023-03").aliases
    assert not any("lion-health" in a for a in page("lion-health_2018-07").aliases)  # www.lion-health.co.uk
    assert page("beechfields-nursing-home_2024-01").aliases == ()  # "Beechfields Nursing Home is a …" drops "Limited"
