"""Build, update and optimize the index: one code path, appending segments.

``refresh`` compares the corpus with the live manifest (``plan``), chunks, embeds and
tokenises only the new and changed files into one new segment, marks the chunks of
changed and removed files as deleted in the segments that hold them, and publishes a
new commit point naming the segments (``versions``). It never loads the index: it reads
the manifest, verifies the segment checksums, and writes what is new. A full build is
the same function with nothing carried over (``rebuild``).

Segments are merged (``segments.combine``: deleted rows dropped, vectors read back,
never re-embedded) by ``optimize_index``, and automatically when an update leaves more
than ``IndexSettings.max_segments`` segments (the smallest are merged) or a segment more
than ``max_deleted_share`` deleted (it is rewritten). Every segment a merge reads is read
through ``segments.read``: its files are hashed and compared with their recorded sha256
first, so a merge never writes fresh checksums over bytes nobody verified.

``update --repair`` (``repair=True``) starts from the newest commit point whose manifest
verifies, whatever CURRENT says, hashes every segment file, drops the damaged segments and
re-indexes their files from the corpus.

The manifest's fingerprint is checked first: an index parsed by another parser version
is refused (rebuild); one tokenised with other rules (glossary, synonyms, stop words,
stemmer) is re-tokenised from its stored chunk text in the same update, never mixed.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from assistant.config import ChunkSettings, IndexSettings, IngestSettings
from assistant.errors import IndexCorrupt, IndexMismatch, IndexMissing, IndexProblem
from assistant.indexing import segments, versions
from assistant.indexing.manifest import (PARSER_CHANGED, REBUILD, REPAIR, FileEntry, Fingerprint, Manifest,
                                         SegmentEntry, expand, to_ranges)
from assistant.indexing.plan import Plan, Progress, entry_for, guard_removals, make_plan, no_progress
from assistant.indexing.scan import CorpusScan, list_corpus, safe_name
from assistant.models import Chunk, Report
from assistant.search.embed.protocol import TextEmbedder


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
    repair: bool = False  # ``--repair`` was asked for
    repaired: list[str] = field(default_factory=list)  # what a repair found damaged and re-derived, one line each

    def to_json(self) -> dict[str, Any]:
        """The ``index update --json`` contract: exactly these keys (and ``repaired`` under ``--repair``)."""
        out = {
            "added": list(self.added),
            "changed": list(self.changed),
            "removed": list(self.removed),
            "skipped": dict(self.skipped),
            "chunks_embedded": self.chunks_embedded,
            "seconds": round(self.seconds, 2),
        }
        if self.repair:
            out["repaired"] = list(self.repaired)
        return out

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
        out.extend(f"repaired: {line}" for line in self.repaired)
        if self.repair and not self.repaired:
            out.append("repaired: nothing was damaged")
        for label, names in (("added", self.added), ("changed", self.changed), ("removed", self.removed)):
            out.extend(f"{label}: {safe_name(name)}" for name in names)
        out.extend(f"note: {safe_name(name)}: {note}" for name, notes in self.notes.items() for note in notes)
        out.extend(f"skipped: {safe_name(name)}: {reason}" for name, reason in self.skipped.items())
        return out


# -- entry points --------------------------------------------------------------------------------


def build_index(corpus_dir: Path, index_dir: Path, embedder: TextEmbedder, settings: ChunkSettings = ChunkSettings(),
                progress: Progress | None = None, *, ingest: IngestSettings = IngestSettings(),
                index_settings: IndexSettings = IndexSettings(), wait: float = 0.0) -> tuple[Path, CorpusScan]:
    """Index the whole corpus afresh (every file read, hashed and embedded) and publish it.

    Returns (commit point folder, scan). The old segments go once no kept commit point names them.
    """
    summary, scan = refresh(corpus_dir, index_dir, embedder, progress, settings=settings, ingest=ingest,
                            index_settings=index_settings, rebuild=True, wait=wait, allow_removals=True)
    return Path(index_dir) / summary.version, scan


def update_index(corpus_dir: Path, index_dir: Path, embedder: TextEmbedder, progress: Progress | None = None, *,
                 settings: ChunkSettings = ChunkSettings(), ingest: IngestSettings = IngestSettings(),
                 index_settings: IndexSettings = IndexSettings(), wait: float = 0.0, allow_removals: bool = False,
                 repair: bool = False) -> UpdateSummary:
    """Index new corpus files, re-index changed ones and drop removed ones; publish a new commit point.

    With no index yet, builds one (every file is "added"). ``progress(stage, done, total)``
    is called for the "hash", "parse", "chunk", "embed", "sentences", "vectors", "terms", "write" and
    "merge" stages.
    ``wait``: seconds to wait for another writer before raising ``IndexBusy``. Raises
    ``RemovalRefused`` when the update would remove every indexed report or more than half
    of them (an empty or missing corpus folder included), unless ``allow_removals``;
    ``IndexMismatch`` or ``IndexCorrupt`` when the live index cannot be built upon (``repair``:
    re-derive what is damaged from the corpus instead, see the module docstring).
    """
    return refresh(corpus_dir, index_dir, embedder, progress, settings=settings, ingest=ingest,
                   index_settings=index_settings, wait=wait, allow_removals=allow_removals, repair=repair)[0]


def optimize_index(index_dir: Path, embedder: TextEmbedder, progress: Progress | None = None, *, wait: float = 0.0,
                   index_settings: IndexSettings = IndexSettings()) -> UpdateSummary:
    """Merge every segment into one, dropping deleted rows (vectors are read back and verified, not re-embedded)."""
    started = time.monotonic()
    index_dir = Path(index_dir)
    progress = progress or no_progress
    with versions.writer_lock(index_dir, wait):
        versions.crash_point("after-lock")
        old, retokenise, _, _ = _base(index_dir, embedder.name, None)
        live = _clean(index_dir)
        if old is None or live is None:
            raise IndexMissing(f"no index at {index_dir}: build one with `assistant index build`")
        if len(old.segments) <= 1 and not any(s.deleted for s in old.segments) and not retokenise:
            return UpdateSummary(seconds=time.monotonic() - started, version=live.name)
        manifest = _merge(index_dir, old, [s.name for s in old.segments], embedder, retokenise, progress,
                          index_settings)
        versions.crash_point("after-merge")
        version = _commit(index_dir, manifest.stamped(), old, live)
    return UpdateSummary(seconds=time.monotonic() - started, version=version.name, published=True,
                         retokenised=old.live_chunks if retokenise else 0, merged=len(old.segments))


def refresh(corpus_dir: Path, index_dir: Path, embedder: TextEmbedder, progress: Progress | None = None, *,
            settings: ChunkSettings = ChunkSettings(), ingest: IngestSettings = IngestSettings(),
            index_settings: IndexSettings = IndexSettings(), rebuild: bool = False, wait: float = 0.0,
            allow_removals: bool = False, repair: bool = False,
            locked: bool = False) -> tuple[UpdateSummary, CorpusScan]:
    """Bring the index up to date with the corpus (``rebuild``: carry nothing over; ``repair``: see
    ``update_index``).

    Returns the summary and a scan of the files parsed in this run. ``locked``: the caller
    already holds the writer lock (``add_files``).
    """
    index_dir = Path(index_dir)
    lock = contextlib.nullcontext() if locked else versions.writer_lock(index_dir, wait)
    with lock:
        return _refresh(Path(corpus_dir), index_dir, embedder, progress or no_progress, settings, ingest,
                        index_settings, rebuild, allow_removals, repair)


# -- the work --------------------------------------------------------------------------------------


def _base(index_dir: Path, model_name: str, settings: ChunkSettings | None,
          repair: bool = False) -> tuple[Manifest | None, bool, list[str], bool]:
    """The live manifest to build on (None when there is no index), whether it needs re-tokenising,
    (``repair``) what was found damaged, one line each, and whether segments were left out (so a
    new commit point must be written even when the corpus did not change).

    Refuses (IndexMismatch) another model, chunker or parser version, and (IndexCorrupt) an index
    whose CURRENT, manifest or segment files do not verify, unless ``repair``: then the newest
    commit point whose manifest verifies is made live and its damaged segments are left out.
    """
    from assistant.indexing.load import open_manifest, verify_segments

    repaired: list[str] = []
    left_out: set[str] = set()
    if repair:
        manifest, repaired, left_out = _repairable(index_dir)
    elif versions.resolve(index_dir) is None:
        return None, False, [], False
    else:
        manifest = open_manifest(index_dir)[1]
    if manifest is None:
        return None, False, repaired, False
    if manifest.model_name != model_name:
        raise IndexMismatch(f"index was built with model '{manifest.model_name}' but the assistant is using "
                            f"'{model_name}': {REBUILD}, or choose that model with --model")
    if settings is not None and manifest.chunker != settings:
        raise IndexMismatch(f"index was chunked with {asdict(manifest.chunker)}, not {asdict(settings)}: {REBUILD}")
    current = Fingerprint.current()
    if manifest.fingerprint.parser != current.parser:
        raise IndexMismatch(PARSER_CHANGED)
    if not repair:
        # Files unchanged (size, mtime) since a writer hashed them are trusted here; this only refuses early.
        # Whatever is merged is hashed again as it is read (``segments.read``), and load hashes everything.
        problems = verify_segments(index_dir, manifest, cached=True)
        if problems:
            more = f" and {len(problems) - 1} more" if len(problems) > 1 else ""
            raise IndexCorrupt(f"index at {index_dir} is damaged ({problems[0]}{more}): {REPAIR}")
    return manifest, manifest.fingerprint.tokenizer != current.tokenizer, repaired, bool(left_out)


def _repairable(index_dir: Path) -> tuple[Manifest | None, list[str], set[str]]:
    """For ``--repair``: the newest commit point whose manifest verifies, made live (CURRENT rewritten,
    damaged newer commit points removed), without its damaged segments; and what was wrong."""
    found: list[str] = []
    try:
        versions.resolve(index_dir)
    except IndexProblem as exc:
        found.append(str(exc).split(": run `")[0])
    if versions.resolve_or_none(index_dir) is None and not versions.committed(index_dir):
        return None, found, set()
    live = versions.newest_intact(index_dir)
    for version in versions.commit_points(index_dir):
        if live is None or version.name > live.name:
            shutil.rmtree(version)  # damaged (or a dead writer's): nothing can read it
            found.append(f"commit point {version.name} removed: its manifest is missing or damaged")
    if live is None:
        if found:
            found.append("no commit point was intact: the whole corpus is indexed again")
        return None, found, set()
    data = versions.manifest_bytes(live)
    if versions.resolve_or_none(index_dir) != (live, data):
        versions.write_pointer(index_dir, live, hashlib.sha256(data).hexdigest())
        found.append(f"CURRENT now names {live.name}, the newest commit point whose manifest verifies")
    obj = Manifest.verified_json(data, live.name)
    entries = [s for s in obj.get("segments", []) if isinstance(s, dict) and isinstance(s.get("name"), str)]
    damaged: set[str] = set()
    for s in entries:
        sums = s.get("checksums")
        problems = segments.verify(index_dir, SegmentEntry(s["name"], (), (), "flat",
                                                           dict(sums) if isinstance(sums, dict) else {}))
        if problems:
            damaged.add(s["name"])
            found.append(f"segment {s['name']} dropped and its files indexed again ({problems[0]})")
    manifest = Manifest.load(live, data, leave_out=frozenset(damaged))
    live_reports: dict[str, set[str]] = {}
    for f in manifest.files.values():
        live_reports.setdefault(f.segment, set()).update(f.reports)
    for entry in manifest.segments:  # files that hash as recorded, checked against each other
        try:
            segments.read(index_dir, entry, manifest.dimension, live_reports.get(entry.name, set()))
        except IndexCorrupt as exc:
            damaged.add(entry.name)
            found.append(f"segment {entry.name} dropped and its files indexed again ({exc})")
    if damaged:
        manifest = Manifest.load(live, data, leave_out=frozenset(damaged))
    return manifest, found, damaged


def _refresh(corpus_dir: Path, index_dir: Path, embedder: TextEmbedder, progress: Progress, settings: ChunkSettings,
             ingest: IngestSettings, index_settings: IndexSettings, rebuild: bool, allow_removals: bool,
             repair: bool) -> tuple[UpdateSummary, CorpusScan]:
    started = time.monotonic()
    versions.crash_point("after-lock")
    with _collector_paused():
        old, retokenise, repaired, must_publish = (None, False, [], False) if rebuild else \
            _base(index_dir, embedder.name, settings, repair)
        live = _clean(index_dir)
        listing = list_corpus(corpus_dir, must_exist=old is None, prefer=old.files if old else ())
    plan = make_plan(listing, corpus_dir, old, ingest, progress, rehash=rebuild,
                     chunker=_chunker(embedder.model_dir, settings, progress))
    guard_removals(plan, old, corpus_dir, allow_removals)
    scan = CorpusScan({s: p.reports for s, p in plan.parsed.items()}, {s: p.sha256 for s, p in plan.parsed.items()},
                      dict(plan.skipped), dict(plan.notes))
    dropped = plan.dropped(old)
    if old is not None and live is not None and not (plan.parsed or dropped or retokenise or must_publish) \
            and plan.skipped == old.skipped:
        return UpdateSummary(skipped=plan.skipped, seconds=time.monotonic() - started, version=live.name,
                             repair=repair, repaired=repaired), scan

    next_id = old.next_chunk_id if old else 0
    new_entry, new_files, embedded = _index_new(index_dir, plan, embedder, next_id, progress, index_settings)
    kept = _with_deletions(old.segments if old else (), dropped, plan.keep.values())
    manifest = Manifest(
        model_name=embedder.name, dimension=old.dimension if old else int(embedder.dimension),
        chunker=settings, fingerprint=Fingerprint.current(),  # re-tokenising merges every older segment
        next_chunk_id=next_id + embedded, scanned_at_ns=plan.scanned_at_ns,
        segments=kept + ((new_entry,) if new_entry else ()), files={**plan.keep, **new_files},
        skipped=plan.skipped, restat=_restat(old, plan))
    group = [s.name for s in manifest.segments] if retokenise else merge_policy(manifest.segments, index_settings)
    merged = 0
    if group:
        manifest = _merge(index_dir, manifest, group, embedder, retokenise, progress, index_settings)
        merged = len(group)
    versions.crash_point("after-merge")
    version = _commit(index_dir, manifest.stamped(), old, live)
    summary = UpdateSummary(plan.added, plan.changed, plan.removed, plan.skipped, plan.notes, embedded,
                            time.monotonic() - started, version.name, True,
                            manifest.live_chunks if retokenise else 0, merged if merged > 1 else 0,
                            repair, repaired)
    return summary, scan


def _chunker(model_dir: str, settings: ChunkSettings, progress: Progress) -> Callable[[list[Report]], list[Chunk]]:
    """``chunk(reports)``: a parsed file's chunks (ids from 0), section by section with progress, so that
    one very large file still shows some. The token counter loads on the first call."""
    from assistant.ingest.chunk import chunk_reports, report_sections

    counter = None

    def chunk(reports: list[Report]) -> list[Chunk]:
        nonlocal counter
        if counter is None:
            from assistant.search.embed import token_counter

            counter = token_counter(model_dir)
        sections = [(r, s) for r in reports for s in report_sections(r)]  # each page header first
        out: list[Chunk] = []
        progress("chunk", 0, len(sections))
        for done, (report, section) in enumerate(sections, start=1):
            one = replace(report, sections=(section,))
            out.extend(chunk_reports([one], counter, settings, first_id=len(out), header=False))
            if done % 64 == 0 or done == len(sections):
                progress("chunk", done, len(sections))
        return out

    return chunk


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while the manifest, the files tables and the corpus listing are
    read: one object per file (17k of them at 100k chunks) and nothing cyclic, yet enough allocations to
    set off full collections that walk them all again, a fifth of an update's time at that size."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _index_new(index_dir: Path, plan: Plan, embedder: TextEmbedder, next_id: int, progress: Progress,
               index_settings: IndexSettings) -> tuple[SegmentEntry | None, dict[str, FileEntry], int]:
    """Embed and tokenise the parsed files (chunked while planning: ``ParsedFile.chunks``) into one new segment.

    Returns (its entry or None when nothing was parsed, the files' manifest entries, chunks embedded).
    """
    from assistant.ingest.chunk import chunk_text
    from assistant.search.bm25 import TermCounts
    from assistant.search.sentences import SentenceTable
    from assistant.search.vectors import VectorIndex

    if not plan.parsed:
        return None, {}, 0
    reports = {r.report_id: r for p in plan.parsed.values() for r in p.reports}
    chunks: list[Chunk] = []
    spans: dict[str, tuple[int, int]] = {}
    for source, parsed in plan.parsed.items():
        first = next_id + len(chunks)
        chunks.extend(replace(c, chunk_id=first + i) for i, c in enumerate(parsed.chunks))
        spans[source] = (first, len(parsed.chunks))

    progress("embed", 0, len(chunks))
    done = 0

    def step(n: int) -> None:
        nonlocal done
        done += n
        progress("embed", done, len(chunks))

    vectors = embedder.encode([chunk_text(c) for c in chunks], progress=step) if chunks else None
    versions.crash_point("after-embed")
    sentences = SentenceTable.build(reports, chunks, embed=embedder.encode,
                                    progress=lambda done, total: progress("sentences", done, total))
    if vectors is None:
        vectors = np.zeros((0, embedder.dimension), dtype=np.float32)
    progress("vectors", 0, 1)
    index = VectorIndex.build(vectors, [c.chunk_id for c in chunks], threshold=index_settings.approximate_above)
    progress("vectors", 1, 1)
    progress("terms", 0, 1)
    counts = TermCounts.from_tokens(segments.terms(chunks))
    progress("terms", 1, 1)
    progress("write", 0, 1)
    files = {s: entry_for(plan.parsed[s], "", first, count, plan.scanned_at_ns) for s, (first, count) in spans.items()}
    entry = segments.write(index_dir, segments.Segment(reports, chunks, counts, index, sentences), files)
    progress("write", 1, 1)
    versions.crash_point("after-segment")
    return entry, {s: f._replace(segment=entry.name) for s, f in files.items()}, len(chunks)


def _with_deletions(old: tuple[SegmentEntry, ...], dropped: dict[str, FileEntry],
                    kept: Iterable[FileEntry]) -> tuple[SegmentEntry, ...]:
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


def merge_policy(entries: tuple[SegmentEntry, ...], settings: IndexSettings = IndexSettings()) -> list[str]:
    """Segments an update should merge: any more than ``settings.max_deleted_share`` deleted, and, past
    ``settings.max_segments``, the smallest (by live rows) until half as many remain. The largest segment
    is never merged for the count alone, so such a merge costs only the small ones' size.
    Empty: merge nothing."""
    most = settings.max_segments
    group = {s.name for s in entries if s.rows and s.deleted_rows / s.rows > settings.max_deleted_share}
    count = len(entries) - len(group) + (1 if group else 0)
    if count > most:
        others = sorted((s for s in entries if s.name not in group), key=lambda s: s.live_rows)[:-1]
        group |= {s.name for s in others[: count - most // 2 + (0 if group else 1)]}
    return [s.name for s in entries if s.name in group]


def _merge(index_dir: Path, manifest: Manifest, group: list[str], embedder: TextEmbedder, retokenise: bool,
           progress: Progress, index_settings: IndexSettings) -> Manifest:
    """The manifest with the ``group`` segments replaced by one merged segment (written here). Each part is
    read through ``segments.read``, which hashes its files against the recorded checksums first."""
    live: dict[str, set[str]] = {}
    for f in manifest.files.values():
        live.setdefault(f.segment, set()).update(f.reports)
    parts = []
    for i, name in enumerate(group):
        progress("merge", i, len(group) + 1)
        parts.append(segments.read(index_dir, manifest.segment(name), manifest.dimension, live.get(name, set())))
    progress("merge", len(group), len(group) + 1)
    combined = segments.combine(parts, embed=embedder.encode if retokenise else None, retokenise=retokenise,
                                threshold=index_settings.approximate_above)
    table = {name: f for name, f in manifest.files.items() if f.segment in group}  # their current stats
    entry = segments.write(index_dir, combined, table) if combined.chunks or combined.reports else None
    progress("merge", len(group) + 1, len(group) + 1)
    out: list[SegmentEntry] = []
    placed = False
    for s in manifest.segments:
        if s.name not in group:
            out.append(s)
        elif not placed and entry is not None:
            out.append(entry)
            placed = True
    merged = entry.name if entry is not None else ""  # (None: no file is left in the group)
    files = {name: (f._replace(segment=merged) if f.segment in group else f)
             for name, f in manifest.files.items()}
    restat = {name: stat for name, stat in manifest.restat.items() if name not in table}  # now in the new table
    return replace(manifest, segments=tuple(out), files=files, restat=restat,
                   fingerprint=Fingerprint.current() if retokenise else manifest.fingerprint)


def _clean(index_dir: Path) -> Path | None:
    """Leftovers of writers killed earlier, before writing: temporary folders, unswitched commit points.
    Returns the live commit point (for a rebuild over a damaged index: the newest intact one, or None).

    Orphan segments wait for ``_commit``'s clean, which knows both kept manifests without reading
    them again (at 17k files a manifest takes a tenth of a second to read).
    """
    try:
        live = versions.current_version(index_dir)
    except IndexProblem:  # only a rebuild gets here: an update refused such an index in _base
        live = versions.newest_intact(index_dir)
    versions.clean(index_dir, segments=False, live=live)
    return live


def _commit(index_dir: Path, manifest: Manifest, previous: Manifest | None, before: Path | None) -> Path:
    """Write the manifest as a new commit point and make it live; then tidy up (the two kept commit
    points are this one and ``before``, holding ``previous``, whose segments the caller knows)."""
    name = versions.next_version(index_dir)
    version = versions.publish(index_dir, name, manifest.encode(name))
    versions.crash_point("after-publish")
    known = {version.name: {s.name for s in manifest.segments}}
    if previous is not None and before is not None:
        known[before.name] = {s.name for s in previous.segments}
    versions.clean(index_dir, known, live=version)
    return version
