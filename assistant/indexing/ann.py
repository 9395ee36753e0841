"""Approximate nearest-neighbour search for large indexes: IVF, sized and tuned for recall.

Below ``index.APPROXIMATE_ABOVE`` chunks the vectors live in an exact flat index.
Above it a flat scan costs too much per query (about 25 ms at 100k and 270 ms at
1M vectors of 384 floats on a 2-core laptop), so they go into an inverted file
(IVF): k-means cells, and a query scans only the ``nprobe`` cells nearest to it.

IVF rather than HNSW because IVF supports ``remove_ids``, which incremental
re-indexing relies on; HNSW does not. The IVF holds the chunk ids itself (in its
inverted lists) and keeps a hash-table direct map for ``reconstruct`` and
``remove_ids``. It is deliberately *not* wrapped in ``IndexIDMap2``: that wrapper
compacts its id table on removal while IVF keeps its internal ids, so after a
``remove_ids`` it returns wrong ids (seen with faiss-cpu 1.15). Remove with
``remove_ids`` below, which passes the ``IDSelectorArray`` a hash-table map requires.

nprobe is chosen by measurement, not by rule (``tune_nprobe``): queries between the
index's vectors are searched exactly and approximately, the smallest nprobe whose
recall@10 against the exact answer reaches the target is found, and twice that is
kept. The chosen nprobe is stored inside the FAISS file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# Calibrate above the 0.95 promised: queries (questions) sit a little off the
# distribution of the passages the calibration queries are drawn from.
RECALL_TARGET = 0.97
CALIBRATION_QUERIES = 200
# k-means on at most this many points per cell, for 10 iterations: FAISS's defaults
# (256 points, 25 iterations) take minutes at 1M vectors on 2 cores, for no recall gain here.
TRAIN_POINTS_PER_CELL = 64
TRAIN_ITERATIONS = 10


def n_cells(n_vectors: int) -> int:
    """IVF cell count: sqrt(N), the usual starting point (FAISS wiki, "Guidelines to choose an index")."""
    return max(16, int(round(math.sqrt(max(n_vectors, 1)))))


def make_ivf(dimension: int, n_vectors: int):
    """An untrained ``IndexIVFFlat`` for inner product, taking ids; train it on the vectors before adding."""
    import faiss

    cells = n_cells(n_vectors)
    quantizer = faiss.IndexFlatIP(dimension)
    ivf = faiss.IndexIVFFlat(quantizer, dimension, cells, faiss.METRIC_INNER_PRODUCT)
    ivf.own_fields = True
    quantizer.this.disown()  # the IVF owns (and frees) its quantizer
    ivf.cp.max_points_per_centroid = TRAIN_POINTS_PER_CELL
    ivf.cp.niter = TRAIN_ITERATIONS
    ivf.cp.seed = 1234
    # A starting point until tune_nprobe measures one: about 3% of the cells.
    ivf.nprobe = max(1, min(cells, int(math.ceil(cells * 0.03))))
    ivf.set_direct_map_type(faiss.DirectMap.Hashtable)  # reconstruct(id) and remove_ids by id
    return ivf


def remove_ids(faiss_index, ids) -> int:
    """Remove these ids from a flat (id-mapped) or IVF index; returns how many were removed."""
    import faiss

    ids = np.ascontiguousarray(np.asarray(ids, dtype=np.int64))
    if ivf_of(faiss_index) is not None:
        return int(faiss_index.remove_ids(faiss.IDSelectorArray(ids.size, faiss.swig_ptr(ids))))
    return int(faiss_index.remove_ids(ids))


def ivf_of(faiss_index):
    """The IVF inside an id-mapped index, or None when the index is not IVF."""
    import faiss

    inner = faiss.downcast_index(faiss_index.index) if isinstance(faiss_index, faiss.IndexIDMap) else faiss_index
    return inner if isinstance(inner, faiss.IndexIVF) else None


def search_params(faiss_index, selector=None):
    """Search parameters carrying ``selector``: an IVF needs its own kind, with its nprobe."""
    import faiss

    ivf = ivf_of(faiss_index)
    if ivf is not None:
        return faiss.SearchParametersIVF(sel=selector, nprobe=ivf.nprobe)
    return faiss.SearchParameters(sel=selector)


@dataclass(frozen=True)
class Tuning:
    """What ``tune_nprobe`` chose, and the recall it measured there."""

    nprobe: int
    recall: float
    cells: int


def recall_at(found: np.ndarray, truth: np.ndarray) -> float:
    """Mean share of each row of ``truth`` (ids) that ``found`` holds; -1 entries are misses."""
    if truth.size == 0:
        return 1.0
    hits = [len(set(f[f >= 0].tolist()) & set(t[t >= 0].tolist())) / max(1, (t >= 0).sum()) for f, t in zip(found, truth)]
    return float(np.mean(hits))


def tune_nprobe(faiss_index, vectors: np.ndarray, ids: np.ndarray, target: float = RECALL_TARGET,
                k: int = 10, queries: int = CALIBRATION_QUERIES, seed: int = 0) -> Tuning | None:
    """Set nprobe to twice the smallest one whose recall@k against exact search reaches ``target``.

    ``vectors``/``ids`` are what the index holds. Calibration queries are midpoints of
    random pairs of those vectors: like real questions they fall between the passages'
    clusters, where a stored vector used as a query would sit in its own cell and
    flatter the recall (at 100k chunks, nprobe tuned on stored vectors gave 0.73 recall
    on real questions; tuned on midpoints, 0.93 at the same target; doubled, 1.0).
    Returns None for an index that is not IVF.
    """
    import faiss

    ivf = ivf_of(faiss_index)
    if ivf is None or len(vectors) <= k:
        return None
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, len(vectors), (2, min(queries, len(vectors))))
    q = vectors[a] + vectors[b]
    q = np.ascontiguousarray(q / np.clip(np.linalg.norm(q, axis=1, keepdims=True), 1e-12, None), dtype=np.float32)
    _, exact = faiss.knn(q, np.ascontiguousarray(vectors, dtype=np.float32), k, metric=faiss.METRIC_INNER_PRODUCT)
    truth = np.asarray(ids)[exact]

    def recall(nprobe: int) -> float:
        _, found = faiss_index.search(q, k, params=faiss.SearchParametersIVF(nprobe=nprobe))
        return recall_at(found, truth)

    candidate = 1
    while candidate < ivf.nlist and recall(candidate) < target:
        candidate = candidate * 2 if candidate < 8 else int(candidate * 1.5)
    ivf.nprobe = min(ivf.nlist, 2 * candidate)  # a safety factor: IVF search is cheap next to the rest of a query
    return Tuning(ivf.nprobe, recall(ivf.nprobe), ivf.nlist)
