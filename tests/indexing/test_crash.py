"""kill -9 during a segment update or a merge, at every named point: the index still loads and answers,
and the next run tidies up (temporary folders, orphan segments, an unswitched commit point)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from _indexing import HEARTBEAT, HERTS, IRIDIUM, assert_iridium_scored_50, assistant_for, live_segments, small_index
from conftest import ROOT, SEED_CORPUS

from assistant.indexing import versions as store
from assistant.indexing.build import optimize_index, update_index
from assistant.indexing.load import load_index, status

pytestmark = pytest.mark.slow

# Runs one update (or optimize) in a child process; prints each progress step so a parent can kill it
# mid-embedding.
_CHILD = """
import sys
from pathlib import Path
from assistant.search.embed import Embedder
from assistant.indexing.build import optimize_index, update_index

def progress(stage, done, total):
    print(stage, done, total, flush=True)

if sys.argv[3] == "optimize":
    optimize_index(Path(sys.argv[2]), Embedder(), progress)
else:
    update_index(Path(sys.argv[1]), Path(sys.argv[2]), Embedder(), progress)
print("finished", flush=True)
"""
UPDATE_POINTS = store.CRASH_POINTS
OPTIMIZE_POINTS = ("after-lock", "after-merge", "after-write", "before-publish", "before-pointer", "after-pointer",
                   "after-publish")
PUBLISHED = ("after-pointer", "after-publish")  # CURRENT was switched: the new commit point is live


@pytest.fixture()
def pending(tmp_path, embedder) -> tuple[Path, Path]:
    """Iridium and Hertfordshire indexed (one segment), with Heartbeat waiting to be indexed."""
    corpus, index = small_index(tmp_path, embedder, IRIDIUM, HERTS)
    shutil.copy(SEED_CORPUS / HEARTBEAT, corpus / HEARTBEAT)
    return corpus, index


def _child(corpus: Path, index: Path, crash_at: str | None = None, what: str = "update") -> subprocess.Popen:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    env.pop(store.CRASH_ENV, None)
    if crash_at:
        env[store.CRASH_ENV] = crash_at
    return subprocess.Popen([sys.executable, "-c", _CHILD, str(corpus), str(index), what], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _leftovers(index: Path) -> list[str]:
    """Temporary folders, a half-switched pointer, commit points never made live, and segments no commit
    point names."""
    named = set()
    for version in store.committed(index):
        named.update(s["name"] for s in __import__("json").loads((version / "manifest.json").read_text())["segments"])
    orphans = [f"segments/{p.name}" for p in (index / "segments").iterdir() if p.name not in named]
    pending = [p.name for p in store.commit_points(index) if not (p / "manifest.json").exists()]
    return sorted([p.name for p in index.iterdir() if p.name.startswith(".tmp-") or p.name == "CURRENT.tmp"]
                  + orphans + pending)


def _kill_at(corpus: Path, index: Path, point: str, what: str) -> None:
    child = _child(corpus, index, crash_at=point, what=what)
    out, err = child.communicate(timeout=300)
    assert child.returncode == -signal.SIGKILL, err[-2000:]
    assert "finished" not in out


def _check_recovery(corpus: Path, index: Path, embedder, published: bool) -> None:
    """The live commit point answers; then the next update finishes the job and removes every leftover."""
    data = load_index(index, embedder.name)
    assert data.path.name == ("v000002" if published else "v000001")
    assert (HEARTBEAT in data.manifest.files) is published
    assert_iridium_scored_50(assistant_for(index, embedder))

    summary = update_index(corpus, index, embedder)
    assert summary.added == ([] if published else [HEARTBEAT])
    assert summary.chunks_embedded == (0 if published else 11)
    assert _leftovers(index) == []
    live = store.current_version(index)
    commits = [p.name for p in store.commit_points(index)]
    assert commits[-1] == live.name and len(commits) <= store.KEEP_VERSIONS
    assert status(index)["healthy"]
    assistant = assistant_for(index, embedder)
    assert_iridium_scored_50(assistant)
    assert "Heartbeat Alliance" in assistant.catalog.providers()


@pytest.mark.parametrize("point", UPDATE_POINTS)
def test_segment_update_killed_at_each_point_leaves_a_loadable_index(pending, embedder, point):
    corpus, index = pending
    _kill_at(corpus, index, point, "update")
    if point in ("after-segment", "after-merge"):
        assert _leftovers(index) == ["segments/s000002"]  # written, never committed
    if point in ("after-write", "before-publish"):
        assert len(_leftovers(index)) == 2  # the segment and the half-done commit point, never live
    if point == "before-pointer":
        assert (index / "v000002").is_dir() and (index / "CURRENT").read_text().split()[0] == "v000001"
        assert _leftovers(index) == ["segments/s000002", "v000002"]  # placed, never made live
    if point == "after-pointer":  # CURRENT names v000002, whose manifest is still pending: it is live
        assert (index / "CURRENT").read_text().split()[0] == "v000002"
        assert not (index / "v000002" / "manifest.json").exists()
    _check_recovery(corpus, index, embedder, published=point in PUBLISHED)


@pytest.mark.parametrize("point", OPTIMIZE_POINTS)
def test_merge_killed_at_each_point_leaves_a_loadable_index(pending, embedder, point):
    corpus, index = pending
    update_index(corpus, index, embedder)  # two segments now
    assert len(live_segments(index)) == 2
    _kill_at(corpus, index, point, "optimize")
    data = load_index(index, embedder.name)
    merged = point in PUBLISHED
    assert len(data.manifest.segments) == (1 if merged else 2)
    assert "Heartbeat Alliance" in {r.provider for r in data.reports.values()}
    assert_iridium_scored_50(assistant_for(index, embedder))
    summary = optimize_index(index, embedder)
    assert summary.published is not merged and len(live_segments(index)) == 1
    assert _leftovers(index) == [] and status(index)["healthy"]
    assert_iridium_scored_50(assistant_for(index, embedder))


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
