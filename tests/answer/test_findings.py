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


# Sentences from dev real reports (Access Dignity Care, The Chesser Surgery, Thornton Hall & Lodge, Chesterfield
# Royal Hospital, Liverpool Women's Hospital, King George's EUCC, Beechfields) and the seed Heartbeat Alliance.
@pytest.mark.parametrize(
    "topic_text, sentence, label",
    [
        # CQC's "improvements were needed" falls short of the standard without a negation word.
        ("had problems with infection control",
         "Improvements were needed to ensure safe environments, including in infection prevention and control.", LACKING),
        # The part joined by "and" that carries the topic decides it; "not all staff had completed training" does not.
        ("had problems with staffing levels",
         "However, we found that staffing levels were not sufficient and not all staff had completed mandatory training.",
         LACKING),
        ("had problems with risk assessments",
         "Risks were not robustly assessed, and people did not always receive their medicines safely and as prescribed.",
         LACKING),
        # Two failings in one claim are one denial, not a double negative.
        ("had problems with risk assessments",
         "During our assessment of this key question, we found concerns about assessing risk, medicines management, "
         "safeguarding and staffing which resulted in a breach of Regulation 12.", LACKING),
        # Managing issues, addressing concerns or shortfalls is the standard met.
        ("had problems with risk assessments", "There were processes for managing risk issues and performance.", MEETS),
        ("had problems with infection control",
         "Effective systems were in place to identify and address any shortfalls in relation to infection control practices.",
         MEETS),
        ("had addressed the concerns from their previous inspection",
         "We found the concerns identified in our previous inspections had been addressed.", MEETS),
        # A harm named as what care guards against is not a failing.
        ("had problems with risk assessments",
         "Staff completed, or arranged, psychosocial assessments and risk assessments for women thought to be at risk of "
         "self-harm or suicide.", MEETS),
        # "Sometimes", "mostly": some but not all.
        ("had problems with staffing levels", "Staffing levels had sometimes fallen below the required level due to sickness absence.",
         PARTLY),
        ("had problems with staffing levels", "There were mostly enough staff with the right skills, qualifications, and experience.",
         PARTLY),
        # Not findings: a heading, what inspectors looked at, a finding of an earlier inspection.
        ("had problems with infection control", "Infection prevention and control", None),
        ("had problems with infection control",
         "As part of this inspection, we looked at the infection control and prevention measures in place.", None),
        ("had problems with staffing levels",
         "We carried out this assessment to review the changes made at the previous assessment in June 2023, where the "
         "service was found in breach of regulation 18 staffing.", None),
    ],
)
def test_polarity_of_real_report_sentences(topic_text, sentence, label):
    ev = read_sentence(sentence, 0, len(sentence), topic_from(topic_text), on_topic=True)
    assert (ev.label if ev else None) == label


def test_worst_and_best_pick_across_topics():
    from assistant.answer.findings import best, worst

    assert worst([MEETS, LACKING]) == LACKING and worst([MEETS, PARTLY]) == PARTLY
    assert best([LACKING, MEETS]) == MEETS and worst([]) == NO_EVIDENCE
