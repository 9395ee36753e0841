"""The vector index: flat below the threshold, IVF above it with recall against flat; ids, removal,
allow-lists, files; several parts searched as one."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.search.vectors import IdFilter, VectorIndex, Vectors, recall_at


def _unit(rng, n, d=64):
    x = rng.standard_normal((n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_flat_at_or_below_threshold_and_exact():
    rng = np.random.default_rng(1)
    vectors = _unit(rng, 1000)
    ids = np.arange(1000, dtype=np.int64) * 7
    index = VectorIndex.build(vectors, ids, threshold=1000)
    assert index.kind == "flat" and index.nprobe is None and index.ntotal == 1000
    assert np.array_equal(index.ids(), ids)
    scores, found = index.search(vectors[:5], 1)
    assert np.array_equal(found[:, 0], ids[:5]) and np.allclose(scores[:, 0], 1.0, atol=1e-5)


def test_ivf_above_threshold_reaches_recall_against_flat():
    rng = np.random.default_rng(7)
    vectors = _unit(rng, 4000)
    ids = np.arange(4000, dtype=np.int64) * 3 + 11  # ids that are not row numbers
    approx = VectorIndex.build(vectors, ids, threshold=1000)
    assert approx.kind == "ivf" and 1 <= approx.nprobe <= approx.ivf.nlist
    assert np.array_equal(np.sort(approx.ids()), ids)
    flat = VectorIndex.build(vectors, ids, threshold=10**9)
    queries = _unit(rng, 100)  # fresh queries, not the calibration sample
    _, truth = flat.search(queries, 10)
    _, found = approx.search(queries, 10)
    assert recall_at(found, truth) >= 0.95


@pytest.mark.parametrize("threshold", [500, 10**6], ids=["ivf", "flat"])
def test_remove_reconstruct_and_allow_list(threshold):
    rng = np.random.default_rng(3)
    vectors = _unit(rng, 3000)
    ids = np.arange(3000, dtype=np.int64) + 100
    index = VectorIndex.build(vectors, ids, threshold=threshold)
    if index.ivf is not None:
        index.ivf.nprobe = index.ivf.nlist  # exhaustive, so the checks below are exact
    gone = ids[::3]
    assert index.remove(gone) == len(gone) and index.ntotal == 2000
    kept = np.setdiff1d(np.arange(3000), np.arange(3000)[::3])
    _, own = index.search(vectors[kept[:50]], 1)
    assert (own[:, 0] == ids[kept[:50]]).all()  # every kept vector still finds itself, by its id
    _, hit = index.search(vectors[::3][:50], 5)
    assert not np.isin(hit, gone).any()
    assert np.allclose(index.reconstruct(ids[kept[:10]]), vectors[kept[:10]])
    allowed = ids[kept[:200]]
    _, sel = index.search(vectors[kept[:20]], 5, IdFilter(allowed, int(ids.max()) + 1))
    assert sel.size and np.isin(sel[sel >= 0], allowed).all()


def test_ivf_survives_save_and_load_and_lends_its_cells(tmp_path):
    rng = np.random.default_rng(11)
    vectors = _unit(rng, 2000)
    ids = np.arange(2000, dtype=np.int64)
    index = VectorIndex.build(vectors, ids, threshold=100)
    index.save(tmp_path / "v.faiss")
    back = VectorIndex.load(tmp_path / "v.faiss")
    assert back.kind == "ivf" and back.nprobe == index.nprobe
    assert np.allclose(back.reconstruct([5]), vectors[5])
    more = _unit(rng, 1500)
    merged = VectorIndex.build(np.vstack([vectors, more]), np.arange(3500), threshold=100, reuse=back)
    # The donor's trained cells are reused (not re-trained): same centroids.
    donor_cells = back.ivf.quantizer.reconstruct_n(0, back.ivf.nlist)
    assert merged.ivf.nlist == back.ivf.nlist
    assert np.array_equal(merged.ivf.quantizer.reconstruct_n(0, merged.ivf.nlist), donor_cells)
    assert merged.ntotal == 3500 and back.ntotal == 2000  # the donor keeps its vectors


def test_parts_search_as_one_index():
    rng = np.random.default_rng(5)
    vectors = _unit(rng, 900)
    ids = np.arange(900, dtype=np.int64)
    whole = VectorIndex.build(vectors, ids)
    parts = Vectors([VectorIndex.build(vectors[:600], ids[:600], threshold=100),
                     VectorIndex.build(vectors[600:], ids[600:])], 64)
    for part in parts.parts:
        if part.ivf is not None:
            part.ivf.nprobe = part.ivf.nlist
    assert parts.ntotal == 900 and sorted(parts.kinds) == ["flat", "ivf"]
    for q in _unit(rng, 10):
        _, expected = whole.search(q, 8)
        assert [i for i, _ in parts.search(q, 8)] == expected[0].tolist()
    allowed = IdFilter(ids[::2], 900)
    got = parts.search(vectors[3], 5, allowed)
    assert got and all(i % 2 == 0 for i, _ in got)
    assert np.allclose(parts.reconstruct([10, 700]), vectors[[10, 700]])
