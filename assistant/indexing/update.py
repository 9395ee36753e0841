"""Incremental re-indexing: embed only what is new, reuse every unchanged vector, publish atomically.

An update compares the corpus folder with the live version's manifest (a sha256
per file): new files are added, files whose hash changed are re-indexed, files
that are gone are removed, and everything else is carried over as it is - its
chunk ids, its vectors (read back from FAISS) and its BM25 rows (``select``ed, not
re-tokenised). A full build is the same code with nothing to carry over.

The new version is written to a temporary folder and switched to atomically
(``store.publish``) under the writer lock, so a writer killed at any point leaves
the previous version live, and a second writer waits or stops with a clear message.

A file that cannot be indexed never stops the batch: it is skipped with a
one-line reason, and when it is a changed copy of an indexed file, the version
already indexed is kept.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from assistant.indexing import ann, versions as store
from assistant.search.bm25 import TermCounts
from assistant.ingest.chunk import chunk_reports, chunk_text
from assistant.config import ChunkSettings
from assistant.indexing.index import (
    CorpusScan,
    IndexData,
    Progress,
    corpus_files,
    faiss_kind,
    file_entry,
    file_hash,
    load_index,
    make_faiss,
    new_manifest,
    parse_source,
    tokens_for,
    write_version,
)
from assistant.models import Report
from assistant.indexing.versions import IndexMismatch, IndexMissing


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
    version: str = ""  # the live version folder's name afterwards
    published: bool = False  # False when nothing changed and no new version was written

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
        """The summary as lines of text for a terminal."""
        head = "updated" if self.published else "no changes; live version is"
        out = [
            f"{head} {self.version}: {len(self.added)} added, {len(self.changed)} changed, "
            f"{len(self.removed)} removed, {len(self.skipped)} skipped; "
            f"{self.chunks_embedded} chunks embedded in {self.seconds:.1f} s"
        ]
        for label, names in (("added", self.added), ("changed", self.changed), ("removed", self.removed)):
            out.extend(f"{label}: {name}" for name in names)
        out.extend(f"note: {name}: {note}" for name, notes in self.notes.items() for note in notes)
        out.extend(f"skipped: {name}: {reason}" for name, reason in self.skipped.items())
        return out


@dataclass
class _Plan:
    """How the corpus differs from the live version."""

    keep: dict[str, dict] = field(default_factory=dict)  # source -> manifest entry carried over unchanged
    parsed: dict[str, tuple[str, list[Report], list[str]]] = field(default_factory=dict)  # source -> (sha, reports, notes)
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


def _plan(corpus_dir: Path, old_files: dict[str, dict], progress: Progress) -> _Plan:
    """Hash every corpus file, parse the new and changed ones, and decide what each file becomes."""
    from assistant.ingest.readers import MAX_BYTES, UnreadableDocument

    on_disk = {p.relative_to(corpus_dir).as_posix(): p for p in corpus_files(corpus_dir)}
    plan = _Plan(removed=sorted(s for s in old_files if s not in on_disk))
    todo: list[tuple[str, Path, str]] = []
    for source, path in on_disk.items():
        # Over-size files are not hashed (hashing gigabytes each week is waste); the reader refuses them,
        # as it does a file that cannot be opened.
        try:
            sha = "" if path.stat().st_size > MAX_BYTES else file_hash(path)
        except OSError:
            sha = ""
        entry = old_files.get(source)
        if entry is not None and sha and entry["sha256"] == sha:
            plan.keep[source] = entry
        else:
            todo.append((source, path, sha))

    owner_of_hash = {entry["sha256"]: source for source, entry in plan.keep.items()}
    # Report ids come from file names; two files must not claim the same one (x.txt and x.html).
    owner_of_report = {rid: s for s, e in old_files.items() if s in on_disk for rid in e["reports"]}
    progress("parse", 0, len(todo))
    for done, (source, path, sha) in enumerate(todo, start=1):
        reason = None
        if sha and sha in owner_of_hash:
            reason = f"exact duplicate of {owner_of_hash[sha]}"
        else:
            try:
                reports, notes = parse_source(path, corpus_dir)
            except UnreadableDocument as exc:
                reason = str(exc)
            except Exception as exc:  # a parser bug on one odd file must not stop the batch either
                first = str(exc).splitlines()[0][:120] if str(exc) else ""
                reason = f"could not be parsed ({type(exc).__name__}{': ' + first if first else ''})"
            else:
                taken = [r.report_id for r in reports if owner_of_report.get(r.report_id, source) != source]
                if taken:
                    reason = f"report id {taken[0]} is already used by {owner_of_report[taken[0]]}"
        progress("parse", done, len(todo))
        if reason is not None:
            if source in old_files:  # a changed file that cannot be read: keep what was indexed
                plan.keep[source] = old_files[source]
                reason += "; the previously indexed version is kept"
            plan.skipped[source] = reason
            continue
        for rid in [rid for rid, s in owner_of_report.items() if s == source]:
            del owner_of_report[rid]
        owner_of_report.update({r.report_id: source for r in reports})
        if sha:
            owner_of_hash[sha] = source
        plan.parsed[source] = (sha, reports, notes)
        (plan.changed if source in old_files else plan.added).append(source)
    return plan


def _load_base(index_dir: Path, embedder, settings: ChunkSettings) -> IndexData | None:
    """The live version to build on, or None when there is none yet."""
    from dataclasses import asdict

    try:
        base = load_index(index_dir, embedder.name)
    except IndexMissing:
        return None
    if base.manifest.get("chunker") != asdict(settings):
        raise IndexMismatch(
            f"index was chunked with {base.manifest.get('chunker')}, not {asdict(settings)}: "
            "rebuild with `assistant index build`"
        )
    return base


def _vectors(base: IndexData | None, ids: list[int], dimension: int) -> np.ndarray:
    """Stored vectors of these chunk ids, read back from the live FAISS index (no re-embedding)."""
    if not ids:
        return np.zeros((0, dimension), dtype=np.float32)
    return np.asarray(base.faiss.reconstruct_batch(np.asarray(ids, dtype=np.int64)), dtype=np.float32)


def refresh(
    corpus_dir: Path,
    index_dir: Path,
    embedder,
    progress: Progress | None = None,
    *,
    settings: ChunkSettings = ChunkSettings(),
    rebuild: bool = False,
    wait: float = 0.0,
) -> tuple[UpdateSummary, CorpusScan]:
    """Bring the index up to date with the corpus (``rebuild``: reuse nothing). Returns the
    summary and a scan of the files parsed in this run (every file, for a rebuild)."""
    from assistant.search.embed import token_counter

    started = time.monotonic()
    progress = progress or (lambda stage, done, total: None)
    corpus_dir, index_dir = Path(corpus_dir), Path(index_dir)
    with store.writer_lock(index_dir, wait):
        store.clean(index_dir)  # leftovers of writers killed earlier
        store.crash_point("after-lock")
        base = None if rebuild else _load_base(index_dir, embedder, settings)
        old_files = base.manifest["files"] if base else {}
        plan = _plan(corpus_dir, old_files, progress)
        notes = {s: n for s, (_, _, n) in plan.parsed.items() if n}
        scan = CorpusScan({s: r for s, (_, r, _) in plan.parsed.items()},
                          {s: sha for s, (sha, _, _) in plan.parsed.items()}, dict(plan.skipped), notes)
        unchanged = base is not None and not (plan.added or plan.changed or plan.removed)
        if unchanged and plan.skipped == base.manifest.get("skipped", {}):
            return UpdateSummary(skipped=plan.skipped, seconds=time.monotonic() - started,
                                 version=base.path.name), scan

        kept_ids = {cid for entry in plan.keep.values() for cid in entry["chunk_ids"]}
        kept_rows = [row for row, c in enumerate(base.chunks) if c.chunk_id in kept_ids] if base else []
        kept_chunks = [base.chunks[row] for row in kept_rows]
        next_id = base.manifest["next_chunk_id"] if base else 0
        new_reports = [r for source in sorted(plan.parsed) for r in plan.parsed[source][1]]
        new_chunks = chunk_reports(new_reports, token_counter(embedder.model_dir), settings, first_id=next_id)

        progress("embed", 0, len(new_chunks))
        embedded = 0

        def step(n: int) -> None:
            nonlocal embedded
            embedded += n
            progress("embed", embedded, len(new_chunks))

        fresh = embedder.encode([chunk_text(c) for c in new_chunks], progress=step) if new_chunks else None
        store.crash_point("after-embed")
        dimension = base.faiss.d if base else embedder.dimension
        vectors = _vectors(base, [c.chunk_id for c in kept_chunks], dimension)
        if fresh is not None:
            vectors = np.vstack([vectors, fresh])
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        chunks = kept_chunks + new_chunks
        faiss_index = make_faiss(dimension, len(chunks))
        if len(chunks):
            if not faiss_index.is_trained:  # an approximate index learns its clusters first
                faiss_index.train(vectors)
            ids = np.asarray([c.chunk_id for c in chunks], dtype=np.int64)
            faiss_index.add_with_ids(vectors, ids)
            ann.tune_nprobe(faiss_index, vectors, ids)  # no-op for the exact flat index

        # Unchanged chunks keep their term counts; only new chunks are tokenised.
        counts = base.counts.select(np.asarray(kept_rows, dtype=np.int64)) if base else TermCounts.from_tokens([])
        counts = counts.extend(tokens_for(new_chunks))

        manifest = dict(base.manifest) if base else new_manifest(embedder.name, dimension, settings, "")
        manifest["created"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        manifest["faiss"] = faiss_kind(faiss_index)
        manifest["next_chunk_id"] = next_id + len(new_chunks)
        manifest["files"] = dict(plan.keep)
        for source, (sha, reports, file_notes) in plan.parsed.items():
            manifest["files"][source] = file_entry(sha, reports, new_chunks, file_notes)
        manifest["files"] = dict(sorted(manifest["files"].items()))
        manifest["skipped"] = dict(plan.skipped)
        kept_report_ids = {rid for entry in plan.keep.values() for rid in entry["reports"]}
        reports = {rid: r for rid, r in base.reports.items() if rid in kept_report_ids} if base else {}
        reports.update({r.report_id: r for r in new_reports})

        version = write_version(index_dir, manifest, reports, chunks, counts, faiss_index)
        store.crash_point("after-publish")
        store.clean(index_dir)
    summary = UpdateSummary(plan.added, plan.changed, plan.removed, plan.skipped, notes, len(new_chunks),
                            time.monotonic() - started, version.name, True)
    return summary, scan


def update_index(
    corpus_dir: Path,
    index_dir: Path,
    embedder,
    progress: Progress | None = None,
    *,
    settings: ChunkSettings = ChunkSettings(),
    wait: float = 0.0,
) -> UpdateSummary:
    """Index new corpus files, re-index changed ones and drop removed ones; publish a new version.

    With no index yet, builds one (every file is "added"). ``progress(stage, done, total)``
    is called for the "parse" and "embed" stages. ``wait``: seconds to wait for another
    writer before raising ``store.IndexBusy``. Raises ``store.IndexMismatch`` or
    ``IndexCorrupt`` when the live index cannot be built upon (run a full build).
    """
    return refresh(corpus_dir, index_dir, embedder, progress, settings=settings, wait=wait)[0]


def add_files(
    paths: list[Path],
    corpus_dir: Path,
    index_dir: Path,
    embedder,
    progress: Progress | None = None,
    *,
    wait: float = 0.0,
) -> UpdateSummary:
    """Copy report files into the corpus, then update the index.

    A file is not copied (and is listed in ``skipped`` under the name given) when
    it cannot be read, when it is an exact duplicate of a corpus file, or when a
    different file of the same name is already there: nothing in the corpus is
    ever overwritten.
    """
    from assistant.ingest.readers import MAX_BYTES, UnreadableDocument, read_document

    corpus_dir = Path(corpus_dir)
    corpus_dir.mkdir(parents=True, exist_ok=True)
    known = {file_hash(p): p.relative_to(corpus_dir).as_posix()
             for p in corpus_files(corpus_dir) if p.stat().st_size <= MAX_BYTES}
    refused: dict[str, str] = {}
    for path in map(Path, paths):
        given = str(path)
        try:
            read_document(path)
        except UnreadableDocument as exc:
            refused[given] = str(exc)
            continue
        except OSError as exc:  # not there, a folder, no permission
            refused[given] = f"cannot read file: {exc.strerror or exc}"
            continue
        sha, target = file_hash(path), corpus_dir / path.name
        if sha in known:
            refused[given] = f"exact duplicate of {known[sha]}"
        elif target.exists():
            refused[given] = f"a different file named {path.name} is already in the corpus; rename it to add it"
        else:
            # Copy under a hidden name, then rename: an update never sees half a file.
            partial = corpus_dir / f".adding-{os.getpid()}-{uuid.uuid4().hex[:8]}-{path.name}"
            shutil.copyfile(path, partial)
            os.replace(partial, target)
            known[sha] = path.name
    summary = update_index(corpus_dir, index_dir, embedder, progress, wait=wait)
    return UpdateSummary(summary.added, summary.changed, summary.removed, {**refused, **summary.skipped},
                         summary.notes, summary.chunks_embedded, summary.seconds, summary.version, summary.published)
