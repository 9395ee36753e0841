"""Slash commands: parsing into plain dataclasses, and applying them to a conversation."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.chat import commands
from assistant.chat.commands import Ask, CommandError, Export, Filter, Mode, New, OpenSource, Reindex, parse
from assistant.chat.conversation import Conversation
from assistant.models import Filters


def test_plain_text_is_a_question_and_empty_is_an_error():
    assert parse("  Which providers lacked FTSU awareness? ") == Ask("Which providers lacked FTSU awareness?")
    with pytest.raises(CommandError, match="type a question"):
        parse("   ")


def test_filter_reads_keys_multiword_values_and_dates():
    got = parse("/filter provider=Heartbeat Alliance since=2024-01-01 rating=good|requires improvement")
    assert got == Filter(providers=("Heartbeat Alliance",), since="2024-01-01",
                         ratings=("Good", "Requires improvement"))
    assert parse('/filter service="GP practice" reports=all') == Filter(service_types=("GP practice",),
                                                                        all_reports=True)
    assert parse("/filter clear") == Filter(clear=True)
    assert parse("/filter since=") == Filter(unset=("since",))


@pytest.mark.parametrize("line, message", [
    ("/filter", "needs key=value"),
    ("/filter colour=red", "unknown filter 'colour'"),
    ("/filter since=last-week", "'last-week' is not a date"),
    ("/filter rating=Superb", "'Superb' is not a rating"),
    ("/filter Iridium", "'Iridium' is not key=value"),
    ("/mode fast", "/mode takes one of: hybrid, bm25, dense"),
    ("/export", "needs a file name"),
    ("/source two", "takes a citation number"),
    ("/new now", "/new takes no arguments"),
    ("/frobnicate", "unknown command /frobnicate"),
])
def test_mistakes_are_one_line_messages(line, message):
    with pytest.raises(CommandError, match=message) as info:
        parse(line)
    assert "\n" not in str(info.value)


def test_other_commands():
    assert parse("/MODE BM25") == Mode("bm25")
    assert parse("/export out/ftsu findings.md") == Export(Path("out/ftsu findings.md"))
    assert parse("/source 2") == OpenSource(2)
    assert parse("/new") == New()
    assert parse("/reindex") == Reindex()


def test_apply_filter_adds_to_current_and_resolves_providers(assistant):
    current = Filters(since="2024-01-01")
    got = commands.apply_filter(current, parse("/filter provider=iridium"), assistant.catalog)
    assert got == Filters(providers=("Iridium Medical Practice",), since="2024-01-01")
    assert commands.apply_filter(got, parse("/filter clear rating=Good"), assistant.catalog) == Filters(
        ratings=("Good",))
    assert commands.apply_filter(got, parse("/filter since=none"), None).since is None
    with pytest.raises(CommandError, match="no provider matches 'Atlantis'; known: Heartbeat Alliance"):
        commands.apply_filter(got, parse("/filter provider=Atlantis"), assistant.catalog)


def test_apply_changes_the_conversation(assistant):
    conv = Conversation(assistant)
    assert commands.apply(parse("/filter provider=Heartbeat"), conv, assistant.catalog) == \
        "filters: provider=Heartbeat Alliance"
    assert commands.apply(parse("/mode bm25"), conv) == "retrieval mode: bm25"
    answer = conv.ask("What was the well-led score?")
    assert answer.citations[0].provider == "Heartbeat Alliance"
    assert conv.focus() == ("Heartbeat Alliance",)
    commands.apply(parse("/new"), conv)
    assert conv.turns == [] and conv.focus() == ()
    assert conv.mode == "bm25" and conv.filters.providers == ("Heartbeat Alliance",)
    with pytest.raises(CommandError):
        commands.apply(parse("/reindex"), conv)
