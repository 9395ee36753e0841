"""Per-sentence data computed once, at index time, so that answers work on arrays, not on text.

Every chunk's sentences are listed with their offsets (the same spans ``text.sentence_spans``
gives), with the features the answer stage scores them by:

* ``vector``: the sentence's embedding (float16, L2-normalised), so a question is compared with
  every candidate sentence by one matrix product and no sentence is embedded at query time;
* ``terms``: the sentence's stemmed content terms (glossary expansions included), hashed to
  uint32 and padded with 0, so lexical coverage is an array comparison (no vocabulary to share
  between index segments);
* ``cues``: bit flags for what the sentence states (``NEGATION``, ``PARTIAL``, ``NUMBER``,
  ``CONTRAST``, ``BOILERPLATE``, ``LABEL``, ``FREQUENCY``), for polarity, corrections, "how many" and
  "how often" questions, and leaving out page furniture.

The indexing stage treats the table as opaque: it calls ``SentenceTable.build`` for the chunks
it writes, ``save``/``load`` for each segment, ``concat`` to join segments and ``keep`` to
drop deleted chunks. Columns may be added here without touching indexing, as long as those
five keep working on them (every column has one row per sentence).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from assistant.models import Chunk, Report
from assistant.search.tokens import tokenize, words
from assistant.text import sentence_spans

FILE = "sentences.npz"
MAX_TERMS = 64  # hashed terms kept per sentence; CQC sentences rarely have more content words
MAPPED = ("vector", "terms")  # the large columns: memory-mapped when large (``search.mapped``), the rest read

Embed = Callable[[list[str]], np.ndarray]  # texts -> L2-normalised float32 vectors

# Cue flags (bits of ``cues``).
NEGATION = 1  # an odd number of negation words: the sentence, read plainly, denies something
PARTIAL = 2  # "not all", "some but not all", "inconsistent": a partial finding
NUMBER = 4  # states a figure
CONTRAST = 8  # opens with a contrast ("However, …"): it may correct the sentence before
BOILERPLATE = 16  # page furniture that CQC repeats on every report ("Find out what we look at …")
LABEL = 32  # a heading or label line of one or two words ("Safe", "Score: 1")
FREQUENCY = 64  # states how often ("monthly", "every two weeks", "twice a year")

NEGATIVE_WORDS = frozenset(
    """not no never without unable cannot nor neither none lack lacked lacking lacks unaware fail failed
    fails failing absent insufficient insufficiently ineffective inadequate poor breach breached breaches weak
    didn wasn weren couldn doesn don hadn hasn isn aren""".split()
)
_PARTIAL = re.compile(
    r"\bnot (?:all|always|every|consistently|fully|everyone)\b|\bsome but not all\b|\binconsistent(?:ly)?\b|"
    r"\bmixed\b|\bvariable\b|\bpartial(?:ly)?\b|\bpartly\b",
    re.I,
)
# "without fear of retribution" reassures; it does not negate the sentence.
REASSURANCE = re.compile(r"\bwithout (?:any )?(?:fear|retribution|repercussions?|reprisal|delay|hesitation)"
                         r"(?: of (?:\w+ )?(?:retribution|reprisals?|repercussions?|blame|being \w+))?\b", re.I)
_NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?(?![\w])")
_FREQUENCY = re.compile(
    r"\b(?:daily|weekly|fortnightly|monthly|quarterly|annually|yearly|bi-?annual(?:ly)?|bi-?monthly|bi-?weekly|"
    r"every (?:day|week|month|year|quarter|\w+ (?:days|weeks|months|years))|(?:once|twice|\w+ times) (?:a|per|each) "
    r"(?:day|week|month|year|quarter))\b",
    re.I,
)
_CONTRAST = re.compile(r"^\W*(?:however|but|although|whereas|in contrast|despite)\b", re.I)
# CQC's page furniture: links and score explanations printed under every key question.
_BOILERPLATE = re.compile(
    r"^(?:find out what we look at|how we calculate|on this page|contents|updated \d|see more|read more|"
    r"you can find more details|the full reports? for previous inspections)\b"
    r"|https?://|\bwww\.",  # a link is never a finding
    re.I,
)


def term_hash(term: str) -> int:
    """A stable 32-bit hash of a stemmed term (never 0, which pads)."""
    return zlib.crc32(term.encode("utf-8")) or 1


def term_hashes(terms: Sequence[str]) -> np.ndarray:
    """The hashes of ``terms`` as a uint32 array (order kept, repeats kept)."""
    return np.fromiter((term_hash(t) for t in terms), dtype=np.uint32, count=len(terms))


def cues_of(sentence: str) -> int:
    """The cue flags of one sentence."""
    flags = 0
    tokens = words(sentence)
    if sum(1 for w in words(REASSURANCE.sub(" ", sentence)) if w in NEGATIVE_WORDS) % 2 == 1:
        flags |= NEGATION
    if _PARTIAL.search(sentence):
        flags |= PARTIAL
    if _NUMBER.search(sentence):
        flags |= NUMBER
    if _CONTRAST.search(sentence):
        flags |= CONTRAST
    if _FREQUENCY.search(sentence):
        flags |= FREQUENCY
    if _BOILERPLATE.search(sentence):
        flags |= BOILERPLATE
    if len(tokens) < 3:
        flags |= LABEL
    return flags


@dataclass(frozen=True)
class SentenceTable:
    """Sentence rows: the chunk each belongs to, its offsets in that chunk's report text, and its features."""

    chunk_id: np.ndarray  # int64
    start: np.ndarray  # int64, offsets into Report.text
    end: np.ndarray  # int64
    # The two large columns may be memory-mapped (``mapped.Rows`` or ``np.memmap``), read as rows are indexed.
    vector: Any  # float16, (rows, model dimension); (rows, 0) when built without a model
    terms: Any  # uint32, (rows, MAX_TERMS): hashed stems, 0-padded
    cues: np.ndarray  # uint8 flags

    def __len__(self) -> int:
        return int(self.chunk_id.size)

    @property
    def has_vectors(self) -> bool:
        """Whether the table was built with sentence vectors."""
        return bool(self.vector.ndim == 2 and self.vector.shape[1] > 0)

    @classmethod
    def empty(cls, dimension: int = 0) -> SentenceTable:
        """A table with no rows."""
        z = np.zeros(0, dtype=np.int64)
        return cls(z, z.copy(), z.copy(), np.zeros((0, dimension), dtype=np.float16),
                   np.zeros((0, MAX_TERMS), dtype=np.uint32), np.zeros(0, dtype=np.uint8))

    @classmethod
    def build(cls, reports: Mapping[str, Report], chunks: Sequence[Chunk], embed: Embed | None = None,
              batch: int = 2048, progress: Callable[[int, int], None] | None = None) -> SentenceTable:
        """The sentences of ``chunks`` (each report looked up in ``reports`` by id), in chunk order.

        ``embed`` (the index-time embedder's ``encode``) gives the sentence vectors; without it the
        table has no vectors (``has_vectors`` is False) and answers fall back to words alone.
        Texts are embedded in batches of ``batch`` so a large build does not hold every string twice;
        ``progress(done, total)`` is called before the first batch and after each.
        """
        ids, starts, ends, texts = [], [], [], []
        for chunk in chunks:
            text = reports[chunk.report_id].text
            for s, e in sentence_spans(text, chunk.start, chunk.end):
                ids.append(chunk.chunk_id)
                starts.append(s)
                ends.append(e)
                texts.append(text[s:e])
        terms = np.zeros((len(texts), MAX_TERMS), dtype=np.uint32)
        for row, sentence in enumerate(texts):
            hashed = term_hashes(list(dict.fromkeys(tokenize(sentence))))[:MAX_TERMS]
            terms[row, : hashed.size] = hashed
        cues = np.fromiter((cues_of(t) for t in texts), dtype=np.uint8, count=len(texts))
        report = progress or (lambda done, total: None)
        report(0, len(texts))
        if embed is None or not texts:
            vector = np.zeros((len(texts), 0), dtype=np.float16)
        else:
            blocks = [texts[i : i + batch] for i in range(0, len(texts), batch)]
            # An embedder that runs many blocks at once (a Ray build: one cluster job, not one a block)
            # embeds each block exactly as ``embed`` would, so the vectors are the same.
            many = getattr(getattr(embed, "__self__", None), "encode_blocks", None)
            if many is not None:
                parts = list(many(blocks))
            else:
                parts = []
                for block in blocks:
                    parts.append(embed(block))
                    report(min(len(parts) * batch, len(texts)), len(texts))
            vector = np.vstack([np.asarray(p, dtype=np.float16) for p in parts])
        report(len(texts), len(texts))
        return cls(np.asarray(ids, dtype=np.int64), np.asarray(starts, dtype=np.int64),
                   np.asarray(ends, dtype=np.int64), vector, terms, cues)

    def save(self, folder: Path) -> None:
        """Write the table as ``folder/sentences.npz`` (an uncompressed npz, members aligned so the large
        ones can be memory-mapped: ``search.mapped``)."""
        from assistant.search import mapped

        mapped.save_npz(folder / FILE, {f.name: getattr(self, f.name) for f in fields(self)})

    @classmethod
    def load(cls, folder: Path) -> SentenceTable:
        """Read a table written by ``save``: ``vector`` and ``terms`` memory-mapped when large (read only
        as rows are indexed, and shared by every process on the machine), the other columns read."""
        from assistant.search import mapped

        data = mapped.load_npz(folder / FILE)
        table = cls(**{f.name: data[f.name] if f.name in MAPPED else np.array(data[f.name]) for f in fields(cls)})
        table.check()
        return table

    @classmethod
    def from_bytes(cls, data: bytes) -> SentenceTable:
        """A table from the bytes of the file ``save`` wrote. Raises ValueError when its columns do not fit
        together (a row count, a width or a type that differs)."""
        import io

        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            table = cls(**{f.name: arrays[f.name] for f in fields(cls)})
        table.check()
        return table

    def check(self) -> None:
        """Raise ValueError unless every column has one row per sentence, of its type and width."""
        rows = self.chunk_id.shape[0] if self.chunk_id.ndim == 1 else -1
        kinds = {"chunk_id": (1, np.int64), "start": (1, np.int64), "end": (1, np.int64), "vector": (2, np.float16),
                 "terms": (2, np.uint32), "cues": (1, np.uint8)}
        for name, (ndim, dtype) in kinds.items():
            column = getattr(self, name)
            if column.ndim != ndim or column.shape[0] != rows or column.dtype != dtype:
                raise ValueError(f"sentence column {name} is {column.dtype}{list(column.shape)}, "
                                 f"not {ndim}-d {np.dtype(dtype)} with {rows} rows")
        if self.terms.shape[1] != MAX_TERMS:
            raise ValueError(f"sentence terms have {self.terms.shape[1]} columns, not {MAX_TERMS}")
        if rows and (self.start.min() < 0 or (self.end < self.start).any()):
            raise ValueError("a sentence ends before it starts")

    @classmethod
    def concat(cls, tables: Sequence[SentenceTable]) -> SentenceTable:
        """One table holding the rows of ``tables`` in order (mapped columns stay mapped: ``mapped.Rows``)."""
        from assistant.search import mapped

        tables = [t for t in tables if len(t)]  # an empty table's vectors may have no width
        if not tables:
            return cls.empty()
        if len(tables) == 1:
            return tables[0]
        return cls(**{f.name: mapped.concat([getattr(t, f.name) for t in tables]) for f in fields(cls)})

    def keep(self, chunk_ids: np.ndarray) -> SentenceTable:
        """Only the rows whose chunk is in ``chunk_ids``."""
        return self.take(np.flatnonzero(np.isin(self.chunk_id, chunk_ids)))

    def take(self, rows: np.ndarray) -> SentenceTable:
        """The rows at these positions, in this order (mapped columns stay mapped)."""
        from assistant.search import mapped

        return type(self)(**{f.name: mapped.rows_of(getattr(self, f.name), rows) for f in fields(self)})


class SentenceLookup:
    """Finds a table's rows by chunk id (a table lists each chunk's sentences together, in text order)."""

    def __init__(self, table: SentenceTable):
        self.table = table
        self._order = np.argsort(table.chunk_id, kind="stable")
        self._sorted = table.chunk_id[self._order]

    def rows(self, chunk_ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """Rows of these chunks' sentences: chunk by chunk in the given order, each in text order."""
        ids = np.asarray(chunk_ids, dtype=np.int64)
        lo = np.searchsorted(self._sorted, ids, side="left")
        hi = np.searchsorted(self._sorted, ids, side="right")
        if ids.size == 0:
            return np.zeros(0, dtype=np.int64)
        return np.concatenate([self._order[a:b] for a, b in zip(lo, hi)])

    def rows_in(self, chunk_ids: np.ndarray) -> np.ndarray:
        """Rows of every sentence whose chunk is in ``chunk_ids`` (one pass over the table, for many chunks)."""
        return np.flatnonzero(np.isin(self.table.chunk_id, chunk_ids))
