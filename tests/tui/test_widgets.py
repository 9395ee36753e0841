"""The chat window over a fake assistant (fast): input is never lost, the newest answer stays in view,
the layout holds at 80×24, keys and focus, copy, confirmations, the history browser, and report text
that would be markup or terminal control shown as plain text."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
from rich.console import Console
from textual.widgets import Footer, Markdown, Static

from assistant.chat import history
from assistant.chat.commands import HELP
from assistant.errors import IndexMissing, RemovalRefused
from assistant.text import markdown_literal
from assistant.tui.screens import ConfirmScreen, HistoryScreen, SectionScreen, TitleScreen
from assistant.tui.widgets import FindingsTable, SourceItem, TurnView
from tui_fakes import (FTSU, MARKUP, OSC_TITLE, PLAIN, REDLINE, SMITH, FakeAssistant, cite, make_fake_app,
                       no_answer, passage_answer)
from tui_pilot import ask, command, in_view, notes, settle, status

pytestmark = pytest.mark.slow  # a real Textual app per test, driven by Pilot: seconds each


def drive(app, script, size=(120, 40)) -> None:
    """Run ``script(pilot)`` against ``app`` in a headless terminal of ``size``."""

    async def main():
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await script(pilot)

    asyncio.run(main())


def rendered(table: FindingsTable, width: int) -> list[str]:
    """The table's lines as the terminal shows them at ``width`` columns, styles ignored."""
    console = Console(width=width, record=True, file=open("/dev/null", "w"), color_system=None)
    console.print(table.render())
    return console.export_text().splitlines()


# -- input is never lost -----------------------------------------------------------------------------


