"""Destructive updates are explicit: removing every report, or more than half, needs --allow-removals."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from _indexing import HEARTBEAT, HERTS, IRIDIUM, assert_iridium_scored_50, assistant_for, small_index
from click.testing import CliRunner
from conftest import ROOT

from assistant.cli import main
from assistant.errors import RemovalRefused
from assistant.indexing.build import update_index
from assistant.indexing.load import load_index

CLI = str(Path(sys.executable).parent / "assistant")  # the installed command, as a user runs it


@pytest.fixture()
def three(tmp_path, embedder):
    return small_index(tmp_path, embedder, IRIDIUM, HERTS, HEARTBEAT)


@pytest.mark.slow
def test_update_from_an_emptied_corpus_is_refused_and_the_index_still_answers(three):
    corpus, index = three
    for p in corpus.iterdir():
        p.unlink()
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    command = [CLI, "index", "update", "--corpus", str(corpus), "--index", str(index)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines() == [
        f"error: this update would remove 3 of the 3 indexed reports (the corpus folder {corpus} is empty); "
        "nothing was changed: check the --corpus folder, or run again with --allow-removals"]
    asked = subprocess.run([CLI, "ask", "What was Iridium's well-led score?",
                            "--index", str(index), "--json"], cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=300)
    assert asked.returncode == 0, asked.stderr
    assert json.loads(asked.stdout)["citations"][0]["text"] == "This service scored 50 (out of 100) for this area."


def test_a_missing_corpus_folder_counts_as_removing_everything(three, embedder):
    corpus, index = three
    shutil.rmtree(corpus)
    with pytest.raises(RemovalRefused, match=r"remove 3 of the 3 indexed reports \(the corpus folder .* is missing\)"):
        update_index(corpus, index, embedder)
    assert_iridium_scored_50(assistant_for(index, embedder))


def test_more_than_half_is_refused_half_is_not(three, embedder):
    corpus, index = three
    (corpus / IRIDIUM).unlink()
    (corpus / HERTS).unlink()
    with pytest.raises(RemovalRefused, match="remove 2 of the 3 indexed reports .*lacks 2 indexed files"):
        update_index(corpus, index, embedder)
    result = CliRunner().invoke(main, ["index", "update", "--corpus", str(corpus), "--index", str(index), "--json"])
    assert result.exit_code == 1 and result.stdout == "" and "--allow-removals" in result.stderr
    summary = update_index(corpus, index, embedder, allow_removals=True)
    assert summary.removed == [HERTS, IRIDIUM]
    assert [r.provider for r in load_index(index, embedder.name).reports.values()] == ["Heartbeat Alliance"]


def test_allow_removals_empties_the_index_on_request(three, embedder):
    corpus, index = three
    for p in corpus.iterdir():
        p.unlink()
    result = CliRunner().invoke(main, ["index", "update", "--corpus", str(corpus), "--index", str(index),
                                       "--allow-removals", "--json"])
    assert result.exit_code == 0, result.output
    assert sorted(json.loads(result.stdout)["removed"]) == sorted([HEARTBEAT, HERTS, IRIDIUM])
    data = load_index(index, embedder.name)
    assert data.chunks == [] and data.reports == {} and data.manifest.segments == ()
    answer = assistant_for(index, embedder).ask("What was Iridium's well-led score?")
    assert answer.no_answer and not answer.citations


def test_one_of_two_is_not_destructive(tmp_path, embedder):
    corpus, index = small_index(tmp_path, embedder, IRIDIUM, HERTS)
    (corpus / HERTS).unlink()
    assert update_index(corpus, index, embedder).removed == [HERTS]
