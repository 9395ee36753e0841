"""The hybrid index: chunks, their vectors in FAISS and their terms for BM25, with a manifest.

``build_index`` goes corpus -> reports -> chunks -> vectors and publishes a new
version (see ``store``; the work is shared with ``update``, of which a build is the
case with nothing to reuse); ``load_index`` reads the live version back and refuses
one built with another model or format.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from assistant.indexing import versions as store
from assistant.search.bm25 import BM25, TermCounts
from assistant.ingest.chunk import chunk_text
from assistant.config import ChunkSettings
from assistant.models import Chunk, Fact, Report, Section
from assistant.indexing.versions import IndexCorrupt, IndexMismatch, IndexMissing

FORMAT_VERSION = 1
# Above this many chunks the exact flat index gives way to IVF (see ``make_faiss`` and ``ann``):
# a flat scan with the default latest-reports filter takes ~25 ms a query at 100k chunks on
# 2 cores, half the 50 ms retrieval budget; IVF takes a few ms (bench/RESULTS.md).
APPROXIMATE_ABOVE = 50_000

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


def parse_source(path: Path, corpus_dir: Path) -> tuple[list[Report], list[str]]:
    """Parse one corpus file into (reports, reader notes). Raises readers.UnreadableDocument."""
    from assistant.ingest.parse import parse_file

    reports = parse_file(path, corpus_dir)
    return reports, sorted({w for r in reports for w in r.warnings})


def scan_corpus(corpus_dir: Path, only: set[str] | None = None) -> CorpusScan:
    """Parse the corpus. Unreadable files are skipped with a reason; they never stop the scan.

    With ``only``, parse just those sources (the rest are hashed but not parsed).
    """
    from assistant.ingest.readers import UnreadableDocument

    scan = CorpusScan({}, {}, {}, {})
    for path in corpus_files(corpus_dir):
        source = path.relative_to(corpus_dir).as_posix()
        scan.hashes[source] = file_hash(path)
        if only is not None and source not in only:
            continue
        try:
            scan.reports[source], notes = parse_source(path, corpus_dir)
        except UnreadableDocument as exc:
            scan.skipped[source] = str(exc)
            continue
        if notes:
            scan.notes[source] = notes
    return scan


def make_faiss(dimension: int, n_vectors: int, threshold: int | None = None):
    """An id-mapped inner-product index: exact (flat) up to ``threshold`` (APPROXIMATE_ABOVE) vectors,
    IVF above it.

    The IVF (a plain ``IndexIVFFlat`` holding the ids itself, see ``ann``) comes back untrained:
    call ``train(vectors)`` before ``add_with_ids``, then ``ann.tune_nprobe(index, vectors, ids)``
    to set nprobe for recall@10 >= 0.95 against flat. Both kinds support ``add_with_ids``,
    ``reconstruct``/``reconstruct_batch`` by id, and removal by id through ``ann.remove_ids``.
    """
    import faiss

    if n_vectors > (APPROXIMATE_ABOVE if threshold is None else threshold):
        from assistant.indexing.ann import make_ivf

        return make_ivf(dimension, n_vectors)
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))


def tokens_for(chunks: list[Chunk]) -> list[list[str]]:
    from assistant.search.tokens import tokenize

    return [tokenize(chunk_text(c)) for c in chunks]


def faiss_kind(faiss_index) -> str:
    """What the manifest records about the FAISS index: "flat", "ivf" or the class name."""
    import faiss

    inner = faiss.downcast_index(faiss_index.index) if hasattr(faiss_index, "index") else faiss_index
    if isinstance(inner, faiss.IndexFlat):
        return "flat"
    if isinstance(inner, faiss.IndexIVF):
        return "ivf"
    return type(inner).__name__


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
    store.crash_point("after-write")
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
    """Build a fresh index of the whole corpus and publish it. Returns (version folder, scan).

    A build is an update from an empty index (see ``update``): the same code embeds,
    counts terms and publishes, it just reuses nothing from the live version.
    """
    from assistant.indexing.update import refresh

    summary, scan = refresh(corpus_dir, index_dir, embedder, progress, settings=settings, rebuild=True)
    return index_dir / summary.version, scan


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
