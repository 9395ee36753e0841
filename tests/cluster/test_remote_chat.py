"""`chat --server`: the real chat window over a real server, driven with Pilot.

The window works as it does locally (answers, sources pane, source viewer, follow-ups, export), and
when the server goes away a question gets a one-line reason and stays at the prompt.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
from _cluster import ServerProcess, copy_index

pytest.importorskip("fastapi", reason="needs the cluster extra (FastAPI)")
pytest.importorskip("uvicorn", reason="needs the cluster extra (uvicorn)")

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tui"))  # the chat window tests' Pilot helpers
from tui_pilot import notes, settle, status  # noqa: E402

from assistant.serve.chat import RemoteIndex  # noqa: E402
from assistant.serve.client import RemoteAssistant  # noqa: E402
from assistant.serve.tokens import TokenStore  # noqa: E402
from assistant.tui.app import ChatApp  # noqa: E402
from assistant.tui.screens import SectionScreen  # noqa: E402
from assistant.tui.widgets import SourceItem, TurnView  # noqa: E402

pytestmark = [pytest.mark.cluster, pytest.mark.slow]
FTSU = "Which providers lacked FTSU awareness?"
HEARTBEAT_FTSU = "However, not all staff were aware of the Freedom to Speak Up Guardian."


async def _ask(pilot, text: str) -> TurnView:
    pilot.app.prompt.value = text
    await pilot.press("enter")
    await settle(pilot)
    return list(pilot.app.query(TurnView))[-1]


def test_chat_window_over_a_server_works_as_locally(index_dir, assistant, tmp_path):
    store = TokenStore(tmp_path / "tokens.json")
    token = store.add("alice")
    exported = tmp_path / "chat.md"
    with ServerProcess(copy_index(index_dir, tmp_path / "index"), store.path, "--rate", "1000") as server:

        def reindex(current, progress=None, allow_removals=False):
            raise RemoteIndex("this chat asks a server")

        app = ChatApp(lambda: RemoteAssistant(server.url, token), history_dir=tmp_path / "history",
                      reindexer=reindex)

        async def script(pilot):
            await settle(pilot)
            assert "index v000001 · 7 providers" in status(app)
            view = await _ask(pilot, FTSU)
            assert view.answer.to_json() == assistant.ask(FTSU).to_json()
            assert view.answer.text.startswith("Heartbeat Alliance (1 of 7 providers checked).")
            sources = list(app.query(SourceItem))
            assert sources[0].citation.text == HEARTBEAT_FTSU and sources[0].citation.date
            await pilot.press("f3", "enter")  # the source viewer: the report section, the sentence highlighted
            await pilot.pause()
            assert isinstance(app.screen, SectionScreen)
            assert app.screen.highlighted_text() == HEARTBEAT_FTSU
            assert app.screen.cited.title == "Well-led > Freedom to speak up"
            await pilot.press("escape")
            await pilot.pause()
            follow = await _ask(pilot, "Tell me about Iridium Medical Practice")
            again = await _ask(pilot, "and what was their well-led score?")
            assert "Iridium" in status(app) and "scored 50 out of 100" in again.answer.text
            assert follow.answer.focus == ("Iridium Medical Practice",)
            await _ask(pilot, f"/export {exported}")
            await _ask(pilot, "/reindex")
            await settle(pilot)
            assert any("re-index failed: this chat asks a server" in n for n in notes(app))
            server.stop()  # the server goes away
            view = await _ask(pilot, "How were complaints handled?")
            assert view.error is not None and "cannot reach the server at http://127.0.0.1" in view.error
            assert "\n" not in view.error
            assert app.prompt.value == "How were complaints handled?"  # kept: Enter asks it again

        async def main():
            async with app.run_test(size=(120, 40)) as pilot:
                await script(pilot)

        asyncio.run(main())
    text = exported.read_text(encoding="utf-8")
    assert "## 3. and what was their well-led score?" in text and HEARTBEAT_FTSU in text
