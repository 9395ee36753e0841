"""Every no-answer says why: no passage, filters, an empty index, or a value no report states."""

import pytest

from assistant.models import Filters


@pytest.fixture(scope="module")
def empty_assistant(tmp_path_factory, embedder):
    from assistant.indexing.build import build_index
    from assistant.session import load_assistant

    corpus, index = tmp_path_factory.mktemp("empty-corpus"), tmp_path_factory.mktemp("empty-index")
    build_index(corpus, index, embedder)
    return load_assistant(index, embedder=embedder)


def test_an_empty_index_says_so(empty_assistant):
    for question in ("Tell me about Kidderminster", "Which providers lacked FTSU awareness?", "What is FTSU?"):
        answer = empty_assistant.ask(question)
        assert answer.no_answer and answer.reason == "empty_index"
        assert answer.text.startswith("The index holds no reports yet")


def test_a_filter_that_matches_no_provider_names_it(assistant):
    answer = assistant.ask("What was the well-led score?", Filters(providers=("Nonexistent",)))
    assert answer.no_answer and answer.reason == "filters"
    assert answer.text == ("No report matches the filters (provider=Nonexistent). "
                           "No provider in the index is called “Nonexistent”.")


def test_filters_that_exclude_every_report(assistant):
    answer = assistant.ask("How were complaints handled?", Filters(providers=("Iridium",), until="2020-01-01"))
    assert answer.no_answer and answer.reason == "filters"
    assert answer.text.startswith("No report matches the filters (provider=Iridium until=2020-01-01).")
    assert "No provider in the index is called" not in answer.text


def test_a_nonsense_question_without_filters_is_no_passage(assistant):
    answer = assistant.ask("Zebra quantum lasagne?")
    assert answer.no_answer and answer.reason == "no_passage"
    assert "filters" not in answer.text and answer.text.startswith("No passage in the reports")


def test_an_unstated_value_is_not_stated(assistant):
    answer = assistant.ask("What was the well-led score of Our Dorset?")
    assert answer.no_answer and answer.reason == "not_stated" and "Our Dorset" in answer.text


def test_answers_have_no_reason(assistant):
    assert assistant.ask("What was Iridium's well-led score?").reason == ""
