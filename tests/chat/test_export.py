"""/export: a conversation as Markdown, with each question's mode and filters and every cited passage
in full; it never replaces a file unasked and its errors name the target, not a temporary file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.chat import commands, export
from assistant.chat.conversation import Conversation, Turn
from assistant.errors import ExportExists, ExportProblem
from assistant.models import Answer, Citation, Filters


def test_markdown_holds_questions_answers_and_full_passages(assistant, tmp_path):
    conv = Conversation(assistant)
    conv.ask("Which providers lacked FTSU awareness?")
    conv.ask("and what was their well-led score?")
    path = export.write(tmp_path / "sub" / "ftsu.md", conv.turns)
    text = path.read_text(encoding="utf-8")
    assert path.is_absolute()
    assert text.startswith("# CQC report assistant: conversation\n")
    assert "## 1. Which providers lacked FTSU awareness?\n\n*Mode: hybrid · filters: none*" in text
    assert "Heartbeat Alliance (1 of 7 providers checked)." in text
    assert ("**[1] Heartbeat Alliance**, 2024-04-25 — Well-led > Freedom to speak up  \n"
            "report `heartbeat-alliance-2024-04-25`, file `heartbeat-alliance-2024-04-25.txt`, "
            "characters 3384–3454\n\n"
            "> However, not all staff were aware of the Freedom to Speak Up Guardian.") in text
    assert "> Staff told us they knew how to contact the freedom to speak up team." in text
    second = text.split("## 2. and what was their well-led score?")[1]
    assert "*Searched: well-led score · Heartbeat Alliance*" in second
    assert "75 out of 100" in second
    report = assistant.data.reports["heartbeat-alliance-2024-04-25"]
    cited = conv.turns[1].answer.citations[0]
    assert f"> {report.text[cited.start:cited.end].strip()}" in second


def test_each_question_records_the_mode_and_filters_it_was_asked_with(assistant, tmp_path):
    # The issue: asked in bm25 mode, exported as "Retrieval mode: hybrid", filters dropped.
    conv = Conversation(assistant)
    commands.apply(commands.parse("/mode bm25"), conv, assistant.catalog)
    commands.apply(commands.parse("/filter provider=Iridium since=2024-01-01"), conv, assistant.catalog)
    conv.ask("What was the well-led score?")
    commands.apply(commands.parse("/mode dense"), conv, assistant.catalog)
    commands.apply(commands.parse("/filter clear"), conv, assistant.catalog)
    conv.ask("How were complaints managed at Heartbeat?")
    assert [(t.mode, t.filters.describe()) for t in conv.turns] == [
        ("bm25", "provider=Iridium Medical Practice since=2024-01-01"), ("dense", "")]
    text = export.to_markdown(conv.turns)
    first, second = text.split("## 2. ")
    assert "*Mode: bm25 · filters: provider=Iridium Medical Practice since=2024-01-01*" in first
    assert "*Mode: dense · filters: none*" in second
    assert "Retrieval mode" not in text


def test_a_no_answer_says_why_in_the_export():
    answer = Answer("parking?", "No report matches.", True, reason="filters")
    text = export.to_markdown([Turn("parking?", answer, "bm25", Filters(providers=("Iridium Medical Practice",)))])
    assert "*(No answer: no report passes the filters (provider=Iridium Medical Practice); /filter clear" in text


def test_report_text_is_exported_without_terminal_control():
    c = Citation(1, "Evil \x1b[2J Practice", "evil-1", "Safe", "They were safe.\x1b]0;pwned\x07", 0, 21, 1.0)
    text = export.citation_markdown(c)
    assert "\x1b" not in text and "\x07" not in text
    assert "**[1] Evil Practice**" in text and "> They were safe." in text


def test_an_existing_file_is_replaced_only_when_asked(tmp_path):
    turns = [Turn("q?", Answer("q?", "An answer.", False))]
    target = tmp_path / "out.md"
    target.write_text("keep me", encoding="utf-8")
    with pytest.raises(ExportExists, match="out.md already exists"):
        export.write(target, turns)
    assert target.read_text(encoding="utf-8") == "keep me"
    export.write(target, turns, overwrite=True)
    assert "## 1. q?" in target.read_text(encoding="utf-8")
    assert commands.parse(f"/export --force {target}") == commands.Export(target, force=True)


def test_write_errors_name_the_target_not_a_temporary_file(tmp_path):
    turns = [Turn("q?", Answer("q?", "An answer.", False))]
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file, not a folder", encoding="utf-8")
    with pytest.raises(ExportProblem) as info:
        export.write(blocker / "out.md", turns)
    assert str(info.value) == f"cannot write {blocker / 'out.md'}: {blocker} is a file, not a folder"
    assert sorted(os.listdir(tmp_path)) == ["notes.txt"]
    # sysfs takes no new files, whoever asks: the OS error, said about the target.
    with pytest.raises(ExportProblem) as info:
        export.write(Path("/sys/chat-export.md"), turns)
    assert str(info.value) == "cannot write /sys/chat-export.md: Permission denied"


def test_nothing_to_export_and_folder_targets_are_errors(tmp_path):
    with pytest.raises(ExportProblem, match="nothing to export yet"):
        export.write(tmp_path / "x.md", [])
    with pytest.raises(ExportProblem, match="is a folder"):
        export.write(tmp_path, [Turn("q?", Answer("q?", "An answer.", False))])
