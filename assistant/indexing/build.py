"""Build, update and optimize the index: one code path, appending segments.

``refresh`` compares the corpus with the live manifest (``plan``), chunks, embeds and
tokenises only the new and changed files into one new segment, marks the chunks of
changed and removed files as deleted in the segments that hold them, and publishes a
new commit point naming the segments (``versions``). It never loads the index: it reads
the manifest, verifies the segment checksums, and writes what is new. A full build is
the same function with nothing carried over (``rebuild``).

Segments are merged (``segments.combine``: deleted rows dropped, vectors read back,
never re-embedded) by ``optimize_index``, and automatically when an update leaves more
than ``MAX_SEGMENTS`` segments (the smallest are merged) or a segment more than
``MAX_DELETED_SHARE`` deleted (it is rewritten).

The manifest's fingerprint is checked first: an index parsed by another parser version
is refused (rebuild); one tokenised with other rules (glossary, synonyms, stop words,
stemmer) is re-tokenised from its stored chunk text in the same update, never mixed.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from assistant.config import ChunkSettings, IngestSettings
from assistant.errors import IndexCorrupt, IndexMismatch
from assistant.indexing import segments, versions
from assistant.indexing.manifest import (PARSER_CHANGED, REBUILD, Fingerprint, Manifest, SegmentEntry, expand,
                                         to_ranges)
from assistant.indexing.plan import Plan, Progress, entry_for, guard_removals, make_plan, no_progress
from assistant.indexing.scan import CorpusScan, list_corpus, safe_name

MAX_SEGMENTS = 8  # more after an update: the smallest are merged, down to half as many
MAX_DELETED_SHARE = 0.3  # a segment with more of its rows deleted is rewritten without them


@dataclass(frozen=True)
class UpdateSummary:
    """What an update did. ``added``/``changed``/``removed`` are corpus file names."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # file -> one-line reason
    notes: dict[str, list[str]] = field(default_factory=dict)  # file -> reader notes ("not UTF-8: …")
    chunks_embedded: int = 0
    seconds: float = 0.0
    version: str = ""  # the live commit point's name afterwards
    published: bool = False  # False when nothing changed and no commit point was written
    retokenised: int = 0  # chunks re-tokenised because the tokenizer changed
    merged: int = 0  # segments merged into one

    def to_json(self) -> dict:
        """The ``index update --json`` contract: exactly these keys."""
        return {
            "added": list(self.added),
            "changed": list(self.changed),
            "removed": list(self.removed),
            "skipped": dict(self.skipped),
            "chunks_embedded": self.chunks_embedded,
            "seconds": round(self.seconds, 2),
        }

    def lines(self) -> list[str]:
        """The summary as lines for a terminal; file names shown escaped, one per line."""
        head = "updated" if self.published else "no changes; live version is"
        out = [
            f"{head} {self.version}: {len(self.added)} added, {len(self.changed)} changed, "
            f"{len(self.removed)} removed, {len(self.skipped)} skipped; "
            f"{self.chunks_embedded} chunks embedded in {self.seconds:.1f} s"
        ]
        if self.retokenised:
            out.append(f"re-tokenised {self.retokenised} chunks: the tokenizer changed since the index was built")
        if self.merged:
            out.append(f"merged {self.merged} segments into one")
        for label, names in (("added", self.added), ("changed", self.changed), ("removed", self.removed)):
            out.extend(f"{label}: {safe_name(name)}" for name in names)
        out.extend(f"note: {safe_name(name)}: {note}" for name, notes in self.notes.items() for note in notes)
        out.extend(f"skipped: {safe_name(name)}: {reason}" for name, reason in self.skipped.items())
        return out


# -- entry points --------------------------------------------------------------------------------


def build_index(corpus_dir: Path, index_dir: Path, embedder, settings: ChunkSettings = ChunkSettings(),
                progress: Progress | None = None, *, ingest: IngestSettings = IngestSettings(),
                wait: float = 0.0) -> tuple[Path, CorpusScan]:
    """Index the whole corpus afresh (every file read, hashed and embedded) and publish it.

    Returns (commit point folder, scan). The old segments go once no kept commit point names them.
    """
    summary, scan = refresh(corpus_dir, index_dir, embedder, progress, settings=settings, ingest=ingest,
                            rebuild=True, wait=wait, allow_removals=True)
    return Path(index_dir) / summary.version, scan


