"""Segments: immutable folders of indexed chunks, written once and merged later.

A segment folder (``index/segments/sNNNNNN/``) holds, for the chunks of some reports:

    reports.json      the reports (text, sections, facts), as a JSON list
    chunks.json       the chunks in row order, as columns: id, report (an index into
                      reports.json), section (an index into a table of heading paths), start, end
    bm25_tf.npz       raw term counts (rows = chunks), bm25_doclen.npy, bm25_vocab.json
    vectors.faiss     the chunk vectors by chunk id (``search.vectors.VectorIndex``)
    sentences.npz     the sentence table (``search.sentences.SentenceTable``)
    files.json        the corpus files whose chunks these are (``manifest.TABLE``, as columns)

Chunk ids are global: the manifest's ``next_chunk_id`` hands them out, and a segment's
ids are recorded in its manifest entry as ranges. Rows of deleted chunks stay in the
files until a merge; ``read`` drops them. The sha256 of every file is recorded in the
manifest when the segment is written, and ``read`` (what every load and every merge uses)
parses only bytes that hash as recorded, then checks the parts against each other: ids as
recorded, the FAISS id map, BM25 rows, columns and vocabulary, sentence rows, offsets inside
the report text. ``verify`` hashes the files without reading them (``index status``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any
from pathlib import Path

import numpy as np

from assistant.errors import IndexCorrupt
from assistant.indexing import versions
from assistant.indexing.manifest import (REPAIR, TABLE, FileEntry, SegmentEntry, expand, read_verified, table_json,
                                         to_ranges, verify_file)
from assistant.models import Chunk, Fact, Report, Section
from assistant.search.bm25 import TermCounts
from assistant.search.mapped import MAP_ABOVE
from assistant.search.sentences import Embed, SentenceTable
from assistant.search.vectors import VectorIndex

REPORTS, CHUNKS, VECTORS, SENTENCES = "reports.json", "chunks.json", "vectors.faiss", "sentences.npz"


@dataclass
class Segment:
    """The contents of a segment (or of a segment to be written), rows in chunk order."""

    reports: dict[str, Report]
    chunks: list[Chunk]
    counts: TermCounts
    vectors: VectorIndex
    sentences: SentenceTable

    @property
    def ids(self) -> np.ndarray:
        return np.fromiter((c.chunk_id for c in self.chunks), dtype=np.int64, count=len(self.chunks))


def terms(chunks: list[Chunk]) -> list[list[str]]:
    """BM25 terms of each chunk's embedding text (header included)."""
    from assistant.ingest.chunk import chunk_text
    from assistant.search.tokens import tokenize

    return [tokenize(chunk_text(c)) for c in chunks]


# -- writing ---------------------------------------------------------------------------------------


def write(index_dir: Path, segment: Segment, files: Mapping[str, FileEntry]) -> SegmentEntry:
    """Write ``segment`` and its corpus ``files`` (``FileEntry`` by name) into a new folder under
    ``segments/``; returns its manifest entry."""
    from assistant.indexing.scan import file_hash

    work = versions.new_workspace(index_dir)
    (work / REPORTS).write_text(json.dumps([asdict(r) for r in segment.reports.values()]), encoding="utf-8")
    # Columns of plain numbers, not one object per chunk: 100k chunks load in a tenth of the time.
    report_no = {rid: i for i, rid in enumerate(segment.reports)}
    section_no: dict[tuple[str, ...], int] = {}
    for c in segment.chunks:
        section_no.setdefault(c.section, len(section_no))
    columns = {"id": [c.chunk_id for c in segment.chunks], "report": [report_no[c.report_id] for c in segment.chunks],
               "section": [section_no[c.section] for c in segment.chunks], "start": [c.start for c in segment.chunks],
               "end": [c.end for c in segment.chunks], "sections": [list(p) for p in section_no]}
    (work / CHUNKS).write_text(json.dumps(columns, separators=(",", ":")), encoding="utf-8")
    segment.counts.save(work)
    segment.vectors.save(work / VECTORS)
    segment.sentences.save(work)
    (work / TABLE).write_text(json.dumps(table_json(files), separators=(",", ":")), encoding="utf-8")
    checksums = {p.name: file_hash(p) for p in sorted(work.iterdir())}
    name = versions.add_segment(index_dir, work)
    return SegmentEntry(name, to_ranges(segment.ids), (), segment.vectors.kind, checksums)


