"""SVG snapshots of the chat window at 80×24 and 200×50 (pytest-textual-snapshot).

Regenerate after an intended change with ``pytest tests/tui/test_snapshots.py --snapshot-update``
and look at the SVGs under ``__snapshots__/`` before committing them.
"""

from __future__ import annotations

from pathlib import Path

from tui_fakes import FTSU, FakeAssistant
from tui_pilot import ask, settle

# Fixed paths: the header shows the index folder, and a snapshot must not depend on tmp_path.
FIXED = {"index_dir": Path("/srv/cqc/index"), "corpus_dir": Path("/srv/cqc/corpus")}


def chat_app(tmp_path):
    from assistant.tui.app import ChatApp

    fake = FakeAssistant()
    return ChatApp(lambda: fake, history_dir=tmp_path / "history", **FIXED)


async def asked(pilot) -> None:
    pilot.app.prompt.cursor_blink = False  # a blinking cursor would make every screenshot a coin toss
    await settle(pilot)
    await ask(pilot, FTSU)
    await pilot.pause()


def test_answer_at_80_by_24(snap_compare, tmp_path):
    # The finding column, a one-row status line, the sources pane folded away.
    assert snap_compare(chat_app(tmp_path), terminal_size=(80, 24), run_before=asked)


def test_answer_with_sources_at_200_by_50(snap_compare, tmp_path):
    assert snap_compare(chat_app(tmp_path), terminal_size=(200, 50), run_before=asked)


def test_source_viewer_at_80_by_24(snap_compare, tmp_path):
    async def opened(pilot) -> None:
        await asked(pilot)
        await pilot.press("f3", "down", "enter")
        await pilot.pause()

    # The header keeps the offsets; the footer shows the viewer's own keys.
    assert snap_compare(chat_app(tmp_path), terminal_size=(80, 24), run_before=opened)
