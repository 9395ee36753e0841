"""`chat --script`: one user turn per line, one `ask --json` answer per line, follow-ups resolved."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from assistant.chat import script
from assistant.cli import main
from assistant.chat.commands import CommandError
from assistant.chat.conversation import Conversation


def test_two_turn_conversation_as_json_lines(index_dir, embedder, tmp_path):
    turns = tmp_path / "turns.txt"
    turns.write_text("Which providers lacked FTSU awareness?\n\nand what was their well-led score?\n",
                     encoding="utf-8")
    result = CliRunner().invoke(main, ["chat", "--index", str(index_dir), "--script", str(turns), "--json"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["question"] == "Which providers lacked FTSU awareness?"
    assert first["answer"].startswith("1 of 7 providers in scope: Heartbeat Alliance.")
    assert first["citations"][0]["text"] == "However, not all staff were aware of the Freedom to Speak Up Guardian."
    assert {p["name"]: p["finding"] for p in first["providers"]}["Heartbeat Alliance"] == "partly"
    assert second["resolved_query"] == "well-led score · Heartbeat Alliance"
    assert second["focus"] == ["Heartbeat Alliance"]
    assert second["citations"][0]["provider"] == "Heartbeat Alliance"
    assert "75 out of 100" in second["answer"]
    assert set(second) >= {"question", "answer", "no_answer", "citations", "providers"}


def test_commands_apply_between_turns(assistant, tmp_path):
    conv = Conversation(assistant)
    target = tmp_path / "x.md"
    out = list(script.run(["# comment", "/filter provider=Iridium", "What was the well-led score?",
                           f"/export {target}", "/new", "/mode bm25"], conv))
    assert out[0] == script.Note(2, "filters: provider=Iridium Medical Practice")
    assert "scored 50 out of 100 for Well-led" in out[1].text
    assert out[2] == script.Note(4, f"exported 1 question with their cited passages to {target}")
    assert "## 1. What was the well-led score?" in target.read_text(encoding="utf-8")
    assert out[3] == script.Note(5, "new conversation: nothing is inherited from earlier questions")
    assert conv.turns == [] and conv.mode == "bm25"

def test_window_only_commands_and_bad_lines_name_the_line(assistant):
    with pytest.raises(CommandError, match="line 2: /reindex works only in the chat window"):
        list(script.run(["/mode dense", "/reindex"], Conversation(assistant)))
    with pytest.raises(CommandError, match="line 1: unknown filter 'colour'"):
        list(script.run(["/filter colour=red"], Conversation(assistant)))


def test_json_needs_script():
    result = CliRunner().invoke(main, ["chat", "--json"])
    assert result.exit_code == 2
    assert "--json needs --script FILE" in result.output