# -- reading ---------------------------------------------------------------------------------------


def reports_from_json(rows: list[dict[str, Any]]) -> dict[str, Report]:
    """Reports from their ``asdict`` forms, by id. Lists become tuples; sections, facts and
    ratings their own types."""
    tuples = [k for k, v in rows[0].items() if type(v) is list and k not in ("sections", "facts", "ratings")] \
        if rows else []
    out = {}
    for row in rows:
        for key in tuples:
            row[key] = tuple(row[key])
        row["sections"] = tuple(Section(tuple(s["path"]), s["start"], s["end"]) for s in row["sections"])
        row["facts"] = tuple(Fact(f["name"], f["value"], f["start"], f["end"]) for f in row["facts"])
        row["ratings"] = tuple(tuple(r) for r in row["ratings"])
        out[row["report_id"]] = Report(**row)
    return out


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # missing: read_verified says so, as for any file


FILES = (REPORTS, CHUNKS, *TermCounts.FILES, VECTORS, SENTENCES, TABLE)  # every file a segment holds


def _reader(index_dir: Path, entry: SegmentEntry) -> Callable[[str], bytes]:
    """``read(name)``: the verified bytes of one of the segment's files (``manifest.read_verified``)."""
    folder = versions.segment_dir(index_dir, entry.name)
    missing = [name for name in FILES if name not in entry.checksums]
    if missing:
        raise IndexCorrupt(f"index manifest records no checksum for {folder / missing[0]}: {REPAIR}")
    return lambda name: read_verified(folder / name, entry.checksums[name])


def read_reports(index_dir: Path, entry: SegmentEntry) -> dict[str, Report]:
    """Only a segment's reports (no chunks, terms or vectors), verified. Raises IndexCorrupt with one line."""
    data = _reader(index_dir, entry)(REPORTS)
    try:
        return reports_from_json(json.loads(data.decode("utf-8")))
    except Exception as exc:  # it hashed as recorded, yet cannot be read: still one line for the user
        raise IndexCorrupt(f"index segment {entry.name} is corrupt ({type(exc).__name__}: "
                           f"{' '.join(str(exc).split())[:100]}): {REPAIR}") from None


def read(index_dir: Path, entry: SegmentEntry, dimension: int, live_reports: set[str] | None = None) -> Segment:
    """The live rows of a segment: every file verified against its recorded sha256 before it is parsed,
    then the parts checked against each other. Raises IndexCorrupt with one line.

    ``live_reports``: the report ids the manifest's files still name in this segment
    (None: all of them).
    """
    where = f"index segment {entry.name}"
    read_file = _reader(index_dir, entry)
    folder = versions.segment_dir(index_dir, entry.name)
    # The large arrays (at a CQC-wide scale, gigabytes) are hashed as a stream and then memory-mapped, so every
    # process serving the index shares their pages; the rest is read, hashed and parsed from the same bytes.
    large = {name for name in (VECTORS, SENTENCES) if name in entry.checksums and _size(folder / name) >= MAP_ABOVE}
    for name in large:
        verify_file(folder / name, entry.checksums[name])
    raw = {name: read_file(name) for name in FILES if name != TABLE and name not in large}  # (the manifest read the table)
    try:
        reports = reports_from_json(json.loads(raw[REPORTS].decode("utf-8")))
        columns = json.loads(raw[CHUNKS].decode("utf-8"))
        counts = TermCounts.from_bytes(*(raw[name] for name in TermCounts.FILES))
        vectors = VectorIndex.load(folder / VECTORS) if VECTORS in large else VectorIndex.from_bytes(raw[VECTORS])
        sentences = SentenceTable.load(folder) if SENTENCES in large else SentenceTable.from_bytes(raw[SENTENCES])
    except Exception as exc:  # any unreadable or ill-fitting piece means the same thing to the user
        raise IndexCorrupt(f"{where} is corrupt ({type(exc).__name__}: {' '.join(str(exc).split())[:100]}): "
                           f"{REPAIR}") from None
    del raw
    chunks = _chunks(columns, list(reports.values()), where)
    ids = np.fromiter((c.chunk_id for c in chunks), dtype=np.int64, count=len(chunks))
    _check(entry, chunks, ids, counts, vectors, sentences, dimension, where)

    deleted = expand(entry.deleted)
    if deleted.size:
        keep = ~np.isin(ids, deleted)
        vectors.remove(deleted)
        chunks = [c for c, k in zip(chunks, keep) if k]
        counts = counts.select(np.flatnonzero(keep))
        sentences = sentences.keep(ids[keep])
    if live_reports is not None:
        reports = {rid: r for rid, r in reports.items() if rid in live_reports}
        if any(c.report_id not in reports for c in chunks):
            raise IndexCorrupt(f"{where} has live chunks of a report the manifest does not list: {REPAIR}")
    return Segment(reports, chunks, counts, vectors, sentences)


