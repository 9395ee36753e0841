"""Index build, load and manifest; a corrupt or mismatched index is refused with one clear line."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from _indexing import HERTS, IRIDIUM, small_index

from assistant.indexing import versions as store
from assistant.config import ChunkSettings
from assistant.indexing.index import FORMAT_VERSION, build_index, load_index, status
from assistant.indexing.versions import IndexCorrupt, IndexMismatch, IndexMissing
from assistant.indexing.update import update_index

SEED_FILES = 5


@pytest.fixture()
def copy(index_dir, tmp_path) -> Path:
    """A private copy of the session index, free to damage."""
    target = tmp_path / "index"
    shutil.copytree(index_dir, target)
    return target


def _live(index: Path) -> Path:
    return store.current_version(index)


def _edit_manifest(index: Path, **changes) -> None:
    path = _live(index) / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest.update(changes)
    path.write_text(json.dumps(manifest))


def test_manifest_records_every_file_and_chunk(data, corpus_dir):
    files = data.manifest["files"]
    assert sorted(files) == sorted(p.name for p in corpus_dir.iterdir())
    for source, entry in files.items():
        assert entry["sha256"] == hashlib.sha256((corpus_dir / source).read_bytes()).hexdigest()
    assert files["nhs-improving-quality-through-systems-case-studies.txt"]["reports"] == [
        f"nhs-improving-quality-through-systems-case-studies#{n}" for n in (1, 2, 3)
    ]
    ids = sorted(cid for entry in files.values() for cid in entry["chunk_ids"])
    assert ids == sorted(c.chunk_id for c in data.chunks) == list(range(len(data.chunks)))
    assert data.manifest["next_chunk_id"] == len(data.chunks) == data.faiss.ntotal == data.counts.tf.shape[0]
    assert data.manifest["format_version"] == FORMAT_VERSION and data.manifest["faiss"] == "flat"
    assert data.manifest["skipped"] == {}


def test_status_summarises_without_loading(index_dir, data):
    info = status(index_dir)
    assert (info["files"], info["reports"], info["chunks"]) == (SEED_FILES, 7, len(data.chunks))
    assert info["version"] == data.path.name and info["dimension"] == 384


def test_build_returns_the_version_and_scan(tmp_path, embedder):
    corpus, _ = small_index(tmp_path, embedder, IRIDIUM, HERTS)
    version, scan = build_index(corpus, tmp_path / "built", embedder)
    assert version == tmp_path / "built" / "v000001"
    assert sorted(scan.reports) == [HERTS, IRIDIUM] and scan.skipped == {}
    assert len(load_index(tmp_path / "built", embedder.name).chunks) == 17


def test_no_index_is_a_clear_error(tmp_path):
    with pytest.raises(IndexMissing, match="no index at .*: build one with `assistant index build`"):
        load_index(tmp_path)


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda v: (v / "vectors.faiss").write_bytes((v / "vectors.faiss").read_bytes()[:100]), "is corrupt"),
        (lambda v: (v / "manifest.json").unlink(), "has no manifest"),
        (lambda v: (v / "manifest.json").write_text("{not json"), "manifest .* is unreadable"),
        (lambda v: (v / "reports.json").unlink(), "is corrupt"),
        (lambda v: (v / "chunks.jsonl").write_text(
            "".join((v / "chunks.jsonl").read_text().splitlines(keepends=True)[:-1])), "is inconsistent"),
    ],
    ids=["truncated-vectors", "no-manifest", "bad-manifest", "no-reports", "missing-chunk"],
)
def test_corrupt_index_is_refused(copy, damage, message):
    damage(_live(copy))
    with pytest.raises(IndexCorrupt, match=message) as caught:
        load_index(copy)
    assert "\n" not in str(caught.value) and "rebuild with `assistant index build`" in str(caught.value)


def test_pointer_to_a_missing_version_is_refused(copy):
    (copy / "CURRENT").write_text("v000042\n")
    with pytest.raises(IndexCorrupt, match="not an index version"):
        load_index(copy)


def test_index_of_another_model_is_refused(copy, embedder):
    _edit_manifest(copy, model={"name": "some-other-model", "dimension": 384})
    with pytest.raises(IndexMismatch, match="built with model 'some-other-model'"):
        load_index(copy, embedder.name)
    with pytest.raises(IndexMismatch, match="built with model 'some-other-model'"):
        update_index(Path("corpus"), copy, embedder)  # an update never mixes vectors of two models


def test_index_of_another_format_is_refused(copy):
    _edit_manifest(copy, format_version=FORMAT_VERSION + 1)
    with pytest.raises(IndexMismatch, match=f"index format {FORMAT_VERSION + 1} cannot be read"):
        load_index(copy)


def test_update_refuses_other_chunk_settings(copy, embedder, corpus_dir):
    with pytest.raises(IndexMismatch, match="chunked with"):
        update_index(corpus_dir, copy, embedder, settings=ChunkSettings(max_tokens=128))


def test_update_of_a_corrupt_index_says_so_and_a_build_repairs_it(tmp_path, embedder):
    corpus, index = small_index(tmp_path, embedder, HERTS)
    (_live(index) / "vectors.faiss").write_bytes(b"not faiss")
    with pytest.raises(IndexCorrupt, match="rebuild with `assistant index build`"):
        update_index(corpus, index, embedder)
    version, _ = build_index(corpus, index, embedder)
    assert version.name == "v000002" and load_index(index, embedder.name).faiss.ntotal == 6
