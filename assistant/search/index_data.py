"""``IndexData``: a loaded commit point, as search and the answer stage see it.

A plain data type: the indexing stage fills it (``indexing.load.load_index``) and search reads
it, so it lives here, below both, and search never imports indexing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from assistant.models import Chunk, Report
from assistant.search.bm25 import BM25, TermCounts
from assistant.search.sentences import SentenceTable
from assistant.search.vectors import Vectors


@dataclass
class IndexData:
    """A loaded commit point. ``chunks[row]`` is BM25 row ``row`` and sentence-table chunk
    ``chunk_id``; vectors are searched by chunk id."""

    path: Path  # the commit point folder
    model_name: str  # the embedding model its vectors were made with
    reports: dict[str, Report]
    chunks: list[Chunk]
    counts: TermCounts
    vectors: Vectors
    sentences: SentenceTable
    manifest: object = None  # the commit point's manifest (``indexing.manifest.Manifest``), for inspection
    row_of: dict[int, int] = field(init=False)

    def __post_init__(self) -> None:
        self.row_of = {c.chunk_id: r for r, c in enumerate(self.chunks)}

    @cached_property
    def bm25(self) -> BM25:
        """Okapi BM25 (rank_bm25's scoring) over the term counts, built on first use: retrieval
        builds the variant its settings ask for, so this one is often never needed."""
        return BM25(self.counts)

    def chunk(self, chunk_id: int) -> Chunk:
        return self.chunks[self.row_of[chunk_id]]
