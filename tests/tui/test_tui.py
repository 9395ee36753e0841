"""The real chat window, driven with Textual's Pilot over the session index and model."""

from __future__ import annotations

import asyncio
import threading

import pytest
from textual.widgets import Markdown, Static

from assistant.tui.app import ChatApp
from assistant.tui.screens import HistoryScreen, SectionScreen
from assistant.tui.widgets import FindingsTable, Note, SourceItem, TurnView
from tui_pilot import in_view, notes, settle, status

FTSU = "Which providers lacked FTSU awareness?"
HEARTBEAT_FTSU = "However, not all staff were aware of the Freedom to Speak Up Guardian."


@pytest.fixture
def make_app(assistant, corpus_dir, index_dir, tmp_path):
    """A chat window whose loader hands over the session's assistant (no second model load)."""

    def make(loader=None, **kwargs):
        kwargs.setdefault("history_dir", tmp_path / "history")
        kwargs.setdefault("corpus_dir", corpus_dir)
        kwargs.setdefault("index_dir", index_dir)
        return ChatApp(loader or (lambda: assistant), **kwargs)

    return make


def drive(app: ChatApp, script, size=(120, 40)) -> None:
    """Run ``script(pilot)`` against the app in a headless terminal."""

    async def main():
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await script(pilot)

    asyncio.run(main())


async def ask(pilot, text: str) -> TurnView:
    """Put ``text`` at the prompt, press Enter, wait for the answer."""
    pilot.app.prompt.value = text
    await pilot.press("enter")
    await settle(pilot)
    return list(pilot.app.query(TurnView))[-1]


def test_answer_shows_text_citations_and_findings_table(make_app):
    app = make_app()

    async def script(pilot):
        view = await ask(pilot, FTSU)
        assert view.answer.text.startswith("Heartbeat Alliance (1 of 7 providers checked).")
        markdown = view.query_one(Markdown)
        assert "[\\[1\\]](cite:1)" in markdown.source
        assert "searching: lacked FTSU awareness" in str(view.query_one(".resolved", Static).render())
        sources = list(app.query(SourceItem))
        assert [s.citation.provider for s in sources] == [
            "Heartbeat Alliance", "Iridium Medical Practice", "Kidderminster Hospital and Treatment Centre"]
        assert sources[0].citation.text == HEARTBEAT_FTSU
        assert (sources[0].citation.start, sources[0].citation.end) == (3384, 3454)
        rows = {name: finding for name, finding, _ in view.query_one(FindingsTable).rows}
        assert rows["Heartbeat Alliance"] == "partly"
        assert rows["Iridium Medical Practice"] == "meets"
        assert rows["4 other providers (named in the answer)"] == "no evidence"  # counted in one row
        assert len(rows) == 4
        assert not app.prompt.disabled

    drive(app, script)


def test_opening_a_citation_highlights_the_cited_sentence(make_app):
    app = make_app()

    async def script(pilot):
        view = await ask(pilot, FTSU)
        # By keys: F3 focuses the sources list, Enter opens the highlighted citation.
        await pilot.press("f3", "enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SectionScreen)
        assert screen.highlighted_text() == HEARTBEAT_FTSU
        assert screen.cited.title == "Well-led > Freedom to speak up"
        assert HEARTBEAT_FTSU in screen.cited.text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, SectionScreen)
        # By a [2] link in the answer.
        markdown = view.query_one(Markdown)
        markdown.post_message(Markdown.LinkClicked(markdown, "cite:2"))
        await pilot.pause()
        assert app.screen.highlighted_text() == (
            "Staff were aware of who the freedom to speak up guardian (FTSU) was at the practice and within the PCN.")
        # Esc closes the section and the prompt has the focus again. Then by command.
        await pilot.press("escape")
        await pilot.pause()
        assert app.focused is app.prompt
        app.prompt.value = "/source 3"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.highlighted_text() == "Staff told us they knew how to contact the freedom to speak up team."

    drive(app, script)


def test_follow_up_inherits_the_provider_and_shows_the_resolved_query(make_app):
    app = make_app()

    async def script(pilot):
        await ask(pilot, FTSU)
        view = await ask(pilot, "and what was their well-led score?")
        assert str(view.query_one(".resolved", Static).render()) == "searching: well-led score · Heartbeat Alliance"
        assert "scored 75 out of 100 for Well-led" in view.answer.text
        assert [c.provider for c in view.answer.citations] == ["Heartbeat Alliance"]
        assert "about: Heartbeat Alliance" in status(app)
        # /new forgets the provider: the same follow-up is now about no one in particular.
        app.prompt.value = "/new"
        await pilot.press("enter")
        await pilot.pause()
        assert not list(app.query(TurnView))
        assert app.conversation.focus() == ()

    drive(app, script)


def test_filter_narrows_results_and_stays_visible(make_app):
    app = make_app()

    async def script(pilot):
        app.prompt.value = "/filter provider=Iridium"
        await pilot.press("enter")
        await pilot.pause()
        assert "filters: provider=Iridium Medical Practice" in status(app)
        view = await ask(pilot, FTSU)
        assert [p.name for p in view.answer.providers] == ["Iridium Medical Practice"]
        assert {c.provider for c in view.answer.citations} == {"Iridium Medical Practice"}
        assert "Heartbeat Alliance" not in view.answer.text
        app.prompt.value = "/filter provider=Nowhere"
        await pilot.press("enter")
        await pilot.pause()
        assert notes(app)[-1].startswith("no provider matches 'Nowhere'")
        app.prompt.value = "/filter clear"
        await pilot.press("enter")
        await pilot.pause()
        assert "filters: none" in status(app)

    drive(app, script)


