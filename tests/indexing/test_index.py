"""Build, load and the typed manifest; a corrupt or mismatched index is refused with one clear line."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from _indexing import HERTS, IRIDIUM, reseal, small_index

from assistant.config import ChunkSettings
from assistant.errors import IndexCorrupt, IndexMismatch, IndexMissing
from assistant.indexing import versions
from assistant.indexing.build import build_index, update_index
from assistant.indexing.load import load_index, status
from assistant.indexing.manifest import FORMAT_VERSION, Fingerprint, Manifest, expand

SEED_FILES = 5


@pytest.fixture()
def copy(index_dir, tmp_path) -> Path:
    """A private copy of the session index, free to damage."""
    target = tmp_path / "index"
    shutil.copytree(index_dir, target)
    return target


def _live(index: Path) -> Path:
    return versions.current_version(index)


def _segment(index: Path) -> Path:
    return versions.segment_dir(index, Manifest.load(_live(index)).segments[0].name)


def _edit_manifest(index: Path, edit) -> None:
    reseal(index, edit)


def test_manifest_records_every_file_chunk_and_checksum(data, corpus_dir, index_dir):
    m = data.manifest
    assert isinstance(m, Manifest) and m.format_version == FORMAT_VERSION
    assert sorted(m.files) == sorted(p.name for p in corpus_dir.iterdir())
    for source, entry in m.files.items():
        assert entry.sha256 == hashlib.sha256((corpus_dir / source).read_bytes()).hexdigest()
        assert entry.size == (corpus_dir / source).stat().st_size
    assert m.files["nhs-improving-quality-through-systems-case-studies.txt"].reports == tuple(
        f"nhs-improving-quality-through-systems-case-studies#{n}" for n in (1, 2, 3))
    # A fresh build is one segment; every file's chunks are one id range in it.
    (segment,) = m.segments
    ids = sorted(i for f in m.files.values() for i in range(f.first_chunk, f.first_chunk + f.chunks))
    assert ids == sorted(c.chunk_id for c in data.chunks) == list(range(len(data.chunks)))
    assert expand(segment.ranges).tolist() == ids and segment.deleted == ()
    assert m.next_chunk_id == len(data.chunks) == data.vectors.ntotal == data.counts.tf.shape[0]
    folder = versions.segment_dir(index_dir, segment.name)
    assert segment.checksums == {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                                 for p in sorted(folder.iterdir())}
    assert {"reports.json", "chunks.json", "vectors.faiss", "sentences.npz", "files.json"} <= set(segment.checksums)
    assert m.fingerprint == Fingerprint.current() and m.skipped == {}
    # The JSON round-trips through the typed form unchanged; the files table is the segment's.
    table = json.loads((folder / "files.json").read_text())
    assert table["name"] == sorted(m.files) and "files" not in m.to_json()
    assert Manifest.from_json(json.loads(json.dumps(m.to_json())), {segment.name: table}) == m


def test_loaded_index_exposes_its_sentence_table(data):
    table = data.sentences
    assert len(table) > len(data.chunks)
    assert set(table.chunk_id.tolist()) == {c.chunk_id for c in data.chunks}
    row = int(table.chunk_id.tolist().index(data.chunks[0].chunk_id))
    report = data.reports[data.chunks[0].report_id]
    first = report.text[table.start[row]:table.end[row]]
    assert first and first in data.chunks[0].text


def test_status_checks_every_file_without_loading(index_dir, data):
    info = status(index_dir)
    assert (info["files"], info["reports"], info["chunks"]) == (SEED_FILES, 7, len(data.chunks))
    assert info["version"] == data.path.name and info["dimension"] == 384
    assert info["healthy"] is True and info["problems"] == [] and info["notes"] == []
    assert [s["vectors"] for s in info["segments"]] == ["flat"]


def test_build_returns_the_version_and_scan(tmp_path, embedder):
    corpus, _ = small_index(tmp_path, embedder, IRIDIUM, HERTS)
    version, scan = build_index(corpus, tmp_path / "built", embedder)
    assert version == tmp_path / "built" / "v000001"
    assert sorted(scan.reports) == [HERTS, IRIDIUM] and scan.skipped == {}
    assert len(load_index(tmp_path / "built", embedder.name).chunks) == 19


def test_no_index_is_a_clear_error(tmp_path):
    with pytest.raises(IndexMissing, match="no index at .*: build one with `assistant index build`"):
        load_index(tmp_path)


def _drop_last_chunk(path: Path) -> None:
    columns = json.loads(path.read_text())
    path.write_text(json.dumps({k: (v[:-1] if k != "sections" else v) for k, v in columns.items()}))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:100])


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda i: _truncate(_segment(i) / "vectors.faiss"), "s000001/vectors.faiss does not match its checksum"),
        (lambda i: (_live(i) / "manifest.json").write_text("{not json"),
         "manifest.json does not match the checksum CURRENT records"),
        (lambda i: (_segment(i) / "reports.json").unlink(), "s000001/reports.json is missing"),
        (lambda i: (_drop_last_chunk(_segment(i) / "chunks.json"), reseal(i)), "chunk ids in chunks.json differ"),
        (lambda i: ((_segment(i) / "chunks.json").write_text('{"id": [0, "1"]}'), reseal(i)),
         "malformed chunk columns"),
        (lambda i: shutil.rmtree(_segment(i)), "s000001/files.json is missing"),
    ],
    ids=["truncated-vectors", "bad-manifest", "no-reports", "missing-chunk", "bad-columns", "missing-segment"],
)
def test_corrupt_index_is_refused(copy, damage, message):
    damage(copy)
    with pytest.raises(IndexCorrupt, match=message) as caught:
        load_index(copy)
    assert "\n" not in str(caught.value) and "`assistant index update --repair`" in str(caught.value)


def test_index_of_another_model_is_refused(copy, real_embedder):
    _edit_manifest(copy, lambda m: {**m, "model": {"name": "some-other-model", "dimension": 384}})
    with pytest.raises(IndexMismatch, match="built with model 'some-other-model'"):
        load_index(copy, real_embedder.name)
    with pytest.raises(IndexMismatch, match="built with model 'some-other-model'"):
        update_index(Path("corpus"), copy, real_embedder)  # an update never mixes vectors of two models


def test_index_of_another_format_is_refused(copy):
    _edit_manifest(copy, lambda m: {**m, "format_version": FORMAT_VERSION + 1})
    with pytest.raises(IndexMismatch, match=f"index format {FORMAT_VERSION + 1} cannot be read"):
        load_index(copy)
    _edit_manifest(copy, lambda m: {**m, "format_version": 1})  # the layout before segments
    with pytest.raises(IndexMismatch, match="index format 1 cannot be read .*rebuild with `assistant index build`"):
        load_index(copy)


def test_update_refuses_other_chunk_settings(copy, real_embedder, corpus_dir):
    with pytest.raises(IndexMismatch, match="chunked with"):
        update_index(corpus_dir, copy, real_embedder, settings=ChunkSettings(max_tokens=128))


def test_update_of_a_corrupt_index_says_so_and_a_build_repairs_it(tmp_path, embedder):
    corpus, index = small_index(tmp_path, embedder, HERTS)
    (_segment(index) / "vectors.faiss").write_bytes(b"not faiss")
    with pytest.raises(IndexCorrupt, match="vectors.faiss does not match its checksum.*`assistant index update --repair`"):
        update_index(corpus, index, embedder)
    version, _ = build_index(corpus, index, embedder)
    assert version.name == "v000002" and load_index(index, embedder.name).vectors.ntotal == 7
    assert status(index)["healthy"]
