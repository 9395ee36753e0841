"""The typed manifest of an index commit point, saved as ``vNNNNNN/manifest.json``.

A manifest says everything about one published state of the index:

- ``format_version``, the embedding ``model`` (name, dimension), the ``chunker`` settings;
- ``fingerprint``: a hash of what tokenising depends on (glossary, synonyms, stop words,
  stemmer, ``tokens.TOKENIZER_VERSION``) and the ``ingest.PARSER_VERSION``. An index
  whose fingerprint differs from the running code's is never searched or extended as if
  nothing had changed (see ``check``);
- ``segments``: the live segments in order, each with the chunk ids it holds (as
  ``[first, count]`` ranges), its deletion marks (ranges of ids no longer live, and the
  names of the files they belonged to), the kind of its vector index, and the sha256 of
  every file in its folder;
- ``files``: each indexed corpus file -> its sha256, size and mtime (to skip re-hashing
  untouched files), its report ids, its segment and its chunk id range;
- ``skipped``: corpus entries not indexed, with a one-line reason.

The files table is not written into manifest.json: each segment holds the table of its own
files (``segments/sNNNNNN/files.json``, as columns), written once with the segment, and the
manifest only records which of them were dropped and any newer size/mtime (``restat``).
Lucene keeps segment metadata the same way: at 17k files, rewriting one big table on every
update cost more than everything else the update did.

``Manifest.load`` validates the shape and raises ``IndexCorrupt`` with one line naming the
first bad field; a manifest of another format raises ``IndexMismatch``.
"""

from __future__ import annotations

import hashlib
import json
from itertools import chain, repeat
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime, UTC
from pathlib import Path
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple, NoReturn

import numpy as np
from numpy.typing import NDArray

from assistant.config import ChunkSettings
from assistant.errors import IndexCorrupt, IndexMismatch

FORMAT_VERSION = 3  # 3: the manifest checks itself (its checksum and name) and CURRENT records its sha256
FILE = MANIFEST = "manifest.json"
TABLE = "files.json"  # in each segment folder: the corpus files whose chunks it holds
REBUILD = "rebuild with `assistant index build`"
REPAIR = ("run `assistant index update --repair` (it re-derives what is damaged from the corpus) "
          "or `assistant index build`")


def read_verified(path: Path, sha256: str) -> bytes:
    """The bytes of an index file, checked against the sha256 its commit point recorded.

    One read: the bytes hashed are the bytes the caller parses, so nothing can change between
    the check and the use. (A memory-mapped array is checked the same way: hash the mapping once,
    then hand the same mapping to numpy.) Raises IndexCorrupt, one line naming the file and the fix.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise IndexCorrupt(f"index file {path} is missing: {REPAIR}") from None
    except OSError as exc:
        raise IndexCorrupt(f"index file {path} cannot be read ({exc.strerror or exc}): {REPAIR}") from None
    if hashlib.sha256(data).hexdigest() != sha256:
        raise IndexCorrupt(f"index file {path} does not match its checksum (damaged or replaced): {REPAIR}")
    return data


def verify_file(path: Path, sha256: str, block: int = 8 * 1024**2) -> None:
    """Check a large index file against its recorded sha256 without holding it in memory (it is then
    memory-mapped: ``search.mapped``). Segment files are immutable once written, so the file mapped is the
    file hashed. Raises IndexCorrupt, one line naming the file and the fix."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(block):
                digest.update(chunk)
    except FileNotFoundError:
        raise IndexCorrupt(f"index file {path} is missing: {REPAIR}") from None
    except OSError as exc:
        raise IndexCorrupt(f"index file {path} cannot be read ({exc.strerror or exc}): {REPAIR}") from None
    if digest.hexdigest() != sha256:
        raise IndexCorrupt(f"index file {path} does not match its checksum (damaged or replaced): {REPAIR}")


