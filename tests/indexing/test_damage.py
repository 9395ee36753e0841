"""A damaged index never answers: each damage gives a one-line error naming the file and the fix.

Checksums catch every change to a file (``test_damage_trials.py`` tries each kind of damage on
each kind of file); these tests take the checksums out of the way (``reseal``) to show that the
structure checks behind them still hold: a flipped chunk id that is still valid JSON, a vocabulary
swapped between segments, manifests missing a field or of the wrong shape; and `index add` during
a running update.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from _indexing import HEARTBEAT, HERTS, assert_iridium_scored_50, assistant_for, reseal
from click.testing import CliRunner
from conftest import ROOT, SEED_CORPUS

from assistant.cli import main
from assistant.errors import IndexBusy, IndexCorrupt
from assistant.indexing import versions
from assistant.indexing.add import add_files
from assistant.indexing.build import build_index, update_index
from assistant.indexing.load import load_index, status
from assistant.indexing.manifest import Manifest


def _segment(index: Path) -> Path:
    return versions.segment_dir(index, Manifest.load(versions.current_version(index)).segments[0].name)


def _cli(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def _one_line_error(result, *fragments: str) -> None:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def _edit_chunks(index: Path, edit) -> None:
    path = _segment(index) / "chunks.json"
    columns = json.loads(path.read_text())
    edit(columns)
    path.write_text(json.dumps(columns))


def _flip_id(index: Path, row: int = 3, to: int = 9999) -> None:
    _edit_chunks(index, lambda c: c["id"].__setitem__(row, to))  # still valid JSON, still unique ids


# -- a flipped chunk id --------------------------------------------------------------------------


def test_a_flipped_chunk_id_is_caught_by_status_update_load_and_ask(two, embedder):
    corpus, index = two
    _flip_id(index)
    info = status(index)
    assert not info["healthy"]
    assert info["problems"] == ["segment s000001: chunks.json does not match its checksum (changed or damaged)"]
    result = _cli("index", "status", "--index", str(index))
    assert result.exit_code == 1 and "NOT HEALTHY" in result.stdout and "chunks.json does not match" in result.stdout
    with pytest.raises(IndexCorrupt, match="chunks.json does not match its checksum"):
        update_index(corpus, index, embedder)
    with pytest.raises(IndexCorrupt, match="chunks.json does not match its checksum"):
        load_index(index, embedder.name)
    _one_line_error(_cli("ask", "What was Iridium's well-led score?", "--index", str(index)),
                    "s000001/chunks.json does not match its checksum", "assistant index update --repair")
    _one_line_error(_cli("index", "update", "--corpus", str(corpus), "--index", str(index)), "does not match its checksum")
    # Both fixes the message names work.
    summary = update_index(corpus, index, embedder, repair=True)
    assert summary.repaired and summary.added == sorted(summary.added) and len(summary.added) == 2
    assert status(index)["healthy"]
    assert_iridium_scored_50(assistant_for(index, embedder))
    _flip_id(index, to=7777)
    build_index(corpus, index, embedder)  # (`assistant index build` does the same with the real model)
    assert_iridium_scored_50(assistant_for(index, embedder))


@pytest.mark.parametrize("damage, message", [
    (lambda i: _flip_id(i), "chunk ids in chunks.json differ"),
    (lambda i: _swap_ids(i), "chunk ids in chunks.json differ"),
    (lambda i: _offset_past_the_text(i), "offsets lie outside its report's text"),
    (lambda i: _vectors_under_other_ids(i), "ids of the vectors differ"),
    (lambda i: _drop_bm25_row(i), "BM25 rows"),
    (lambda i: _longer_vocabulary(i), "vocabulary has"),
    (lambda i: _sentence_outside_its_chunk(i), "a sentence outside its chunk"),
    (lambda i: _doc_lengths_changed(i), "document lengths differ"),
], ids=["flipped-id", "swapped-ids", "offset", "faiss-id-map", "bm25-rows", "vocabulary", "sentence", "doclen"])
def test_structure_is_checked_at_load_even_when_checksums_agree(two, embedder, damage, message):
    _, index = two
    damage(index)
    reseal(index)
    with pytest.raises(IndexCorrupt, match=message) as caught:
        load_index(index, embedder.name)
    assert "\n" not in str(caught.value)
    assert any(message in p for p in status(index)["problems"])  # status reads the segments too


def test_a_vocabulary_swapped_between_segments_is_one_line_not_a_traceback(two, embedder):
    corpus, index = two
    shutil.copy(SEED_CORPUS / HEARTBEAT, corpus / HEARTBEAT)
    update_index(corpus, index, embedder)
    first, second = (versions.segment_dir(index, n) / "bm25_vocab.json" for n in ("s000001", "s000002"))
    a, b = first.read_bytes(), second.read_bytes()
    first.write_bytes(b), second.write_bytes(a)
    _one_line_error(_cli("ask", "What was Iridium's well-led score?", "--index", str(index)),
                    "s000001/bm25_vocab.json does not match its checksum")
    reseal(index)  # even with the checksums made to agree
    _one_line_error(_cli("ask", "What was Iridium's well-led score?", "--index", str(index)),
                    "vocabulary has", "matrix columns")


def _swap_ids(index: Path) -> None:
    def swap(c):
        c["id"][2], c["id"][5] = c["id"][5], c["id"][2]  # still unique, still the same set

    _edit_chunks(index, swap)


def _offset_past_the_text(index: Path) -> None:
    _edit_chunks(index, lambda c: c["end"].__setitem__(0, 10**7))


def _vectors_under_other_ids(index: Path) -> None:
    from assistant.search.vectors import VectorIndex

    path = _segment(index) / "vectors.faiss"
    old = VectorIndex.load(path)
    ids = np.sort(old.ids())
    VectorIndex.build(old.reconstruct(ids), ids + 1000).save(path)  # same count, other ids


def _longer_vocabulary(index: Path) -> None:
    path = _segment(index) / "bm25_vocab.json"
    path.write_text(json.dumps(json.loads(path.read_text()) + ["zzzextra"]))


def _sentence_outside_its_chunk(index: Path) -> None:
    path = _segment(index) / "sentences.npz"
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["end"][0] += 10**6
    np.savez(path, **arrays)


def _doc_lengths_changed(index: Path) -> None:
    path = _segment(index) / "bm25_doclen.npy"
    np.save(path, np.load(path) + 1)


def _drop_bm25_row(index: Path) -> None:
    from assistant.search.bm25 import TermCounts

    folder = _segment(index)
    counts = TermCounts.load(folder)
    counts.select(np.arange(counts.tf.shape[0] - 1)).save(folder)


# -- manifests of the wrong shape ----------------------------------------------------------------


def _edit_json(path: Path, edit) -> None:
    path.write_text(json.dumps(edit(json.loads(path.read_text()))))


@pytest.mark.parametrize("where, edit, message", [
    ("manifest", lambda m: {**m, "model": {"name": m["model"]["name"]}}, "model.dimension is missing"),
    ("manifest", lambda m: {k: v for k, v in m.items() if k != "segments"}, "segments is missing"),
    ("manifest", lambda m: {**m, "segments": [{**m["segments"][0], "ranges": [["0", 3]]}]},
     "not a [first, count] pair"),
    ("manifest", lambda m: {**m, "restat": {"nowhere.txt": [1, 2]}}, "restat names a file that is not indexed"),
    ("table", lambda t: {k: v for k, v in t.items() if k != "sha256"}, "sha256 is missing"),
    ("table", lambda t: {**t, "sha256": t["sha256"][:-1]}, "sha256 has 1 values for 2 files"),
    ("table", lambda t: {**t, "chunks": [c + (n == HERTS) for n, c in zip(t["name"], t["chunks"])]},
     "live chunks but its files have"),
], ids=["no-dimension", "no-segments", "bad-range", "restat-stranger", "table-no-sha", "short-column",
        "counts-disagree"])
def test_a_malformed_manifest_is_one_line_everywhere(two, embedder, where, edit, message):
    corpus, index = two
    if where == "manifest":
        reseal(index, edit)
    else:
        _edit_json(_segment(index) / "files.json", edit)
        reseal(index)
    for call in (lambda: load_index(index, embedder.name), lambda: status(index),
                 lambda: update_index(corpus, index, embedder)):
        with pytest.raises(IndexCorrupt, match=rf" is invalid \(.*{_re(message)}.*\): run `assistant index update --repair`") as caught:
            call()
        assert "\n" not in str(caught.value)
    for args in (["ask", "anything", "--index", str(index)], ["index", "status", "--index", str(index)],
                 ["index", "update", "--corpus", str(corpus), "--index", str(index)]):
        _one_line_error(_cli(*args), message)


def _re(text: str) -> str:
    import re

    return re.escape(text)


# -- index add during an update ------------------------------------------------------------------

_HOLDER = """
import sys
from pathlib import Path
from assistant.indexing.versions import writer_lock
with writer_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    sys.stdin.read()
"""


def test_add_during_a_running_update_copies_nothing(two, embedder, tmp_path):
    corpus, index = two
    before = sorted(p.name for p in corpus.iterdir())
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(index)], cwd=ROOT, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(IndexBusy, match="another index build or update is running"):
            add_files([SEED_CORPUS / HEARTBEAT], corpus, index, embedder)
        _one_line_error(_cli("index", "add", str(SEED_CORPUS / HEARTBEAT), "--corpus", str(corpus),
                             "--index", str(index)), "another index build or update is running")
        assert sorted(p.name for p in corpus.iterdir()) == before  # the lock was checked before copying
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    summary = add_files([SEED_CORPUS / HEARTBEAT], corpus, index, embedder)
    assert summary.added == [HEARTBEAT]


def test_build_replaces_a_damaged_index_and_keeps_no_damage_live(two, embedder):
    corpus, index = two
    (_segment(index) / "reports.json").write_text("[]")
    version, _ = build_index(corpus, index, embedder)
    assert status(index)["healthy"] and load_index(index, embedder.name).path == version