def test_typing_after_closing_a_source_goes_to_the_prompt(tmp_path):
    app = make_fake_app(tmp_path)

    async def script(pilot):
        await ask(pilot, FTSU)
        # The steps: F3, Down, Enter opens source [2]; Esc closes it; type; Enter.
        await pilot.press("f3", "down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, SectionScreen) and app.screen.citation.n == 2
        await pilot.press("escape")
        await pilot.pause()
        assert app.focused is app.prompt
        view = await ask(pilot, "what about complaints?", typed=True)
        assert view.question == "what about complaints?"
        assert not isinstance(app.screen, SectionScreen)  # Enter asked; it did not re-open the source
        # After a click on a [n] link and Esc, too.
        markdown = list(app.query(TurnView))[0].query_one(Markdown)
        markdown.post_message(Markdown.LinkClicked(markdown, "cite:1"))
        await pilot.pause()
        assert isinstance(app.screen, SectionScreen)
        await pilot.press("escape")
        await pilot.pause()
        view = await ask(pilot, "and staffing?")
        assert view.question == "and staffing?"

    drive(app, script)


def test_keys_typed_in_the_conversation_or_a_source_land_in_the_prompt(tmp_path):
    app = make_fake_app(tmp_path)

    async def script(pilot):
        first = await ask(pilot, FTSU)
        await pilot.click(first)  # as when selecting text in the conversation
        await pilot.pause()
        assert app.focused is first
        await pilot.press(*"how many")
        assert app.focused is app.prompt and app.prompt.value == "how many"
        app.prompt.value = ""
        # A letter typed while reading a source closes it and starts the next question; the keys
        # typed while it closes follow (none is taken for a key of the viewer: copying is Ctrl+C).
        await pilot.press("f3", "enter")
        await pilot.pause()
        assert isinstance(app.screen, SectionScreen)
        await pilot.press(*"can we")
        await pilot.pause()
        assert not isinstance(app.screen, SectionScreen)
        assert app.prompt.value == "can we" and app.focused is app.prompt
        app.prompt.value = ""
        await pilot.press("f3", *"copy", "enter")  # the same from the sources list
        await settle(pilot)
        assert list(app.query(TurnView))[-1].question == "copy" and not app.clipboard

    drive(app, script)


def test_text_typed_while_an_answer_is_pending_stays_and_is_asked_next(tmp_path):
    gate = threading.Event()
    fake = FakeAssistant(gate=gate)
    app = make_fake_app(tmp_path, fake)

    async def script(pilot):
        await pilot.press(*FTSU, "enter")
        await pilot.pause()
        assert app.busy and not app.prompt.disabled
        await pilot.press(*"and their well-led score?")
        assert app.prompt.value == "and their well-led score?"  # kept while the answer is pending
        await pilot.press("enter")
        await pilot.pause()
        assert len(app.queue) == 1
        gate.set()
        await settle(pilot)
        assert [call[0] for call in fake.calls] == [FTSU, "and their well-led score?"]
        assert all(v.answer is not None for v in app.query(TurnView))

    drive(app, script)


# -- the newest answer stays in view -----------------------------------------------------------------


def test_newest_answer_is_in_view_after_three_questions_and_page_keys_scroll(tmp_path):
    long = "Tell me everything about governance?"
    app = make_fake_app(tmp_path, FakeAssistant({long: passage_answer(long, lines=20)}))

    async def script(pilot):
        for question in ("What about staffing?", "What about complaints?", "What about medicines?"):
            view = await ask(pilot, question)
            await pilot.pause()
            assert in_view(app.pane, view), question
        assert app.pane.max_scroll_y > 0  # the conversation overflows: pinning matters
        bottom = app.pane.scroll_y
        await pilot.press("pageup")
        await pilot.pause(0.3)
        assert app.focused is app.prompt and app.pane.scroll_y < bottom
        # Scrolled up, the view is left alone while reading; asking again follows the new answer.
        view = await ask(pilot, "What about safeguarding?")
        await pilot.pause()
        assert in_view(app.pane, view)
        await pilot.press("pageup", "pagedown")
        await pilot.pause(0.3)
        assert app.pane.scroll_y == app.pane.max_scroll_y
        # An answer taller than the pane is shown from its question, not from its last line.
        view = await ask(pilot, long)
        await pilot.pause()
        assert view.outer_size.height > app.pane.size.height
        assert view.virtual_region_with_margin.y == app.pane.scroll_y

    drive(app, script, size=(80, 24))


def test_opening_the_sources_pane_keeps_the_newest_answer_in_view(tmp_path):
    # At 80 columns F3 shows the sources pane beside the conversation, which reflows to half its
    # width and twice its height; the newest answer used to drift out of view.
    long = "Tell me everything about governance?"
    app = make_fake_app(tmp_path, FakeAssistant({long: passage_answer(long, lines=20)}))

    async def script(pilot):
        await ask(pilot, "What about staffing?")
        view = await ask(pilot, long)  # taller than the pane: shown from its question
        await pilot.pause()
        assert in_view(app.pane, view) and view.outer_size.height > app.pane.size.height
        await pilot.press("f3")
        await pilot.pause(0.3)
        assert app.query_one("#sources-pane").display and app.focused is app.query_one("#sources")
        assert view.size.width < 40 and in_view(app.pane, view)
        await pilot.press("escape")  # the peeked pane folds away: reflowed back
        await pilot.pause(0.3)
        assert not app.query_one("#sources-pane").display and in_view(app.pane, view)
        short = await ask(pilot, "What about complaints?", )  # anchored to the end
        await pilot.press("f2")
        await pilot.pause(0.3)
        assert app.query_one("#sources-pane").display and in_view(app.pane, short)
        await pilot.press("f2")
        await pilot.pause(0.3)
        # Scrolled up by the user, the view stays where they put it when the pane opens.
        await pilot.press("pageup", "pageup")
        await pilot.pause(0.3)
        assert app.pane.pinned is None
        where = app.pane.scroll_y
        await pilot.press("f3")
        await pilot.pause(0.3)
        assert app.pane.scroll_y == where and not in_view(app.pane, short)

    drive(app, script, size=(80, 24))


def test_keys_typed_right_after_f3_go_to_the_sources_list(tmp_path):
    # F3, Down, Enter arriving together (a busy app, a fast typist): the Enter used to reach the
    # prompt before the focus moved, and an empty line was submitted.
    from textual import events

    app = make_fake_app(tmp_path)

    async def script(pilot):
        await ask(pilot, FTSU)
        said = notes(app)
        for key, character in (("f3", None), ("down", None), ("enter", "\r")):
            app.post_message(events.Key(key, character))
        await settle(pilot)
        await pilot.pause(0.2)
        assert isinstance(app.screen, SectionScreen) and app.screen.citation.n == 2
        assert len(app.query(TurnView)) == 1 and notes(app) == said
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("enter", "space", "enter")  # blank lines are never asked nor noted
        await settle(pilot)
        assert len(app.query(TurnView)) == 1 and notes(app) == said and app.focused is app.prompt

    drive(app, script, size=(80, 24))


# -- 80×24 ---------------------------------------------------------------------------------------------


def test_80_by_24_keeps_the_finding_column_and_a_one_row_status(tmp_path):
    app = make_fake_app(tmp_path)

    async def script(pilot):
        view = await ask(pilot, FTSU)
        assert not app.query_one("#sources-pane").display  # folded away on a narrow terminal
        table = view.query_one(FindingsTable)
        width = table.content_region.width
        assert 0 < width <= 80
        lines = rendered(table, width)
        assert "finding" in lines[0]
        for name, finding in ((MARKUP, "lacking"), (REDLINE, "partly"), (SMITH, "meets"), (PLAIN, "no evidence")):
            row = next(line for line in lines if line.startswith(name.split()[0]))
            assert finding in row, (name, lines)
        assert app.query_one("#status").size.height == 1
        # F2 shows the sources pane; report ids are cut with "…", never broken onto a second line.
        await pilot.press("f2")
        await pilot.pause()
        assert app.query_one("#sources-pane").display
        ids = [item.query_one(".source-id", Static) for item in app.query(SourceItem)]
        assert ids and all(s.size.height == 1 for s in ids)
        await pilot.press("f2")
        assert not app.query_one("#sources-pane").display

    drive(app, script, size=(80, 24))


def test_providers_without_evidence_are_counted_in_one_row(tmp_path):
    from assistant.models import ProviderFinding

    many = tuple(ProviderFinding(f"Provider {i}", "no evidence") for i in range(1, 41))
    table = FindingsTable((ProviderFinding(MARKUP, "lacking", (1,)), ProviderFinding(SMITH, "meets", (2,)), *many))
    lines = rendered(table, 76)
    assert len(lines) == 5  # the head, its rule, two findings, one row for the forty
    assert lines[2].startswith(MARKUP) and "lacking" in lines[2] and "[1]" in lines[2]
    assert lines[4].startswith("40 other providers (named in the answer)") and "no evidence" in lines[4]
    few = FindingsTable((ProviderFinding(MARKUP, "lacking", (1,)), *many[:3]))
    assert [row[0] for row in few.rows] == [MARKUP, "Provider 1", "Provider 2", "Provider 3"]


def test_source_viewer_header_keeps_the_offsets_at_80_columns(tmp_path):
    app = make_fake_app(tmp_path)

    async def script(pilot):
        await ask(pilot, FTSU)
        app.open_citation(cite(3, SMITH))
        await pilot.pause()
        where = app.screen.query_one("#section-where", Static)
        c = cite(3, SMITH)
        assert str(where.render()).startswith(f"characters {c.start}–{c.end}")
        assert where.size.width >= len(f"characters {c.start}–{c.end}")

    drive(app, script, size=(80, 24))


def test_wide_terminal_shows_the_sources_pane(tmp_path):
    app = make_fake_app(tmp_path)

    async def script(pilot):
        await ask(pilot, FTSU)
        assert app.query_one("#sources-pane").display
        assert len(app.query(SourceItem)) == 3

    drive(app, script, size=(200, 50))


# -- keys, focus, footer, copy ----------------------------------------------------------------------


def footer_descriptions(screen) -> set[str]:
    return {binding.binding.description for binding in screen.active_bindings.values() if binding.binding.show}


def test_footer_follows_focus_and_pop_ups_and_shows_quit(tmp_path):
    app = make_fake_app(tmp_path)

    async def script(pilot):
        assert "Quit" in footer_descriptions(app.screen)
        assert "Ctrl+Q quit" in HELP
        view = await ask(pilot, FTSU)
        await pilot.press("tab")  # from the prompt, Tab goes to the newest answer
        assert app.focused is view
        assert view.styles.border_left[0] == "thick"  # the focus shows
        assert "Copy" in footer_descriptions(app.screen)
        await pilot.press("escape")
        assert app.focused is app.prompt and view.styles.border_left[0] != "thick"
        await pilot.press("f3", "enter")
        await pilot.pause()
        assert isinstance(app.screen, SectionScreen)
        assert app.screen.query(Footer)
        assert {"Close", "Copy citation"} <= footer_descriptions(app.screen)

    drive(app, script)


def test_copy_a_citation_or_an_answer_as_markdown(tmp_path):
    app = make_fake_app(tmp_path)

    async def script(pilot):
        await ask(pilot, FTSU)
        await pilot.press("f3", "down", "ctrl+c")
        c = cite(2, REDLINE)
        copied = app.clipboard
        # Markdown in a name is escaped: rendered, the copy shows the name as written.
        assert f"**[2] {markdown_literal(REDLINE)}**, 2024-05-02 — Well-led" in copied
        assert f"report `{c.report}`, file `{c.source}`, characters {c.start}–{c.end}" in copied
        assert "> Staff knew who the guardian was. They felt able to speak up." in copied
        assert "\x1b" not in copied and "\x07" not in copied
        await pilot.press("enter", "ctrl+c")  # in the source viewer
        assert app.clipboard == copied
        await pilot.press("escape", "tab", "ctrl+c")  # the focused answer, with its sources
        assert app.clipboard.startswith(f"## {FTSU}")
        assert "*Mode: hybrid · filters: none*" in app.clipboard
        assert "> Not all staff were aware of the Freedom to Speak Up Guardian." in app.clipboard

    drive(app, script)


# -- report text is data -----------------------------------------------------------------------------


def test_markup_in_provider_names_is_shown_as_typed(tmp_path):
    app = make_fake_app(tmp_path)

    async def script(pilot):
        view = await ask(pilot, FTSU)  # "[/]" in a name used to end the app with a MarkupError
        table = view.query_one(FindingsTable)
        lines = "\n".join(rendered(table, 100))
        for name in (MARKUP, REDLINE, SMITH):
            assert name in lines
        heads = [str(item.query_one(".source-head", Static).render()) for item in app.query(SourceItem)]
        assert heads == [f"[1] {MARKUP}", f"[2] {REDLINE}", f"[3] {SMITH}"]
        redline = app.query(SourceItem)[1].query_one(".source-head", Static).render()
        assert not any("red" in str(span.style) for span in redline.spans)  # not styled by the name
        await pilot.press("f3", "down", "enter")
        await pilot.pause()
        assert str(app.screen.query_one("#section-title", Static).render()).startswith(f"[2] {REDLINE}")

    drive(app, script)


def test_escape_sequences_in_report_text_never_reach_the_screen(tmp_path):
    app = make_fake_app(tmp_path)

    async def script(pilot):
        await ask(pilot, FTSU)
        snippet = str(app.query(SourceItem)[1].query_one(".source-text", Static).render())
        assert "guardian was. They felt" in snippet and "\x1b" not in snippet
        await pilot.press("f3", "down", "enter")
        await pilot.pause()
        screen = app.screen
        assert "\x1b" not in screen.body.plain and "\x07" not in screen.body.plain
        # Blanked in place: the highlight still covers exactly the cited characters.
        assert screen.highlighted_text() == cite(2, REDLINE).text.replace(OSC_TITLE, " " * len(OSC_TITLE))

    drive(app, script)


# -- messages -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("reason, expected", [
    ("no_passage", "No answer: nothing in the reports in scope supports an answer."),
    ("filters", "No answer: no report passes the filters (provider=Plain Surgery); /filter clear removes them."),
    ("empty_index", "No answer: the index holds no reports; add reports to the corpus"),
    ("unknown_provider", "No answer: no provider of that name is in the index"),
])
def test_a_no_answer_says_why(tmp_path, reason, expected):
    fake = FakeAssistant({"parking fines?": no_answer("parking fines?", reason)})
    app = make_fake_app(tmp_path, fake)

    async def script(pilot):
        if reason == "filters":
            await command(pilot, "/filter provider=Plain")
        view = await ask(pilot, "parking fines?")
        assert str(view.query_one(".why", Static).render()).startswith(expected)

    drive(app, script)


