"""Slash commands: parsing into plain dataclasses, and applying them to a conversation."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.chat import commands
from assistant.chat.commands import CommandError, QuestionLine, Export, Filter, Mode, New, OpenSource, Reindex, parse
from assistant.chat.conversation import Conversation
from assistant.models import Filters


def test_plain_text_is_a_question_and_empty_is_an_error():
    assert parse("  Which providers lacked FTSU awareness? ") == QuestionLine("Which providers lacked FTSU awareness?")
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
    assert parse('/export --force "my notes.md"') == Export(Path("my notes.md"), force=True)
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


def test_unknown_provider_names_some_known_ones(assistant):
    from assistant.models import Filters

    commands.check_providers(Filters(providers=("iridium", "Heartbeat")), assistant.catalog)
    with pytest.raises(CommandError) as info:
        commands.check_providers(Filters(providers=("Nonexistent",)), assistant.catalog)
    assert str(info.value).startswith("no provider matches 'Nonexistent'; known: Heartbeat Alliance, ")

    class Many:
        def providers(self):
            return [f"Provider {i:03}" for i in range(250)]

    assert commands.unknown_provider("x", Many()).endswith("Provider 007, … (250 in all)")


class Recorder:
    """A front end that records what the dispatcher hands it (the window and scripts are two such)."""

    def __init__(self, catalog=None):
        self.catalog = catalog
        self.events = []
        for name in ("ask", "say", "open_source"):
            setattr(self, name, lambda value, name=name: self.events.append((name, value)))
        for name in ("cleared", "show_help", "reindex", "open_history"):
            setattr(self, name, lambda name=name: self.events.append((name,)))
        self.confirm_overwrite = lambda command, problem: self.events.append(("confirm", command.path))


def test_one_dispatcher_serves_every_front_end(assistant, tmp_path):
    from assistant.chat.dispatch import Frontend, dispatch

    conv = Conversation(assistant)
    front = Recorder(assistant.catalog)
    for line in ("What was the well-led score?", "/filter provider=iridium", "/mode dense", "/new", "/source 2",
                 "/help", "/reindex", "/history"):
        dispatch(line, conv, front)
    assert front.events == [
        ("ask", "What was the well-led score?"), ("say", "filters: provider=Iridium Medical Practice"),
        ("say", "retrieval mode: dense"), ("cleared",),
        ("say", "new conversation: nothing is inherited from earlier questions"),
        ("open_source", 2), ("show_help",), ("reindex",), ("open_history",)]
    conv.ask("What was the well-led score?")
    target = tmp_path / "x.md"
    target.write_text("keep", encoding="utf-8")
    dispatch(f"/export {target}", conv, front)
    assert front.events[-1] == ("confirm", target) and target.read_text(encoding="utf-8") == "keep"
    # A front end that overrides nothing refuses the window's commands, by name.
    for line, name in (("/source 1", "/source"), ("/help", "/help"), ("/reindex", "/reindex"),
                       ("/history", "/history")):
        with pytest.raises(CommandError, match=f"^{name} works only in the chat window$"):
            dispatch(line, conv, Frontend())
