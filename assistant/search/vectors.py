"""The vector index: one interface over FAISS flat and IVF, by chunk id, searched with an allow-list.

``VectorIndex`` is one FAISS index holding chunk ids: exact (flat) up to
``APPROXIMATE_ABOVE`` vectors, IVF above it. Each index segment has one (see
``indexing.segments``). ``Vectors`` is what a loaded index searches: the segments'
``VectorIndex`` parts, each searched and the results merged by score. Searching
the parts separately, rather than combining every vector into one index at load,
keeps load cheap (each part is read as written; an IVF part is never re-trained or
re-filled) and a search costs little more: the parts other than the large merged
one are small flat indexes.

Why IVF above a threshold: a flat scan costs about 25 ms a query at 100k and
270 ms at 1M vectors of 384 floats on 2 cores; IVF scans only the ``nprobe``
k-means cells nearest the query. IVF rather than HNSW because IVF supports removal
by id, which dropping deleted chunks at load relies on. The IVF holds the chunk ids
itself (in its inverted lists) with a hash-table direct map for ``reconstruct`` and
removal. It is deliberately not wrapped in ``IndexIDMap2``: that wrapper compacts
its id table on removal while IVF keeps its internal ids, so after a removal it
returns wrong ids (seen with faiss-cpu 1.15).

nprobe is chosen by measurement (``tune_nprobe``): calibration queries are searched
exactly and approximately, the smallest nprobe whose recall@10 reaches the target
is found, and twice that is kept (stored inside the FAISS file). A merge that
builds a new IVF reuses the trained cells of the largest IVF it merges
(``build(..., reuse=...)``): k-means is the slow part, and the cells of 100k
passages still fit 100k more.

FAISS is imported lazily: the package imports without it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from assistant.config import IndexSettings

# Above this many vectors an index is IVF unless the caller says otherwise (``IndexSettings.approximate_above``:
# a flat scan with the default latest-reports filter takes ~25 ms a query at 100k on 2 cores).
APPROXIMATE_ABOVE = IndexSettings().approximate_above
# Calibrate above the 0.95 promised: questions sit a little off the passages' distribution.
RECALL_TARGET = 0.97
CALIBRATION_QUERIES = 200
# k-means on at most this many points per cell, for 10 iterations: FAISS's defaults
# (256 points, 25 iterations) take minutes at 1M vectors on 2 cores, for no recall gain here.
TRAIN_POINTS_PER_CELL = 64
TRAIN_ITERATIONS = 10
# Trained cells are reused for up to this many times the vectors they were sized for.
REUSE_GROWTH = 4


def n_cells(n_vectors: int) -> int:
    """IVF cell count: sqrt(N), the usual starting point (FAISS wiki, "Guidelines to choose an index"),
    at least 16 but never more cells than vectors to train them."""
    return max(1, min(n_vectors, max(16, int(round(math.sqrt(max(n_vectors, 1)))))))


def _faiss() -> Any:
    """FAISS, imported on first use (its SWIG type information covers little of its API: used untyped)."""
    import faiss

    return faiss


def _normalised(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(x, dtype=np.float32))


def _ids(ids: ArrayLike) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(ids, dtype=np.int64))


def _make_ivf(dimension: int, n_vectors: int) -> Any:
    faiss = _faiss()

    cells = n_cells(n_vectors)
    quantizer = faiss.IndexFlatIP(dimension)
    ivf = faiss.IndexIVFFlat(quantizer, dimension, cells, faiss.METRIC_INNER_PRODUCT)
    ivf.own_fields = True
    quantizer.this.disown()  # the IVF owns (and frees) its quantizer
    ivf.cp.max_points_per_centroid = TRAIN_POINTS_PER_CELL
    ivf.cp.niter = TRAIN_ITERATIONS
    ivf.cp.seed = 1234
    ivf.nprobe = max(1, min(cells, int(math.ceil(cells * 0.03))))  # until tune_nprobe measures one
    ivf.set_direct_map_type(faiss.DirectMap.Hashtable)  # reconstruct(id) and removal by id
    return ivf


class IdFilter:
    """An allow-list of chunk ids for a search: a bitmap over the id space.

    A bitmap, not an id hash set: building ``IDSelectorBatch`` for 80k ids costs ~8 ms at
    100k chunks and ~120 ms at 1M; a bitmap is one ``np.packbits``. Build one per filter
    and reuse it (the retriever caches them).
    """

    def __init__(self, ids: np.ndarray, id_space: int):
        faiss = _faiss()

        space = np.zeros(max(int(id_space), 1), dtype=bool)
        space[_ids(ids)] = True
        self.bits = np.packbits(space, bitorder="little")  # FAISS reads bit (id & 7) of byte id >> 3
        self.selector = faiss.IDSelectorBitmap(space.size, faiss.swig_ptr(self.bits))


@dataclass(frozen=True)
class Tuning:
    """What ``tune_nprobe`` chose, and the recall it measured there."""

    nprobe: int
    recall: float
    cells: int


class VectorIndex:
    """One FAISS index of L2-normalised vectors by chunk id, searched by inner product.

    ``path``: the file a memory-mapped index was read from (``load``); None when it is in memory.
    """

    def __init__(self, faiss_index: Any, path: Path | None = None):
        self.index = faiss_index
        self.path = path

    # -- making ----------------------------------------------------------------------------------

    @classmethod
    def empty(cls, dimension: int, expected: int, threshold: int | None = None) -> VectorIndex:
        """An empty index sized for ``expected`` vectors: flat up to ``threshold``
        (``APPROXIMATE_ABOVE``), else an untrained IVF (``build`` trains it)."""
        faiss = _faiss()

        if expected > (APPROXIMATE_ABOVE if threshold is None else threshold):
            return cls(_make_ivf(dimension, expected))
        return cls(faiss.IndexIDMap2(faiss.IndexFlatIP(dimension)))

    @classmethod
    def build(cls, vectors: np.ndarray, ids: ArrayLike, threshold: int | None = None,
              reuse: VectorIndex | None = None) -> VectorIndex:
        """An index of ``vectors`` under ``ids``: flat, or IVF trained (or reusing ``reuse``'s
        trained cells when it is an IVF of the same dimension sized for at least a quarter
        of these vectors) and with nprobe tuned."""
        faiss = _faiss()

        vectors, ids = _normalised(vectors), _ids(ids)
        dimension = vectors.shape[1]
        made = cls.empty(dimension, len(vectors), threshold)
        if made.kind == "ivf":
            donor = reuse.ivf if reuse is not None else None
            if donor is not None and donor.d == dimension and len(vectors) <= REUSE_GROWTH * donor.nlist ** 2:
                made = cls(faiss.clone_index(donor))
                made.index.reset()  # the trained cells, without the donor's vectors
                made.index.set_direct_map_type(faiss.DirectMap.Hashtable)
            else:
                made.index.train(vectors)
        if len(vectors):
            made.index.add_with_ids(vectors, ids)
            made.tune(vectors, ids)
        return made

    # -- what it is ------------------------------------------------------------------------------

    @property
    def ivf(self) -> Any:
        """The FAISS IVF, or None for a flat index."""
        faiss = _faiss()

        inner = self.index
        if isinstance(inner, faiss.IndexIDMap):
            inner = faiss.downcast_index(inner.index)
        return inner if isinstance(inner, faiss.IndexIVF) else None

    @property
    def kind(self) -> str:
        """"flat" or "ivf"."""
        return "ivf" if self.ivf is not None else "flat"

    @property
    def dimension(self) -> int:
        return int(self.index.d)

    @property
    def ntotal(self) -> int:
        return int(self.index.ntotal)

    @property
    def nprobe(self) -> int | None:
        """Cells an IVF search scans; None for a flat index."""
        ivf = self.ivf
        return None if ivf is None else int(ivf.nprobe)

    def ids(self) -> np.ndarray:
        """Every chunk id the index holds (flat: in insertion order; IVF: by cell)."""
        faiss = _faiss()

        ivf = self.ivf
        if ivf is None:
            return np.asarray(faiss.vector_to_array(self.index.id_map), dtype=np.int64)
        lists = ivf.invlists
        parts = [faiss.rev_swig_ptr(lists.get_ids(c), lists.list_size(c)).copy()
                 for c in range(ivf.nlist) if lists.list_size(c)]
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)

    # -- changing --------------------------------------------------------------------------------

    def add(self, vectors: np.ndarray, ids: ArrayLike) -> None:
        """Add vectors under these ids (an IVF must be trained)."""
        self.index.add_with_ids(_normalised(vectors), _ids(ids))

    def remove(self, ids: ArrayLike) -> int:
        """Remove these ids; returns how many were removed."""
        faiss = _faiss()

        ids = _ids(ids)
        if ids.size == 0:
            return 0
        if self.path is not None:  # a memory-mapped IVF is read-only: read it into memory to change it
            self.index, self.path = faiss.read_index(str(self.path)), None
        if self.ivf is not None:  # a hash-table direct map needs an array selector
            return int(self.index.remove_ids(faiss.IDSelectorArray(ids.size, faiss.swig_ptr(ids))))
        return int(self.index.remove_ids(ids))

    def tune(self, vectors: np.ndarray, ids: ArrayLike, target: float = RECALL_TARGET, k: int = 10,
             queries: int = CALIBRATION_QUERIES, seed: int = 0) -> Tuning | None:
        """Set nprobe to twice the smallest one whose recall@k against exact search reaches ``target``.

        ``vectors``/``ids`` are what the index holds. Calibration queries are midpoints of
        random pairs of them: like real questions they fall between the passages' clusters,
        where a stored vector used as a query would sit in its own cell and flatter the
        recall (at 100k chunks, nprobe tuned on stored vectors gave 0.73 recall on real
        questions; tuned on midpoints, 0.93 at the same target; doubled, 1.0).
        Returns None for a flat index.
        """
        faiss = _faiss()

        ivf = self.ivf
        if ivf is None or len(vectors) <= k:
            return None
        vectors = _normalised(vectors)
        rng = np.random.default_rng(seed)
        a, b = rng.integers(0, len(vectors), (2, min(queries, len(vectors))))
        q = vectors[a] + vectors[b]
        q = _normalised(q / np.clip(np.linalg.norm(q, axis=1, keepdims=True), 1e-12, None))
        _, exact = faiss.knn(q, vectors, k, metric=faiss.METRIC_INNER_PRODUCT)
        truth = _ids(ids)[exact]

        def recall(nprobe: int) -> float:
            _, found = self.index.search(q, k, params=faiss.SearchParametersIVF(nprobe=nprobe))
            return recall_at(found, truth)

        candidate = 1
        while candidate < ivf.nlist and recall(candidate) < target:
            candidate = candidate * 2 if candidate < 8 else int(candidate * 1.5)
        ivf.nprobe = min(ivf.nlist, 2 * candidate)  # a safety factor: IVF search is cheap next to the rest
        return Tuning(int(ivf.nprobe), recall(ivf.nprobe), int(ivf.nlist))

    # -- reading ---------------------------------------------------------------------------------

    def search(self, queries: np.ndarray, k: int, allowed: IdFilter | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) of the best ``k`` per query, among ``allowed`` ids; -1 ids pad short rows."""
        faiss = _faiss()

        queries = _normalised(np.atleast_2d(queries))
        if self.ntotal == 0 or k <= 0:
            return (np.full((len(queries), max(k, 0)), -np.inf, dtype=np.float32),
                    np.full((len(queries), max(k, 0)), -1, dtype=np.int64))
        selector = allowed.selector if allowed is not None else None
        ivf = self.ivf
        if ivf is not None:
            params = faiss.SearchParametersIVF(sel=selector, nprobe=ivf.nprobe)
        else:
            params = faiss.SearchParameters(sel=selector) if selector is not None else None
        scores, ids = self.index.search(queries, k, params=params)
        return np.asarray(scores), np.asarray(ids)

    def reconstruct(self, ids: ArrayLike) -> np.ndarray:
        """The stored vectors of these ids."""
        ids = _ids(ids)
        if ids.size == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.asarray(self.index.reconstruct_batch(ids), dtype=np.float32)

    # -- files -----------------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        """Write the index (vectors, ids, trained cells, nprobe) to one file."""
        faiss = _faiss()

        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path, map_above: int | None = None) -> VectorIndex:
        """Read an index written by ``save``. An IVF file of at least ``map_above`` bytes (default
        ``mapped.MAP_ABOVE``) is memory-mapped: its inverted lists are read from the file as cells are
        probed, and shared by every process serving it on the machine."""
        import faiss

        from assistant.search.mapped import MAP_ABOVE

        limit = MAP_ABOVE if map_above is None else map_above
        if Path(path).stat().st_size >= limit:
            index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP)
            if isinstance(index, faiss.IndexIVF):
                return cls(index, Path(path))
        return cls(faiss.read_index(str(path)))

    @classmethod
    def from_bytes(cls, data: bytes) -> VectorIndex:
        """An index from the bytes ``save`` wrote (FAISS's own format), read into memory."""
        faiss = _faiss()

        return cls(faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8)))