def test_start_filter_names_resolve_like_filter_does(tmp_path):
    from assistant.models import Filters

    app = make_fake_app(tmp_path, filters=Filters(providers=("plain",)))

    async def script(pilot):
        assert app.conversation.filters.providers == (PLAIN,)
        assert "filters: provider=Plain Surgery" in status(app)

    drive(app, script)


def test_empty_index_and_unknown_start_filter_are_explained(tmp_path):
    from assistant.models import Filters

    app = make_fake_app(tmp_path, FakeAssistant(providers=()), filters=Filters(providers=("Nonexistent",)))

    async def script(pilot):
        said = notes(app)
        assert any(n.startswith("The index holds no reports") for n in said)
        assert any("no provider matches 'Nonexistent'" in n for n in said)

    drive(app, script)


def test_library_errors_are_notes_never_crashes(tmp_path):
    class Failing(FakeAssistant):
        def ask(self, question, *args, **kwargs):
            raise IndexMissing("no index at /nowhere; build it with `assistant index build`")

    app = make_fake_app(tmp_path, Failing())

    async def script(pilot):
        view = await ask(pilot, "anything?")
        assert "no index at /nowhere" in str(view.query_one(".error", Static).render())
        app.action_copy_answer()
        await pilot.pause()
        assert notes(app)[-1] == "no answer to copy yet"
        await command(pilot, "/source 9")
        assert notes(app)[-1] == "no answer yet, so no sources to open"
        assert app.is_running

    drive(app, script)


