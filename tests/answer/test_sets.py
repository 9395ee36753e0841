"""Set questions matched by meaning per sentence, and findings judged against the standard asked."""

import pytest

from _answers import grounded, real_assistant  # noqa: F401 (real_assistant is a fixture)
from assistant.answer.findings import LACKING, MEETS, PARTLY, topic_from, read_sentence

KIDDERMINSTER = "Kidderminster Hospital and Treatment Centre"
NOT_BULLIED = ("Staff we spoke with told us they did not experience bullying or harassment including those with "
               "protected characteristics under the Equality Act.")


def finding(answer, provider):
    return next(p for p in answer.providers if p.name == provider)


def test_a_harm_denied_meets_the_standard(assistant, data):
    # "Staff did not experience bullying" is not evidence of bullying: it meets the standard of freedom from it.
    had = assistant.ask("Which providers had bullying?")
    assert had.focus == () and finding(had, KIDDERMINSTER).finding == MEETS
    assert had.text.startswith("No provider matches “bullying” (7 providers checked).")
    assert not any(p.answers for p in had.providers)
    free = assistant.ask("Which providers had no bullying?")
    assert free.focus == (KIDDERMINSTER,) and finding(free, KIDDERMINSTER).finding == MEETS
    assert free.citations[0].text == NOT_BULLIED
    grounded(free, data)


@pytest.mark.parametrize(
    "topic, sentence, label",
    [
        ("had bullying", NOT_BULLIED, MEETS),
        ("had bullying", "Some staff reported being bullied by a manager.", LACKING),
        ("had problems with staffing", "However, we found that staffing levels were not sufficient.", LACKING),
        ("had problems with staffing", "We found concerns about assessing risk and staffing.", LACKING),
        # "Enough staff" is a statement about staffing; staff doing something else is not.
        ("had problems with staffing", "There were enough staff with the right skills on every shift.", MEETS),
        ("had problems with staffing", "Staff understood their roles and responsibilities.", None),
        ("had safe staffing", "Staffing levels were safe and staffing was planned well.", MEETS),
        ("were free from harassment", "Staff were treated equally, free from bullying or harassment.", MEETS),
        # Raising concerns is speaking up, not a failing; a reassurance is not a negation.
        ("did not feel able to raise concerns", "Staff knew how to raise concerns and felt able to do so.", MEETS),
        ("did not feel able to raise concerns", "Not all staff felt able to raise concerns.", PARTLY),
        ("could raise concerns", "Staff raised concerns without fear of retribution.", MEETS),
    ],
)
def test_polarity_is_judged_against_the_standard(topic, sentence, label):
    ev = read_sentence(sentence, 0, len(sentence), topic_from(topic))
    assert (ev.label if ev else None) == label


def test_what_a_question_asks_for(assistant):
    assert topic_from("had bullying").negative  # a harm present falls short
    assert not topic_from("had no bullying").negative
    assert topic_from("had problems with staffing").negative
    assert not topic_from("had effective governance").negative


def test_or_makes_two_topics_each_matched_on_its_own(assistant, data):
    answer = assistant.ask("Which providers lacked FTSU awareness or appraisals?")
    assert set(answer.focus) == {"Heartbeat Alliance", "Iridium Medical Practice"}
    heartbeat = finding(answer, "Heartbeat Alliance")
    assert heartbeat.finding == PARTLY
    assert answer.citations[heartbeat.citations[0] - 1].text == (
        "However, not all staff were aware of the Freedom to Speak Up Guardian.")
    iridium = finding(answer, "Iridium Medical Practice")
    assert any("not all staff had received annual appraisals" in answer.citations[n - 1].text
               for n in iridium.citations)
    grounded(answer, data)


