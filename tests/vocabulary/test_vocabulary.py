"""The closed vocabulary: ratings, key questions, comparators, services, fields, quantifiers, framing."""

from __future__ import annotations

import pytest

from assistant import vocabulary as v


@pytest.mark.parametrize("text, op, threshold", [
    ("Which providers got less than 60 for well-led?", "lt", "60"),
    ("Which providers scored lower than 60?", "lt", "60"),
    ("any services scoring under 60 for well-led", "lt", "60"),
    ("scored 75 or more for safe", "ge", "75"),
    ("at least 70 out of 100", "ge", "70"),
    ("no more than 50 points", "le", "50"),
    ("rated good or better", "ge", "Good"),
    ("which homes were rated req imp", "eq", "Requires improvement"),
    ("Which were rated good?", "eq", "Good"),
    ("above 80%", "gt", "80"),
])
def test_a_condition_is_read_from_the_comparator_and_its_target(text, op, threshold):
    got = v.condition_in(text)
    assert (got.op, got.threshold) == (op, threshold)


def test_a_condition_holds_by_number_or_by_rating_order():
    assert v.condition_in("below 60").holds("50") and not v.condition_in("below 60").holds("60")
    assert v.condition_in("good or better").holds("Outstanding")
    assert not v.condition_in("good or better").holds("Requires improvement")
    assert v.condition_in("no rating here") is None


def test_key_questions_are_found_by_the_words_people_use():
    said = v.key_question_phrases().find("How did they do on safety, and how well run is the place?")
    assert [m.value for m in said] == ["safe", "well-led"]
    assert v.key_question_phrases().values("Was leadership good?") == ["well-led"]


def test_services_and_fields_map_to_canonical_names():
    assert v.service_phrases().values("How was A&E at the hospital? And maternity?") == [
        "Urgent and emergency services", "Maternity"]
    assert v.field_phrases().values("How many beds does it have?") == ["capacity"]
    assert v.field_phrases().values("Who runs the Limes?") == ["provider"]


def test_regulations_are_read_by_number_not_by_the_year_of_the_act():
    assert v.regulation_numbers("a breach of Regulation 12 and 17 of the Regulations 2014") == ["12", "17"]
    assert v.REGULATIONS["17"] == "Good governance"
    assert v.regulation_phrases().values("problems with good governance") == ["17"]


def test_quantifiers_tell_few_from_not_only():
    found = v.quantifier_phrases().find("Few staff knew. Not only were staff aware, most were trained.")
    assert [(m.value, m.said) for m in found] == [("none", "Few"), ("not_negating", "Not only"), ("some", "most")]


def test_framing_is_stripped_and_nothing_else():
    assert v.strip_framing("Can you tell me when Iridium was inspected?") == "When Iridium was inspected?"
    assert v.strip_framing("I'd like to know, please, what Meon scored") == "What Meon scored"
    assert v.strip_framing("What did the report tell us?") == "What did the report tell us?"


def test_ratings_keep_cqc_casing_and_order():
    assert v.RATINGS == ("Outstanding", "Good", "Requires improvement", "Inadequate")
    assert v.rating_of("requires  Improvement.") == "Requires improvement"
    assert v.rating_rank("Inadequate") == 0 and v.rating_rank("Not rated") is None
    assert v.statement_kq("Freedom to speak up") == "well-led"


def test_counts_are_read_as_written():
    assert v.number_value("Thirty four") == 34 and v.number_value("twenty-six") == 26
    assert v.number_value("6,000") == 6000 and v.number_value("two hundred") == 200
    assert v.number_value("several") is None


def test_address_parts_tell_places_from_counties_streets_and_buildings():
    assert v.is_county("South Humberside") and v.is_county("Greater Manchester") and not v.is_county("Bristol")
    assert v.names_a_street_or_building("Studley Road") and v.names_a_street_or_building("Capital Tower")
    assert v.names_a_street_or_building("Blackpole Trading Estate West") and v.names_a_street_or_building("Unit 1")
    assert not v.names_a_street_or_building("Park Royal") and not v.names_a_street_or_building("Stoke Gifford")


def test_rating_changes_and_ratings_as_verbs():
    assert [m.value for m in v.change_phrases().find("The rating went up, then stayed the same; safe declined")] == [
        "improved", "remained", "declined"]
    assert v.rating_of("required improvement") == "Requires improvement" and v.rating_of("RI") is None


def test_enforcement_actions_leave_out_a_requirement_notice():
    said = v.enforcement_phrases().values("We served a warning notice and a requirement notice, and imposed conditions.")
    assert said == ["warning notice", "requirement notice", "conditions"]
    assert "requirement notice" not in v.enforcement_actions() and "special measures" in v.enforcement_actions()


def test_regulation_numbers_with_their_names_in_brackets():
    assert v.regulation_numbers("breaches of regulation 12 (safe care and treatment) and 17 (good governance)") == [
        "12", "17"]
    assert v.regulation_numbers("Regulation 17 HSCA (Regulated Activities) Regulations 2014") == ["17"]


def test_stated_cues_by_kind():
    assert v.stated("at_the_time").first("At the time of our inspection there were 23 people") is not None
    assert v.stated("people").values("23 older people and 4 patients") == ["people"]