def _chunks(columns: dict[str, Any], reports: list[Report], where: str) -> list[Chunk]:
    """Chunks from the columns of chunks.json, each checked to lie inside its report's text."""
    try:
        ids, report_no, section_no = columns["id"], columns["report"], columns["section"]
        starts, ends, paths = columns["start"], columns["end"], [tuple(p) for p in columns["sections"]]
        if not len(ids) == len(report_no) == len(section_no) == len(starts) == len(ends):
            raise ValueError("columns of different lengths")
        if not set(map(type, ids + report_no + section_no)) <= {int}:
            raise ValueError("a chunk id, report or section number that is not a whole number")
        if ids and not (0 <= min(report_no) <= max(report_no) < len(reports)
                        and 0 <= min(section_no) <= max(section_no) < len(paths)):
            raise IndexError("a report or section number out of range")
        chunks = []
        for cid, r, sec, start, end in zip(ids, report_no, section_no, starts, ends):
            report = reports[r]
            if not (type(start) is int and type(end) is int and 0 <= start <= end <= len(report.text)):
                raise IndexCorrupt(f"{where} has a chunk whose offsets lie outside its report's text: {REPAIR}")
            chunks.append(Chunk(cid, report.report_id, report.provider, report.source, paths[sec], start, end,
                                report.text[start:end]))
    except (KeyError, TypeError, IndexError, ValueError) as exc:
        raise IndexCorrupt(f"{where} has malformed chunk columns ({type(exc).__name__}: {str(exc)[:60]}): "
                           f"{REPAIR}") from None
    return chunks


def _check(entry: SegmentEntry, chunks: list[Chunk], ids: np.ndarray, counts: TermCounts, vectors: VectorIndex,
           sentences: SentenceTable, dimension: int, where: str) -> None:
    """Ids as the manifest records them, and every part holding exactly those rows."""
    if not np.array_equal(ids, expand(entry.ranges)):
        raise IndexCorrupt(f"{where}: chunk ids in {CHUNKS} differ from the manifest's: {REPAIR}")
    if counts.tf.shape[0] != ids.size or counts.doc_len.size != ids.size:
        raise IndexCorrupt(f"{where} is inconsistent ({ids.size} chunks, {counts.tf.shape[0]} BM25 rows): {REPAIR}")
    if vectors.dimension != dimension:
        raise IndexCorrupt(f"{where} holds {vectors.dimension}-d vectors but the manifest says {dimension}: {REPAIR}")
    if vectors.ntotal != ids.size or not np.array_equal(np.sort(vectors.ids()), np.sort(ids)):
        raise IndexCorrupt(f"{where} is inconsistent ({ids.size} chunks, {vectors.ntotal} vectors, "
                           f"ids of the vectors differ): {REPAIR}")
    if sentences.has_vectors and sentences.vector.shape[1] != dimension:
        raise IndexCorrupt(f"{where} holds {sentences.vector.shape[1]}-d sentence vectors, not {dimension}: {REPAIR}")
    # Each sentence lies inside its chunk (which lies inside its report's text: ``_chunks``).
    order = np.argsort(ids)
    at = np.searchsorted(ids[order], sentences.chunk_id)
    found = at < ids.size
    found[found] = ids[order][at[found]] == sentences.chunk_id[found]
    if not found.all():
        raise IndexCorrupt(f"{where} has sentences of chunks it does not hold: {REPAIR}")
    row = order[at]
    starts = np.fromiter((c.start for c in chunks), dtype=np.int64, count=len(chunks))
    ends = np.fromiter((c.end for c in chunks), dtype=np.int64, count=len(chunks))
    if len(sentences) and ((sentences.start < starts[row]).any() or (sentences.end > ends[row]).any()):
        raise IndexCorrupt(f"{where} has a sentence outside its chunk: {REPAIR}")