def _canonical(obj: dict[str, Any]) -> bytes:
    """The bytes a manifest's own checksum is taken over: its JSON object, keys sorted, ASCII."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")

Ranges = tuple[tuple[int, int], ...]  # (first id, count) pairs


def tokenizer_fingerprint() -> str:
    """A hash of everything BM25 terms and sentence features depend on."""
    import Stemmer
    from importlib import resources

    from assistant.search import tokens

    h = hashlib.sha256()
    h.update(f"tokenizer {tokens.TOKENIZER_VERSION}\n".encode())
    version = Stemmer.version() if callable(Stemmer.version) else Stemmer.version
    h.update(f"stemmer pystemmer {version} {tokens.STEMMER_ALGORITHM}\n".encode())
    h.update(("stop " + " ".join(sorted(tokens.STOP_WORDS)) + "\n").encode())
    for abbr, expansion in sorted(tokens.glossary().items()):
        h.update(f"glossary {abbr}\t{expansion}\n".encode())
    synonyms = resources.files("assistant").joinpath("data/synonyms.tsv")
    h.update(b"synonyms\n" + (synonyms.read_bytes() if synonyms.is_file() else b""))
    return h.hexdigest()[:16]


def parser_fingerprint() -> str:
    """The parser version an index's reports were read with."""
    import assistant.ingest

    return str(assistant.ingest.PARSER_VERSION)


@dataclass(frozen=True)
class Fingerprint:
    """What an index's terms and reports were made with."""

    tokenizer: str
    parser: str

    @classmethod
    def current(cls) -> Fingerprint:
        """The running code's fingerprint."""
        return cls(tokenizer_fingerprint(), parser_fingerprint())


def expand(ranges: Ranges) -> NDArray[np.int64]:
    """The ids of ``ranges``, in order."""
    if not ranges:
        return np.zeros(0, dtype=np.int64)
    return np.concatenate([np.arange(first, first + count, dtype=np.int64) for first, count in ranges])


def to_ranges(ids: Iterable[int] | NDArray[np.int64]) -> Ranges:
    """Ids (in order) as (first, count) runs of consecutive ids."""
    out: list[list[int]] = []
    for i in map(int, ids):
        if out and out[-1][0] + out[-1][1] == i:
            out[-1][1] += 1
        else:
            out.append([i, 1])
    return tuple((a, b) for a, b in out)


class FileEntry(NamedTuple):
    """One indexed corpus file. (A named tuple, not a dataclass: 17k of them are made on every update.)"""

    sha256: str
    size: int
    mtime_ns: int
    reports: tuple[str, ...]
    segment: str
    first_chunk: int
    chunks: int
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class SegmentEntry:
    """One segment folder as this commit point sees it."""

    name: str  # the folder under index/segments/
    ranges: Ranges  # chunk ids the segment holds, in row order
    deleted: Ranges  # of those, the ids no longer live
    vectors: str  # "flat" | "ivf"
    checksums: dict[str, str] = field(default_factory=dict)  # file name -> sha256
    dropped: tuple[str, ...] = ()  # corpus files in its table whose chunks are deleted

    @property
    def rows(self) -> int:
        return sum(count for _, count in self.ranges)

    @property
    def deleted_rows(self) -> int:
        return sum(count for _, count in self.deleted)

    @property
    def live_rows(self) -> int:
        return self.rows - self.deleted_rows


