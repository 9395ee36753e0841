"""Reading one sentence against a set question's topic: relevance and polarity."""

import pytest

from assistant.answer.findings import LACKING, MEETS, NO_EVIDENCE, PARTLY, Evidence, read_sentence, topic_from, verdict


def judge(topic_text, sentence):
    ev = read_sentence(sentence, 0, len(sentence), topic_from(topic_text))
    return ev.label if ev else None


def test_topic_groups_expand_abbreviations_and_synonyms():
    topic = topic_from("lacked FTSU awareness")
    assert topic.negative
    assert len(topic.groups) == 2  # FTSU / freedom to speak up, and awareness / knew / understood
    assert topic_from("lacked awareness of freedom to speak up").groups == topic.groups
    assert not topic_from("had effective governance").negative


@pytest.mark.parametrize(
    "sentence, label",
    [
        ("However, not all staff were aware of the Freedom to Speak Up Guardian.", PARTLY),
        ("Staff told us they knew how to contact the freedom to speak up team.", MEETS),
        ("Staff were aware of who the freedom to speak up guardian (FTSU) was at the practice and within the PCN.", MEETS),
        ("Staff were unaware of the FTSU guardian.", LACKING),
        ("Staff did not know who the freedom to speak up guardian was.", LACKING),
        # Off topic: raising concerns is not awareness of the FTSU guardian.
        ("Staff knew how to raise concerns about the service, and they felt comfortable and empowered to do so.", None),
        # The contrast clause carries the topic, so it decides.
        ("Staff felt supported, but they did not know about the freedom to speak up guardian.", LACKING),
    ],
)
def test_awareness_polarity(sentence, label):
    assert judge("lacked FTSU awareness", sentence) == label


def test_double_negation_and_breach():
    assert judge("were in breach of regulations",
                 "The service was in breach of legal regulation in relation to good governance.") == LACKING
    assert judge("were in breach of regulations", "The service was not in breach of any regulation.") == MEETS


def test_verdict_aggregates_labels():
    e = lambda label: Evidence(0, 1, label, 1.0)  # noqa: E731
    assert verdict([]) == NO_EVIDENCE
    assert verdict([e(LACKING), e(LACKING)]) == LACKING
    assert verdict([e(MEETS)]) == MEETS
    assert verdict([e(LACKING), e(MEETS)]) == PARTLY
    assert verdict([e(PARTLY), e(MEETS)]) == PARTLY


def test_without_fear_is_not_a_negation():
    sentence = "Staff said they felt able to raise concerns without fear of retribution."
    assert judge("could not raise concerns", sentence) == MEETS


def test_polarity_words_are_not_topic_words():
    topic = topic_from("had ineffective complaints processes")
    assert topic.negative and len(topic.groups) == 2
    sentence = "Processes for recording and managing incidents and complaints were not effective."
    assert judge("had ineffective complaints processes", sentence) == LACKING