def test_export_writes_questions_answers_and_passages(make_app, tmp_path):
    app = make_app()
    target = tmp_path / "out" / "ftsu.md"

    async def script(pilot):
        await ask(pilot, FTSU)
        await ask(pilot, "and what was their well-led score?")
        app.prompt.value = f"/export {target}"
        await pilot.press("enter")
        await pilot.pause()
        assert notes(app)[-1].startswith("exported 2 questions")

    drive(app, script)
    text = target.read_text(encoding="utf-8")
    assert "## 1. Which providers lacked FTSU awareness?" in text
    assert "## 2. and what was their well-led score?" in text
    assert f"> {HEARTBEAT_FTSU}" in text
    assert "report `heartbeat-alliance-2024-04-25`" in text and "characters 3384–3454" in text
    assert "*Searched: well-led score · Heartbeat Alliance*" in text


def test_question_typed_while_loading_is_answered(assistant, make_app):
    ready = threading.Event()

    def slow_loader():
        ready.wait(timeout=30)
        return assistant

    app = make_app(loader=slow_loader)

    async def main():
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            assert app.loading and "loading the index and model" in status(app)
            assert not app.prompt.disabled
            await pilot.press(*"Which providers lacked FTSU awareness?", "enter")
            await pilot.pause()
            view = list(app.query(TurnView))[-1]
            assert view.answer is None and len(app.queue) == 1
            ready.set()
            await settle(pilot)
            assert view.answer is not None
            assert "Heartbeat Alliance" in view.answer.focus

    asyncio.run(main())


def test_missing_index_and_empty_question_are_messages_and_reindex_recovers(make_app, corpus_dir, tmp_path):
    from functools import partial

    from assistant.session import load_assistant

    fresh = tmp_path / "fresh-index"
    app = make_app(loader=partial(load_assistant, fresh), index_dir=fresh)

    async def script(pilot):
        # Issue 18: the folders given, and the fix said once (it was said twice, the folders dropped).
        assert notes(app)[-1] == (f"No index at {fresh} yet: /reindex builds it from {corpus_dir} (or run "
                                  f"`assistant index build --corpus {corpus_dir} --index {fresh}`).")
        assert "no index loaded" in status(app)
        said = notes(app)
        app.prompt.value = "   "
        await pilot.press("enter")
        assert notes(app) == said and not app.query(TurnView)  # a blank line is never asked
        assert app.prompt.border_subtitle == "Type a question, or /help for the commands."
        view = await ask(pilot, FTSU)
        assert "no index is loaded" in str(view.query_one(Note).render())
        app.prompt.value = "/reindex"
        await pilot.press("enter")
        await settle(pilot)
        assert "Now answering from the new index, v000001." in notes(app)[-1]
        view = await ask(pilot, FTSU)
        assert view.answer.focus == ("Heartbeat Alliance",)

    drive(app, script)


def test_history_reopens_a_conversation_and_up_recalls_inputs(make_app, tmp_path):
    first = make_app()

    async def ask_once(pilot):
        await ask(pilot, FTSU)

    drive(first, ask_once)
    second = make_app()

    async def reopen(pilot):
        await pilot.press("up")
        assert second.prompt.value == FTSU
        second.prompt.value = ""
        await pilot.press("f5")
        await pilot.pause()
        assert isinstance(second.screen, HistoryScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert [t.question for t in second.conversation.turns] == [FTSU]
        view = await ask(pilot, "and what was their well-led score?")
        assert view.answer.resolved_query == "well-led score · Heartbeat Alliance"

    drive(second, reopen)


def test_palette_has_the_main_actions_and_runs_them(make_app):
    app = make_app()

    async def script(pilot):
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for wanted in ("Help", "Toggle sources", "New conversation", "Filter…", "Clear filters", "Mode: bm25",
                       "Export…", "Re-index", "History: past conversations"):
            assert wanted in titles
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Mode: bm25")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.conversation.mode == "bm25"
        assert "mode bm25" in status(app)
        await pilot.press("f2")
        assert not app.query_one("#sources-pane").display

    drive(app, script)


def test_the_issue_walkthrough_at_80_by_24(make_app):
    """Ask, open a source, Esc, type the next question, three answers: nothing lost, the newest in view,
    the finding column kept."""
    app = make_app()

    async def script(pilot):
        view = await ask(pilot, FTSU)
        table = view.query_one(FindingsTable)
        assert table.content_region.width <= 80 and ("Heartbeat Alliance", "partly", "[1]") in table.rows
        await pilot.press("f3", "down", "enter")
        await pilot.pause()
        assert app.screen.highlighted_text() == (
            "Staff were aware of who the freedom to speak up guardian (FTSU) was at the practice and within the PCN.")
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press(*"and what was their well-led score?", "enter")
        await settle(pilot)
        second = list(app.query(TurnView))[-1]
        assert second.question == "and what was their well-led score?"
        assert "scored 75 out of 100 for Well-led" in second.answer.text
        assert in_view(app.pane, second)
        third = await ask(pilot, "How were complaints managed at Iridium?")
        await pilot.pause()
        assert in_view(app.pane, third) and third.answer.citations
        assert app.query_one("#status").size.height == 1

    drive(app, script, size=(80, 24))
