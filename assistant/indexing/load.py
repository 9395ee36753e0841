"""Loading the live index for search, and checking its health without loading it.

``load_index`` follows CURRENT (or recovers the newest complete commit point), validates
the manifest, refuses an index of another model or tokenizer, and reads each live
segment with structure checks (ids as recorded, the FAISS id map, BM25 rows, offsets
inside the report text). It does not hash files: a load must stay fast. ``status``
does, comparing every segment file with its recorded sha256 (so does every update).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from assistant.errors import IndexCorrupt, IndexMissing
from assistant.indexing import segments, versions
from assistant.indexing.manifest import REBUILD, Fingerprint, Manifest
from assistant.models import Chunk, Report
from assistant.search.bm25 import BM25, TermCounts
from assistant.search.sentences import SentenceTable
from assistant.search.vectors import Vectors


@dataclass
class IndexData:
    """A loaded commit point. ``chunks[row]`` is BM25 row ``row`` and sentence-table chunk
    ``chunk_id``; vectors are searched by chunk id."""

    path: Path  # the commit point folder
    manifest: Manifest
    reports: dict[str, Report]
    chunks: list[Chunk]
    counts: TermCounts
    vectors: Vectors
    sentences: SentenceTable
    row_of: dict[int, int] = field(init=False)

    def __post_init__(self):
        self.row_of = {c.chunk_id: r for r, c in enumerate(self.chunks)}

    @cached_property
    def bm25(self) -> BM25:
        """Okapi BM25 (rank_bm25's scoring) over the term counts, built on first use: retrieval
        builds the variant its settings ask for, so this one is often never needed."""
        return BM25(self.counts)

    @property
    def model_name(self) -> str:
        return self.manifest.model_name

    def chunk(self, chunk_id: int) -> Chunk:
        return self.chunks[self.row_of[chunk_id]]


def _live_reports(manifest: Manifest) -> dict[str, set[str]]:
    live: dict[str, set[str]] = {s.name: set() for s in manifest.segments}
    for f in manifest.files.values():
        live[f.segment].update(f.reports)
    return live


def load_index(index_dir: Path, model_name: str | None = None) -> IndexData:
    """Load the live commit point. ``model_name``: the model queries will use (checked against the manifest)."""
    index_dir = Path(index_dir)
    version = versions.current_version(index_dir)
    if version is None:
        raise IndexMissing(f"no index at {index_dir}: build one with `assistant index build`")
    manifest = Manifest.load(version)
    manifest.check(model_name)
    live = _live_reports(manifest)
    parts = [segments.read(index_dir, s, manifest.dimension, live[s.name]) for s in manifest.segments]
    reports: dict[str, Report] = {}
    for part in parts:
        for rid, report in part.reports.items():
            if rid in reports:
                raise IndexCorrupt(f"index at {version}: report {rid} is in two segments: {REBUILD}")
            reports[rid] = report
    listed = {rid for f in manifest.files.values() for rid in f.reports}
    if listed != set(reports):
        missing = sorted(listed - set(reports))[:1] or sorted(set(reports) - listed)[:1]
        raise IndexCorrupt(f"index at {version}: the manifest and the segments disagree about report "
                           f"{missing[0]}: {REBUILD}")
    chunks = [c for p in parts for c in p.chunks]
    ids = np.fromiter((c.chunk_id for c in chunks), dtype=np.int64, count=len(chunks))
    if np.unique(ids).size != ids.size:
        raise IndexCorrupt(f"index at {version}: a chunk id is used twice: {REBUILD}")
    return IndexData(version, manifest, reports, chunks, TermCounts.concat([p.counts for p in parts]),
                     Vectors([p.vectors for p in parts], manifest.dimension),
                     SentenceTable.concat([p.sentences for p in parts]))


def load_reports(index_dir: Path) -> dict[str, Report]:
    """The live commit point's reports by id, read without chunks, terms or vectors (for listing them)."""
    index_dir = Path(index_dir)
    version = versions.current_version(index_dir)
    if version is None:
        raise IndexMissing(f"no index at {index_dir}: build one with `assistant index build`")
    manifest = Manifest.load(version)
    live = _live_reports(manifest)
    reports: dict[str, Report] = {}
    for entry in manifest.segments:
        reports.update({rid: r for rid, r in segments.read_reports(index_dir, entry).items() if rid in live[entry.name]})
    return reports


VERIFIED = ".verified.json"  # in the index folder: what the last writer verified (see segments.verify)


def verify_segments(index_dir: Path, manifest: Manifest, cached: bool = False) -> list[str]:
    """Every segment file against its recorded sha256; one line per problem (empty: all match).

    ``cached`` (writers only, under the lock): skip files unchanged since a writer last hashed
    them, and record what was hashed. ``status`` hashes everything.
    """
    if not cached:
        return [problem for s in manifest.segments for problem in segments.verify(index_dir, s)]
    import json
    import os

    path = index_dir / VERIFIED
    try:
        cache = json.loads(path.read_bytes())
        cache = cache if isinstance(cache, dict) else {}
    except (OSError, ValueError):
        cache = {}
    before = dict(cache)
    problems = [problem for s in manifest.segments for problem in segments.verify(index_dir, s, cache)]
    live = {f"{s.name}/{name}" for s in manifest.segments for name in s.checksums}
    cache = {k: v for k, v in cache.items() if k in live}
    if cache != before:
        tmp = index_dir / f"{VERIFIED}.tmp"
        tmp.write_text(json.dumps(cache), encoding="utf-8")
        os.replace(tmp, path)
    return problems


def status(index_dir: Path) -> dict:
    """What the live index holds and whether it is healthy, without loading it (files are hashed).

    Raises IndexMissing without an index, and IndexCorrupt/IndexMismatch for a manifest that
    cannot be read. Otherwise ``healthy`` is False when a segment file is missing or does not
    match its checksum, and ``problems`` says why; ``notes`` lists what needs an update or a
    rebuild (a recovered CURRENT, a changed tokenizer or parser).
    """
    index_dir = Path(index_dir)
    version = versions.current_version(index_dir)
    if version is None:
        raise IndexMissing(f"no index at {index_dir}: build one with `assistant index build`")
    manifest = Manifest.load(version)
    problems = verify_segments(index_dir, manifest)
    notes = []
    pointer = versions.pointer_problem(index_dir)
    if pointer:
        notes.append(f"{pointer}: using {version.name}, the newest complete version (the next update rewrites it)")
    current = Fingerprint.current()
    if manifest.fingerprint.tokenizer != current.tokenizer:
        notes.append("the tokenizer changed since the index was built: `assistant index update` re-tokenises it")
    if manifest.fingerprint.parser != current.parser:
        notes.append(f"the parser changed since the index was built: {REBUILD}")
    kinds = sorted(manifest.segments, key=lambda s: -s.live_rows)
    return {
        "version": version.name,
        "created": manifest.created,
        "format_version": manifest.format_version,
        "model": manifest.model_name,
        "dimension": manifest.dimension,
        "chunker": {"max_tokens": manifest.chunker.max_tokens,
                    "overlap_sentences": manifest.chunker.overlap_sentences},
        "fingerprint": {"tokenizer": manifest.fingerprint.tokenizer, "parser": manifest.fingerprint.parser},
        "faiss": kinds[0].vectors if kinds else "flat",
        "segments": [{"name": s.name, "chunks": s.rows, "deleted": s.deleted_rows, "vectors": s.vectors}
                     for s in manifest.segments],
        "files": len(manifest.files),
        "reports": manifest.reports,
        "chunks": manifest.live_chunks,
        "skipped": dict(manifest.skipped),
        "healthy": not problems,
        "problems": problems,
        "notes": notes,
    }
