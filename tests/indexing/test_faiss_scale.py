"""The approximate FAISS index used above a size threshold: recall against flat, removal by id."""

from __future__ import annotations

import faiss
import numpy as np

from assistant.indexing import ann
from assistant.indexing.index import make_faiss


def _unit(rng, n, d=64):
    x = rng.standard_normal((n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _built(vectors, ids, threshold):
    index = make_faiss(vectors.shape[1], len(vectors), threshold=threshold)
    if not index.is_trained:
        index.train(vectors)
    index.add_with_ids(vectors, ids)
    return index


def test_flat_at_or_below_threshold():
    index = make_faiss(64, 1000, threshold=1000)
    assert ann.ivf_of(index) is None
    assert isinstance(faiss.downcast_index(index.index), faiss.IndexFlatIP)


def test_ivf_above_threshold_reaches_recall_against_flat():
    rng = np.random.default_rng(7)
    vectors = _unit(rng, 4000)
    ids = np.arange(4000, dtype=np.int64) * 3 + 11  # ids that are not row numbers
    approx = _built(vectors, ids, threshold=1000)
    assert ann.ivf_of(approx) is not None
    tuning = ann.tune_nprobe(approx, vectors, ids)
    assert tuning is not None and 1 <= tuning.nprobe <= tuning.cells
    assert tuning.recall >= 0.95

    flat = _built(vectors, ids, threshold=10**9)
    queries = _unit(rng, 100)  # fresh queries, not the calibration sample
    _, truth = flat.search(queries, 10)
    _, found = approx.search(queries, 10)
    assert ann.recall_at(found, truth) >= 0.95


def test_ivf_remove_ids_reconstruct_and_filtered_search():
    rng = np.random.default_rng(3)
    vectors = _unit(rng, 3000)
    ids = np.arange(3000, dtype=np.int64) + 100
    index = _built(vectors, ids, threshold=500)
    ann.ivf_of(index).nprobe = ann.ivf_of(index).nlist  # exhaustive, so the checks below are exact

    gone = ids[::3]
    assert ann.remove_ids(index, gone) == len(gone)
    assert index.ntotal == 2000
    kept_rows = np.setdiff1d(np.arange(3000), np.arange(3000)[::3])
    _, own = index.search(vectors[kept_rows[:50]], 1)
    assert (own[:, 0] == ids[kept_rows[:50]]).all()  # every kept vector still finds itself, by its id
    _, hit = index.search(vectors[::3][:50], 5)
    assert not np.isin(hit, gone).any()
    assert np.allclose(index.reconstruct_batch(ids[kept_rows[:10]]), vectors[kept_rows[:10]])

    allowed = ids[kept_rows[:200]]
    params = ann.search_params(index, faiss.IDSelectorBatch(allowed))
    _, sel = index.search(vectors[kept_rows[:20]], 5, params=params)
    assert np.isin(sel[sel >= 0], allowed).all()


def test_flat_remove_ids_and_params():
    rng = np.random.default_rng(5)
    vectors = _unit(rng, 200)
    ids = np.arange(200, dtype=np.int64) * 2
    index = _built(vectors, ids, threshold=10**6)
    assert ann.tune_nprobe(index, vectors, ids) is None
    assert ann.remove_ids(index, ids[:50]) == 50
    _, hit = index.search(vectors[:10], 3, params=ann.search_params(index))
    assert not np.isin(hit, ids[:50]).any()


def test_ivf_survives_write_and_read(tmp_path):
    rng = np.random.default_rng(11)
    vectors = _unit(rng, 2000)
    ids = np.arange(2000, dtype=np.int64)
    index = _built(vectors, ids, threshold=100)
    tuning = ann.tune_nprobe(index, vectors, ids)
    faiss.write_index(index, str(tmp_path / "v.faiss"))
    back = faiss.read_index(str(tmp_path / "v.faiss"))
    assert ann.ivf_of(back).nprobe == tuning.nprobe
    assert np.allclose(back.reconstruct(5), vectors[5])
