"""Passage answers: sentences chosen by meaning and words together, gated, and quoted with what they need."""

import pytest

from _answers import grounded, texts
from assistant.config import AnswerSettings

IRIDIUM = "Iridium Medical Practice"


def test_a_paraphrase_is_answered_by_meaning(assistant, data):
    # No content word of the question is in the sentence: only the sentence vectors can find it.
    answer = assistant.ask("Did Iridium employees feel pushed to keep going while ill?")
    assert not answer.no_answer and answer.kind == "passage"
    assert texts(answer)[0] == ("However, some staff said they felt under pressure to continue to work from home "
                                "even when they were sick.")
    grounded(answer, data)


def test_question_frame_words_do_not_sink_an_answer(assistant, data):
    # "inspectors" and "find" frame the question; the report says recruitment processes were not effective.
    answer = assistant.ask("What did inspectors find about Iridium's recruitment checks?")
    assert not answer.no_answer
    assert any("Recruitment processes and processes to monitor ongoing checks, appraisals and training were not "
               "effective." == t for t in texts(answer))
    assert {c.provider for c in answer.citations} == {IRIDIUM}
    grounded(answer, data)


def test_a_figure_comes_with_its_correction(assistant, data):
    answer = assistant.ask("How many complaints did Iridium report?")
    told = "We were told during the site visit there had been 35 complaints between December 2023 and December 2024."
    fixed = "However, information sent to us after the site visit showed there had been 71 complaints."
    assert told in texts(answer) and fixed in texts(answer)
    # Both quoted, the correction right after the figure it corrects.
    assert texts(answer).index(fixed) == texts(answer).index(told) + 1
    assert answer.text.index("35 complaints") < answer.text.index("71 complaints")
    grounded(answer, data)


def test_a_lead_in_brings_the_items_it_introduces(assistant, data):
    answer = assistant.ask("What was outstanding about Hertfordshire IUC's training?")
    quoted = texts(answer)
    lead = quoted.index("We saw two areas of outstanding practice:")
    assert "graduate bay" in quoted[lead + 1]
    grounded(answer, data)


def test_how_many_needs_a_figure_about_the_thing_asked(assistant):
    answer = assistant.ask("How many staff work in the WYAAT programme management office?")
    assert texts(answer)[0] == "- **Dedicated PMO with 20 staff**, which supports the trusts to collaborate."
    # Our Dorset's case study states populations and dates, but no count of staff.
    declined = assistant.ask("How many staff does Our Dorset employ?")
    assert declined.no_answer and declined.reason == "no_passage" and declined.citations == ()


@pytest.mark.parametrize(
    "question",
    [
        "What is the CQC policy on parking fines?",
        "How many beds does the hospital's maternity unit have?",
        "What did the inspectors say about the canteen menu?",
        "What did inspectors find about medicines management at Hertfordshire IUC Service?",
    ],
)
def test_a_weak_match_is_declined(assistant, question):
    answer = assistant.ask(question)
    assert answer.no_answer and answer.citations == ()
    assert answer.reason == "no_passage" and answer.text.startswith("No passage in the reports")


def test_the_gate_is_a_setting(data, embedder):
    from assistant.session import build_assistant

    question = "Did Iridium employees feel pushed to keep going while ill?"
    strict = build_assistant(data, embedder, answer_settings=AnswerSettings(gate_threshold=5.0))
    assert strict.ask(question).no_answer
    lenient = build_assistant(data, embedder, answer_settings=AnswerSettings(gate_threshold=0.0))
    assert not lenient.ask("What is the CQC policy on parking fines?").no_answer


def test_every_quoted_sentence_is_in_a_retrieved_chunk(assistant):
    from assistant.answer.base import Ask
    from assistant.models import Filters

    question = "How did Heartbeat Alliance give its staff access to a Freedom to Speak Up Guardian?"
    answer = assistant.ask(question)
    a = assistant.analyse(question)
    ask = Ask(a, Filters(providers=a.providers), assistant)
    spans = [(h.chunk.report_id, h.chunk.start, h.chunk.end) for h in ask.hits[: assistant.settings.candidate_chunks]]
    for c in answer.citations:
        assert any(r == c.report and s <= c.start and c.end <= e for r, s, e in spans)
    assert any("reciprocal agreement with a neighbouring federation" in c.text for c in answer.citations)
