"""Value questions about real CQC pages: each answered with the stated value, citing its sentence."""

from __future__ import annotations

import pytest

FILES = ("real_access-dignity-care_2024-01.txt", "real_new-royal-liverpool-uec_2025-04.txt",
         "real_lordship-lane-surgery_2023-05.txt", "real_chesser-surgery_2024-07.txt",
         "real_st-marys-birth-centre_2014-03.txt", "real_st-marys-birth-centre_2023-03.txt")


@pytest.fixture(scope="module")
def real_assistant(tmp_path_factory, real_embedder):
    from _answers import assistant_over

    return assistant_over(tmp_path_factory.mktemp("real"), real_embedder, FILES)


@pytest.mark.slow
@pytest.mark.parametrize(
    "question, phrase, sentence",
    [
        ("What was Access Dignity Care's caring score?", "scored 50 out of 100",
         "This service scored 50 (out of 100) for this area."),
        ("What was Access Dignity's effective score?", "scored 58 out of 100",
         "This service scored 58 (out of 100) for this area."),
        ("What was the well-led score of Liverpool University Hospitals NHS Foundation Trust?", "scored 75 out of 100",
         "This service scored 75 (out of 100) for this area."),
        ("What was The Chesser Surgery's well-led rating?", "rated Requires improvement",
         "Our rating for this key question is requires improvement."),
        ("How was Access Dignity Care rated?", "rated Inadequate overall", "Overall: Inadequate"),
        ("When was The Lordship Lane Surgery inspected?", "17 May 2023", "17 May 2023"),
        ("What was the Lordship Lane Surgery's previous rating?", "previously rated Requires improvement",
         "Following our previous inspection on 19 April 2021"),
        # The page header's "Provided and run by" and address line answer who runs a location and where it is.
        ("Which trust runs New Royal Liverpool?", "registered provider: Liverpool University Hospitals NHS Foundation Trust",
         "Provided and run by:\nLiverpool University Hospitals NHS Foundation Trust"),
        ("What is the address of The Lordship Lane Surgery?", "417 Lordship Lane, East Dulwich, London, SE22 8JN",
         "417 Lordship Lane, East Dulwich, London, SE22 8JN"),
    ],
)
def test_value_from_a_real_page_cites_its_sentence(real_assistant, question, phrase, sentence):
    answer = real_assistant.ask(question)
    assert answer.kind == "value" and not answer.no_answer, answer.text
    assert phrase in answer.text
    assert sentence in answer.citations[0].text
    report = real_assistant.data.reports[answer.citations[0].report]
    assert report.text[answer.citations[0].start : answer.citations[0].end] == answer.citations[0].text


@pytest.mark.slow
def test_every_key_question_score_is_listed(real_assistant):
    answer = real_assistant.ask("What scores did Access Dignity Care get?")
    assert [c.text for c in answer.citations] == ["This service scored 28 (out of 100) for this area.",
                                                  "This service scored 58 (out of 100) for this area.",
                                                  "This service scored 50 (out of 100) for this area."]
    assert "scored 28 out of 100 for Safe" in answer.text


@pytest.mark.slow
def test_a_provider_the_page_does_not_state_is_not_stated(real_assistant):
    # The Chesser Surgery's page has no "Provided and run by" line: not a guess from the text.
    answer = real_assistant.ask("Who runs The Chesser Surgery?")
    assert answer.no_answer and answer.reason == "not_stated" and not answer.citations


@pytest.mark.slow
def test_two_spellings_of_one_locations_name_are_one_provider(real_assistant):
    # Its 2014 page writes "St Mary’s" with a curly apostrophe, its 2023 page a straight one: the earlier
    # report's rating is this provider's, not "another provider's".
    answer = real_assistant.ask("What was St Mary's Birth Centre rated for safe back in 2014?")
    assert not answer.no_answer and "rated Good for Safe" in answer.text
    assert answer.citations[0].report == "real_st-marys-birth-centre_2014-03"