def update_index(corpus_dir: Path, index_dir: Path, embedder, progress: Progress | None = None, *,
                 settings: ChunkSettings = ChunkSettings(), ingest: IngestSettings = IngestSettings(),
                 wait: float = 0.0, allow_removals: bool = False) -> UpdateSummary:
    """Index new corpus files, re-index changed ones and drop removed ones; publish a new commit point.

    With no index yet, builds one (every file is "added"). ``progress(stage, done, total)``
    is called for the "hash", "parse", "chunk", "embed", "sentences", "vectors", "terms", "write" and
    "merge" stages.
    ``wait``: seconds to wait for another writer before raising ``IndexBusy``. Raises
    ``RemovalRefused`` when the update would remove every indexed report or more than half
    of them (an empty or missing corpus folder included), unless ``allow_removals``;
    ``IndexMismatch`` or ``IndexCorrupt`` when the live index cannot be built upon.
    """
    return refresh(corpus_dir, index_dir, embedder, progress, settings=settings, ingest=ingest, wait=wait,
                   allow_removals=allow_removals)[0]


def optimize_index(index_dir: Path, embedder, progress: Progress | None = None, *, wait: float = 0.0) -> UpdateSummary:
    """Merge every segment into one, dropping deleted rows (vectors are read back, not re-embedded)."""
    started = time.monotonic()
    index_dir = Path(index_dir)
    progress = progress or no_progress
    with versions.writer_lock(index_dir, wait):
        versions.crash_point("after-lock")
        old, retokenise = _base(index_dir, embedder.name, None)
        _clean(index_dir)
        if old is None:
            raise versions.IndexMissing(f"no index at {index_dir}: build one with `assistant index build`")
        if len(old.segments) <= 1 and not any(s.deleted for s in old.segments) and not retokenise:
            return UpdateSummary(seconds=time.monotonic() - started, version=versions.current_version(index_dir).name)
        manifest = _merge(index_dir, old, [s.name for s in old.segments], embedder, retokenise, progress)
        versions.crash_point("after-merge")
        version = _commit(index_dir, manifest.stamped(), old)
    return UpdateSummary(seconds=time.monotonic() - started, version=version.name, published=True,
                         retokenised=old.live_chunks if retokenise else 0, merged=len(old.segments))


def refresh(corpus_dir: Path, index_dir: Path, embedder, progress: Progress | None = None, *,
            settings: ChunkSettings = ChunkSettings(), ingest: IngestSettings = IngestSettings(),
            rebuild: bool = False, wait: float = 0.0, allow_removals: bool = False,
            locked: bool = False) -> tuple[UpdateSummary, CorpusScan]:
    """Bring the index up to date with the corpus (``rebuild``: carry nothing over).

    Returns the summary and a scan of the files parsed in this run. ``locked``: the caller
    already holds the writer lock (``add_files``).
    """
    index_dir = Path(index_dir)
    lock = contextlib.nullcontext() if locked else versions.writer_lock(index_dir, wait)
    with lock:
        return _refresh(Path(corpus_dir), index_dir, embedder, progress or no_progress, settings, ingest, rebuild,
                        allow_removals)


# -- the work --------------------------------------------------------------------------------------


def _base(index_dir: Path, model_name: str, settings: ChunkSettings | None) -> tuple[Manifest | None, bool]:
    """The live manifest to build on (None when there is no index) and whether it needs re-tokenising.

    Refuses (IndexMismatch) another model, chunker or parser version, and (IndexCorrupt) a
    segment whose files do not match their checksums.
    """
    from assistant.indexing.load import verify_segments

    version = versions.current_version(index_dir)
    if version is None:
        return None, False
    manifest = Manifest.load(version)
    if manifest.model_name != model_name:
        raise IndexMismatch(f"index was built with model '{manifest.model_name}' but the assistant is using "
                            f"'{model_name}': {REBUILD}, or choose that model with --model")
    if settings is not None and manifest.chunker != settings:
        raise IndexMismatch(f"index was chunked with {asdict(manifest.chunker)}, not {asdict(settings)}: {REBUILD}")
    current = Fingerprint.current()
    if manifest.fingerprint.parser != current.parser:
        raise IndexMismatch(PARSER_CHANGED)
    problems = verify_segments(index_dir, manifest, cached=True)
    if problems:
        more = f" and {len(problems) - 1} more" if len(problems) > 1 else ""
        raise IndexCorrupt(f"index at {index_dir} is damaged ({problems[0]}{more}): {REBUILD}")
    return manifest, manifest.fingerprint.tokenizer != current.tokenizer


