"""Classifying questions: set, value or passage."""

import pytest

from assistant.answer import intent
from assistant.answer.intent import classify


@pytest.mark.parametrize(
    "question, kind, value, topic",
    [
        ("Which providers lacked FTSU awareness?", "set", None, "lacked FTSU awareness"),
        ("Which practices were in breach of regulations?", "set", None, "were in breach of regulations"),
        ("List the services that had outstanding practice", "set", None, "had outstanding practice"),
        ("What was Iridium's well-led score?", "value", "score", None),
        ("When was Kidderminster assessed?", "value", "date", None),
        ("What was Heartbeat Alliance previously rated?", "value", "previous_rating", None),
        ("What is the population of Our Dorset?", "value", "population", None),
        ("Why was Iridium rated requires improvement?", "passage", None, None),
        ("How did Iridium handle complaints?", "passage", None, None),
        ("When incidents happened, did the service learn from them?", "passage", None, None),
    ],
)
def test_classify(question, kind, value, topic):
    intent = classify(question)
    assert intent.kind == kind
    assert intent.value == value
    if topic:
        assert intent.topic == topic


def test_key_question_is_recognised():
    assert classify("What was the safe rating for Hertfordshire?").key_question == "safe"
    assert classify("What was Iridium's well led score?").key_question == "well-led"


def test_who_questions_about_a_person_are_not_set_questions():
    assert classify("Who is the executive lead for quality in Surrey Heartlands?").kind == "passage"
    assert classify("Who lacked FTSU awareness?").kind == "set"


@pytest.mark.parametrize(
    "question, value",
    [
        # "when" asks a date where the question opens with it, not in a clause about something else.
        ("When was Goole & District Hospital inspected in 2019?", "date"),
        ("Since when had Beechfields Nursing Home been in special measures before its January 2019 inspection?", "date"),
        ("Which key questions did CQC look at when it inspected maternity at Northampton General Hospital?", None),
        # "How many … rated …" counts things rated: a passage states the count ("one as inadequate").
        ("How many of Scunthorpe General Hospital's services were rated inadequate?", None),
        ("What was Scunthorpe General Hospital rated?", "rating"),
        # "set up" asks for an establishment date only with "when"; else it asks what is set up.
        ("What does WYAAT's MOU set up?", None),
        ("When was WYAAT set up?", "established"),
        # Who runs a location, and where it is; "address" the verb and "who provides <a service>" are not.
        ("Who runs Cherrytree Residential Home?", "provider"),
        ("Which trust runs New Royal Liverpool?", "provider"),
        ("Who provides the FTSU training at Iridium?", None),
        ("What is the address of The Lordship Lane Surgery?", "address"),
        ("Did Cherrytree address the concerns raised?", None),
    ],
)
def test_value_asked_reads_what_the_question_asks(question, value):
    assert intent.value_asked(question) == value
