"""The index folder: versions, the atomic pointer, cleaning leftovers, and the one-writer lock."""

from __future__ import annotations

import hashlib
import json
import os
import re
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
from assistant.indexing.versions import IndexBusy, IndexCorrupt

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
    sums = {name: _sha(store.segment_dir(index, name) / TABLE) for name in segments}
    manifest = Manifest("model", 384, ChunkSettings(), Fingerprint.current(),
                        segments=tuple(SegmentEntry(n, (), (), "flat", {TABLE: sums[n]}) for n in segments))
    name = store.next_version(index) if index.is_dir() else "v000001"
    index.mkdir(exist_ok=True)
    return store.publish(index, name, manifest.encode(name))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_publish_switches_versions_atomically(tmp_path):
    assert store.current_version(tmp_path) is None
    first = _version(tmp_path)
    second = _version(tmp_path)
    assert (first.name, second.name) == ("v000001", "v000002")
    assert store.current_version(tmp_path) == second
    assert (tmp_path / "CURRENT").read_text() == f"v000002 {_sha(second / 'manifest.json')}\n"
    assert not list(tmp_path.glob(".tmp-*")) and not (tmp_path / "CURRENT.tmp").exists()
    assert not (second / store.PENDING).exists()
    assert Manifest.load(second).model_name == "model"


def test_clean_removes_leftovers_and_what_no_kept_commit_point_needs(tmp_path):
    for n in range(4):
        _version(tmp_path, (f"s00000{n + 1}", "s000009"))  # s000009 is shared by all of them
    store.new_workspace(tmp_path)  # a writer died while writing
    (tmp_path / "CURRENT.tmp").write_text("v000009")  # ... or while switching the pointer
    (tmp_path / "v000005").mkdir()  # ... or after placing its commit point, before switching CURRENT
    (tmp_path / "v000005" / store.PENDING).write_text("{}")
    store.segment_dir(tmp_path, "s000007").mkdir()  # ... or after adding a segment, before committing
    assert store.current_version(tmp_path).name == "v000004"  # a pending commit point is nobody's yet
    removed = store.clean(tmp_path)
    assert sorted(removed) == sorted(["CURRENT.tmp", "v000001", "v000002", "v000005", "segments/s000001",
                                      "segments/s000002", "segments/s000007"]
                                     + [n for n in removed if n.startswith(".tmp-")])
    assert sum(name.startswith(".tmp-") for name in removed) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["CURRENT", "segments", "v000003", "v000004"]
    assert sorted(p.name for p in (tmp_path / "segments").iterdir()) == ["s000003", "s000004", "s000009"]
    assert store.current_version(tmp_path).name == "v000004"


def test_a_writer_killed_after_switching_current_left_a_live_pending_manifest(tmp_path):
    _version(tmp_path)
    second = _version(tmp_path)
    os.replace(second / "manifest.json", second / store.PENDING)  # as if killed before renaming it
    assert store.current_version(tmp_path) == second  # CURRENT records its hash: it is live
    store.clean(tmp_path)  # the next writer finishes the rename
    assert (second / "manifest.json").is_file() and not (second / store.PENDING).exists()


def _pointed_back(index: Path) -> None:
    first = index / "v000001"
    (index / "CURRENT").write_text(f"v000001 {_sha(first / 'manifest.json')}\n")  # a valid pointer, but stale


@pytest.mark.parametrize("damage, message", [
    (lambda i: (i / "CURRENT").unlink(), "CURRENT is missing (the newest commit point is v000002)"),
    (lambda i: (i / "CURRENT").write_bytes(b"\xff\xfe\x00garbage"), "CURRENT is damaged"),
    (lambda i: (i / "CURRENT").write_bytes(b"v000002\n"), "CURRENT is damaged"),
    (lambda i: (i / "CURRENT").write_bytes(b"../../etc\n"), "CURRENT is damaged"),
    (_pointed_back, "CURRENT names v000001, but v000002 is newer"),
    (lambda i: (i / "v000002" / "manifest.json").unlink(), "v000002/manifest.json is missing"),
    (lambda i: shutil.copy(i / "v000001" / "manifest.json", i / "v000002" / "manifest.json"),
     "v000002/manifest.json does not match the checksum CURRENT records"),
], ids=["deleted", "not-utf8", "no-checksum", "outside", "pointed-back", "manifest-deleted", "manifest-replaced"])
def test_current_may_only_name_the_newest_intact_commit_point(tmp_path, damage, message):
    _version(tmp_path, ("s000001",))
    _version(tmp_path, ("s000001", "s000002"))
    damage(tmp_path)
    with pytest.raises(IndexCorrupt, match=re.escape(message)) as caught:
        store.current_version(tmp_path)
    assert "\n" not in str(caught.value) and "assistant index update --repair" in str(caught.value)
    with pytest.raises(IndexCorrupt):
        store.resolve(tmp_path)
    if message.startswith("CURRENT names v000001"):  # the older one is served when named
        assert store.resolve(tmp_path, "v000001")[0].name == "v000001"


def test_a_manifest_checks_its_own_checksum_and_name(tmp_path):
    _version(tmp_path)
    second = _version(tmp_path)
    data = (second / "manifest.json").read_bytes()
    with pytest.raises(IndexCorrupt, match="does not match its own checksum"):
        Manifest.verified_json(data.replace(b'"model"', b'"modem"'), "v000002")
    with pytest.raises(IndexCorrupt, match="is the manifest of v000002, not of v000003"):
        Manifest.verified_json(data, "v000003")
    assert store.newest_intact(tmp_path) == second
    (second / "manifest.json").write_bytes(data.replace(b'"model"', b'"modem"'))
    assert store.newest_intact(tmp_path).name == "v000001"


def test_no_commit_point_is_no_index(tmp_path):
    assert store.current_version(tmp_path) is None
    (tmp_path / "v000001").mkdir()  # a first build killed before it switched CURRENT
    (tmp_path / "v000001" / store.PENDING).write_text("{}")
    assert store.current_version(tmp_path) is None


def test_crash_point_only_fires_when_named(monkeypatch):
    monkeypatch.setenv(store.CRASH_ENV, "after-publish")
    store.crash_point("after-embed")  # another point: returns normally
    monkeypatch.delenv(store.CRASH_ENV)
    store.crash_point("after-publish")
    assert set(store.CRASH_POINTS) >= {"after-embed", "after-write", "before-publish", "after-pointer", "after-publish"}


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
