"""Timing helpers for the benchmark: a stopwatch, percentiles, and per-stage query timing.

Query latency is split into stages by wrapping the retriever's own steps for the
duration of the measurement (``StageTimer``), so what is timed is the code the
assistant really runs, not a re-implementation of it.
"""

from __future__ import annotations

from typing import Any

import resource
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

STAGES = ("embed", "filter", "bm25", "faiss", "fusion", "answer")
RETRIEVAL_STAGES = ("embed", "filter", "bm25", "faiss", "fusion")


@contextmanager
def stopwatch(into: dict, key: str):
    """Add the seconds the block takes to ``into[key]``."""
    started = time.perf_counter()
    try:
        yield
    finally:
        into[key] = into.get(key, 0.0) + time.perf_counter() - started


def percentiles(values_s: list[float]) -> dict:
    """p50 and p95 in milliseconds (numpy's linear interpolation)."""
    if not values_s:
        return {"p50_ms": None, "p95_ms": None}
    a = np.asarray(values_s) * 1000
    return {"p50_ms": round(float(np.percentile(a, 50)), 2), "p95_ms": round(float(np.percentile(a, 95)), 2)}


def peak_rss_mb() -> float:
    """The process's peak resident set size so far (Linux reports ru_maxrss in KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def folder_mb(path: Path) -> float:
    """Total size of the files under ``path``."""
    return round(sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file()) / 2**20, 2)


class _TimedEmbedder:
    """Stands in for the embedder, timing each query encoding."""

    def __init__(self, inner, timer: StageTimer):
        self._inner = inner
        self._timer = timer

    def encode_query(self, text: str):
        with stopwatch(self._timer.current, "embed"):
            return self._inner.encode_query(text)

    def __getattr__(self, name):
        return getattr(self._inner, name)


class StageTimer:
    """Wraps a Retriever's steps so each ``measure`` call returns seconds per stage.

    ``dense`` includes the query embedding, which is timed on its own and
    subtracted; ``answer`` is whatever the whole call took beyond the retrieval stages.
    """

    def __init__(self, retriever):
        from assistant.search import retrieve

        self.retriever = retriever
        self.current: dict = {}
        self._module: Any = retrieve  # its fusion functions are swapped for timed ones while measuring
        self._saved = (retriever.bm25, retriever.dense, retriever.allowed_rows, retriever.embedder,
                       retrieve.fuse_rrf, retrieve.fuse_convex)

    def __enter__(self) -> StageTimer:
        r, m = self.retriever, self._module
        bm25, dense, allowed, embedder, rrf, convex = self._saved

        def timed(key, fn):
            def wrapper(*args, **kwargs):
                with stopwatch(self.current, key):
                    return fn(*args, **kwargs)
            return wrapper

        r.bm25 = timed("bm25", bm25)
        r.dense = timed("dense", dense)
        r.allowed_rows = timed("filter", allowed)
        r.embedder = _TimedEmbedder(embedder, self)
        m.fuse_rrf = timed("fusion", rrf)
        m.fuse_convex = timed("fusion", convex)
        return self

    def __exit__(self, *exc) -> None:
        r, m = self.retriever, self._module
        for name in ("bm25", "dense", "allowed_rows"):
            r.__dict__.pop(name, None)  # the class's methods show through again
        r.embedder, m.fuse_rrf, m.fuse_convex = self._saved[3:]

    def measure(self, call) -> dict:
        """Run ``call()``; seconds per stage (STAGES) and ``total``."""
        self.current = {}
        started = time.perf_counter()
        call()
        total = time.perf_counter() - started
        c = self.current
        stages = {
            "embed": c.get("embed", 0.0),
            "filter": c.get("filter", 0.0),
            "bm25": c.get("bm25", 0.0),
            "faiss": max(0.0, c.get("dense", 0.0) - c.get("embed", 0.0)),
            "fusion": c.get("fusion", 0.0),
        }
        stages["answer"] = max(0.0, total - sum(stages.values()))
        stages["total"] = total
        stages["retrieval"] = sum(stages[s] for s in RETRIEVAL_STAGES)
        return stages