def verify(index_dir: Path, entry: SegmentEntry, cache: dict[str, list[Any]] | None = None) -> list[str]:
    """Problems with a segment's files against its recorded checksums (empty: all match).

    With ``cache`` (segment file -> [size, mtime_ns, sha256, verified_at_ns], updated here), a
    file whose size and mtime are as when it was last verified, and older than that, is not
    hashed again: as for corpus files, only a write changes what a file holds.
    """
    import time

    from assistant.indexing.scan import file_hash, racy

    folder = versions.segment_dir(index_dir, entry.name)
    if not folder.is_dir():
        return [f"segment {entry.name}: its folder {folder} is missing"]
    problems = [f"segment {entry.name}: the manifest records no checksum for {name}"
                for name in FILES if name not in entry.checksums]
    for name, sha in entry.checksums.items():
        path, key = folder / name, f"{entry.name}/{name}"
        try:
            st = path.stat()
            seen = cache.get(key) if cache is not None else None
            if seen and seen[:3] == [st.st_size, st.st_mtime_ns, sha] and not racy(st.st_mtime_ns, seen[3]):
                continue
            started = time.time_ns()
            actual = file_hash(path)
        except OSError as exc:
            problems.append(f"segment {entry.name}: {name} cannot be read ({exc.strerror or exc})")
            continue
        if actual != sha:
            problems.append(f"segment {entry.name}: {name} does not match its checksum (changed or damaged)")
        elif cache is not None:
            cache[key] = [st.st_size, st.st_mtime_ns, sha, started]
    return problems


# -- merging ---------------------------------------------------------------------------------------


def combine(parts: list[Segment], embed: Embed | None = None, retokenise: bool = False,
            threshold: int | None = None) -> Segment:
    """One segment of the live rows of ``parts``, in order.

    Vectors are read back, never re-embedded; an IVF reuses the largest part's trained cells.
    ``retokenise``: count terms and build the sentence table afresh from the chunk text
    (after a tokenizer change); ``embed`` is passed to the sentence table for that.
    """
    reports = {rid: r for p in parts for rid, r in p.reports.items()}
    chunks = [c for p in parts for c in p.chunks]
    ids = np.fromiter((c.chunk_id for c in chunks), dtype=np.int64, count=len(chunks))
    dimension = parts[0].vectors.dimension if parts else 0
    vectors = np.vstack([p.vectors.reconstruct(p.ids) for p in parts]) if parts else np.zeros((0, dimension))
    donor = max((p.vectors for p in parts if p.vectors.kind == "ivf"), key=lambda v: v.ntotal, default=None)
    index = VectorIndex.build(vectors, ids, threshold=threshold, reuse=donor)
    if retokenise:
        counts = TermCounts.from_tokens(terms(chunks))
        sentences = SentenceTable.build(reports, chunks, embed=embed)
    else:
        counts = TermCounts.concat([p.counts for p in parts])
        sentences = SentenceTable.concat([p.sentences for p in parts])
    return Segment(reports, chunks, counts, index, sentences)