@dataclass(frozen=True)
class Manifest:
    """One commit point: see the module docstring."""

    model_name: str
    dimension: int
    chunker: ChunkSettings
    fingerprint: Fingerprint
    next_chunk_id: int = 0
    scanned_at_ns: int = 0  # when the corpus was last scanned (see plan.hashes)
    segments: tuple[SegmentEntry, ...] = ()
    files: dict[str, FileEntry] = field(default_factory=dict)  # the live files (segment by segment)
    skipped: dict[str, str] = field(default_factory=dict)
    restat: dict[str, tuple[int, int]] = field(default_factory=dict)  # file -> (size, mtime) newer than its table's
    created: str = ""
    format_version: int = FORMAT_VERSION

    # -- derived ---------------------------------------------------------------------------------

    @property
    def reports(self) -> int:
        return sum(len(f.reports) for f in self.files.values())

    @property
    def live_chunks(self) -> int:
        return sum(s.live_rows for s in self.segments)

    def segment(self, name: str) -> SegmentEntry:
        return next(s for s in self.segments if s.name == name)

    def stamped(self, **changes: Any) -> Manifest:
        """A copy with ``changes`` and a fresh ``created`` time."""
        return replace(self, created=datetime.now(UTC).isoformat(timespec="seconds"), **changes)

    # -- JSON ------------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The JSON object saved as manifest.json (the files tables are the segments')."""
        return {
            "format_version": self.format_version,
            "created": self.created,
            "model": {"name": self.model_name, "dimension": self.dimension},
            "chunker": asdict(self.chunker),
            "fingerprint": asdict(self.fingerprint),
            "next_chunk_id": self.next_chunk_id,
            "scanned_at_ns": self.scanned_at_ns,
            "segments": [
                {"name": s.name, "ranges": [list(r) for r in s.ranges], "deleted": [list(r) for r in s.deleted],
                 "dropped": list(s.dropped), "vectors": s.vectors, "checksums": dict(s.checksums)}
                for s in self.segments
            ],
            "restat": {name: list(stat) for name, stat in self.restat.items()},
            "skipped": dict(self.skipped),
        }

    @classmethod
    def from_json(cls, obj: object, tables: dict[str, object], where: str = "index manifest") -> Manifest:
        """A validated manifest from manifest.json and its segments' files tables (segment name ->
        the parsed files.json). Raises IndexMismatch (another format) or IndexCorrupt (bad shape)."""
        v = _Validator(where)
        top = v.typed(obj, dict, "the manifest")
        version = top.get("format_version")
        if version != FORMAT_VERSION:
            raise IndexMismatch(f"index format {version} cannot be read by this assistant "
                                f"(format {FORMAT_VERSION}): {REBUILD}")
        model = v.field(top, "model", dict)
        chunker = v.field(top, "chunker", dict)
        names = {f.name for f in fields(ChunkSettings)}
        if set(chunker) != names:
            v.fail(f"chunker has fields {sorted(chunker)}, not {sorted(names)}")
        fp = v.field(top, "fingerprint", dict)
        segments = []
        for i, s in enumerate(v.field(top, "segments", list)):
            p = f"segments[{i}]."
            s = v.typed(s, dict, p[:-1])
            segments.append(SegmentEntry(
                v.field(s, "name", str, p), v.ranges(s, "ranges", p), v.ranges(s, "deleted", p),
                v.field(s, "vectors", str, p),
                {k: v.typed(h, str, f"{p}checksums.{k}") for k, h in v.field(s, "checksums", dict, p).items()},
                tuple(v.typed(n, str, p + "dropped") for n in v.field(s, "dropped", list, p))))
        restat = {}
        for name, stat in v.field(top, "restat", dict).items():
            if not (type(stat) is list and len(stat) == 2 and set(map(type, stat)) <= {int}):
                v.fail(f"restat[{json.dumps(name)}] is not a [size, mtime_ns] pair")
            restat[name] = (stat[0], stat[1])
        files: dict[str, FileEntry] = {}  # segment by segment, each table in name order
        for seg in segments:
            table = _files(_Validator(f"files table of index segment {seg.name}"), tables.get(seg.name), seg.name)
            if not set(seg.dropped) <= table.keys():
                v.fail(f"segment {seg.name} drops a file its table does not hold")
            for name in seg.dropped:
                del table[name]
            if not files.keys().isdisjoint(table):
                v.fail(f"a file of segment {seg.name} is live in another segment too")
            files.update(table)  # (at 17k files, one C-level update rather than a loop)
        if not restat.keys() <= files.keys():
            v.fail("restat names a file that is not indexed")
        for name, (size, mtime) in restat.items():
            files[name] = files[name]._replace(size=size, mtime_ns=mtime)
        skipped = {k: v.typed(r, str, "skipped") for k, r in v.field(top, "skipped", dict).items()}
        manifest = cls(
            model_name=v.field(model, "name", str, "model."),
            dimension=v.field(model, "dimension", int, "model."),
            chunker=ChunkSettings(**chunker),
            fingerprint=Fingerprint(v.field(fp, "tokenizer", str, "fingerprint."),
                                    v.field(fp, "parser", str, "fingerprint.")),
            next_chunk_id=v.field(top, "next_chunk_id", int),
            scanned_at_ns=v.field(top, "scanned_at_ns", int),
            segments=tuple(segments), files=files, skipped=skipped, restat=restat,
            created=v.field(top, "created", str), format_version=version,
        )
        _check_consistent(manifest, v)
        return manifest

    def encode(self, version: str) -> bytes:
        """The bytes of ``version/manifest.json``: the JSON object with the commit point's own name and a
        checksum over the rest, so a damaged manifest, or one copied from another commit point, is
        refused (``verified_json``). The segments' files tables are written with the segments."""
        obj = {**self.to_json(), "version": version}
        checked = {**obj, "checksum": hashlib.sha256(_canonical(obj)).hexdigest()}
        return json.dumps(checked, separators=(",", ":")).encode("utf-8")

    @staticmethod
    def verified_json(data: bytes, name: str, where: str = "index manifest") -> dict[str, Any]:
        """A manifest's JSON object, after checking its own checksum and that it is commit point ``name``'s.
        Raises IndexMismatch (another format) or IndexCorrupt (one line naming ``where`` and the fix)."""
        try:
            obj = json.loads(data.decode("utf-8"))
        except ValueError as exc:
            raise IndexCorrupt(f"{where} is unreadable ({' '.join(str(exc).split())[:80]}): {REPAIR}") from None
        if isinstance(obj, dict) and obj.get("format_version") != FORMAT_VERSION:
            raise IndexMismatch(f"index format {obj.get('format_version')} cannot be read by this assistant "
                                f"(format {FORMAT_VERSION}): {REBUILD}")
        if not isinstance(obj, dict) or not isinstance(obj.get("checksum"), str):
            raise IndexCorrupt(f"{where} is damaged (it has no checksum): {REPAIR}")
        checksum = obj.pop("checksum")
        if hashlib.sha256(_canonical(obj)).hexdigest() != checksum:
            raise IndexCorrupt(f"{where} does not match its own checksum (damaged): {REPAIR}")
        if obj.get("version") != name:
            raise IndexCorrupt(f"{where} is the manifest of {str(obj.get('version'))[:20]}, not of {name} "
                               f"(copied from another commit point): {REPAIR}")
        return obj

    @classmethod
    def load(cls, folder: Path, data: bytes | None = None, leave_out: frozenset[str] = frozenset()) -> Manifest:
        """Read and verify ``folder/manifest.json`` (or ``data``, its bytes as ``versions.resolve`` checked them)
        and its segments' files tables (each against its recorded sha256); every failure is one line.

        ``leave_out``: segments to drop, with their files (a repair re-derives them from the corpus).
        """
        from assistant.indexing.versions import manifest_bytes, segment_dir

        where = f"index manifest {folder / FILE}"
        obj = cls.verified_json(manifest_bytes(folder) if data is None else data, folder.name, where)
        if leave_out and isinstance(obj.get("segments"), list):
            obj["segments"] = [s for s in obj["segments"] if not (isinstance(s, dict) and s.get("name") in leave_out)]
        tables: dict[str, object] = {}
        listed = obj.get("segments")
        for i, s in enumerate(listed if isinstance(listed, list) else []):
            sums = s.get("checksums") if isinstance(s, dict) else None
            name = s.get("name") if isinstance(s, dict) else None
            if not (isinstance(name, str) and isinstance(sums, dict) and isinstance(sums.get(TABLE), str)):
                _Validator(where).fail(f"segments[{i}] has no name or no checksum of its {TABLE}")
                continue
            path = segment_dir(folder.parent, name) / TABLE
            try:
                tables[name] = json.loads(read_verified(path, sums[TABLE]).decode("utf-8"))
            except ValueError as exc:  # it hashed as recorded, so it was written so: still one line
                raise IndexCorrupt(f"index file {path} is unreadable ({str(exc)[:80]}): {REPAIR}") from None
        if leave_out and isinstance(obj.get("restat"), dict):
            listed = {n for t in tables.values() if isinstance(t, dict) for n in t.get("name", [])}
            obj["restat"] = {n: stat for n, stat in obj["restat"].items() if n in listed}
        return cls.from_json(obj, tables, where)

    # -- compatibility -------------------------------------------------------------------------

    def check(self, model_name: str | None = None, current: Fingerprint | None = None) -> None:
        """Refuse to search an index made with another model or tokenizer (IndexMismatch).

        A parser change does not stop searching (the stored reports are self-consistent);
        ``update`` refuses it (see ``build``).
        """
        if model_name is not None and self.model_name != model_name:
            raise IndexMismatch(
                f"index was built with model '{self.model_name}' but the assistant is using '{model_name}': "
                f"{REBUILD}, or choose that model with --model")
        current = current or Fingerprint.current()
        if self.fingerprint.tokenizer != current.tokenizer:
            raise IndexMismatch(TOKENIZER_CHANGED)


