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
        # Close in wording to the frame only: "CQC had not received any feedback from members of the public"
        # is near "What did CQC find about …", not near "infection control".
        "What did CQC find about infection control at Heartbeat Alliance?",
    ],
)
def test_a_weak_match_is_declined(assistant, question):
    answer = assistant.ask(question)
    assert answer.no_answer and answer.citations == ()
    # A passage decline, or (beds: a capacity) a value no report states.
    assert (answer.reason == "no_passage" and answer.text.startswith("No passage in the reports")) or \
        (answer.reason == "not_stated" and answer.text.startswith("No report"))


def test_frame_words_carry_no_weight_in_the_gate(assistant):
    from assistant.answer import passage
    from assistant.answer.base import Ask
    from assistant.models import Filters

    a = assistant.analyse("What did CQC find about infection control at Heartbeat Alliance?")
    ask = Ask(a, Filters(providers=a.providers), assistant)
    frame_only = next(c for c in passage.candidates(ask)
                      if c.text == "CQC had not received any feedback from members of the public regarding this service.")
    # Near the question as asked, far from its content words: the gate weighs the lower.
    assert frame_only.dense > 0.5 and frame_only.meaning < 0.1
    assert frame_only.answerability(assistant.settings) < assistant.settings.gate_threshold


def test_a_near_match_says_it_is_only_near(assistant):
    from assistant.answer import passage

    # Hertfordshire IUC's report says nothing of medicines management; its closest sentence is quoted as
    # that, never as the answer, and the answer states its low answerability.
    answer = assistant.ask("What did inspectors find about medicines management at Hertfordshire IUC Service?")
    s = assistant.settings
    if not answer.no_answer:
        assert answer.text.startswith(passage.NEARLY)
        assert s.gate_threshold <= answer.confidence < s.hedge_threshold


HERTS_AFTER_TRAINING = ("On completion of training, an experienced health advisor would sit with the new starters to "
                        "ensure they could assist with any queries raised by patients")


def test_a_paraphrase_quotes_evidence_that_ranks_below_the_best_sentences(assistant, data):
    # The report's answer is the fourth-best sentence: quoting up to max_sentences (each passing the gate)
    # brings it in beside the graduate bay and call listening sentences of the same paragraph.
    answer = assistant.ask("How were new call handlers at Hertfordshire IUC supported after finishing their training?")
    assert not answer.no_answer and answer.kind == "passage"
    assert any(t.startswith(HERTS_AFTER_TRAINING) for t in texts(answer))
    assert any("graduate bay" in t for t in texts(answer))
    grounded(answer, data)


def test_no_sentence_is_quoted_twice(assistant, data):
    # The lead-in "We saw two areas of outstanding practice:" and the items it introduces are one passage,
    # quoted once, in report order, whichever of them is picked first.
    for question in ("How were new call handlers at Hertfordshire IUC supported after finishing their training?",
                     "What was outstanding about Hertfordshire IUC's training?"):
        answer = assistant.ask(question)
        for c in answer.citations:
            assert answer.text.count(c.text[-40:]) == 1  # the ending: quoting drops a list item's "- "
    quoted = texts(answer)
    lead = quoted.index("We saw two areas of outstanding practice:")
    assert "graduate bay" in quoted[lead + 1]
    grounded(answer, data)


def test_quoted_sentences_pass_the_gate_and_stay_within_the_limit(assistant):
    from assistant.answer import passage
    from assistant.answer.base import Ask
    from assistant.models import Filters

    s = assistant.settings
    a = assistant.analyse("Did Iridium's bosses realise how people felt about working there?")
    picked = passage.chosen(Ask(a, Filters(providers=a.providers), assistant))
    assert 1 < len(picked) <= s.max_sentences
    assert all(c.answerability(s) >= s.gate_threshold for c in picked)
    assert all(c.score >= picked[0].score - s.keep_within for c in picked)


def test_a_passage_answer_states_its_answerability(assistant):
    from assistant.answer import passage

    answer = assistant.ask("Did Iridium employees feel pushed to keep going while ill?")
    assert answer.confidence is not None and answer.confidence >= assistant.settings.gate_threshold
    assert answer.text.startswith(passage.NEARLY) == (answer.confidence < assistant.settings.hedge_threshold)
    assert "confidence" not in answer.to_json()  # the ask --json contract is unchanged


