"""Per-sentence data computed once, at index time, so that answers work on arrays, not on text.

Every chunk's sentences are listed with their offsets (the same spans ``text.sentence_spans``
gives). The answer stage reads this table instead of re-splitting chunk text for every
question: a set question over 10k providers selects sentences by array operations.

The indexing stage treats the table as opaque: it calls ``SentenceTable.build`` for the chunks
it writes, ``save``/``load`` for each segment, ``concat`` to join segments and ``keep`` to
drop deleted chunks. Columns may be added here (features, vectors) without touching indexing,
as long as those five keep working on them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from assistant.models import Chunk, Report
from assistant.text import sentence_spans

FILE = "sentences.npz"

Embed = Callable[[list[str]], np.ndarray]  # texts -> L2-normalised float32 vectors


@dataclass(frozen=True)
class SentenceTable:
    """Sentence rows: the chunk each belongs to and its offsets in that chunk's report text."""

    chunk_id: np.ndarray  # int64
    start: np.ndarray  # int64, offsets into Report.text
    end: np.ndarray  # int64

    def __len__(self) -> int:
        return int(self.chunk_id.size)

    @classmethod
    def empty(cls) -> "SentenceTable":
        """A table with no rows."""
        return cls(**{f.name: np.zeros(0, dtype=np.int64) for f in fields(cls)})

    @classmethod
    def build(cls, reports: Mapping[str, Report], chunks: Sequence[Chunk], embed: Embed | None = None) -> "SentenceTable":
        """The sentences of ``chunks`` (each report looked up in ``reports`` by id), in chunk order.

        ``embed`` is available for columns that need sentence vectors; the base table does not use it.
        """
        ids, starts, ends = [], [], []
        for chunk in chunks:
            text = reports[chunk.report_id].text
            for s, e in sentence_spans(text, chunk.start, chunk.end):
                ids.append(chunk.chunk_id)
                starts.append(s)
                ends.append(e)
        return cls(np.asarray(ids, dtype=np.int64), np.asarray(starts, dtype=np.int64),
                   np.asarray(ends, dtype=np.int64))

    def save(self, folder: Path) -> None:
        """Write the table as ``folder/sentences.npz``."""
        np.savez(folder / FILE, **{f.name: getattr(self, f.name) for f in fields(self)})

    @classmethod
    def load(cls, folder: Path) -> "SentenceTable":
        """Read a table written by ``save``."""
        with np.load(folder / FILE) as data:
            return cls(**{f.name: data[f.name] for f in fields(cls)})

    @classmethod
    def concat(cls, tables: Sequence["SentenceTable"]) -> "SentenceTable":
        """One table holding the rows of ``tables`` in order."""
        if not tables:
            return cls.empty()
        return cls(**{f.name: np.concatenate([getattr(t, f.name) for t in tables]) for f in fields(cls)})

    def keep(self, chunk_ids: np.ndarray) -> "SentenceTable":
        """Only the rows whose chunk is in ``chunk_ids``."""
        mask = np.isin(self.chunk_id, chunk_ids)
        return type(self)(**{f.name: getattr(self, f.name)[mask] for f in fields(self)})
