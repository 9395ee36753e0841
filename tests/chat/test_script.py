"""`chat --script`: one user turn per line, one `ask --json` answer per line, follow-ups resolved;
every error names the script and the line."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from assistant.chat import script
from assistant.chat.commands import CommandError
from assistant.chat.conversation import Conversation
from assistant.cli import main


def chat(index_dir, *args: str):
    return CliRunner().invoke(main, ["chat", "--index", str(index_dir), *args])


def test_two_turn_conversation_as_json_lines(index_dir, real_embedder, tmp_path):
    turns = tmp_path / "turns.txt"
    turns.write_text("Which providers lacked FTSU awareness?\n\nand what was their well-led score?\n",
                     encoding="utf-8")
    result = chat(index_dir, "--script", str(turns), "--json")
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["question"] == "Which providers lacked FTSU awareness?"
    assert first["answer"].startswith("Heartbeat Alliance (1 of 7 providers checked).")
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


def test_window_only_commands_and_bad_lines_name_the_script_and_line(assistant):
    with pytest.raises(CommandError, match="^turns.txt:2: /reindex works only in the chat window$"):
        list(script.run(["/mode dense", "/reindex"], Conversation(assistant), "turns.txt"))
    with pytest.raises(CommandError, match="^script:1: unknown filter 'colour'"):
        list(script.run(["/filter colour=red"], Conversation(assistant)))


def test_a_line_that_is_not_utf8_is_named(index_dir, tmp_path):
    turns = tmp_path / "turns.txt"
    turns.write_bytes(b"/mode bm25\n# caf\xc3\xa9 is fine\nWhat about caf\xe9s?\n")
    result = chat(index_dir, "--script", str(turns))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == f"error: {turns}:3: not UTF-8 text"
    assert result.stderr.splitlines()[0] == f"{turns}:1: retrieval mode: bm25"


def test_export_refuses_an_existing_file_unless_forced(index_dir, tmp_path):
    target = tmp_path / "out.md"
    target.write_text("keep me", encoding="utf-8")
    turns = tmp_path / "turns.txt"
    turns.write_text(f"What was Iridium's well-led score?\n/export {target}\n", encoding="utf-8")
    result = chat(index_dir, "--script", str(turns))
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: {turns}:2: {target} already exists; use /export --force {target} to replace it")
    assert target.read_text(encoding="utf-8") == "keep me"
    turns.write_text(f"What was Iridium's well-led score?\n/export --force {target}\n", encoding="utf-8")
    result = chat(index_dir, "--script", str(turns))
    assert result.exit_code == 0, result.output
    assert "## 1. What was Iridium's well-led score?" in target.read_text(encoding="utf-8")


def test_export_io_errors_name_the_line_and_the_target(index_dir, tmp_path):
    turns = tmp_path / "turns.txt"
    turns.write_text("What was Iridium's well-led score?\n/export /sys/out.md\n", encoding="utf-8")
    result = chat(index_dir, "--script", str(turns))
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: {turns}:2: cannot write /sys/out.md: Permission denied")
    assert ".tmp" not in result.stderr


def test_a_newline_in_a_file_name_keeps_the_summary_one_line(assistant, tmp_path):
    odd = tmp_path / "two\nlines.md"
    out = list(script.run(["What was Iridium's well-led score?", f'/export "{odd}"'], Conversation(assistant)))
    note = out[-1]
    assert "\n" not in note.text and note.text.endswith("two\\nlines.md")
    assert odd.exists()


def test_unknown_provider_filter_is_an_error_with_a_hint(index_dir, tmp_path):
    turns = tmp_path / "turns.txt"
    turns.write_text("Which providers lacked FTSU awareness?\n", encoding="utf-8")
    result = chat(index_dir, "--script", str(turns), "--provider", "Nonexistent")
    assert result.exit_code == 1
    assert result.stderr.strip() == ("error: no provider matches 'Nonexistent'; known: Heartbeat Alliance, "
                                     "Hertfordshire IUC Service and HUC HQ, Iridium Medical Practice, "
                                     "Kidderminster Hospital and Treatment Centre, Our Dorset, "
                                     "Surrey Heartlands ICS, West Yorkshire Association of Acute Trusts")


def test_stdin_is_named_in_messages(index_dir):
    result = CliRunner().invoke(main, ["chat", "--index", str(index_dir), "--script", "-"],
                                input="/mode bm25\n/history\n")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == ["stdin:1: retrieval mode: bm25",
                                          "error: stdin:2: /history works only in the chat window"]


def test_json_needs_script():
    result = CliRunner().invoke(main, ["chat", "--json"])
    assert result.exit_code == 2
    assert "--json needs --script FILE" in result.output
