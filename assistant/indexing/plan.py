"""What an update has to do: compare the corpus with the live manifest, parse what is new.

Each corpus file is new, changed, unchanged or gone. Unchanged files are recognised by
their recorded size and mtime where those can be trusted, else by their sha256. A stat is
recorded only when the file was modified clearly before the scan recording it (``scan.racy``:
git's rule against "racily clean" files); otherwise the mtime is recorded as -1, which no
file matches, so the next update reads that file again. New and changed files are parsed here; embedding is the caller's work.

Resolution rules, so that nothing is indexed twice and nothing indexed is lost:

- a file whose bytes equal a file already live (or parsed earlier in this run) is skipped
  as an exact duplicate;
- a changed file that cannot be read keeps its previously indexed version, unless another
  file now provides those same bytes (a renamed copy): then that file is indexed and the
  old version goes, so the content is indexed once;
- two files must not claim one report id (``x.txt`` and ``x.html``): the later is skipped.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.config import IngestSettings
from assistant.errors import RemovalRefused
from assistant.indexing.manifest import FileEntry, Manifest
from assistant.indexing.scan import CorpusFile, Listing, file_hash, racy, safe_name
from assistant.models import Chunk, Report

Progress = Callable[[str, int, int], None]  # (stage, done, total)


def no_progress(stage: str, done: int, total: int) -> None:
    """The progress callback when nobody listens."""


@dataclass(frozen=True)
class ParsedFile:
    """A new or changed file, read and parsed."""

    file: CorpusFile
    sha256: str
    reports: list[Report]
    notes: list[str]
    chunks: list[Chunk] = field(default_factory=list)  # ids from 0 (the writer numbers them)


@dataclass
class Plan:
    """How the corpus differs from the live manifest."""

    keep: dict[str, FileEntry] = field(default_factory=dict)  # carried over as indexed
    parsed: dict[str, ParsedFile] = field(default_factory=dict)  # to chunk, embed and add
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # gone from the corpus
    superseded: list[str] = field(default_factory=list)  # unreadable now; their old bytes come from another file
    skipped: dict[str, str] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)
    scanned_at_ns: int = 0

    def dropped(self, old: Manifest | None) -> dict[str, FileEntry]:
        """Entries of the live manifest that leave the index: removed, changed, superseded."""
        if old is None:
            return {}
        return {s: e for s, e in old.files.items() if s not in self.keep}


def hashes(listing: Listing, old: Manifest | None, ingest: IngestSettings, progress: Progress,
           rehash: bool = False) -> dict[str, str]:
    """sha256 of each listed file: the recorded one where its stat can be trusted, else read.

    Files over the size limit are not read ("" : the reader refuses them with a reason).
    """
    out: dict[str, str] = {}
    total = len(listing.files)
    recorded = old.files if old is not None and not rehash else {}
    for done, (source, f) in enumerate(listing.files.items(), start=1):
        entry = recorded.get(source)
        if entry is not None and entry.size == f.size and entry.mtime_ns == f.mtime_ns:
            out[source] = entry.sha256
        elif f.size > ingest.file_limit(f.path.suffix):
            out[source] = ""
        else:
            try:
                out[source] = file_hash(f.path)
            except OSError:
                out[source] = ""  # the reader says why
        if done % 256 == 0 or done == total:
            progress("hash", done, total)
    return out


def entry_for(parsed: ParsedFile, segment: str, first_chunk: int, chunks: int, scanned_at_ns: int) -> FileEntry:
    """The manifest entry of a file indexed in this run."""
    return FileEntry(parsed.sha256, parsed.file.size, _recorded_mtime(parsed.file, scanned_at_ns),
                     tuple(r.report_id for r in parsed.reports), segment, first_chunk, chunks,
                     tuple(parsed.notes))


def _recorded_mtime(f: CorpusFile, scanned_at_ns: int) -> int:
    # Modified within a tick of this scan: record -1 so the next scan reads it instead of trusting it.
    return -1 if racy(f.mtime_ns, scanned_at_ns) else f.mtime_ns


def make_plan(listing: Listing, corpus_dir: Path, old: Manifest | None, ingest: IngestSettings,
              progress: Progress, rehash: bool = False,
              chunker: Callable[[list[Report]], list[Chunk]] | None = None) -> Plan:
    """Hash the corpus, parse (and with ``chunker``, chunk) new and changed files, and decide what each
    file becomes. A file that makes more than ``ingest.max_chunks`` chunks is skipped with its reason,
    like one that cannot be read (its previously indexed version, if any, is kept)."""
    from assistant.errors import UnreadableDocument
    from assistant.ingest.parse import parse_file

    plan = Plan(scanned_at_ns=time.time_ns())
    plan.skipped.update(listing.skipped)
    old_files = old.files if old else {}
    plan.removed = sorted(s for s in old_files if s not in listing.files)
    sha = hashes(listing, old, ingest, progress, rehash)
    todo = []
    for source, f in listing.files.items():
        entry = old_files.get(source)
        if entry is not None and sha[source] and entry.sha256 == sha[source]:
            if entry.size == f.size and entry.mtime_ns == f.mtime_ns:  # the usual case: untouched
                plan.keep[source] = entry
            else:  # same bytes, newer stat: record it (or -1, when too recent to trust)
                plan.keep[source] = entry._replace(size=f.size, mtime_ns=_recorded_mtime(f, plan.scanned_at_ns))
        else:
            todo.append(source)

    owner_of_hash = {e.sha256: s for s, e in plan.keep.items()}
    owner_of_report = {rid: s for s, e in plan.keep.items() for rid in e.reports}
    failed: dict[str, str] = {}
    if todo:
        progress("parse", 0, len(todo))
    for done, source in enumerate(todo, start=1):
        f = listing.files[source]
        if sha[source] and sha[source] in owner_of_hash:
            failed[source] = f"exact duplicate of {safe_name(owner_of_hash[sha[source]])}"
            progress("parse", done, len(todo))
            continue
        try:
            reports = parse_file(f.path, corpus_dir, settings=ingest)
        except UnreadableDocument as exc:
            failed[source] = str(exc)
        except Exception as exc:  # a parser bug on one odd file must not stop the batch either
            first = str(exc).splitlines()[0][:120] if str(exc) else ""
            failed[source] = f"could not be parsed ({type(exc).__name__}{': ' + first if first else ''})"
        else:
            taken = [r.report_id for r in reports if owner_of_report.get(r.report_id, source) != source]
            chunks = chunker(reports) if chunker is not None and not taken else []
            if taken:
                failed[source] = f"report id {taken[0]} is already used by {safe_name(owner_of_report[taken[0]])}"
            elif len(chunks) > ingest.max_chunks:
                failed[source] = (f"makes {len(chunks):,} chunks, over the limit of {ingest.max_chunks:,} a file "
                                  "(--max-chunks raises it)")
            else:
                owner_of_report.update({r.report_id: source for r in reports})
                if sha[source]:
                    owner_of_hash[sha[source]] = source
                notes = sorted({w for r in reports for w in r.warnings})
                plan.parsed[source] = ParsedFile(f, sha[source], reports, notes, chunks)
                if notes:
                    plan.notes[source] = notes
                (plan.changed if source in old_files else plan.added).append(source)
        progress("parse", done, len(todo))

    for source, reason in failed.items():
        entry = old_files.get(source)
        if entry is not None:  # changed, and the new bytes cannot be indexed
            provider = owner_of_hash.get(entry.sha256)
            clash = next((rid for rid in entry.reports if owner_of_report.get(rid, source) != source), None)
            if provider is not None and provider != source:
                reason += f"; its previously indexed content is now indexed from {safe_name(provider)}"
                plan.superseded.append(source)
            elif clash is not None:
                reason += f"; its previous version's report id {clash} is now used by {safe_name(owner_of_report[clash])}"
                plan.superseded.append(source)
            else:
                plan.keep[source] = entry
                owner_of_hash[entry.sha256] = source
                reason += "; the previously indexed version is kept"
        plan.skipped[source] = reason
    if failed:  # kept old versions were added out of order
        plan.keep = dict(sorted(plan.keep.items()))
        plan.skipped = dict(sorted(plan.skipped.items()))
    return plan


def guard_removals(plan: Plan, old: Manifest | None, corpus_dir: Path, allow: bool) -> None:
    """Refuse (RemovalRefused) an update that would remove every indexed report, or more than half."""
    if allow or old is None:
        return
    total = old.reports
    gone = sum(len(old.files[s].reports) for s in plan.removed)
    if total and gone and (gone == total or gone * 2 > total):
        where = "is missing" if not corpus_dir.is_dir() else (
            "is empty" if not any(True for _ in corpus_dir.iterdir()) else f"lacks {len(plan.removed)} indexed files")
        raise RemovalRefused(
            f"this update would remove {gone} of the {total} indexed reports (the corpus folder {corpus_dir} "
            f"{where}); nothing was changed: check the --corpus folder, or run again with --allow-removals")


def pending_changes(corpus_dir: Path, index_dir: Path, version: str | None = None) -> dict[str, list[str]]:
    """What ``index update`` would add, re-index and remove: corpus files new since the last update, changed
    (their bytes differ from those indexed), and gone. Read-only; a file is hashed only when its size or
    modification time differs from the recorded ones. Nothing pending when there is no intact commit point."""
    from assistant.indexing import versions
    from assistant.indexing.scan import list_corpus

    live = versions.resolve(index_dir, version)
    if live is None:
        return {"added": [], "changed": [], "removed": []}
    manifest = Manifest.load(*live)
    listing = list_corpus(corpus_dir, must_exist=False)
    sha = hashes(listing, manifest, IngestSettings(), no_progress)
    indexed = manifest.files
    return {
        "added": sorted(s for s in listing.files if s not in indexed and s not in manifest.skipped),
        "changed": sorted(s for s in listing.files if s in indexed and sha[s] != indexed[s].sha256),
        "removed": sorted(s for s in indexed if s not in listing.files),
    }