TOKENIZER_CHANGED = ("the index was tokenised with other rules (glossary.tsv, synonyms.tsv, stop words or stemmer "
                     "changed since): run `assistant index update` to re-tokenise it")
PARSER_CHANGED = ("the index was parsed by another parser version (ingest.PARSER_VERSION changed since): "
                  f"{REBUILD} to re-read every report")


_SCALAR_COLUMNS = {"sha256": str, "size": int, "mtime_ns": int, "first_chunk": int, "chunks": int}
_LIST_COLUMNS = ("reports", "notes")


def table_json(files: Mapping[str, FileEntry]) -> dict[str, list[Any]]:
    """A segment's files table (``FileEntry`` values by name) as the columns saved in files.json."""
    return {"name": list(files),
            **{key: [getattr(f, key) for f in files.values()] for key in _SCALAR_COLUMNS},
            **{key: [list(getattr(f, key)) for f in files.values()] for key in _LIST_COLUMNS}}


def _files(v: _Validator, columns: object, segment: str) -> dict[str, FileEntry]:
    """A segment's files table from its columns, each checked for type and length.

    Columns, not one object per file: at 17k files a table parses and validates several
    times faster.
    """
    table: dict[str, Any] = v.typed(columns, dict, "the table")
    names = v.field(table, "name", list)
    for key, kind in {"name": str, **_SCALAR_COLUMNS}.items():
        column = v.field(table, key, list)
        if len(column) != len(names):
            v.fail(f"{key} has {len(column)} values for {len(names)} files")
        if not set(map(type, column)) <= {kind}:
            v.fail(f"{key} holds a value that is not {kind.__name__}")
    for key in _LIST_COLUMNS:
        column = v.field(table, key, list)
        if len(column) != len(names):
            v.fail(f"{key} has {len(column)} values for {len(names)} files")
        if not (set(map(type, column)) <= {list} and set(map(type, chain.from_iterable(column))) <= {str}):
            v.fail(f"{key} holds a value that is not a list of str")
    if len(set(names)) != len(names):
        v.fail("name lists a file twice")
    # Every entry made by C loops (``tuple.__new__`` is what ``FileEntry._make`` calls): this runs for
    # every indexed file on every update. (``tuple([])`` is ``()``, so notes need no special case.)
    sha, size, mtime, first, count = (table[k] for k in _SCALAR_COLUMNS)
    rows = zip(sha, size, mtime, map(tuple, table["reports"]), repeat(segment), first, count,
               map(tuple, table["notes"]))
    return dict(zip(names, map(tuple.__new__, repeat(FileEntry), rows)))


