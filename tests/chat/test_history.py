"""Saved conversations and input recall, in real files under the data folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant import config
from assistant.chat import history
from assistant.chat.conversation import Conversation
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

    listed = history.list_saved(tmp_path)
    assert [(s.id, s.title, s.turns) for s in listed] == [(conv_id, "Which providers lacked FTSU awareness?", 1)]


def test_listing_skips_broken_files_and_load_explains(tmp_path):
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    assert history.list_saved(tmp_path) == []
    assert history.list_saved(tmp_path / "absent") == []
    with pytest.raises(ValueError, match="cannot read saved conversation broken.json"):
        history.load("broken", tmp_path)
    with pytest.raises(ValueError, match="no saved conversation nope"):
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
