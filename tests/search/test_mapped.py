"""Large arrays memory-mapped (``search.mapped``): the file format, ``Rows``, the sentence table and FAISS."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.search import mapped
from assistant.search.mapped import Rows, load_npz, save_npz
from assistant.search.sentences import SentenceTable
from assistant.search.vectors import VectorIndex


@pytest.fixture
def arrays():
    rng = np.random.default_rng(0)
    # A sentence table's widths: the loader checks them (sentences.MAX_TERMS hashed terms a row).
    return {"vector": rng.standard_normal((1000, 8)).astype(np.float16), "terms": rng.integers(0, 9, (1000, 64),
                                                                                                dtype=np.uint32),
            "chunk_id": np.arange(1000, dtype=np.int64), "cues": rng.integers(0, 64, 1000, dtype=np.uint8)}


def test_aligned_npz_is_an_npz_and_large_members_map(tmp_path, arrays):
    path = tmp_path / "t.npz"
    save_npz(path, arrays)
    with np.load(path) as plain:  # still what np.load reads
        assert all(np.array_equal(plain[k], v) for k, v in arrays.items())
    got = load_npz(path, map_above=1)
    assert all(isinstance(got[k], np.memmap) and np.array_equal(got[k], v) for k, v in arrays.items())
    assert not any(isinstance(a, np.memmap) for a in load_npz(path).values())  # small: read
    np.savez(tmp_path / "old.npz", **arrays)  # written before: read, never mapped unaligned
    old = load_npz(tmp_path / "old.npz", map_above=1)
    assert all(np.array_equal(old[k], v) for k, v in arrays.items())


def test_rows_index_like_the_array_they_stand_for(tmp_path, arrays):
    a = arrays["terms"]
    save_npz(tmp_path / "a.npz", {"a": a[:600]})
    save_npz(tmp_path / "b.npz", {"a": a[600:]})
    parts = [load_npz(tmp_path / f"{n}.npz", map_above=1)["a"] for n in "ab"]
    rows = Rows(parts)
    assert len(rows) == 1000 and rows.shape == a.shape and rows.dtype == a.dtype and rows.ndim == 2
    picks = np.array([999, 0, 600, 599, 5, 5, -1])
    for key in (picks, 3, -2, slice(590, 610), slice(None, None, 97), a[:, 0] > 4, (picks, 2), (7, slice(1, 3))):
        assert np.array_equal(rows[key], a[key]), key
    assert np.array_equal(rows != 0, a != 0) and np.array_equal(rows.astype(np.uint64), a.astype(np.uint64))
    assert np.array_equal(np.sort(rows, axis=1), np.sort(a, axis=1))
    chosen = rows.take_rows(np.array([10, 700, 3]))
    assert np.array_equal(chosen[[2, 0]], a[[3, 10]]) and len(chosen) == 3
    with pytest.raises(IndexError):
        rows[1000]
    with pytest.raises(IndexError):
        rows[np.array([1000])]


def test_sentence_table_stays_mapped_through_concat_keep_and_save(tmp_path, arrays, monkeypatch):
    monkeypatch.setattr(mapped, "MAP_ABOVE", 1)
    n = 1000
    table = SentenceTable(np.repeat(np.arange(100, dtype=np.int64), 10), np.arange(n, dtype=np.int64),
                          np.arange(n, dtype=np.int64) + 5, arrays["vector"], arrays["terms"], arrays["cues"])
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        table.save(tmp_path / name)
    a, b = SentenceTable.load(tmp_path / "one"), SentenceTable.load(tmp_path / "two")
    assert isinstance(a.vector, np.memmap) and isinstance(a.terms, np.memmap)
    assert type(a.chunk_id) is np.ndarray  # the small columns are read
    both = SentenceTable.concat([a, b])
    assert isinstance(both.vector, Rows) and len(both) == 2 * n
    kept = both.keep(np.arange(0, 100, 3))
    expected = SentenceTable.concat([table, table])
    mask = np.isin(expected.chunk_id, np.arange(0, 100, 3))
    for name in ("chunk_id", "start", "end", "vector", "terms", "cues"):
        assert np.array_equal(np.asarray(getattr(kept, name)), getattr(expected, name)[mask]), name
    (tmp_path / "kept").mkdir()
    kept.save(tmp_path / "kept")  # written block by block from the mapped rows
    again = SentenceTable.load(tmp_path / "kept")
    assert np.array_equal(again.vector, expected.vector[mask]) and np.array_equal(again.terms, expected.terms[mask])


def test_a_large_ivf_is_mapped_and_read_into_memory_to_remove_rows(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3000, 16)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    built = VectorIndex.build(x, np.arange(3000), threshold=100)
    built.save(tmp_path / "v.faiss")
    loaded = VectorIndex.load(tmp_path / "v.faiss", map_above=1)
    assert loaded.path is not None and loaded.kind == "ivf" and loaded.ntotal == 3000
    assert np.array_equal(loaded.search(x[:5], 3)[1], built.search(x[:5], 3)[1])
    assert loaded.remove(np.array([0, 1])) == 2 and loaded.path is None and loaded.ntotal == 2998
    assert VectorIndex.load(tmp_path / "v.faiss").path is None  # small: read