def test_unrelated_sentences_are_not_evidence(assistant, data):
    # Hertfordshire's KPI sentence ("review and improve its performance targets") and Dorset's cleared review
    # backlog share words with "performance reviews" but are not about appraisals.
    answer = assistant.ask("Which providers had staff who had not received appraisals?")
    assert answer.focus == ("Iridium Medical Practice",)
    assert finding(answer, "Hertfordshire IUC Service and HUC HQ").citations == ()
    assert finding(answer, "Our Dorset").citations == ()
    grounded(answer, data)


def test_citations_are_numbered_in_the_order_the_answer_lists_providers(assistant, data):
    # Providers are read in name order; the answer lists those it asks about first.
    answer = assistant.ask("Which providers lacked FTSU awareness?")
    # The headline names exactly the providers that answer the question, and says how many were checked.
    assert answer.text.startswith("Heartbeat Alliance (1 of 7 providers checked).")
    assert [p.name for p in answer.providers if p.answers] == ["Heartbeat Alliance"]
    assert answer.citations[0].provider == "Heartbeat Alliance"
    assert [c.provider for c in answer.citations][1:] == ["Iridium Medical Practice", KIDDERMINSTER]
    grounded(answer, data)


def test_regulations_named():
    from assistant.vocabulary import regulation_numbers

    def regulations(text):
        return set(regulation_numbers(text))

    assert regulations("were in breach of regulation 12") == {"12"}
    assert regulations("breached regulations 11 or 17") == {"11", "17"}
    # "Regulations 2014" is the year of the Act's regulations, not a regulation.
    assert regulations("a breach of Regulation 9 of the Health and Social Care Act 2008 (Regulated Activities) "
                       "Regulations 2014.") == {"9"}


def test_a_breach_question_reads_the_parsed_breaches(real_assistant):
    # Access Dignity Care breached Regulations 12, 13 and 18 in one sentence and Regulation 11 in another:
    # a question about Regulation 12 cites the first, never the Regulation 11 sentence.
    # The Chesser Surgery's breach is named, not numbered: "safe care and treatment" is Regulation 12.
    answer = real_assistant.ask("Which providers were in breach of regulation 12?")
    assert answer.focus == ("Access Dignity Care Limited", "The Chesser Surgery")
    assert finding(answer, "Access Dignity Care Limited").finding == LACKING
    dignity = [c.text for c in answer.citations if c.provider == "Access Dignity Care Limited"]
    assert len(dignity) == 1 and "breach of Regulation 12, Regulation 13 and Regulation 18" in dignity[0]
    assert any("safe care and treatment" in c.text for c in answer.citations if c.provider == "The Chesser Surgery")
    assert not any("Regulation 11" in c.text for c in answer.citations)
    grounded(answer, real_assistant.data)
    eleven = real_assistant.ask("Which providers breached regulation 11?")
    assert [c.text for c in eleven.citations] == [
        "During our assessment of this key question, we found concerns about consent and capacity, which resulted "
        "in a breach of Regulation 11 of the Health and Social Care Act 2008 (Regulated Activities) Regulations 2014."]


def test_an_or_question_judges_each_topic_then_the_worst(assistant, data):
    # Iridium's staff knew the FTSU guardian, but its complaints processes were not effective: one shortfall
    # is enough for "lacked X or Y", so it lacks (pooling both topics' sentences would say "partly").
    answer = assistant.ask("Which providers lacked FTSU awareness or had ineffective complaints processes?")
    assert set(answer.focus) == {"Heartbeat Alliance", "Iridium Medical Practice"}
    assert finding(answer, "Iridium Medical Practice").finding == LACKING
    assert finding(answer, "Heartbeat Alliance").finding == PARTLY
    grounded(answer, data)


def test_addressed_concerns_is_the_standard_met(assistant, data):
    answer = assistant.ask("Which providers had addressed the concerns from their previous inspection?")
    assert answer.focus[0] == "Heartbeat Alliance"
    assert finding(answer, "Heartbeat Alliance").finding == MEETS
    grounded(answer, data)
