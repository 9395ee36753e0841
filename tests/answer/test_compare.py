"""Comparisons and rankings: providers without the value are left out, and the answer says so."""

from _answers import grounded, texts

KIDDERMINSTER = "Kidderminster Hospital and Treatment Centre"
NO_SCORE = ("Hertfordshire IUC Service and HUC HQ", "Our Dorset", "Surrey Heartlands ICS",
            "West Yorkshire Association of Acute Trusts")


def test_which_scored_lowest_names_one_and_leaves_out_those_without_a_score(assistant, data):
    answer = assistant.ask("Which service scored lowest on well-led?")
    assert answer.kind == "compare" and not answer.no_answer
    assert answer.text.startswith("Lowest Well-led score: **Iridium Medical Practice**, scored 50 out of 100 "
                                  "for Well-led [1].")
    assert [p.name for p in answer.providers] == ["Iridium Medical Practice"] == list(answer.focus)
    left_out = answer.text[answer.text.index("Left out"):]
    assert all(name in left_out for name in NO_SCORE)
    ranked = answer.text[answer.text.index("Every stated"): answer.text.index("Left out")]
    assert not any(name in ranked for name in NO_SCORE)
    grounded(answer, data)


def test_highest_names_every_provider_tied_at_the_top(assistant, data):
    answer = assistant.ask("Which provider had the highest well-led score?")
    assert {p.name for p in answer.providers} == {"Heartbeat Alliance", KIDDERMINSTER}
    assert texts(answer).count("This service scored 75 (out of 100) for this area.") == 2
    grounded(answer, data)


def test_ranking_orders_every_stated_value(assistant, data):
    answer = assistant.ask("Rank the providers by well-led score")
    ranked = answer.text[answer.text.index("highest first"):]
    assert ranked.index("Heartbeat Alliance") < ranked.index("Iridium Medical Practice")
    assert ranked.index(KIDDERMINSTER) < ranked.index("Iridium Medical Practice")
    grounded(answer, data)


def test_compare_two_named_providers_side_by_side(assistant, data):
    answer = assistant.ask("Compare Iridium and Kidderminster")
    assert answer.kind == "compare" and set(answer.focus) == {"Iridium Medical Practice", KIDDERMINSTER}
    assert "rated Requires improvement for Well-led" in answer.text and "rated Good for Well-led" in answer.text
    assert "scored 50 out of 100" in answer.text and "scored 75 out of 100" in answer.text
    grounded(answer, data)


def test_nothing_to_compare_is_declined(assistant):
    answer = assistant.ask("Which provider had the lowest caring score?")
    assert answer.no_answer and answer.reason == "not_stated"
    assert "No report in scope states a Caring score" in answer.text
