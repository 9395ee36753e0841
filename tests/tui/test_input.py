"""Issue 18, input: nothing typed or pasted is lost, merged or reordered, whatever has the focus and
however fast the keys come (the real window over a fake assistant, driven with Pilot; keys sent in one
burst as a terminal read delivers them)."""

from __future__ import annotations

import asyncio

from assistant.chat import history
from assistant.tui.screens import HistoryScreen, SectionScreen
from assistant.tui.widgets import TurnView
from tui_fakes import FTSU, FakeAssistant, make_fake_app
from tui_pilot import ask, burst, notes, paste, settle

THREE_LINES = "What did the report say about\nstaffing levels\nat Plain Surgery?"


def drive(app, script, size=(120, 40)) -> None:
    async def main():
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await script(pilot)

    asyncio.run(main())


def questions(app) -> list[str]:
    return [view.question for view in app.query(TurnView)]


# -- 1. a paste keeps every line --------------------------------------------------------------------


def test_a_pasted_block_of_three_lines_is_kept_whole_and_asked_as_one_question(tmp_path):
    fake = FakeAssistant()
    app = make_fake_app(tmp_path, fake)

    async def script(pilot):
        paste(pilot, THREE_LINES)
        await settle(pilot)
        assert app.prompt.value == THREE_LINES  # Input kept only "What did the report say about"
        burst(pilot, "enter")
        await settle(pilot)
        assert questions(app) == ["What did the report say about staffing levels at Plain Surgery?"]
        assert fake.calls[-1][0] == "What did the report say about staffing levels at Plain Surgery?"
        assert app.prompt.value == ""
        # A terminal may send the pasted line breaks as CR: still three lines.
        paste(pilot, THREE_LINES.replace("\n", "\r"))
        await settle(pilot)
        assert app.prompt.value == THREE_LINES
        app.prompt.value = ""
        # Ctrl+J starts a new line by hand; Enter sends.
        burst(pilot, "first line", "ctrl+j", "second line")
        await settle(pilot)
        assert app.prompt.value == "first line\nsecond line" and len(app.query(TurnView)) == 1

    drive(app, script, size=(80, 24))


def test_a_paste_while_the_sources_list_has_the_focus_goes_to_the_prompt(tmp_path):
    app = make_fake_app(tmp_path)

    async def script(pilot):
        await ask(pilot, FTSU)
        await pilot.press("f3")
        assert app.focused is app.query_one("#sources")
        paste(pilot, THREE_LINES)
        await settle(pilot)
        assert app.prompt.value == THREE_LINES and app.focused is app.prompt

    drive(app, script)


# -- 2. bursts never merge two turns or drop a key -----------------------------------------------------


def test_two_questions_typed_in_one_burst_are_two_turns(tmp_path):
    fake = FakeAssistant()
    app = make_fake_app(tmp_path, fake)

    async def script(pilot):
        burst(pilot, "Kidderminster?", "enter", "Iridium?", "enter")
        await settle(pilot)
        assert questions(app) == ["Kidderminster?", "Iridium?"]  # was one turn "Kidderminster?Iridium?"
        assert [call[0] for call in fake.calls] == ["Kidderminster?", "Iridium?"]
        burst(pilot, "/new", "enter", "Kidderminster?", "enter")
        await settle(pilot)
        assert not any("unknown command" in n for n in notes(app))  # was "unknown command /newkidderminster?"
        assert questions(app) == ["Kidderminster?"]
        assert notes(app)[0] == "new conversation: nothing is inherited from earlier questions"

    drive(app, script, size=(80, 24))


def test_a_burst_typed_while_an_answer_or_the_sources_list_has_the_focus_lands_whole(tmp_path):
    app = make_fake_app(tmp_path)

    async def script(pilot):
        view = await ask(pilot, FTSU)
        await pilot.press("tab")
        assert app.focused is view
        burst(pilot, "how many staff")
        await settle(pilot)
        assert app.prompt.value == "how many staff" and app.focused is app.prompt  # was "h"
        app.prompt.value = ""
        await pilot.press("f3")
        assert app.focused is app.query_one("#sources")
        burst(pilot, "and complaints?")
        await settle(pilot)
        assert app.prompt.value == "and complaints?"  # was "a"
        app.prompt.value = ""
        # Editing keys act in their place among the letters: "abx", Backspace, "c" is "abc".
        burst(pilot, "tab", "abx", "backspace", "c")
        await settle(pilot)
        assert app.prompt.value == "abc"
        app.prompt.value = ""
        # F3 then Enter then letters in one burst: the source opens and the letters start the next question.
        burst(pilot, "f3", "down", "enter", "why?")
        await settle(pilot)
        assert app.prompt.value == "why?" and app.focused is app.prompt
        assert not isinstance(app.screen, SectionScreen)  # the first letter closed it
        assert questions(app) == [FTSU]

    drive(app, script, size=(80, 24))


