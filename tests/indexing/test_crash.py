"""kill -9 during an update, at every named point: the index still loads and answers, and the next run tidies up."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from _indexing import HEARTBEAT, HERTS, IRIDIUM, assert_iridium_scored_50, assistant_for, small_index
from conftest import ROOT, SEED_CORPUS

from assistant.indexing import versions as store
from assistant.indexing.index import load_index
from assistant.indexing.update import update_index

# Runs one update in a child process; prints each progress step so a parent can kill it mid-embedding.
_CHILD = """
import sys
from pathlib import Path
from assistant.search.embed import Embedder
from assistant.indexing.update import update_index

def progress(stage, done, total):
    print(stage, done, total, flush=True)

update_index(Path(sys.argv[1]), Path(sys.argv[2]), Embedder(), progress)
print("finished", flush=True)
"""


@pytest.fixture(scope="module")
def template(tmp_path_factory, embedder) -> tuple[Path, Path]:
    """Iridium and Hertfordshire indexed once; each test works on a copy."""
    return small_index(tmp_path_factory.mktemp("crash"), embedder, IRIDIUM, HERTS)


@pytest.fixture()
def pending(template, tmp_path) -> tuple[Path, Path]:
    """A copy of the template with one new report waiting to be indexed."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(template[0], corpus)
    shutil.copytree(template[1], index)
    shutil.copy(SEED_CORPUS / HEARTBEAT, corpus / HEARTBEAT)
    return corpus, index


def _child(corpus: Path, index: Path, crash_at: str | None = None) -> subprocess.Popen:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    env.pop(store.CRASH_ENV, None)
    if crash_at:
        env[store.CRASH_ENV] = crash_at
    return subprocess.Popen([sys.executable, "-c", _CHILD, str(corpus), str(index)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _leftovers(index: Path) -> list[str]:
    return sorted(p.name for p in index.iterdir() if p.name.startswith(".tmp-") or p.name == "CURRENT.tmp")


def _check_recovery(corpus: Path, index: Path, embedder, published: bool) -> None:
    """The live version answers; then the next update finishes the job and removes every leftover."""
    data = load_index(index, embedder.name)
    assert data.path.name == ("v000002" if published else "v000001")
    assert (HEARTBEAT in data.manifest["files"]) is published
    assert_iridium_scored_50(assistant_for(index, embedder))

    summary = update_index(corpus, index, embedder)
    assert summary.added == ([] if published else [HEARTBEAT])
    assert summary.chunks_embedded == (0 if published else 10)
    assert _leftovers(index) == []
    live = store.current_version(index)
    versions = sorted(p.name for p in index.iterdir() if p.name.startswith("v"))
    assert versions[-1] == live.name and len(versions) <= store.KEEP_VERSIONS
    assistant = assistant_for(index, embedder)
    assert_iridium_scored_50(assistant)
    assert "Heartbeat Alliance" in assistant.catalog.providers()


@pytest.mark.parametrize("point", store.CRASH_POINTS)
def test_kill_at_each_point_leaves_a_loadable_index(pending, embedder, point):
    corpus, index = pending
    child = _child(corpus, index, crash_at=point)
    out, err = child.communicate(timeout=300)
    assert child.returncode == -signal.SIGKILL, err[-2000:]
    assert "finished" not in out
    if point in ("after-write", "before-publish"):
        assert len(_leftovers(index)) == 1  # the half-done version, never live
    if point == "before-pointer":
        assert (index / "v000002").is_dir() and (index / "CURRENT").read_text().strip() == "v000001"
    _check_recovery(corpus, index, embedder, published=point == "after-publish")


def test_kill_from_outside_while_embedding(pending, embedder):
    corpus, index = pending
    child = _child(corpus, index)
    for line in child.stdout:
        if line.startswith("embed 0 "):  # parsed and chunked; the model loads and embeds now
            break
    child.send_signal(signal.SIGKILL)  # a real kill -9 from another process
    child.communicate(timeout=60)
    assert child.returncode == -signal.SIGKILL
    _check_recovery(corpus, index, embedder, published=False)
