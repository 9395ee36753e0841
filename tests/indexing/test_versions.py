"""The index folder: versions, the atomic pointer, cleaning leftovers, and the one-writer lock."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT

from assistant.config import ChunkSettings
from assistant.indexing import versions as store
from assistant.indexing.manifest import TABLE, Fingerprint, Manifest, SegmentEntry, table_json
from assistant.cli import main
from assistant.indexing.build import update_index
from assistant.indexing.versions import IndexBusy

# Holds the writer lock until its stdin closes (or for argv[2] seconds).
_HOLDER = """
import sys, time
from pathlib import Path
from assistant.indexing.versions import writer_lock
with writer_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    if len(sys.argv) > 2:
        time.sleep(float(sys.argv[2]))
    else:
        sys.stdin.read()
"""


def _hold_lock(index: Path, seconds: float | None = None) -> subprocess.Popen:
    args = [sys.executable, "-c", _HOLDER, str(index)] + ([str(seconds)] if seconds is not None else [])
    holder = subprocess.Popen(args, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    return holder


def _version(index: Path, segments: tuple[str, ...] = ()) -> Path:
    """Publish a commit point whose manifest names ``segments`` (folders made if missing)."""
    for name in segments:
        store.segment_dir(index, name).mkdir(parents=True, exist_ok=True)
        (store.segment_dir(index, name) / TABLE).write_text(json.dumps(table_json({})))  # holds no files
    work = store.new_workspace(index)
    Manifest("model", 384, ChunkSettings(), Fingerprint.current(),
             segments=tuple(SegmentEntry(n, (), (), "flat") for n in segments)).save(work)
    return store.publish(index, work)


def test_publish_switches_versions_atomically(tmp_path):
    assert store.current_version(tmp_path) is None
    first = _version(tmp_path)
    second = _version(tmp_path)
    assert (first.name, second.name) == ("v000001", "v000002")
    assert store.current_version(tmp_path) == second
    assert (tmp_path / "CURRENT").read_text() == "v000002\n"
    assert not list(tmp_path.glob(".tmp-*")) and not (tmp_path / "CURRENT.tmp").exists()


def test_clean_removes_leftovers_and_what_no_kept_commit_point_needs(tmp_path):
    for n in range(4):
        _version(tmp_path, (f"s00000{n + 1}", "s000009"))  # s000009 is shared by all of them
    store.new_workspace(tmp_path)  # a writer died while writing
    (tmp_path / "CURRENT.tmp").write_text("v000009")  # ... or while switching the pointer
    (tmp_path / "v000005").mkdir()  # ... or after renaming its commit point into place
    store.segment_dir(tmp_path, "s000007").mkdir()  # ... or after adding a segment, before committing
    removed = store.clean(tmp_path)
    assert sorted(removed) == sorted(["CURRENT.tmp", "v000001", "v000002", "v000005", "segments/s000001",
                                      "segments/s000002", "segments/s000007"]
                                     + [n for n in removed if n.startswith(".tmp-")])
    assert sum(name.startswith(".tmp-") for name in removed) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["CURRENT", "segments", "v000003", "v000004"]
    assert sorted(p.name for p in (tmp_path / "segments").iterdir()) == ["s000003", "s000004", "s000009"]
    assert store.current_version(tmp_path).name == "v000004"


@pytest.mark.parametrize("pointer", [None, b"\xff\xfe\x00garbage", b"v000042\n", b"../../etc\n"],
                         ids=["deleted", "not-utf8", "names-nothing", "outside"])
def test_a_damaged_pointer_recovers_the_newest_complete_commit_point(tmp_path, pointer):
    _version(tmp_path, ("s000001",))
    _version(tmp_path, ("s000001", "s000002"))
    incomplete = _version(tmp_path, ("s000003",))
    shutil.rmtree(store.segment_dir(tmp_path, "s000003"))  # v000003 names a segment that is gone
    assert incomplete.name == "v000003"
    if pointer is None:
        (tmp_path / "CURRENT").unlink()
    else:
        (tmp_path / "CURRENT").write_bytes(pointer)
    assert store.current_version(tmp_path).name == "v000002"
    assert store.pointer_problem(tmp_path)
    store.clean(tmp_path)  # a writer (under the lock) rewrites CURRENT and keeps what v000002 needs
    assert (tmp_path / "CURRENT").read_text() == "v000002\n" and store.pointer_problem(tmp_path) is None
    assert (tmp_path / "v000001").is_dir() and store.segment_dir(tmp_path, "s000002").is_dir()


def test_no_commit_point_is_no_index(tmp_path):
    (tmp_path / "CURRENT").write_text("v000007\n")
    assert store.current_version(tmp_path) is None


def test_crash_point_only_fires_when_named(monkeypatch):
    monkeypatch.setenv(store.CRASH_ENV, "after-publish")
    store.crash_point("after-embed")  # another point: returns normally
    monkeypatch.delenv(store.CRASH_ENV)
    store.crash_point("after-publish")
    assert set(store.CRASH_POINTS) >= {"after-embed", "after-write", "before-publish", "after-publish"}


def test_second_writer_exits_with_a_clear_message(tmp_path, embedder):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    holder = _hold_lock(index)
    try:
        with pytest.raises(IndexBusy, match="another index build or update is running"):
            update_index(corpus, index, embedder)
        result = CliRunner().invoke(main, ["index", "update", "--corpus", str(corpus), "--index", str(index)])
        assert result.exit_code == 1
        assert "error: another index build or update is running" in result.stderr
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert store.current_version(index) is None  # neither refused writer wrote anything


def test_second_writer_can_wait_for_the_first(tmp_path, embedder):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    (corpus / "note.txt").write_text("Waiting room\n\nThe practice opened a second waiting room in March.\n")
    holder = _hold_lock(index, seconds=1.5)
    started = time.monotonic()
    summary = update_index(corpus, index, embedder, wait=60)
    assert time.monotonic() - started >= 1.0
    assert holder.wait(timeout=30) == 0
    assert summary.added == ["note.txt"] and summary.version == "v000001"
    assert os.path.isdir(index / "v000001")
