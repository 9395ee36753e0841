"""The `assistant` command: the ask --json contract, status, and one-line errors."""

import json
import shutil

import pytest
from click.testing import CliRunner

from assistant.cli import main

CITATION_KEYS = {"n", "provider", "report", "section", "text", "start", "end", "score"}


def run(*args):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_ask_json_contract(index_dir):
    code, out = run("ask", "Which providers lacked FTSU awareness?", "--json", "--index", str(index_dir))
    assert code == 0
    payload = json.loads(out)
    assert set(payload) == {"question", "answer", "no_answer", "reason", "citations", "providers"}
    assert payload["question"] == "Which providers lacked FTSU awareness?"
    assert payload["no_answer"] is False
    assert all(set(c) == CITATION_KEYS for c in payload["citations"])
    heartbeat = next(p for p in payload["providers"] if p["name"] == "Heartbeat Alliance")
    assert set(heartbeat) == {"name", "finding", "citations", "answers"}  # "answers" was added (issue 16)
    assert heartbeat["finding"] == "partly" and heartbeat["answers"] is True
    cite = payload["citations"][heartbeat["citations"][0] - 1]
    assert cite["text"] == "However, not all staff were aware of the Freedom to Speak Up Guardian."
    assert cite["section"] == "Well-led > Freedom to speak up"
    assert cite["report"] == "heartbeat-alliance-2024-04-25"
    assert cite["end"] - cite["start"] == len(cite["text"])
    kidderminster = next(p for p in payload["providers"] if p["name"].startswith("Kidderminster"))
    assert kidderminster["finding"] != "lacking"


def test_ask_with_provider_filter_and_mode(index_dir):
    code, out = run("ask", "How were complaints managed?", "--provider", "Iridium", "--mode", "bm25", "--k", "3",
                    "--json", "--index", str(index_dir))
    assert code == 0
    payload = json.loads(out)
    assert payload["citations"] and {c["provider"] for c in payload["citations"]} == {"Iridium Medical Practice"}


def test_ask_plain_text_shows_sources(index_dir):
    code, out = run("ask", "What was Iridium's well-led score?", "--index", str(index_dir))
    assert code == 0
    assert "scored 50 out of 100" in out
    assert "Sources:" in out and "This service scored 50 (out of 100) for this area." in out


def test_no_answer_json(index_dir):
    code, out = run("ask", "What is the CQC policy on parking fines?", "--json", "--index", str(index_dir))
    payload = json.loads(out)
    assert code == 0 and payload["no_answer"] is True and payload["citations"] == []
    assert payload["reason"] == "no_passage"


def test_index_status(index_dir):
    code, out = run("index", "status", "--json", "--index", str(index_dir))
    info = json.loads(out)
    assert code == 0
    assert info["model"] == "sentence-transformers/all-MiniLM-L6-v2" and info["dimension"] == 384
    assert info["reports"] == 7 and info["files"] == 5


def test_index_status_lists_what_was_read_from_each_report(index_dir):
    code, out = run("index", "status", "--reports", "--json", "--index", str(index_dir))
    rows = {row["location"]: row for row in json.loads(out)}
    assert code == 0 and len(rows) == 7
    iridium = rows["Iridium Medical Practice"]
    assert iridium["key_questions"]["well-led"] == {"rating": "Requires improvement", "score": 50}
    assert iridium["date"] == "2025-01-13" and iridium["service_type"] == "GP practice"
    herts = rows["Hertfordshire IUC Service and HUC HQ"]
    assert herts["overall"] == "Good" and herts["key_questions"]["safe"] == {"rating": "Good", "score": None}
    code, text = run("index", "status", "--reports", "--index", str(index_dir))
    assert code == 0 and "7 reports" in text
    assert "key questions: well-led Requires improvement 50" in text


def test_missing_index_is_one_line(tmp_path):
    code, out = run("ask", "anything", "--index", str(tmp_path / "nowhere"))
    assert code == 1
    assert out.strip().startswith("error: no index at") and "assistant index build" in out
    assert "Traceback" not in out and len(out.strip().splitlines()) == 1


def test_mismatched_model_is_one_line(index_dir, tmp_path):
    from _indexing import reseal

    copy = tmp_path / "index"
    shutil.copytree(index_dir, copy)
    reseal(copy, lambda manifest: {**manifest, "model": {**manifest["model"], "name": "some/other-model"}})
    code, out = run("ask", "anything", "--index", str(copy))
    assert code == 1 and "built with model 'some/other-model'" in out and "Traceback" not in out


def test_corrupt_index_is_one_line(index_dir, tmp_path):
    copy = tmp_path / "index"
    shutil.copytree(index_dir, copy)
    (segment,) = (copy / "segments").iterdir()
    (segment / "vectors.faiss").write_bytes(b"not a faiss index")
    code, out = run("ask", "anything", "--index", str(copy))
    assert code == 1 and "corrupt" in out and "assistant index build" in out
    assert len(out.strip().splitlines()) == 1


def test_bad_date_is_one_line(index_dir):
    code, out = run("ask", "x", "--since", "July 2024", "--index", str(index_dir))
    assert code == 1 and "is not a date" in out


def test_ask_unknown_provider_says_the_filter_matched_nothing(index_dir):
    code, out = run("ask", "Which providers lacked FTSU awareness?", "--provider", "Nonexistent",
                    "--index", str(index_dir))
    assert code == 1
    assert out.startswith("error: no provider matches 'Nonexistent'; known: Heartbeat Alliance, ")
    assert "None of the" not in out and len(out.strip().splitlines()) == 1


@pytest.mark.slow  # the question's kind is read with the bundled ONNX model: the fast tier loads no model
def test_ask_plain_text_strips_terminal_control_from_report_text(embedder, tmp_path):
    from assistant.indexing.build import update_index
    from conftest import SEED_CORPUS

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    page = (SEED_CORPUS / "iridium-medical-practice-2025-01-13.txt").read_text(encoding="utf-8")
    hostile = "This service scored 50 (out of 100) for this \x1b]0;pwned\x07area.\x1b[2J"
    (corpus / "iridium.txt").write_text(page.replace("This service scored 50 (out of 100) for this area.",
                                                     hostile, 1), encoding="utf-8")
    update_index(corpus, tmp_path / "index", embedder)
    code, out = run("ask", "What was Iridium's well-led score?", "--index", str(tmp_path / "index"))
    assert code == 0 and "scored 50 out of 100" in out
    assert "“This service scored 50 (out of 100) for this area. Find out what" in out
    assert not any(ch in out for ch in "\x1b\x07\x9b")
    # JSON keeps the exact characters (escaped by JSON): the offsets still index the report text.
    code, out = run("ask", "What was Iridium's well-led score?", "--json", "--index", str(tmp_path / "index"))
    cited = json.loads(out)["citations"][0]
    assert hostile in cited["text"] and "\x1b" not in out