def _refresh(corpus_dir: Path, index_dir: Path, embedder, progress: Progress, settings: ChunkSettings,
             ingest: IngestSettings, rebuild: bool, allow_removals: bool) -> tuple[UpdateSummary, CorpusScan]:
    started = time.monotonic()
    versions.crash_point("after-lock")
    old, retokenise = (None, False) if rebuild else _base(index_dir, embedder.name, settings)
    _clean(index_dir)
    listing = list_corpus(corpus_dir, must_exist=old is None)
    plan = make_plan(listing, corpus_dir, old, ingest, progress, rehash=rebuild)
    guard_removals(plan, old, corpus_dir, allow_removals)
    scan = CorpusScan({s: p.reports for s, p in plan.parsed.items()}, {s: p.sha256 for s, p in plan.parsed.items()},
                      dict(plan.skipped), dict(plan.notes))
    dropped = plan.dropped(old)
    if old is not None and not (plan.parsed or dropped or retokenise) and plan.skipped == old.skipped:
        return UpdateSummary(skipped=plan.skipped, seconds=time.monotonic() - started,
                             version=versions.current_version(index_dir).name), scan

    next_id = old.next_chunk_id if old else 0
    new_entry, new_files, embedded = _index_new(index_dir, plan, embedder, settings, next_id, progress)
    kept = _with_deletions(old.segments if old else (), dropped, plan.keep.values())
    manifest = Manifest(
        model_name=embedder.name, dimension=old.dimension if old else int(embedder.dimension),
        chunker=settings, fingerprint=Fingerprint.current(),  # re-tokenising merges every older segment
        next_chunk_id=next_id + embedded, scanned_at_ns=plan.scanned_at_ns,
        segments=kept + ((new_entry,) if new_entry else ()), files={**plan.keep, **new_files},
        skipped=plan.skipped, restat=_restat(old, plan))
    group = [s.name for s in manifest.segments] if retokenise else merge_policy(manifest.segments)
    merged = 0
    if group:
        manifest = _merge(index_dir, manifest, group, embedder, retokenise, progress)
        merged = len(group)
    versions.crash_point("after-merge")
    version = _commit(index_dir, manifest.stamped(), old)
    summary = UpdateSummary(plan.added, plan.changed, plan.removed, plan.skipped, plan.notes, embedded,
                            time.monotonic() - started, version.name, True,
                            manifest.live_chunks if retokenise else 0, merged if merged > 1 else 0)
    return summary, scan


def _index_new(index_dir: Path, plan: Plan, embedder, settings: ChunkSettings, next_id: int,
               progress: Progress) -> tuple[SegmentEntry | None, dict, int]:
    """Chunk, embed and tokenise the parsed files into one new segment.

    Returns (its entry or None when nothing was parsed, the files' manifest entries, chunks embedded).
    """
    from assistant.ingest.chunk import chunk_reports, chunk_text, report_sections
    from assistant.search.bm25 import TermCounts
    from assistant.search.embed import token_counter
    from assistant.search.sentences import SentenceTable
    from assistant.search.vectors import VectorIndex

    if not plan.parsed:
        return None, {}, 0
    counter = token_counter(embedder.model_dir)
    reports = {r.report_id: r for p in plan.parsed.values() for r in p.reports}
    chunks, spans = [], {}
    sections = sum(len(report_sections(r)) for r in reports.values())
    done_sections = 0
    progress("chunk", 0, sections)
    for source, parsed in plan.parsed.items():
        first = next_id + len(chunks)
        for report in parsed.reports:
            # Section by section (the same chunks as the whole report at once), so that one
            # very large file still shows progress.
            for section in report_sections(report):  # the page header first
                one = replace(report, sections=(section,))
                chunks.extend(chunk_reports([one], counter, settings, first_id=next_id + len(chunks), header=False))
                done_sections += 1
                progress("chunk", done_sections, sections)
        spans[source] = (first, next_id + len(chunks) - first)

    progress("embed", 0, len(chunks))
    done = 0

    def step(n: int) -> None:
        nonlocal done
        done += n
        progress("embed", done, len(chunks))

    vectors = embedder.encode([chunk_text(c) for c in chunks], progress=step) if chunks else None
    versions.crash_point("after-embed")
    progress("sentences", 0, 1)
    sentences = SentenceTable.build(reports, chunks, embed=embedder.encode)
    progress("sentences", 1, 1)
    if vectors is None:
        vectors = np.zeros((0, embedder.dimension), dtype=np.float32)
    progress("vectors", 0, 1)
    index = VectorIndex.build(vectors, [c.chunk_id for c in chunks])
    progress("terms", 0, 1)
    counts = TermCounts.from_tokens(segments.terms(chunks))
    progress("write", 0, 1)
    files = {s: entry_for(plan.parsed[s], "", first, count, plan.scanned_at_ns) for s, (first, count) in spans.items()}
    entry = segments.write(index_dir, segments.Segment(reports, chunks, counts, index, sentences), files)
    progress("write", 1, 1)
    versions.crash_point("after-segment")
    return entry, {s: f._replace(segment=entry.name) for s, f in files.items()}, len(chunks)


