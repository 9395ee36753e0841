"""Loading the live index for search, and checking its health.

``load_index`` follows CURRENT (``versions.resolve``: it must name the newest commit point and
hash its manifest as recorded), verifies the manifest, refuses an index of another model or
tokenizer, and reads each live segment through ``segments.read``: every file is hashed and
compared with the sha256 its commit point recorded before it is parsed, then the parts are
checked against each other. So no answer is ever given from a damaged, replaced or stale file:
any mismatch is one line naming the file and ``assistant index update --repair``.
``status`` does the same checks and reports every problem (exit 1 in the CLI).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import IndexCorrupt, IndexMissing
from assistant.indexing import segments, versions
from assistant.indexing.manifest import REBUILD, REPAIR, Fingerprint, Manifest
from assistant.models import Report
from assistant.search.bm25 import TermCounts
from assistant.search.index_data import IndexData
from assistant.search.sentences import SentenceTable
from assistant.search.vectors import Vectors

__all__ = ["IndexData", "load_index", "load_reports", "open_manifest", "status", "verify_segments"]


def open_manifest(index_dir: Path, version: str | None = None) -> tuple[Path, Manifest]:
    """The live commit point (or ``version``) and its verified manifest; IndexMissing without an index."""
    found = versions.resolve(Path(index_dir), version)
    if found is None:
        raise IndexMissing(f"no index at {index_dir}: build one with `assistant index build`")
    folder, data = found
    return folder, Manifest.load(folder, data)


def _live_reports(manifest: Manifest) -> dict[str, set[str]]:
    live: dict[str, set[str]] = {s.name: set() for s in manifest.segments}
    for f in manifest.files.values():
        live[f.segment].update(f.reports)
    return live


def load_index(index_dir: Path, model_name: str | None = None, version: str | None = None) -> IndexData:
    """Load the live commit point (or ``version``), every file verified. ``model_name``: the model queries
    will use (checked against the manifest)."""
    index_dir = Path(index_dir)
    folder, manifest = open_manifest(index_dir, version)
    manifest.check(model_name)
    live = _live_reports(manifest)
    parts = [segments.read(index_dir, s, manifest.dimension, live[s.name]) for s in manifest.segments]
    reports: dict[str, Report] = {}
    for part in parts:
        for rid, report in part.reports.items():
            if rid in reports:
                raise IndexCorrupt(f"index at {folder}: report {rid} is in two segments: {REPAIR}")
            reports[rid] = report
    listed = {rid for f in manifest.files.values() for rid in f.reports}
    if listed != set(reports):
        missing = sorted(listed - set(reports))[:1] or sorted(set(reports) - listed)[:1]
        raise IndexCorrupt(f"index at {folder}: the manifest and the segments disagree about report "
                           f"{missing[0]}: {REPAIR}")
    chunks = [c for p in parts for c in p.chunks]
    ids = np.fromiter((c.chunk_id for c in chunks), dtype=np.int64, count=len(chunks))
    if np.unique(ids).size != ids.size:
        raise IndexCorrupt(f"index at {folder}: a chunk id is used twice: {REPAIR}")
    return IndexData(folder, manifest.model_name, reports, chunks, TermCounts.concat([p.counts for p in parts]),
                     Vectors([p.vectors for p in parts], manifest.dimension),
                     SentenceTable.concat([p.sentences for p in parts]), manifest)


def load_reports(index_dir: Path, version: str | None = None) -> dict[str, Report]:
    """The live commit point's reports by id, verified, read without chunks, terms or vectors (for listing them)."""
    _, manifest = open_manifest(Path(index_dir), version)
    live = _live_reports(manifest)
    reports: dict[str, Report] = {}
    for entry in manifest.segments:
        reports.update({rid: r for rid, r in segments.read_reports(Path(index_dir), entry).items()
                        if rid in live[entry.name]})
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


def status(index_dir: Path, version: str | None = None) -> dict[str, Any]:
    """What the live index (or ``version``) holds and every problem with it (files are hashed, segments read).

    Raises IndexMissing without an index, IndexMismatch for another format, and IndexCorrupt when no
    commit point's manifest can be read. Otherwise ``healthy`` is False whenever ``problems`` is not
    empty: CURRENT not naming the newest intact commit point (then the newest intact one is described),
    a segment file missing, not matching its checksum or not fitting the others, a changed tokenizer or
    parser. ``notes`` says what is only informative.
    """
    index_dir = Path(index_dir)
    problems: list[str] = []
    notes: list[str] = []
    try:
        folder, manifest = open_manifest(index_dir, version)
    except IndexCorrupt as exc:
        newest = versions.newest_intact(index_dir)
        if newest is None or version is not None:
            raise
        problems.append(str(exc))
        notes.append(f"described: {newest.name}, the newest commit point whose manifest verifies")
        folder, manifest = newest, Manifest.load(newest)
    checksums = verify_segments(index_dir, manifest)
    problems += checksums
    damaged = {p.split(":")[0].removeprefix("segment ") for p in checksums}
    live = _live_reports(manifest)
    for entry in manifest.segments:
        if entry.name not in damaged:
            try:
                segments.read(index_dir, entry, manifest.dimension, live[entry.name])
            except IndexCorrupt as exc:
                problems.append(str(exc))
    current = Fingerprint.current()
    if manifest.fingerprint.tokenizer != current.tokenizer:
        problems.append("the tokenizer changed since the index was built: `assistant index update` re-tokenises it")
    if manifest.fingerprint.parser != current.parser:
        problems.append(f"the parser changed since the index was built: {REBUILD}")
    kinds = sorted(manifest.segments, key=lambda s: -s.live_rows)
    return {
        "version": folder.name,
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
