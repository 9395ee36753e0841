"""The mechanics of a set question's scan over every provider in scope, as array work.

A set question reads each report's best BM25 chunks for its topic, at 10k+ providers tens of
thousands of chunks. Mapping those chunks to their reports, ranking them within each report and
finding their sentences were Python loops over ``Chunk`` objects; here they are lookups in
columns made once per loaded index (``Columns``): each BM25 row's chunk id and report (as an
integer code), and each sentence row's BM25 row. ``answer.sets`` decides what is read and how;
this module only makes the reading cheap, and selects exactly the rows the loops selected.
"""

from __future__ import annotations

import weakref
from itertools import repeat
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from assistant.answer.evidence import SentenceIndex
    from assistant.models import Chunk

_CACHE: "weakref.WeakKeyDictionary[object, Columns]" = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Columns:
    """Per-row columns of one loaded index (BM25 row order = ``IndexData.chunks`` order)."""

    chunk_id: np.ndarray  # int64: the chunk id of each BM25 row
    report: np.ndarray  # int64: the report code of each BM25 row
    report_ids: tuple[str, ...]  # report code -> report id
    code_of: dict[str, int]  # report id -> report code
    sentence_row: np.ndarray  # int64: the BM25 row of each sentence-table row's chunk (-1: not a live chunk)

    @classmethod
    def build(cls, chunks: Iterable[Chunk], sentence_chunk_ids: np.ndarray) -> "Columns":
        """Columns of ``chunks`` (in BM25 row order) and of a sentence table's ``chunk_id`` column."""
        chunks = list(chunks)
        code_of: dict[str, int] = {}
        report = np.fromiter((code_of.setdefault(c.report_id, len(code_of)) for c in chunks),
                             dtype=np.int64, count=len(chunks))
        chunk_id = np.fromiter((c.chunk_id for c in chunks), dtype=np.int64, count=len(chunks))
        order = np.argsort(chunk_id, kind="stable")
        ids = np.asarray(sentence_chunk_ids, dtype=np.int64)
        at = np.searchsorted(chunk_id[order], ids) if chunk_id.size else np.zeros(ids.size, dtype=np.int64)
        at = np.minimum(at, max(chunk_id.size - 1, 0))
        found = chunk_id.size > 0 and ids.size > 0
        sentence_row = np.where(chunk_id[order][at] == ids, order[at], -1) if found else np.full(ids.size, -1)
        return cls(chunk_id, report, tuple(code_of), code_of, sentence_row.astype(np.int64))

    def report_mask(self, report_ids: Iterable[str]) -> np.ndarray:
        """A boolean per report code: whether the report is one of ``report_ids``."""
        mask = np.zeros(len(self.report_ids) + 1, dtype=bool)  # the extra last slot: reports with no chunk
        mask[np.fromiter(map(self.code_of.get, report_ids, repeat(-1)), dtype=np.int64)] = True  # (C loops)
        return mask[:-1]


def columns(sentence_index: SentenceIndex) -> Columns:
    """The ``Columns`` of the index behind a ``SentenceIndex`` (made on first use, kept with it)."""
    got = _CACHE.get(sentence_index)
    if got is None:
        got = _CACHE[sentence_index] = Columns.build(sentence_index.chunks.values(), sentence_index.table.chunk_id)
    return got


def best_per_report(cols: Columns, scores: np.ndarray, per_report: int) -> np.ndarray:
    """BM25 rows: each report's ``per_report`` best-scoring rows among those scoring above 0 (ties: the
    earlier row first)."""
    rows = np.flatnonzero(scores > 0)
    if rows.size == 0:
        return rows
    code = cols.report[rows]
    order = np.lexsort((rows, -scores[rows], code))  # by report, then best score
    rows, code = rows[order], code[order]
    first = np.r_[True, code[1:] != code[:-1]]
    rank = np.arange(rows.size) - np.maximum.accumulate(np.where(first, np.arange(rows.size), 0))
    return rows[rank < per_report]


def sentence_rows(cols: Columns, chunk_rows: np.ndarray, in_scope: np.ndarray) -> np.ndarray:
    """Sentence-table rows (ascending) of the chunks at ``chunk_rows`` whose report is ``in_scope``
    (a mask by report code)."""
    chosen = np.zeros(cols.chunk_id.size + 1, dtype=bool)  # the extra last slot: sentences of no live chunk
    rows = np.asarray(chunk_rows, dtype=np.int64)
    chosen[rows[in_scope[cols.report[rows]]]] = True
    return np.flatnonzero(chosen[cols.sentence_row])