class Vectors:
    """A loaded index's vectors: its segments' parts, searched together as one index."""

    def __init__(self, parts: Sequence[VectorIndex], dimension: int):
        self.parts = [p for p in parts if p.ntotal]
        self.dimension = dimension

    @property
    def ntotal(self) -> int:
        return sum(p.ntotal for p in self.parts)

    @property
    def kinds(self) -> list[str]:
        """The kind of each non-empty part, largest first."""
        return [p.kind for p in sorted(self.parts, key=lambda p: -p.ntotal)]

    def search(self, query: np.ndarray, k: int, allowed: IdFilter | None = None) -> list[tuple[int, float]]:
        """The best ``k`` (chunk id, score) pairs for one query vector, best first; ties by lower id."""
        if k <= 0 or not self.parts:
            return []
        found_scores, found_ids = [], []
        for part in self.parts:
            scores, ids = part.search(query.reshape(1, -1), min(k, part.ntotal), allowed)
            keep = ids[0] >= 0
            found_scores.append(scores[0][keep])
            found_ids.append(ids[0][keep])
        scores, ids = np.concatenate(found_scores), np.concatenate(found_ids)
        order = np.lexsort((ids, -scores))[:k]
        return [(int(ids[i]), float(scores[i])) for i in order]

    def reconstruct(self, ids: ArrayLike) -> np.ndarray:
        """The stored vectors of these ids, from whichever part holds each."""
        ids = _ids(ids)
        out = np.zeros((ids.size, self.dimension), dtype=np.float32)
        todo = np.ones(ids.size, dtype=bool)
        for part in self.parts:
            held = np.isin(ids, part.ids()) & todo
            if held.any():
                out[held] = part.reconstruct(ids[held])
                todo &= ~held
        if todo.any():
            raise KeyError(f"chunk ids not in the index: {ids[todo][:5].tolist()}")
        return out


def recall_at(found: np.ndarray, truth: np.ndarray) -> float:
    """Mean share of each row of ``truth`` (ids) that ``found`` holds; -1 entries are misses."""
    if truth.size == 0:
        return 1.0
    hits = [len(set(f[f >= 0].tolist()) & set(t[t >= 0].tolist())) / max(1, (t >= 0).sum())
            for f, t in zip(found, truth)]
    return float(np.mean(hits))