def test_a_burst_right_after_f5_goes_whole_to_the_history_search(tmp_path):
    folder = tmp_path / "history"
    for question in ("Kidderminster?", "Sunnyview Care Home?", "Which providers lacked FTSU awareness?"):
        drive(make_fake_app(tmp_path, history_dir=folder), lambda pilot, q=question: ask(pilot, q))
    app = make_fake_app(tmp_path, history_dir=folder)

    async def script(pilot):
        burst(pilot, "f5", "Kidder")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, HistoryScreen)
        assert screen.query_one("#history-search").value == "Kidder"  # was "K"
        assert screen.listed.option_count == 1
        assert app.prompt.value == ""
        await pilot.press("escape")
        # Typed one key at a time, 150 ms apart, from the moment F5 is pressed.
        await pilot.press("f5", *(key for letter in "Sunny" for key in (letter, "wait:150")))
        await settle(pilot)
        assert app.screen.query_one("#history-search").value == "Sunny"  # was "unny"
        assert app.screen.listed.option_count == 1
        assert app.prompt.value == ""

    drive(app, script, size=(80, 24))


# -- 3. Enter in the history search reopens ------------------------------------------------------------


def test_enter_in_the_history_search_reopens_the_conversation_found(tmp_path):
    folder = tmp_path / "history"
    drive(make_fake_app(tmp_path, history_dir=folder), lambda pilot: ask(pilot, FTSU))
    drive(make_fake_app(tmp_path, history_dir=folder), lambda pilot: ask(pilot, "What about staffing?"))
    fake = FakeAssistant()
    app = make_fake_app(tmp_path, fake, history_dir=folder)

    async def script(pilot):
        burst(pilot, "f5", "FTSU", "enter")
        await settle(pilot)
        assert not isinstance(app.screen, HistoryScreen)  # Enter reopened; it used to only move to the list
        assert [t.question for t in app.conversation.turns] == [FTSU]
        assert questions(app) == [FTSU]
        saved = next(s for s in history.list_saved(folder) if s.title == FTSU)
        assert notes(app)[-1] == f"Reopened the conversation of {history.when(saved.updated)}; follow-ups continue it."
        # Enter with nothing found says so and reopens nothing.
        burst(pilot, "f5", "parking", "enter")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)
        assert "Nothing to reopen" in str(app.screen.query_one("#history-message").render())

    drive(app, script)


# -- 10. history per corpus and index -----------------------------------------------------------------


def test_each_conversation_names_its_corpus_and_index_and_reopening_another_offers_to_switch(tmp_path):
    from assistant.tui.screens import ConfirmScreen

    folder = tmp_path / "history"
    real_corpus, real_index = tmp_path / "real" / "corpus", tmp_path / "real" / "index"
    sunnyview = FakeAssistant(providers=("Sunnyview Care Home",), version="v000003")
    drive(make_fake_app(tmp_path, sunnyview, history_dir=folder, corpus_dir=real_corpus, index_dir=real_index),
          lambda pilot: ask(pilot, "What about Sunnyview Care Home?"))
    drive(make_fake_app(tmp_path, history_dir=folder), lambda pilot: ask(pilot, FTSU))
    connected = []

    def connect(corpus, index):
        connected.append((corpus, index))
        return FakeAssistant(providers=("Sunnyview Care Home",), version="v000003")

    app = make_fake_app(tmp_path, history_dir=folder, connect=connect)

    async def script(pilot):
        await pilot.press("f5")
        await settle(pilot)
        screen = app.screen
        listed = [str(screen.listed.get_option_at_index(i).prompt) for i in range(screen.listed.option_count)]
        saved = {s.title: s for s in history.list_saved(folder)}
        # This chat's own conversation first, then the other index's, each saying where it was asked.
        assert listed[0].startswith(f"{history.when(saved[FTSU].updated)} · 1 turn · {FTSU}")
        assert listed[0].endswith("this corpus and index")
        assert listed[1].endswith(f"corpus {real_corpus} · index {real_index}")
        burst(pilot, "Sunny", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert f"asked of corpus {real_corpus}, index {real_index}" in app.screen.question
        await pilot.press("n")
        await settle(pilot)
        assert notes(app)[-1].startswith(f"Not reopened: that conversation was asked of corpus {real_corpus}")
        assert questions(app) == [] and connected == []
        burst(pilot, "f5", "Sunny", "enter")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert connected == [(real_corpus, real_index)]
        assert app.index_dir == real_index and app.corpus_dir == real_corpus
        assert questions(app) == ["What about Sunnyview Care Home?"]
        record = saved["What about Sunnyview Care Home?"]
        assert notes(app)[-1] == f"Reopened the conversation of {history.when(record.updated)}; follow-ups continue it."
        assert "index v000003" in str(app.query_one("#status").render())

    drive(app, script)


def test_a_switch_to_an_index_that_cannot_load_keeps_the_one_in_use(tmp_path):
    from assistant.errors import IndexMissing

    folder = tmp_path / "history"
    gone_corpus, gone_index = tmp_path / "gone" / "corpus", tmp_path / "gone" / "index"
    drive(make_fake_app(tmp_path, history_dir=folder, corpus_dir=gone_corpus, index_dir=gone_index),
          lambda pilot: ask(pilot, "Kidderminster?"))

    def connect(corpus, index):
        raise IndexMissing(f"no index at {index}: build one with `assistant index build`")

    app = make_fake_app(tmp_path, history_dir=folder, connect=connect)
    index_before = app.index_dir

    async def script(pilot):
        burst(pilot, "f5", "Kidder", "enter")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert app.index_dir == index_before and app.assistant is not None
        assert notes(app)[-1].startswith(f"Could not switch to the index at {gone_index}: no index at {gone_index}")
        assert notes(app)[-1].endswith(f"still answering from {index_before}.")
        view = await ask(pilot, FTSU)  # and it still answers
        assert view.answer is not None

    drive(app, script)