# -- export, re-index and history -------------------------------------------------------------------


def test_export_asks_before_replacing_a_file_and_records_each_mode(tmp_path):
    app = make_fake_app(tmp_path)
    target = tmp_path / "out.md"
    target.write_text("keep me", encoding="utf-8")

    async def script(pilot):
        await ask(pilot, FTSU)
        await command(pilot, "/mode bm25")
        await command(pilot, "/filter provider=Plain")
        await ask(pilot, "What about staffing?")
        await command(pilot, f"/export {target}")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert target.read_text(encoding="utf-8") == "keep me"
        assert notes(app)[-1].startswith(f"not exported: {target} already exists")
        await command(pilot, f"/export {target}")
        await pilot.press("y")
        await pilot.pause()
        assert notes(app)[-1] == f"exported 2 questions with their cited passages to {target}"

    drive(app, script)
    text = target.read_text(encoding="utf-8")
    first, second = text.split("## 2. ")
    assert "*Mode: hybrid · filters: none*" in first
    assert "*Mode: bm25 · filters: provider=Plain Surgery*" in second


def test_reindex_that_would_remove_most_reports_asks_first(tmp_path):
    fake = FakeAssistant()
    calls = []

    def reindexer(current, progress, allow_removals=False):
        calls.append(allow_removals)
        if not allow_removals:
            raise RemovalRefused("the corpus folder has 0 of the 4 indexed reports; updating would remove all 4")
        progress("embed", 1, 1)
        return FakeAssistant(version="v000008"), ["updated v000008: 0 added, 0 changed, 4 removed, 0 skipped"]

    app = make_fake_app(tmp_path, fake, reindexer=reindexer)

    async def script(pilot):
        await command(pilot, "/reindex")
        assert isinstance(app.screen, ConfirmScreen)
        assert "would remove all 4" in app.screen.question
        await pilot.press("n")
        await settle(pilot)
        assert notes(app)[-1] == "The index is unchanged." and calls == [False]
        await command(pilot, "/reindex")
        await pilot.press("y")
        await settle(pilot)
        assert calls == [False, False, True]
        assert notes(app)[-1].endswith("Now answering from the new index, v000008.")

    drive(app, script)


