"""Saved conversations and input recall, in real files under the data folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant import config
from assistant.chat import history
from assistant.chat.conversation import Conversation, Turn
from assistant.errors import HistoryProblem
from assistant.models import Filters


def test_history_dir_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "mine"))
    assert config.history_dir() == tmp_path / "mine" / "history"
    saved = history.save(Conversation(None), "20250101-000000-abcd")
    assert saved == tmp_path / "mine" / "history" / "20250101-000000-abcd.json"


def test_saved_conversation_reopens_with_its_answers_and_context(assistant, tmp_path):
    conv = Conversation(assistant, Filters(since="2024-01-01"), "bm25")
    first = conv.ask("Which providers lacked FTSU awareness?")
    conv_id = history.new_id()
    history.save(conv, conv_id, directory=tmp_path)

    record = history.load(conv_id, tmp_path)
    assert record.turns[0].answer == first  # every field, citations and offsets included
    assert record.filters == Filters(since="2024-01-01") and record.mode == "bm25"

    reopened = Conversation(assistant)
    history.restore(record, reopened)
    follow_up = reopened.ask("and what was their well-led score?")
    assert follow_up.resolved_query == "well-led score · Heartbeat Alliance"
    assert "75 out of 100" in follow_up.text

    assert record.turns[0].mode == "bm25" and record.turns[0].filters == Filters(since="2024-01-01")

    listed = history.list_saved(tmp_path)
    assert [(s.id, s.title, s.turns) for s in listed] == [(conv_id, "Which providers lacked FTSU awareness?", 1)]


def test_rename_search_and_delete(tmp_path):
    from assistant.models import Answer

    def saved_with(conversation_id: str, *questions: str) -> None:
        conv = Conversation(None)
        conv.turns[:] = [Turn(q, Answer(q, "An answer.", False), "hybrid") for q in questions]
        history.save(conv, conversation_id, directory=tmp_path)

    saved_with("a", "Which providers lacked FTSU awareness?", "and their well-led score?")
    saved_with("b", "Who runs Our Dorset?")
    history.rename("b", "  Dorset   leadership ", tmp_path)
    by_id = {s.id: s for s in history.list_saved(tmp_path)}
    assert by_id["b"].title == "Dorset leadership"
    assert [s.id for s in by_id.values() if history.matches(s, "WELL-LED score")] == ["a"]
    assert [s.id for s in by_id.values() if history.matches(s, "dorset")] == ["b"]
    assert {s.id for s in by_id.values() if history.matches(s, "")} == {"a", "b"}
    saved_with("b", "Who runs Our Dorset?", "and their safe rating?")  # saving again keeps the title
    assert {s.id: s.title for s in history.list_saved(tmp_path)}["b"] == "Dorset leadership"
    history.rename("b", "", tmp_path)  # back to the first question
    assert {s.id: s.title for s in history.list_saved(tmp_path)}["b"] == "Who runs Our Dorset?"
    history.delete("a", tmp_path)
    assert [s.id for s in history.list_saved(tmp_path)] == ["b"]
    with pytest.raises(HistoryProblem, match="no saved conversation a"):
        history.delete("a", tmp_path)
    with pytest.raises(HistoryProblem, match="no saved conversation a"):
        history.rename("a", "x", tmp_path)
    with pytest.raises(HistoryProblem):
        history.load("../b", tmp_path)


def test_files_from_before_per_turn_modes_still_open(tmp_path):
    import json

    (tmp_path / "old.json").write_text(json.dumps({
        "format": 1, "id": "old", "created": "2025-01-01T10:00:00", "updated": "2025-01-01T10:00:00",
        "filters": {"providers": ["Our Dorset"]}, "mode": "dense",
        "turns": [{"question": "q?", "answer": {"question": "q?", "text": "a", "no_answer": False}}]}),
        encoding="utf-8")
    turn = history.load("old", tmp_path).turns[0]
    assert turn.mode == "dense" and turn.filters == Filters(providers=("Our Dorset",))


def test_listing_skips_broken_files_and_load_explains(tmp_path):
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    assert history.list_saved(tmp_path) == []
    assert history.list_saved(tmp_path / "absent") == []
    with pytest.raises(HistoryProblem, match="cannot read saved conversation broken.json"):
        history.load("broken", tmp_path)
    with pytest.raises(HistoryProblem, match="no saved conversation nope"):
        history.load("nope", tmp_path)


def test_save_leaves_no_temporary_files(tmp_path):
    history.save(Conversation(None), "a", directory=tmp_path)
    history.save(Conversation(None), "a", directory=tmp_path)
    assert sorted(os.listdir(tmp_path)) == ["a.json"]


def test_input_recall_walks_back_and_forth_and_persists(tmp_path):
    recall = history.InputRecall(tmp_path)
    for line in ("first question", "second question", "second question", "/mode bm25"):
        recall.add(line)
    assert recall.previous("a draft") == "/mode bm25"
    assert recall.previous("") == "second question"
    assert recall.previous("") == "first question"
    assert recall.previous("") == "first question"  # stays at the oldest
    assert recall.next() == "second question"
    assert recall.next() == "/mode bm25"
    assert recall.next() == "a draft"  # back to what was being typed

    again = history.InputRecall(tmp_path)
    assert again.entries == ["first question", "second question", "/mode bm25"]
    assert Path(tmp_path / history.INPUTS_FILE).read_text(encoding="utf-8").count("\n") == 3