def _with_deletions(old: tuple[SegmentEntry, ...], dropped: dict, kept) -> tuple[SegmentEntry, ...]:
    """The old segments with the dropped files (name -> FileEntry) marked deleted: their chunk ids
    and their names. Segments no live file uses any more go."""
    marks: dict[str, list[int]] = {}
    names: dict[str, list[str]] = {}
    for name, entry in dropped.items():
        marks.setdefault(entry.segment, []).extend(range(entry.first_chunk, entry.first_chunk + entry.chunks))
        names.setdefault(entry.segment, []).append(name)
    used = {e.segment for e in kept}
    out = []
    for s in old:
        if s.name not in used:
            continue
        if s.name in marks:
            deleted = np.union1d(expand(s.deleted), np.asarray(marks[s.name], dtype=np.int64))
            s = replace(s, deleted=to_ranges(deleted), dropped=tuple(sorted({*s.dropped, *names[s.name]})))
        out.append(s)
    return tuple(out)


def _restat(old: Manifest | None, plan: Plan) -> dict[str, tuple[int, int]]:
    """Newer (size, mtime) of kept files than their segment tables hold: the old ones still kept,
    and those the plan refreshed (the plan keeps the old entry itself when nothing changed)."""
    if old is None:
        return {}
    out = {name: stat for name, stat in old.restat.items() if name in plan.keep}
    for name, entry in plan.keep.items():
        if entry is not old.files.get(name):
            out[name] = (entry.size, entry.mtime_ns)
    return out


def merge_policy(entries: tuple[SegmentEntry, ...]) -> list[str]:
    """Segments an update should merge: any more than MAX_DELETED_SHARE deleted, and, past
    MAX_SEGMENTS, the smallest (by live rows) until half as many remain. The largest segment
    is never merged for the count alone, so such a merge costs only the small ones' size.
    Empty: merge nothing."""
    group = {s.name for s in entries if s.rows and s.deleted_rows / s.rows > MAX_DELETED_SHARE}
    count = len(entries) - len(group) + (1 if group else 0)
    if count > MAX_SEGMENTS:
        others = sorted((s for s in entries if s.name not in group), key=lambda s: s.live_rows)[:-1]
        group |= {s.name for s in others[: count - MAX_SEGMENTS // 2 + (0 if group else 1)]}
    return [s.name for s in entries if s.name in group]


def _merge(index_dir: Path, manifest: Manifest, group: list[str], embedder, retokenise: bool,
           progress: Progress) -> Manifest:
    """The manifest with the ``group`` segments replaced by one merged segment (written here)."""
    live: dict[str, set[str]] = {}
    for f in manifest.files.values():
        live.setdefault(f.segment, set()).update(f.reports)
    parts = []
    for i, name in enumerate(group):
        progress("merge", i, len(group) + 1)
        parts.append(segments.read(index_dir, manifest.segment(name), manifest.dimension, live.get(name, set())))
    progress("merge", len(group), len(group) + 1)
    combined = segments.combine(parts, embed=embedder.encode if retokenise else None, retokenise=retokenise)
    table = {name: f for name, f in manifest.files.items() if f.segment in group}  # their current stats
    entry = segments.write(index_dir, combined, table) if combined.chunks or combined.reports else None
    progress("merge", len(group) + 1, len(group) + 1)
    out, placed = [], False
    for s in manifest.segments:
        if s.name not in group:
            out.append(s)
        elif not placed and entry is not None:
            out.append(entry)
            placed = True
    files = {name: (f._replace(segment=entry.name) if f.segment in group else f)
             for name, f in manifest.files.items()}
    restat = {name: stat for name, stat in manifest.restat.items() if name not in table}  # now in the new table
    return replace(manifest, segments=tuple(out), files=files, restat=restat,
                   fingerprint=Fingerprint.current() if retokenise else manifest.fingerprint)


def _clean(index_dir: Path) -> None:
    """Leftovers of writers killed earlier, before writing: temporary folders, unswitched commit points.

    Orphan segments wait for ``_commit``'s clean, which knows both kept manifests without reading
    them again (at 17k files a manifest takes a tenth of a second to read).
    """
    versions.clean(index_dir, segments=False)


def _commit(index_dir: Path, manifest: Manifest, previous: Manifest | None) -> Path:
    """Write the manifest as a new commit point and make it live; then tidy up (the two kept commit
    points are this one and ``previous``, whose segments the caller knows)."""
    before = versions.current_version(index_dir)
    work = versions.new_workspace(index_dir)
    manifest.save(work)
    versions.crash_point("after-write")
    version = versions.publish(index_dir, work)
    versions.crash_point("after-publish")
    known = {version.name: {s.name for s in manifest.segments}}
    if previous is not None and before is not None:
        known[before.name] = {s.name for s in previous.segments}
    versions.clean(index_dir, known)
    return version
