"""A question may name a report's location, one of its aliases, or its registered provider."""

from __future__ import annotations

from pathlib import Path

from assistant.ingest.parse import parse_file
from assistant.models import Filters
from assistant.search.catalog import Catalog

REAL = Path(__file__).resolve().parents[1] / "data" / "real"
FILES = ("real_access-dignity-care_2024-01.txt", "real_new-royal-liverpool-uec_2025-04.txt",
         "real_lordship-lane-surgery_2023-05.txt", "real_chesser-surgery_2024-07.txt")


def catalog() -> Catalog:
    reports = [r for name in FILES for r in parse_file(REAL / name, REAL)]
    return Catalog({r.report_id: r for r in reports})


def test_location_alias_and_registered_provider_name_the_report():
    c = catalog()
    assert c.mentioned("What was New Royal Liverpool University's responsive score?") == ["New Royal Liverpool University"]
    assert c.mentioned("How did Liverpool University Hospitals NHS Foundation Trust do?") == [
        "New Royal Liverpool University"]
    assert c.mentioned("Was Access Dignity safe?") == ["Access Dignity Care Limited"]
    assert c.resolve("Liverpool University Hospitals NHS Foundation Trust") == ["New Royal Liverpool University"]
    assert c.resolve("access dignity") == ["Access Dignity Care Limited"]


def test_rating_filter_reads_the_overall_rating():
    c = catalog()
    inadequate = c.select(Filters(ratings=("inadequate",)))
    assert [r.provider for r in inadequate] == ["Access Dignity Care Limited"]
    # The Chesser Surgery states no overall rating: its one key question's rating stands for it.
    assert "The Chesser Surgery" in {r.provider for r in c.select(Filters(ratings=("requires improvement",)))}


def test_a_name_written_in_full_claims_its_words():
    # "Liverpool" is in both trusts' names; written out in full, the registered provider of New Royal
    # Liverpool University names it alone, and naming both names both.
    reports = [r for name in FILES + ("real_liverpool-womens-hospital-maternity_2025-03.txt",)
               for r in parse_file(REAL / name, REAL)]
    c = Catalog({r.report_id: r for r in reports})
    assert c.mentioned("How did Liverpool University Hospitals NHS Foundation Trust do?") == [
        "New Royal Liverpool University"]
    assert c.mentioned("And New Royal Liverpool University?") == ["New Royal Liverpool University"]
    assert c.mentioned("Compare Liverpool Women's Hospital and New Royal Liverpool University") == [
        "Liverpool Women's Hospital", "New Royal Liverpool University"]
    assert c.mentioned("Which Liverpool hospital?") == ["Liverpool Women's Hospital", "New Royal Liverpool University"]


def test_a_short_name_word_with_a_digit_identifies():
    # "4U" is two characters, but letters with a digit are no filler word; "Care" and "Services" are generic.
    from dataclasses import replace

    reports = [r for name in FILES for r in parse_file(REAL / name, REAL)]
    renamed = replace(reports[0], provider="Care 4U Services (Midlands) Ltd", aliases=(), registered_provider=None)
    c = Catalog({r.report_id: r for r in [renamed, *reports[1:]]})
    assert c.mentioned("What about Care 4U Services?") == ["Care 4U Services (Midlands) Ltd"]
    assert c.mentioned("What about St Care Services?") == []


def test_possessives_numbers_and_plural_organisation_words_name_no_one_alone():
    from assistant.search.names import NameIndex

    names = NameIndex([
        ("lw", "Liverpool Women's Hospital", "Liverpool Women's Hospital", "name"),
        ("bw", "Birmingham Women's Hospital", "Birmingham Women's Hospital", "name"),
        ("ra", "Rampton Hospital", "Rampton Hospital", "name"),
        ("js", "50 John Street", "50 John Street", "name"),
        ("ix", "Inspection carried out on 24 April 2018", "Inspection carried out on 24 April 2018", "name"),  # misread
        ("nc", "Norbury Court", "Kingsley Care Centres Ltd", "registered"),
    ])
    common = {"women", "care", "centres", "inspection"}.__contains__  # words the reports use widely
    said = lambda q: list(names.find(q, common=common).providers)  # noqa: E731
    # The "s" of "women's" is no word of a name beside "women": alone and in lower case, it names neither.
    assert said("How many beds does the women's service at Rampton have?") == ["Rampton Hospital"]
    assert said("How was Liverpool Women's rated?") == ["Liverpool Women's Hospital"]
    # A year, a month or a count is a date or a number in the question, unless beside its name's words.
    assert said("What was Rampton rated in 2018?") == ["Rampton Hospital"]
    assert said("What was Rampton rated at its April 2018 inspection?") == ["Rampton Hospital"]
    assert said("What did CQC say about 50 John Street?") == ["50 John Street"]
    # "centres" is an organisation word, as "centre" is.
    assert said("How many care centres does Rampton run?") == ["Rampton Hospital"]


def test_a_name_inside_a_longer_name_written_out_names_only_the_longer():
    from assistant.search.names import NameIndex

    names = NameIndex([
        ("h", "Central Middlesex Hospital", "Central Middlesex Hospital", "name"),
        ("u", "Central Middlesex Hospital Urgent Treatment Centre", "Central Middlesex Hospital Urgent Treatment Centre",
         "name"),
    ])
    utc = names.find("Which company ran Central Middlesex Hospital Urgent Treatment Centre in 2019?")
    assert utc.providers == ("Central Middlesex Hospital Urgent Treatment Centre",) and utc.places() == 1
    assert names.find("How was Central Middlesex Hospital rated?").providers == ("Central Middlesex Hospital",)


def test_ordinary_words_street_words_and_key_questions_out_of_order_name_no_one():
    from assistant.search.names import NameIndex

    names = NameIndex([
        ("d", "Drovers Call", "Drovers Call", "name"),
        ("s", "Safe Hands Home Care Limited", "Safe Hands Home Care Limited", "name"),
        ("a", "Access Dignity Care Limited", "Access Dignity Care Limited", "name"),
        ("r", "OHP - College Road Surgery", "OHP - College Road Surgery", "name"),
        ("t", "Online Clinic (UK) Limited - Taybridge Road", "Online Clinic (UK) Limited - Taybridge Road", "name"),
    ])
    common = {"calls", "call", "access", "dignity"}.__contains__
    said = lambda q: names.find(q, common=common).providers  # noqa: E731
    # "calls" is an ordinary word the reports use widely: in lower case and alone it names no Drovers Call.
    assert said("Which homecare services had late calls?") == ()
    assert said("What about Drovers Call?") == ("Drovers Call",)
    # A street word is no name of its own: "Rectory Road" is neither College Road nor Taybridge Road.
    assert said("What is the list size of the surgery on Rectory Road?") == ()
    # "safe" names Safe Hands only written as in its name, "Safe Hands"; and the name stops before "safe" again.
    assert said("was access dignity care safe?") == ("Access Dignity Care Limited",)
    found = names.find("Is Safe Hands safe?")
    assert found.providers == ("Safe Hands Home Care Limited",) and [m.said for m in found.mentions] == ["Safe Hands"]
