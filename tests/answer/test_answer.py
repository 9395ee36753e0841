"""Grounded answers: values with their stating sentence, set questions with negation, and no-answer."""

import pytest

from _answers import grounded
from assistant.models import Filters


def finding(answer, provider):
    return next(p for p in answer.providers if p.name == provider)


def cited(answer, n):
    return answer.citations[n - 1]


def assert_grounded(answer, data):
    """Every citation quotes its report exactly; the [n] are the citations, numbered in order of use."""
    grounded(answer, data)


def test_ftsu_awareness_set_question_reads_negation(assistant, data):
    answer = assistant.ask("Which providers lacked FTSU awareness?")
    assert not answer.no_answer and answer.kind == "set"
    assert len(answer.providers) == 7  # every provider in the corpus is considered

    heartbeat = finding(answer, "Heartbeat Alliance")
    assert heartbeat.finding == "partly"
    assert cited(answer, heartbeat.citations[0]).text == (
        "However, not all staff were aware of the Freedom to Speak Up Guardian."
    )
    # "Staff told us they knew how to contact the freedom to speak up team" is awareness, not a lack.
    kidderminster = finding(answer, "Kidderminster Hospital and Treatment Centre")
    assert kidderminster.finding == "meets"
    assert "knew how to contact the freedom to speak up team" in cited(answer, kidderminster.citations[0]).text
    assert finding(answer, "Iridium Medical Practice").finding == "meets"
    assert finding(answer, "Hertfordshire IUC Service and HUC HQ").finding == "no evidence"
    assert finding(answer, "Our Dorset").citations == ()

    first_line = answer.text.splitlines()[0]
    assert "Heartbeat Alliance" in first_line and "Kidderminster" not in first_line
    assert answer.focus == ("Heartbeat Alliance",)
    assert_grounded(answer, data)


def test_breach_set_question(assistant, data):
    answer = assistant.ask("Which practices were in breach of regulations?")
    iridium = finding(answer, "Iridium Medical Practice")
    assert iridium.finding == "lacking"
    assert cited(answer, iridium.citations[0]).text == (
        "The service was in breach of legal regulation in relation to good governance."
    )
    others = [p for p in answer.providers if p.name != "Iridium Medical Practice"]
    assert all(p.finding == "no evidence" for p in others)
    assert_grounded(answer, data)


def test_set_question_respects_filters(assistant):
    answer = assistant.ask("Which providers lacked FTSU awareness?", Filters(service_types=("GP",)))
    assert {p.name for p in answer.providers} == {"Heartbeat Alliance", "Iridium Medical Practice"}


@pytest.mark.parametrize(
    "question, provider, phrase, sentence",
    [
        ("What was Iridium's well-led score?", "Iridium Medical Practice", "scored 50 out of 100",
         "This service scored 50 (out of 100) for this area."),
        ("When was Kidderminster assessed?", "Kidderminster Hospital and Treatment Centre", "24 July 2024",
         "Report from 24 July 2024 assessment"),
        ("How was Iridium Medical Practice rated?", "Iridium Medical Practice", "Requires improvement",
         "At this assessment, the rating has changed to requires improvement."),
        ("What was Heartbeat Alliance's previous rating?", "Heartbeat Alliance", "previously rated Inadequate",
         "At our last inspection in May 2022, we rated the provider as inadequate"),
        ("What is the population of Our Dorset?", "Our Dorset", "800,000", "800,000"),
        ("What was the safe rating for Hertfordshire IUC?", "Hertfordshire IUC Service and HUC HQ",
         "rated Good for Safe", "Are services safe? – Good"),
    ],
)
def test_value_questions_cite_the_stating_sentence(assistant, data, question, provider, phrase, sentence):
    answer = assistant.ask(question)
    assert answer.kind == "value" and not answer.no_answer
    assert phrase in answer.text
    assert answer.citations[0].provider == provider
    assert sentence in answer.citations[0].text
    assert_grounded(answer, data)


def test_value_across_providers_lists_each(assistant):
    answer = assistant.ask("Which providers scored 75?")
    assert "Heartbeat Alliance" in answer.text and "Kidderminster" in answer.text
    assert "scored 50" in answer.text  # Iridium's value is shown too, so the reader can compare
    assert {p.name for p in answer.providers} == {"Heartbeat Alliance", "Kidderminster Hospital and Treatment Centre"}
    below = assistant.ask("Which providers scored below 60?")
    assert [p.name for p in below.providers] == ["Iridium Medical Practice"]
    assert below.text.startswith("1 match (7 providers checked): Iridium Medical Practice.")
    assert [p.answers for p in below.providers] == [True]
    # A selection says so (the chat shows "matches", not "meets"); a set question over a standard does not.
    assert below.selection and not assistant.ask("Which providers lacked FTSU awareness?").selection


def test_value_not_stated_is_no_answer(assistant):
    answer = assistant.ask("What was the well-led score of Our Dorset?")
    assert answer.no_answer and answer.citations == ()
    assert "Our Dorset" in answer.text


def test_passage_answer_quotes_the_provider(assistant, data):
    answer = assistant.ask("How many complaints did Iridium report?")
    assert not answer.no_answer and answer.kind == "passage"
    assert all(c.provider == "Iridium Medical Practice" for c in answer.citations)
    assert any("71 complaints" in c.text or "35 complaints" in c.text for c in answer.citations)
    assert_grounded(answer, data)


def test_thematic_question_draws_on_case_studies(assistant, data):
    answer = assistant.ask("How do integrated care systems oversee quality?")
    assert not answer.no_answer
    assert {c.provider for c in answer.citations} & {"Surrey Heartlands ICS", "Our Dorset"}
    assert_grounded(answer, data)


def test_empty_question_is_refused(assistant):
    with pytest.raises(ValueError, match="empty"):
        assistant.ask("   ")


def test_follow_up_inherits_providers(assistant):
    from assistant.chat.conversation import Conversation

    chat = Conversation(assistant)
    chat.ask("Which providers lacked FTSU awareness?")
    answer = chat.ask("and what was their well-led score?")
    assert answer.resolved_query == "well-led score · Heartbeat Alliance"
    assert "scored 75 out of 100" in answer.text
    chat.reset()
    assert chat.focus() == ()
