"""Follow-ups through a conversation: provider switches keep the topic; focus follows the latest provider."""

from _answers import grounded, texts
from assistant.answer import passage
from assistant.chat.conversation import Conversation

IRIDIUM = "Iridium Medical Practice"
KIDDERMINSTER = "Kidderminster Hospital and Treatment Centre"


def test_what_about_another_provider_keeps_the_topic(assistant, data):
    chat = Conversation(assistant)
    first = chat.ask("Which providers lacked FTSU awareness?")
    assert first.focus == ("Heartbeat Alliance",)
    switched = chat.ask("What about Kidderminster?")
    assert switched.kind == "set" and [p.name for p in switched.providers] == [KIDDERMINSTER]
    assert "knew how to contact the freedom to speak up team" in switched.citations[0].text
    assert switched.asked == "Which providers lacked FTSU awareness?"
    # And again: the switch before is itself a switch, so the topic carries through.
    again = chat.ask("And Iridium?")
    assert [p.name for p in again.providers] == [IRIDIUM] and again.kind == "set"
    grounded(again, data)


def test_a_value_follow_up_switches_provider(assistant):
    chat = Conversation(assistant)
    chat.ask("What was Iridium's well-led score?")
    answer = chat.ask("What about Kidderminster?")
    assert answer.text == f"- **{KIDDERMINSTER} (24 July 2024)**: scored 75 out of 100 for Well-led [1]"


def test_a_passage_follow_up_switches_provider(assistant, data):
    chat = Conversation(assistant)
    chat.ask("How did Kidderminster's staff raise concerns?")
    answer = chat.ask("What about Heartbeat Alliance?")
    assert not answer.no_answer and {c.provider for c in answer.citations} == {"Heartbeat Alliance"}
    assert any("raise concerns" in t for t in texts(answer))
    grounded(answer, data)


def test_the_latest_named_provider_is_the_focus_even_when_declined(assistant):
    chat = Conversation(assistant)
    chat.ask("Tell me about Kidderminster")
    declined = chat.ask("What is Iridium's policy on parking fines?")
    # No sentence answers it: it is declined, or at most the closest passage is quoted as only that.
    assert (declined.no_answer or declined.text.startswith(passage.NEARLY)) and declined.focus == (IRIDIUM,)
    answer = chat.ask("What was its well-led score?")
    assert "scored 50 out of 100" in answer.text and answer.citations[0].provider == IRIDIUM


def test_a_pronoun_never_jumps_back_to_an_older_provider(assistant):
    chat = Conversation(assistant)
    chat.ask("Tell me about Kidderminster")
    none = chat.ask("Which providers were rated inadequate?")
    assert none.focus == ()
    answer = chat.ask("What was their well-led score?")
    # No one is in focus: the question is asked of every provider, not of Kidderminster alone.
    assert {c.provider for c in answer.citations} == {"Heartbeat Alliance", IRIDIUM, KIDDERMINSTER}


def test_a_new_topic_about_the_same_provider_is_not_a_switch(assistant):
    chat = Conversation(assistant)
    chat.ask("What was Iridium's well-led score?")
    answer = chat.ask("What about Iridium's complaints?")
    assert answer.kind == "passage" and any("complaints" in t for t in texts(answer))


def test_a_switch_to_an_unknown_provider_is_stated(assistant):
    # The name matches no provider: the answer says so, and never answers about the turn before's provider.
    first = assistant.ask("What was Iridium Medical Practice's overall rating?")
    answer = assistant.ask("What about Sunnyview Care Home?", context=first)
    assert answer.no_answer and answer.reason == "unknown_provider"
    assert answer.text == "No report for “Sunnyview Care Home” in the index."
    assert not answer.citations
    # A topic switch is not a name: "What about staffing?" stays on Iridium.
    topic = assistant.ask("What about staffing?", context=first)
    assert topic.reason != "unknown_provider"
    # Nor is a capitalised topic the reports use.
    for turn in ("What about Staffing?", "What about Safeguarding?"):
        assert assistant.ask(turn, context=first).reason != "unknown_provider", turn


def test_a_turn_pointing_back_asks_the_earlier_question_of_the_named_provider(assistant, data):
    first = assistant.ask("Who is the executive lead for quality in Surrey Heartlands?")
    answer = assistant.ask("Who has that role in Our Dorset?", context=first)
    assert answer.kind != "set"
    assert any("Director of Nursing and Quality" in c.text for c in answer.citations)
    assert all(c.provider == "Our Dorset" for c in answer.citations)
    grounded(answer, data)


def test_tell_me_about_a_provider_after_another_question_is_its_overview(assistant):
    chat = Conversation(assistant)
    chat.ask("Which providers lacked FTSU awareness?")
    overview = chat.ask("Tell me about Iridium Medical Practice")
    # Not the set question asked again of Iridium: "tell me about" asks for the provider itself.
    assert overview.kind == "overview" and overview.focus == (IRIDIUM,)
    assert "scored 50 out of 100 for Well-led" in overview.text
    switched = chat.ask("What about Kidderminster?")  # and a bare name after it still switches
    assert switched.kind == "overview" and switched.focus == (KIDDERMINSTER,)


def test_why_after_a_rating_gives_that_key_questions_findings(assistant, data):
    chat = Conversation(assistant)
    chat.ask("What was Iridium's well-led rating?")
    why = chat.ask("and why was that?")
    assert why.kind == "overview" and why.focus == (IRIDIUM,) and not why.no_answer
    assert "rated Requires improvement for Well-led" in why.text
    assert "Governance processes required improvement." in texts(why)
    assert all(c.provider == IRIDIUM for c in why.citations)
    grounded(why, data)


def test_why_after_a_declined_value_is_not_read_as_the_findings_behind_it(assistant):
    chat = Conversation(assistant)
    declined = chat.ask("What was Our Dorset's safe rating?")
    assert declined.no_answer
    why = chat.ask("and why was that?")
    assert why.kind != "overview"
