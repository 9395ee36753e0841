"""The hybrid index: chunks, their vectors in FAISS and their terms for BM25, with a manifest.

``build_index`` goes corpus -> reports -> chunks -> vectors and publishes a new
version (see ``store``); ``load_index`` reads the live version back and refuses
one built with another model or format.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from . import store
from .bm25 import BM25, TermCounts
from .chunk import chunk_reports, chunk_text
from .config import ChunkSettings
from .models import Chunk, Fact, Report, Section
from .store import IndexCorrupt, IndexMismatch, IndexMissing

FORMAT_VERSION = 1
# Above this many chunks the exact flat index gives way to IVF (see ``make_faiss``).
APPROXIMATE_ABOVE = 200_000

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class IndexData:
    """A loaded index version. ``chunks[row]`` is BM25 row ``row``; FAISS ids are chunk ids."""

    path: Path
    manifest: dict
    reports: dict[str, Report]
    chunks: list[Chunk]
    counts: TermCounts
    faiss: object
    bm25: BM25 = field(init=False)
    row_of: dict[int, int] = field(init=False)

    def __post_init__(self):
        self.bm25 = BM25(self.counts)
        self.row_of = {c.chunk_id: r for r, c in enumerate(self.chunks)}

    @property
    def model_name(self) -> str:
        return self.manifest["model"]["name"]

    def chunk(self, chunk_id: int) -> Chunk:
        return self.chunks[self.row_of[chunk_id]]


@dataclass
class CorpusScan:
    """What a corpus folder held: parsed reports per file, and files skipped with a reason."""

    reports: dict[str, list[Report]]  # source -> its reports
    hashes: dict[str, str]  # source -> sha256 of the file bytes
    skipped: dict[str, str]  # source -> one-line reason
    notes: dict[str, list[str]]  # source -> reader notes ("not UTF-8: decoded as cp1252")


def file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def corpus_files(corpus_dir: Path) -> list[Path]:
    """Every regular file in the corpus folder, recursively, in a stable order (hidden files skipped)."""
    if not corpus_dir.is_dir():
        raise IndexMissing(f"corpus folder {corpus_dir} does not exist")
    return sorted(
        p
        for p in corpus_dir.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(corpus_dir).parts)
    )


def scan_corpus(corpus_dir: Path, only: set[str] | None = None) -> CorpusScan:
    """Parse the corpus. Unreadable files are skipped with a reason; they never stop the scan.

    With ``only``, parse just those sources (the rest are hashed but not parsed).
    """
    from .parse import parse_file
    from .readers import UnreadableDocument

    scan = CorpusScan({}, {}, {}, {})
    for path in corpus_files(corpus_dir):
        source = path.relative_to(corpus_dir).as_posix()
        scan.hashes[source] = file_hash(path)
        if only is not None and source not in only:
            continue
        try:
            reports = parse_file(path, corpus_dir)
        except UnreadableDocument as exc:
            scan.skipped[source] = str(exc)
            continue
        scan.reports[source] = reports
        notes = sorted({w for r in reports for w in r.warnings})
        if notes:
            scan.notes[source] = notes
    return scan


def make_faiss(dimension: int, n_vectors: int):
    """An id-mapped inner-product index: exact below APPROXIMATE_ABOVE vectors."""
    import faiss

    return faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))


def tokens_for(chunks: list[Chunk]) -> list[list[str]]:
    from .tokens import tokenize

    return [tokenize(chunk_text(c)) for c in chunks]


def write_version(
    index_dir: Path,
    manifest: dict,
    reports: dict[str, Report],
    chunks: list[Chunk],
    counts: TermCounts,
    faiss_index,
) -> Path:
    """Write a complete index version and make it live atomically."""
    import faiss

    work = store.new_workspace(index_dir)
    (work / "reports.json").write_text(json.dumps([asdict(r) for r in reports.values()]), encoding="utf-8")
    with open(work / "chunks.jsonl", "w", encoding="utf-8") as fh:
        for c in chunks:
            row = {"id": c.chunk_id, "report": c.report_id, "section": list(c.section), "start": c.start, "end": c.end}
            fh.write(json.dumps(row) + "\n")
    counts.save(work)
    faiss.write_index(faiss_index, str(work / "vectors.faiss"))
    # The manifest goes last: a version folder without one is never complete.
    (work / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return store.publish(index_dir, work)


def new_manifest(model_name: str, dimension: int, settings: ChunkSettings, faiss_kind: str) -> dict:
    return {
        "format_version": FORMAT_VERSION,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "model": {"name": model_name, "dimension": dimension},
        "chunker": asdict(settings),
        "faiss": faiss_kind,
        "next_chunk_id": 0,
        "files": {},
        "skipped": {},
    }


def file_entry(sha: str, reports: list[Report], chunks: list[Chunk], notes: list[str]) -> dict:
    ids = {r.report_id for r in reports}
    return {
        "sha256": sha,
        "reports": sorted(ids),
        "chunk_ids": [c.chunk_id for c in chunks if c.report_id in ids],
        "notes": notes,
    }


def build_index(
    corpus_dir: Path,
    index_dir: Path,
    embedder,
    settings: ChunkSettings = ChunkSettings(),
    progress: Progress | None = None,
) -> tuple[Path, CorpusScan]:
    """Build a fresh index of the whole corpus and publish it. Returns (version folder, scan)."""
    from .embed import token_counter

    progress = progress or (lambda stage, done, total: None)
    with store.writer_lock(index_dir):
        store.clean(index_dir)
        scan = scan_corpus(corpus_dir)
        reports = {r.report_id: r for rs in scan.reports.values() for r in rs}
        chunks = chunk_reports(reports.values(), token_counter(embedder.model_dir), settings)
        counts = TermCounts.from_tokens(tokens_for(chunks))
        done = 0

        def step(n: int) -> None:
            nonlocal done
            done += n
            progress("embed", done, len(chunks))

        progress("embed", 0, len(chunks))
        vectors = embedder.encode([chunk_text(c) for c in chunks], progress=step)
        index = make_faiss(embedder.dimension, len(chunks))
        if len(chunks):
            index.add_with_ids(vectors, np.asarray([c.chunk_id for c in chunks], dtype=np.int64))
        manifest = new_manifest(embedder.name, embedder.dimension, settings, "flat")
        manifest["next_chunk_id"] = len(chunks)
        for source, rs in scan.reports.items():
            manifest["files"][source] = file_entry(scan.hashes[source], rs, chunks, scan.notes.get(source, []))
        manifest["skipped"] = scan.skipped
        version = write_version(index_dir, manifest, reports, chunks, counts, index)
        store.clean(index_dir)
        return version, scan


def _report_from_json(row: dict) -> Report:
    row = dict(row)
    row["sections"] = tuple(Section(tuple(s["path"]), s["start"], s["end"]) for s in row["sections"])
    row["facts"] = tuple(Fact(**f) for f in row["facts"])
    row["ratings"] = tuple(tuple(r) for r in row["ratings"])
    for key in ("aliases", "warnings"):
        row[key] = tuple(row[key])
    return Report(**row)


def read_manifest(version: Path) -> dict:
    try:
        return json.loads((version / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexCorrupt(f"index version {version} has no manifest: rebuild with `assistant index build`") from None
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(f"index manifest {version / 'manifest.json'} is unreadable ({exc}): rebuild with `assistant index build`") from None


def check_manifest(manifest: dict, model_name: str | None) -> None:
    """Refuse an index of another format, or one built with another embedding model."""
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise IndexMismatch(
            f"index format {version} cannot be read by this assistant (format {FORMAT_VERSION}): rebuild with `assistant index build`"
        )
    built_with = manifest.get("model", {}).get("name")
    if model_name is not None and built_with != model_name:
        raise IndexMismatch(
            f"index was built with model '{built_with}' but the assistant is using '{model_name}': "
            "rebuild with `assistant index build`, or choose that model with --model"
        )


def load_index(index_dir: Path, model_name: str | None = None) -> IndexData:
    """Load the live index version. ``model_name``: the model queries will use (checked against the manifest)."""
    import faiss

    version = store.current_version(index_dir)
    if version is None:
        raise IndexMissing(f"no index at {index_dir}: build one with `assistant index build`")
    manifest = read_manifest(version)
    check_manifest(manifest, model_name)
    try:
        reports = {
            r.report_id: r
            for r in map(_report_from_json, json.loads((version / "reports.json").read_text(encoding="utf-8")))
        }
        chunks = []
        with open(version / "chunks.jsonl", encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                report = reports[row["report"]]
                chunks.append(
                    Chunk(row["id"], report.report_id, report.provider, report.source, tuple(row["section"]),
                          row["start"], row["end"], report.text[row["start"] : row["end"]])
                )
        counts = TermCounts.load(version)
        index = faiss.read_index(str(version / "vectors.faiss"))
    except Exception as exc:  # any unreadable piece means the same thing to the user
        raise IndexCorrupt(f"index at {version} is corrupt ({type(exc).__name__}: {str(exc)[:120]}): rebuild with `assistant index build`") from None
    if not (index.ntotal == len(chunks) == counts.tf.shape[0]):
        raise IndexCorrupt(
            f"index at {version} is inconsistent ({index.ntotal} vectors, {len(chunks)} chunks, "
            f"{counts.tf.shape[0]} BM25 rows): rebuild with `assistant index build`"
        )
    if index.d != manifest["model"]["dimension"]:
        raise IndexCorrupt(f"index at {version} holds {index.d}-d vectors but its manifest says {manifest['model']['dimension']}")
    return IndexData(version, manifest, reports, chunks, counts, index)


def status(index_dir: Path) -> dict:
    """A summary of the live index without loading vectors."""
    version = store.current_version(index_dir)
    if version is None:
        raise IndexMissing(f"no index at {index_dir}: build one with `assistant index build`")
    manifest = read_manifest(version)
    files = manifest.get("files", {})
    return {
        "version": version.name,
        "created": manifest.get("created"),
        "format_version": manifest.get("format_version"),
        "model": manifest.get("model", {}).get("name"),
        "dimension": manifest.get("model", {}).get("dimension"),
        "chunker": manifest.get("chunker"),
        "faiss": manifest.get("faiss"),
        "files": len(files),
        "reports": sum(len(f["reports"]) for f in files.values()),
        "chunks": sum(len(f["chunk_ids"]) for f in files.values()),
        "skipped": manifest.get("skipped", {}),
    }
