"""One analysis per question: kind, providers, time, premise, and which words carry the topic."""

import pytest

from assistant.models import Answer, DateRange

KIDDERMINSTER = "Kidderminster Hospital and Treatment Centre"


@pytest.mark.parametrize(
    "question, kind",
    [
        ("Tell me about Kidderminster", "overview"),
        ("Give me the headlines on Iridium", "overview"),
        ("Kidderminster?", "overview"),
        ("Which service scored lowest on well-led?", "compare"),
        ("Rank the providers by well-led score", "compare"),
        ("Compare Iridium and Kidderminster", "compare"),
        ("Why was Kidderminster rated inadequate?", "premise"),
        ("How has Iridium Medical Practice changed since its last inspection?", "change"),
        ("What was Iridium's well-led score?", "value"),
        ("Which providers were rated good?", "value"),
        ("Which providers lacked FTSU awareness?", "set"),
        ("What did inspectors find about Iridium's recruitment checks?", "passage"),
        ("What had Iridium fixed since the last inspection?", "passage"),  # findings, not a change of values
        ("Why did CQC assess Iridium?", "passage"),  # asks something: not a bare provider switch
    ],
)
def test_kind(assistant, question, kind):
    assert assistant.analyse(question).kind == kind


@pytest.mark.parametrize("question, is_set", [
    # A singular frame about a named provider asks one thing of it, not a verdict on every provider.
    ("Which trust runs Kidderminster?", False),
    ("Which service at Iridium was rated requires improvement for well-led?", False),
    ("Which provider lacked FTSU awareness?", True),
    ("Which providers were rated good?", True),
])
def test_a_set_question_ranges_over_providers(assistant, question, is_set):
    assert assistant.analyse(question).is_set is is_set


def test_frame_words_carry_no_weight_and_unseen_content_words_weigh_most(assistant):
    a = assistant.analyse("Tell me what inspectors found about Iridium's recruitment checks")
    weights = a.weights
    assert set(weights) == {"recruit", "check"}  # "tell", "inspectors", "found" frame it; "Iridium" names it
    unseen = assistant.analyse("What is the CQC policy on parking fines?").weights
    assert unseen["park"] == unseen["fine"] == max(unseen.values())
    assert unseen["park"] > weights["recruit"]


def test_provider_names_are_not_topic(assistant):
    a = assistant.analyse("How many staff does Our Dorset employ?")
    assert a.providers == ("Our Dorset",)
    assert "Dorset" not in a.topic and "dorset" not in a.weights
    assert a.figure and a.count


def test_time_qualifier_and_premise(assistant):
    a = assistant.analyse("What was Heartbeat Alliance's well-led rating at its May 2022 inspection?")
    assert (a.kind, a.value, a.key_question) == ("value", "rating", "well-led")
    assert a.when == DateRange("2022-05-01", "2022-05-31") and a.when_text == "May 2022"
    assert assistant.analyse("What was Iridium rated in 2021?").when == DateRange("2021-01-01", "2021-12-31")
    assert assistant.analyse("Why was Kidderminster rated inadequate?").premise == ("rating", "inadequate")
    assert assistant.analyse("Why did Iridium score 40 for well-led?").premise == ("score", "40")


def test_or_makes_two_set_topics(assistant):
    a = assistant.analyse("Which providers lacked FTSU awareness or appraisals?")
    assert a.is_set and a.topics == ("lacked FTSU awareness", "appraisals")


def _turn(question, focus, topic=""):
    return Answer(question, "…", False, focus=focus, asked=topic or question)


def test_a_provider_switch_reuses_the_earlier_question(assistant):
    before = _turn("What did inspectors find about Iridium's recruitment checks?", ("Iridium Medical Practice",))
    a = assistant.analyse("What about Kidderminster?", context=before)
    assert a.follow_up and a.providers == (KIDDERMINSTER,)
    assert a.text == before.asked and a.kind == "passage"
    assert set(a.weights) == {"recruit", "check"}  # Iridium's name is dropped from the reused question
    # Asked first, the same words ask for an overview.
    assert assistant.analyse("What about Kidderminster?").kind == "overview"


def test_a_question_naming_no_one_is_about_the_turn_just_before(assistant):
    before = _turn("Tell me about Kidderminster", (KIDDERMINSTER,))
    assert assistant.analyse("What was its well-led score?", context=before).providers == (KIDDERMINSTER,)
    # A declined turn still moves the focus: it names whom the conversation is about now.
    declined = _turn("What is Iridium's parking policy?", ("Iridium Medical Practice",))
    assert assistant.analyse("and their well-led score?", context=declined).providers == ("Iridium Medical Practice",)
    # A turn with no one in focus gives a pronoun no one to point at, rather than an older provider.
    empty = _turn("Which providers were rated inadequate?", ())
    assert assistant.analyse("What was their score?", context=empty).providers == ()
    # A question about providers in general does not inherit.
    assert assistant.analyse("Rank the providers by well-led score", context=before).providers == ()


def test_only_the_words_that_name_a_provider_leave_the_topic(assistant):
    # "Treatment" is in Kidderminster Hospital and Treatment Centre's name, but does not name it.
    a = assistant.analyse("How was treatment planned at Kidderminster Hospital and Treatment Centre?")
    assert "treatment" in a.weights and "kidderminst" not in a.weights
    b = assistant.analyse("How was treatment planned at Kidderminster?")
    assert "treatment" in b.weights and b.providers == (KIDDERMINSTER,)


def test_a_core_service_is_read_only_of_a_place_that_may_have_one(assistant):
    # "surgery" at a GP practice is the practice, not the surgical core service a hospital's report rates.
    gp = assistant.analyse("How was the surgery at Iridium Medical Practice rated for well-led?")
    assert gp.service is None and gp.service_words == () and gp.providers == ("Iridium Medical Practice",)
    hospital = assistant.analyse("How was surgery rated at Kidderminster?")
    assert hospital.service == "Surgery"