class _Validator:
    """Shape checks that fail with one line naming the field."""

    def __init__(self, where: str):
        self.where = where

    def fail(self, what: str) -> NoReturn:
        raise IndexCorrupt(f"{self.where} is invalid ({what}): {REPAIR}")

    def typed(self, value: Any, kind: type[Any], name: str) -> Any:
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if not ok:
            self.fail(f"{name} is {type(value).__name__}, not {kind.__name__}")
        return value

    def field(self, obj: dict[str, Any], key: str, kind: type[Any], prefix: str = "") -> Any:
        if key not in obj:
            self.fail(f"{prefix}{key} is missing")
        return self.typed(obj[key], kind, prefix + key)

    def ranges(self, obj: dict[str, Any], key: str, prefix: str) -> Ranges:
        out = []
        for r in self.field(obj, key, list, prefix):
            if not (isinstance(r, list) and len(r) == 2 and all(isinstance(x, int) and x >= 0 for x in r)):
                self.fail(f"{prefix}{key} holds {str(r)[:30]}, not a [first, count] pair")
            out.append((r[0], r[1]))
        return tuple(out)


def _check_consistent(m: Manifest, v: _Validator) -> None:
    """Cross-field checks: every file's chunk range lies in its segment, live counts add up."""
    import bisect

    if m.dimension <= 0:
        v.fail(f"model.dimension is {m.dimension}")
    by_segment: dict[str, list[FileEntry]] = {s.name: [] for s in m.segments}
    if len(by_segment) != len(m.segments):
        v.fail("a segment is listed twice")
    for f in m.files.values():
        by_segment[f.segment].append(f)
    for s in m.segments:
        files = by_segment[s.name]
        live = sum(f.chunks for f in files)
        if live != s.live_rows:
            v.fail(f"segment {s.name} has {s.live_rows} live chunks but its files have {live}")
        if not files:
            continue
        if max(f.first_chunk + f.chunks for f in files) > m.next_chunk_id:
            v.fail(f"segment {s.name} has a file whose chunks are beyond next_chunk_id")
        ranges = sorted(s.ranges)
        starts, ends = [a for a, _ in ranges], [a + n for a, n in ranges]
        if len(ranges) == 1:  # the usual case: one run of ids, two comparisons for all its files
            ok = min(f.first_chunk for f in files) >= starts[0] and \
                max(f.first_chunk + f.chunks for f in files) <= ends[0]
        else:
            ok = all(not f.chunks or ((i := bisect.bisect_right(starts, f.first_chunk) - 1) >= 0
                                      and f.first_chunk + f.chunks <= ends[i]) for f in files)
        if not ok:
            v.fail(f"a file's chunks are not in segment {s.name}")