def test_the_gate_is_a_setting(data, real_embedder):
    from assistant.session import build_assistant

    question = "Did Iridium employees feel pushed to keep going while ill?"
    strict = build_assistant(data, real_embedder, answer_settings=AnswerSettings(gate_threshold=5.0))
    assert strict.ask(question).no_answer
    lenient = build_assistant(data, real_embedder, answer_settings=AnswerSettings(gate_threshold=0.0, hedge_threshold=0.0))
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


REAL_FILES = ("real_limes-retirement-home_2022-04.txt", "real_chelwood-dental-practice_2016-10.txt")


@pytest.fixture(scope="module")
def real_assistant(tmp_path_factory, real_embedder):
    from _answers import assistant_over

    return assistant_over(tmp_path_factory.mktemp("real-passage"), real_embedder, REAL_FILES)


@pytest.mark.slow
@pytest.mark.parametrize("question, sentence", [
    # CQC pages write small counts as words: "one inspector" states the figure asked for.
    ("How many inspectors carried out The Limes Retirement Home inspection?",
     "The inspection was undertaken by one inspector."),
    ("How many dentists work at Chelwood Dental Practice?",
     "There are three dentists, four dental nurses (one of whom has recently qualified) and one receptionist."),
])
def test_a_figure_written_as_a_word_answers_how_many(real_assistant, question, sentence):
    answer = real_assistant.ask(question)
    assert not answer.no_answer and texts(answer)[0] == sentence
    grounded(answer, real_assistant.data)


def test_states_figure_reads_digits_and_number_words():
    from assistant.answer.evidence import states_figure
    from assistant.search import sentences as st

    assert states_figure("The inspection was undertaken by one inspector.", 0)
    assert states_figure("This service scored 39 (out of 100) for this area.", st.NUMBER)
    assert not states_figure("Staff felt supported by leaders.", 0)


def test_counts_puts_a_figure_on_the_thing_asked():
    from assistant.answer.evidence import counts

    assert counts("The inspection was undertaken by one inspector.", ["inspector"])
    assert counts("There are three dentists, four dental nurses", ["dentist"])
    assert not counts("We carried out this inspection under Section 60 of the Health and Social Care Act 2008", ["inspector"])


@pytest.fixture(scope="module")
def header_assistant(tmp_path_factory, real_embedder):
    from _answers import assistant_over

    return assistant_over(tmp_path_factory.mktemp("real-header"), real_embedder,
                          ("real_access-dignity-care_2024-01.txt", "real_new-royal-liverpool-uec_2025-04.txt"))


@pytest.mark.slow
@pytest.mark.parametrize("question, line", [
    ("Was New Royal Liverpool in Prescot Street, Liverpool keeping patients safe?",
     "Prescot Street, Liverpool, Merseyside, L7 8XP"),
    ("Were patients at Access Dignity Care in Walton-on-Naze kept safe?", "34 Newgate Street, Walton-on-Naze"),
])
def test_a_page_header_line_is_never_quoted_as_a_finding(header_assistant, question, line):
    # The address shares the question's words, but it supports no finding about safety.
    answer = header_assistant.ask(question)
    # Answered, or declined with its closest passages listed as such: either way, the address is never quoted.
    assert answer.citations and answer.reason in ("", "no_direct_answer")
    assert not [c.text for c in answer.citations if line in c.text]


@pytest.mark.slow
def test_a_prose_sentence_a_header_fact_was_read_from_is_still_a_finding(tmp_path, real_embedder):
    # The service type of this dental page is read from this sentence; it still answers who supported the inspector.
    from _answers import assistant_over

    assistant = assistant_over(tmp_path, real_embedder, ("real_dental-practice-1-13813093528_2023-09.txt",))
    answer = assistant.ask("Who supported the CQC inspector at the September 2023 dental practice inspection?")
    assert any("supported by a specialist dental advisor" in c.text for c in answer.citations), answer.text
