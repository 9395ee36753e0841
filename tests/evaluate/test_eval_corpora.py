"""Corpora of an evaluation: which files are reports, which questions can be asked, the cached index, the CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from _indexing import IRIDIUM
from conftest import SEED_CORPUS
from assistant.evaluate import corpora
from assistant.evaluate.dataset import Question

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "tests" / "data" / "real"
ACCESS = "real_access-dignity-care_2024-01.txt"


def _real_folder(tmp_path: Path) -> Path:
    """One real report page with its provenance notes beside it, as tests/data/real keeps them."""
    folder = tmp_path / "real"
    folder.mkdir()
    shutil.copy(REAL / ACCESS, folder / ACCESS)
    shutil.copy(REAL / "SOURCES.md", folder / "SOURCES.md")
    (folder / "SOURCES-a.md").write_text("# batch a sources\n", encoding="utf-8")
    return folder


def test_report_files_leave_out_the_provenance_notes(tmp_path):
    folder = _real_folder(tmp_path)
    (folder / ".hidden.txt").write_text("x", encoding="utf-8")
    assert [p.name for p in corpora.report_files(folder)] == [ACCESS]


def test_runnable_skips_questions_whose_files_are_absent(tmp_path):
    folder = _real_folder(tmp_path)
    here = Question("r1", "q", True, corpus="real", sources=(ACCESS,))
    absent = Question("r2", "q", True, corpus="real", sources=(ACCESS, "real_not-yet.txt"))
    seeds = Question("s1", "q", True)
    keep, skipped = corpora.runnable([here, absent, seeds], {"real": folder, "seeds": tmp_path / "nowhere"})
    assert [q.id for q in keep] == ["r1"]
    assert [(s.id, s.corpus) for s in skipped] == [("r2", "real"), ("s1", "seeds")]
    assert skipped[0].reason == f"not in {folder}: real_not-yet.txt"
    assert "not found" in skipped[1].reason


def test_cached_index_is_reused_until_the_corpus_changes(tmp_path, embedder):
    from assistant.indexing.load import load_index

    folder, cache = _real_folder(tmp_path), tmp_path / "cache"
    first = corpora.cached_index("real", folder, cache, embedder)
    data = load_index(first, embedder.name)
    assert {r.source for r in data.reports.values()} == {ACCESS}  # SOURCES*.md is not a report
    stamp = (first / "CURRENT").stat().st_mtime_ns
    assert corpora.cached_index("real", folder, cache, embedder) == first
    assert (first / "CURRENT").stat().st_mtime_ns == stamp  # reused, not rebuilt

    shutil.copy(SEED_CORPUS / IRIDIUM, folder / IRIDIUM)
    second = corpora.cached_index("real", folder, cache, embedder)
    assert second != first and not first.exists()  # the stale index is gone, not left to be reused
    assert {r.source for r in load_index(second, embedder.name).reports.values()} == {ACCESS, IRIDIUM}
    assert [p.name for p in cache.iterdir()] == [second.name]  # no temporary build folder left behind


def test_fingerprint_follows_the_files_not_the_notes(tmp_path, embedder):
    folder = _real_folder(tmp_path)
    before = corpora.fingerprint(folder, embedder)
    (folder / "SOURCES.md").write_text("changed notes\n", encoding="utf-8")
    assert corpora.fingerprint(folder, embedder) == before
    (folder / ACCESS).write_text((folder / ACCESS).read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    assert corpora.fingerprint(folder, embedder) != before


@pytest.mark.slow
def test_cli_asks_each_corpus_and_reports_skipped_questions(tmp_path, corpus_dir, index_dir):
    from assistant.cli import main

    lines = [
        {"id": "s1", "split": "dev", "category": "value", "question": "What was Iridium Medical Practice's well-led score?",
         "expected_providers": ["Iridium Medical Practice"], "expected_evidence": ["This service scored 50 (out of 100)"],
         "expected_answer": ["50"], "answerable": True},
        {"id": "r1", "split": "dev", "category": "value", "corpus": "real", "sources": [ACCESS],
         "question": "What was Access Dignity Care's safe score?", "expected_providers": ["Access Dignity Care Limited"],
         "expected_evidence": ["This service scored 28 (out of 100) for this area."], "answerable": True},
        {"id": "r2", "split": "dev", "category": "value", "corpus": "real", "sources": ["real_not-yet.txt"],
         "question": "What was Not Yet's score?", "answerable": True},
    ]
    path = tmp_path / "questions.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in lines), encoding="utf-8")
    out = tmp_path / "out"
    args = ["eval", "run", str(path), "--corpus", str(corpus_dir), "--index", str(index_dir),
            "--real-corpus", str(_real_folder(tmp_path)), "--out", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "skipped 1 questions" in result.output
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(r["id"], r["corpus"]) for r in rows] == [("s1", "seeds"), ("r1", "real")]
    assert {c["provider"] for c in rows[0]["answer"]["citations"]} == {"Iridium Medical Practice"}
    assert all(c["report"].startswith("real_") for c in rows[1]["answer"]["citations"])  # asked of the real index
    text = (out / "report.md").read_text(encoding="utf-8")
    assert "`r2` (real): not in" in text and "## By category: real, dev split (hybrid)" in text
    assert [p.name.split("-")[0] for p in (out / "index-cache").iterdir()] == ["real"]  # seeds used --index

    again = CliRunner().invoke(main, args)  # the cached real index is reused
    assert again.exit_code == 0, again.output
    assert len(list((out / "index-cache").iterdir())) == 1


def test_cli_says_so_when_no_question_can_be_asked(tmp_path):
    from assistant.cli import main

    path = tmp_path / "questions.jsonl"
    path.write_text(json.dumps({"id": "r", "corpus": "real", "sources": ["real_x.txt"], "question": "q?",
                                "answerable": False}) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["eval", "run", str(path), "--real-corpus", str(tmp_path), "--out",
                                       str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "none of the 1 questions can be asked: not in" in result.output
    assert "Traceback" not in result.output


def test_cli_peer_says_what_is_missing_before_any_work(tmp_path, monkeypatch):
    import importlib

    from assistant.cli import main

    real_import = importlib.import_module

    def without_txtai(name, *args):
        if name == "txtai":
            raise ImportError("No module named 'txtai'")
        return real_import(name, *args)

    monkeypatch.setattr(importlib, "import_module", without_txtai)
    path = tmp_path / "questions.jsonl"
    path.write_text(json.dumps({"id": "s", "question": "What was Iridium's score?", "answerable": True}) + "\n",
                    encoding="utf-8")
    result = CliRunner().invoke(main, ["eval", "run", str(path), "--peer", "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "--peer needs assistant/evaluate/peer.py and txtai" in result.output
    assert not (tmp_path / "out").exists()  # stopped before indexing anything


def test_cli_rejects_a_tradeoff_file_that_is_not_json_before_any_work(tmp_path):
    from assistant.cli import main

    path = tmp_path / "questions.jsonl"
    path.write_text(json.dumps({"id": "s", "question": "What was Iridium's score?", "answerable": True}) + "\n",
                    encoding="utf-8")
    curve = tmp_path / "curve.json"
    curve.write_text("[1, 2", encoding="utf-8")
    result = CliRunner().invoke(main, ["eval", "run", str(path), "--tradeoff", str(curve), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert f"{curve}: not a JSON file" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_an_empty_corpus_folder_is_an_error_not_an_empty_index(tmp_path, embedder):
    from assistant.errors import IndexMissing

    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "SOURCES.md").write_text("notes only\n", encoding="utf-8")
    with pytest.raises(IndexMissing, match="holds no report files"):
        corpora.cached_index("real", tmp_path / "real", tmp_path / "cache", embedder)
    assert not (tmp_path / "cache").exists()
