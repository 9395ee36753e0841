"""Value answers: stated values cited by their stating sentence, values at an earlier time, false premises."""

import pytest

from _answers import cited, grounded, real_assistant, texts  # noqa: F401 (real_assistant is a fixture)
from assistant.answer import facts
from assistant.models import Fact, Report

KIDDERMINSTER = "Kidderminster Hospital and Treatment Centre"


def test_a_value_at_an_earlier_inspection_comes_from_the_reports_history(assistant, data):
    answer = assistant.ask("What was Heartbeat Alliance's well-led rating at its May 2022 inspection?")
    assert not answer.no_answer and answer.kind == "value"
    assert "in May 2022" in answer.text and "rated Inadequate" in answer.text
    assert cited(answer, 1).text.startswith("At our last inspection in May 2022, we rated the provider as inadequate")
    # Today's rating is not given for an earlier time.
    assert "Good" not in answer.text
    grounded(answer, data)


def test_a_time_no_report_covers_is_declined(assistant):
    answer = assistant.ask("What was Iridium's well-led rating in 2019?")
    assert answer.no_answer and answer.reason == "not_stated" and answer.citations == ()
    assert "2019" in answer.text and "13 January 2025" in answer.text  # says which report there is
    undated = assistant.ask("What was Our Dorset's rating in 2024?")  # a page that states no date at all
    assert undated.no_answer and undated.text.endswith("(Our Dorset's report states no date).")


@pytest.mark.slow
def test_a_year_is_read_from_a_history_sentence(real_assistant):
    answer = real_assistant.ask("What was the New Royal Liverpool rated in 2021?")
    assert not answer.no_answer and "rated Inadequate" in answer.text
    assert texts(answer) == ["The service was previously rated as inadequate in 2021 and it is now rated as good."]
    grounded(answer, real_assistant.data)


def test_a_false_premise_is_corrected(assistant, data):
    answer = assistant.ask("Why was Kidderminster rated inadequate?")
    assert not answer.no_answer
    assert answer.text == (f"**{KIDDERMINSTER}** was not rated inadequate: it was rated Good for Well-led [1].")
    assert cited(answer, 1).text == "Our rating for this key question has improved and is now good."
    grounded(answer, data)


def test_a_true_premise_is_answered_with_the_reports_concerns(assistant, data):
    answer = assistant.ask("Why was Iridium rated requires improvement?")
    assert answer.text.startswith("**Iridium Medical Practice** was rated Requires improvement for Well-led [1].")
    assert "Governance processes required improvement." in texts(answer)
    grounded(answer, data)


def test_no_provider_matching_a_value_condition_lists_none(assistant, data):
    answer = assistant.ask("Which providers were rated inadequate?")
    assert answer.kind == "set" and answer.focus == () and answer.providers == ()
    assert answer.text.startswith("0 match (7 providers checked): none.")
    grounded(answer, data)


def test_a_value_the_report_does_not_state_says_so(assistant):
    answer = assistant.ask("What was Iridium Medical Practice's safe rating?")
    assert answer.no_answer and answer.reason == "not_stated"
    assert answer.text == "No report in scope states a Safe rating for Iridium Medical Practice."


def _report(facts_, key_question=None, layout="assessment"):
    text = "x" * 200
    return Report("r", "r.txt", "R", "R", layout, text, (), key_question=key_question,
                  facts=tuple(Fact(n, v, i * 10, i * 10 + 5) for i, (n, v) in enumerate(facts_)))


def test_facts_read_both_naming_schemes():
    old = _report([("score", "50"), ("rating", "Requires improvement"), ("previous_rating", "Good"),
                   ("date", "2025-01-13")], key_question="Well-led")
    assert facts.find(old, "score", "well-led").value == "50"
    assert facts.find(old, "rating").scope == "well-led"
    assert facts.find(old, "previous_rating", "well-led").value == "Good"
    assert facts.find(old, "date").name == "date:report"
    assert facts.find(old, "rating", "safe") is None
    new = _report([("rating:overall", "Inadequate"), ("rating:safe", "Inadequate"), ("score:safe", "28"),
                   ("score:effective", "58"), ("rating", "Inadequate"), ("date:report", "2024-01-16")])
    assert facts.find(new, "rating").value == "Inadequate" and facts.find(new, "rating").scope == "overall"
    assert facts.find(new, "score") is None  # two scores: a score question must name its key question
    assert list(facts.per_key_question(new, "score")) == ["safe", "effective"]
    # A scheme name wins over an old-style one for the same value.
    assert facts.find(new, "rating", "overall").fact.start == 0
    assert facts.rating_rank("Requires improvement") < facts.rating_rank("Good")
    assert facts.rating_rank("Not rated") is None


def test_an_inspection_date_is_not_answered_with_the_pages_update_date():
    # Black Country Healthcare's page (dev) states only "Updated 18 May 2023": not when CQC inspected.
    from assistant.answer.value import date_asked

    updated_only = _report([("date:updated", "2023-05-18")])
    assert date_asked(updated_only, "inspection") is None  # "When did CQC inspect …?"
    assert date_asked(updated_only, None).value == "2023-05-18"  # "What date is the report?"
    assessed = _report([("date:updated", "2023-05-18"), ("date:assessment", "2023-04-03")])
    assert date_asked(assessed, "inspection").value == "2023-04-03"


def test_a_rating_before_a_dated_report_is_the_previous_rating_that_report_states(assistant, data):
    answer = assistant.ask("What was Iridium's previous well-led rating before January 2025?")
    assert not answer.no_answer and answer.text.startswith("- **Iridium Medical Practice (13 January 2025)**: "
                                                           "previously rated Good for Well-led [1]")
    grounded(answer, data)
