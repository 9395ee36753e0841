"""/export: a conversation as Markdown, with every cited passage in full."""

from __future__ import annotations

import pytest

from assistant.chat import export
from assistant.chat.conversation import Conversation
from assistant.models import Filters


def test_markdown_holds_questions_answers_and_full_passages(assistant, tmp_path):
    conv = Conversation(assistant)
    conv.ask("Which providers lacked FTSU awareness?")
    conv.ask("and what was their well-led score?")
    path = export.write(tmp_path / "sub" / "ftsu.md", conv.turns, conv.filters, "hybrid")
    text = path.read_text(encoding="utf-8")
    assert path.is_absolute()
    assert text.startswith("# CQC report assistant: conversation\n")
    assert "Filters:" not in text and "Retrieval mode: hybrid." in text
    assert "## 1. Which providers lacked FTSU awareness?" in text
    assert "1 of 7 providers in scope: Heartbeat Alliance." in text
    assert ("**[1] Heartbeat Alliance**, 2024-04-25 — Well-led > Freedom to speak up  \n"
            "report `heartbeat-alliance-2024-04-25`, file `heartbeat-alliance-2024-04-25.txt`, "
            "characters 3384–3454\n\n"
            "> However, not all staff were aware of the Freedom to Speak Up Guardian.") in text
    assert "> Staff told us they knew how to contact the freedom to speak up team." in text
    filtered = export.to_markdown(conv.turns, Filters(providers=("Heartbeat Alliance",), since="2024-01-01"))
    assert "Filters: provider=Heartbeat Alliance since=2024-01-01." in filtered
    second = text.split("## 2. and what was their well-led score?")[1]
    assert "*Searched: well-led score · Heartbeat Alliance*" in second
    assert "75 out of 100" in second
    report = assistant.data.reports["heartbeat-alliance-2024-04-25"]
    cited = conv.turns[1].answer.citations[0]
    assert f"> {report.text[cited.start:cited.end].strip()}" in second


def test_nothing_to_export_and_folder_targets_are_errors(tmp_path):
    with pytest.raises(ValueError, match="nothing to export yet"):
        export.write(tmp_path / "x.md", [])
    conv_turns = [object()]
    with pytest.raises(ValueError, match="is a folder"):
        export.write(tmp_path, conv_turns)