def test_history_browser_searches_renames_and_deletes(tmp_path):
    folder = tmp_path / "history"
    for question in ("Which providers lacked FTSU awareness?", "What was the safe score?", "Who runs Our Dorset?"):
        first = make_fake_app(tmp_path, history_dir=folder)
        drive(first, lambda pilot, q=question: ask(pilot, q))
    app = make_fake_app(tmp_path, history_dir=folder)

    async def script(pilot):
        await pilot.press("f5")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HistoryScreen) and screen.listed.option_count == 3
        assert "Rename" in footer_descriptions(screen) and "Delete" in footer_descriptions(screen)
        await pilot.press(*"dorset")  # typing searches
        await pilot.pause()
        assert screen.listed.option_count == 1
        await pilot.press("f2")  # rename the one found
        await pilot.pause()
        assert isinstance(app.screen, TitleScreen)
        app.screen.query_one("#title-input").value = ""
        await pilot.press(*"Dorset leadership", "enter")
        await pilot.pause()
        renamed = [s for s in history.list_saved(folder) if s.title == "Dorset leadership"]
        assert len(renamed) == 1 and renamed[0].questions == ("Who runs Our Dorset?",)
        await pilot.press("delete")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        assert not renamed[0].path.exists() and screen.listed.option_count == 0
        await pilot.press("escape")
        await pilot.pause()
        assert app.focused is app.prompt

    drive(app, script)
    assert sorted(s.title for s in history.list_saved(folder)) == ["What was the safe score?",
                                                                   "Which providers lacked FTSU awareness?"]
    saved = json.loads(next(folder.glob("*.json")).read_text(encoding="utf-8"))
    assert saved["turns"][0]["mode"] == "hybrid" and saved["turns"][0]["filters"]["providers"] == []


def test_a_selection_table_says_which_providers_match_not_that_they_meet_the_standard():
    # "Which services were rated inadequate for safe?" selects Access Dignity Care (rated Inadequate).
    from assistant.models import ProviderFinding

    table = FindingsTable((ProviderFinding("Access Dignity Care Limited", "meets", (1,)),), selection=True)
    lines = rendered(table, 76)
    assert lines[0].split()[:2] == ["provider", "matches"]
    assert "yes" in lines[2] and "meets" not in " ".join(lines)
    # A set question's lone "meets" (Iridium knew its FTSU guardian, asked who lacked awareness) keeps
    # its finding: "matches" would say the opposite.
    lone = FindingsTable((ProviderFinding("Iridium Medical Practice", "meets", (1,)),))
    lines = rendered(lone, 76)
    assert lines[0].split()[:2] == ["provider", "finding"] and "meets" in lines[2]
