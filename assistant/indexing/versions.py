"""The index folder on disk: immutable segments, commit points, the atomic switch, the writer lock.

Layout (Lucene's commit-point model)::

    index/
      CURRENT              names the live commit point and its manifest's sha256: "v000007 3f9a…"
      v000007/manifest.json  a commit point: the typed manifest, naming the live segments
      v000006/manifest.json  the one before (kept, so a chat that loaded it keeps working)
      segments/s000001/    one segment: reports, chunks, BM25 counts, vectors, sentences
      segments/s000004/    ... written once, never changed; shared by commit points
      .tmp-…/              a segment or commit point being written (removed if a writer died)
      .lock                held by whoever is writing

A writer writes its new segments into temporary folders, flushes them and renames
them into ``segments/``; then it writes the manifest into a temporary folder, renames
that to ``vNNNNNN`` and replaces CURRENT atomically (``publish``: the steps below). Readers
only follow CURRENT, so a writer killed at any point (kill -9 included) leaves a commit
point live and intact; ``clean`` removes what the dead writer left.

CURRENT names the live commit point and the sha256 of its manifest ("v000007 <sha256>"). It may
only name the newest commit point, and that manifest must hash as CURRENT says and verify itself
(its own checksum, its own name): anything else (CURRENT missing, garbled or pointed back, a
manifest missing, damaged or copied from another version) is refused with a one-line reason
naming the fix, ``assistant index update --repair``. An older commit point is served only when
asked for by name (``--version``). A commit point is *committed* once its folder holds
``manifest.json``; a writer first places it as ``manifest.pending``, switches CURRENT, then
renames it, so that killed between any two steps it leaves either the old commit point live (a
pending folder no reader counts) or the new one (CURRENT names it; readers accept its pending
manifest when its hash is the one CURRENT records).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
import re
import shutil
import signal
import uuid
from pathlib import Path

from assistant.errors import IndexBusy, IndexCorrupt, IndexMismatch, IndexMissing, IndexProblem  # noqa: F401
from assistant.indexing.manifest import MANIFEST, REPAIR

CURRENT = "CURRENT"
SEGMENTS = "segments"
PENDING = "manifest.pending"  # a commit point's manifest before CURRENT names it
_VERSION = re.compile(r"^v(\d{6})$")
_SEGMENT = re.compile(r"^s(\d{6})$")
_POINTER = re.compile(r"^(v\d{6}) ([0-9a-f]{64})$")
KEEP_VERSIONS = 2  # the live commit point and the one before it

# The moments a writer can die at, in order. ``crash_point`` takes one of these.
CRASH_POINTS = ("after-lock", "after-embed", "after-segment", "after-merge", "after-write", "before-publish",
                "before-pointer", "after-pointer", "after-publish")
CRASH_ENV = "ASSISTANT_TEST_CRASH_AT"


def crash_point(name: str) -> None:
    """Die here, by SIGKILL, when $ASSISTANT_TEST_CRASH_AT names this point.

    Exists for the crash-safety tests: they run an update in a subprocess and kill it at
    each named moment to prove the previous commit point stays loadable. SIGKILL (not an
    exception) so no cleanup code runs, exactly as with `kill -9`. Unset, it costs one
    dictionary lookup.
    """
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


# -- reading ---------------------------------------------------------------------------------------


def commit_points(index_dir: Path) -> list[Path]:
    """Every commit point folder, committed or pending, oldest first."""
    if not index_dir.is_dir():
        return []
    return sorted(p for p in index_dir.iterdir() if _VERSION.match(p.name) and p.is_dir())


def committed(index_dir: Path) -> list[Path]:
    """The commit points whose manifest is in place (``manifest.json``), oldest first."""
    return [p for p in commit_points(index_dir) if (p / MANIFEST).is_file()]


def read_pointer(index_dir: Path) -> tuple[str, str] | str | None:
    """CURRENT as (commit point name, manifest sha256); None when it is missing; a string saying
    what is wrong with it when it cannot be read."""
    try:
        raw = (index_dir / CURRENT).read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"{index_dir / CURRENT} cannot be read ({exc.strerror or exc})"
    try:
        m = _POINTER.match(raw.decode("ascii").strip())
    except UnicodeDecodeError:
        m = None
    if m is None:
        return f"{index_dir / CURRENT} is damaged (it does not name a commit point and its manifest's checksum)"
    return m.group(1), m.group(2)


def manifest_bytes(version: Path, pending: bool = False) -> bytes:
    """The bytes of a commit point's manifest (``pending``: its pending one too, when it is not yet renamed).
    Raises IndexCorrupt naming the file when it is missing or unreadable."""
    names = (MANIFEST, PENDING, MANIFEST) if pending else (MANIFEST,)  # the writer may rename it meanwhile
    for name in names:
        try:
            return (version / name).read_bytes()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise IndexCorrupt(f"{version / name} cannot be read ({exc.strerror or exc}): {REPAIR}") from None
    raise IndexCorrupt(f"{version / MANIFEST} is missing: {REPAIR}")


def _intact(version: Path) -> bool:
    """Whether a committed commit point's manifest verifies on its own (checksum, name, shape)."""
    from assistant.indexing.manifest import Manifest

    try:
        Manifest.verified_json(manifest_bytes(version), version.name)
    except IndexProblem:
        return False
    return True


def newest_intact(index_dir: Path) -> Path | None:
    """The newest committed commit point whose manifest verifies (what ``--repair`` makes live)."""
    return next((v for v in reversed(committed(index_dir)) if _intact(v)), None)


def resolve(index_dir: Path, version: str | None = None) -> tuple[Path, bytes] | None:
    """The live commit point and its verified manifest bytes; None when there is no index at all.

    ``version``: that commit point instead (an older one is served only when named). Raises
    IndexCorrupt, one line naming the file and the fix, when CURRENT is missing, damaged, names a
    commit point that is not the newest, or names one whose manifest is missing or does not hash as
    CURRENT records. (The manifest's own checks are ``Manifest.decode``'s.)
    """
    import hashlib

    pointer = read_pointer(index_dir)
    if version is not None:
        if not _VERSION.match(version):
            raise IndexMissing(f"{version!r} is not a commit point name (they look like v000007)")
        folder = index_dir / version
        if not folder.is_dir():
            known = ", ".join(p.name for p in committed(index_dir)) or "none"
            raise IndexMissing(f"no commit point {version} in {index_dir} (there are: {known})")
        recorded = pointer[1] if isinstance(pointer, tuple) and pointer[0] == version else None
        data = manifest_bytes(folder, pending=recorded is not None)
        if recorded is not None and hashlib.sha256(data).hexdigest() != recorded:
            raise IndexCorrupt(f"{folder / MANIFEST} does not match the checksum {CURRENT} records "
                               f"(damaged or replaced): {REPAIR}")
        return folder, data
    done = committed(index_dir)
    if pointer is None:
        if not done:  # nothing ever committed (or a first build killed before it switched CURRENT)
            return None
        raise IndexCorrupt(f"{index_dir / CURRENT} is missing (the newest commit point is {done[-1].name}): "
                           f"{REPAIR}")
    if isinstance(pointer, str):
        raise IndexCorrupt(f"{pointer}: {REPAIR}")
    name, sha = pointer
    folder = index_dir / name
    data = manifest_bytes(folder, pending=True)
    if hashlib.sha256(data).hexdigest() != sha:
        raise IndexCorrupt(f"{folder / MANIFEST} does not match the checksum {CURRENT} records "
                           f"(damaged or replaced): {REPAIR}")
    newer = [v.name for v in done if v.name > name]
    if newer:
        raise IndexCorrupt(f"{index_dir / CURRENT} names {name}, but {newer[-1]} is newer (CURRENT was pointed "
                           f"back or replaced): {REPAIR}, or name the older version with --version {name}")
    return folder, data


def resolve_or_none(index_dir: Path) -> tuple[Path, bytes] | None:
    """``resolve``, with None for a damaged pointer as for no index (for writers deciding what to repair)."""
    try:
        return resolve(index_dir)
    except IndexProblem:
        return None


def current_version(index_dir: Path) -> Path | None:
    """The live commit point folder (None without an index); raises IndexCorrupt as ``resolve`` does."""
    found = resolve(index_dir)
    return found[0] if found else None


# -- writing ---------------------------------------------------------------------------------------


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(folder: Path) -> None:
    """Flush every file in ``folder`` to disk, then the folder itself."""
    for item in folder.iterdir():
        if item.is_file():
            with open(item, "rb") as fh:
                os.fsync(fh.fileno())
    _fsync_dir(folder)


def new_workspace(index_dir: Path) -> Path:
    """An empty temporary folder to write a segment or commit point into."""
    index_dir.mkdir(parents=True, exist_ok=True)
    tmp = index_dir / f".tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    return tmp


def segment_dir(index_dir: Path, name: str) -> Path:
    """The folder of segment ``name``."""
    return index_dir / SEGMENTS / name


def add_segment(index_dir: Path, workspace: Path) -> str:
    """Move a fully written segment into ``segments/`` under a new name; returns the name.

    Unreferenced until a commit point names it: a writer killed after this leaves an orphan
    that ``clean`` removes.
    """
    fsync_tree(workspace)
    folder = index_dir / SEGMENTS
    folder.mkdir(exist_ok=True)
    numbers = [int(m.group(1)) for p in folder.iterdir() if (m := _SEGMENT.match(p.name))]
    name = f"s{max(numbers, default=0) + 1:06d}"
    os.rename(workspace, folder / name)
    _fsync_dir(folder)
    return name


def next_version(index_dir: Path) -> str:
    """The name the next commit point gets (the writer holds the lock, so nobody else takes it)."""
    numbers = [int(m.group(1)) for p in index_dir.iterdir() if (m := _VERSION.match(p.name))]
    return f"v{max(numbers, default=0) + 1:06d}"


def publish(index_dir: Path, name: str, manifest: bytes) -> Path:
    """Make ``manifest`` (encoded for commit point ``name``) the live commit point, atomically.

    The folder goes into place holding ``manifest.pending`` (not yet a commit point to any reader),
    then CURRENT is switched to it with the manifest's sha256, then the manifest is renamed to
    ``manifest.json``. Returns the folder.
    """
    import hashlib

    work = new_workspace(index_dir)
    (work / PENDING).write_bytes(manifest)
    fsync_tree(work)
    crash_point("after-write")
    crash_point("before-publish")
    version = index_dir / name
    os.rename(work, version)
    _fsync_dir(index_dir)
    # Killed here, the folder holds only a pending manifest and CURRENT names the old one: clean() removes it.
    crash_point("before-pointer")
    write_pointer(index_dir, version, hashlib.sha256(manifest).hexdigest())
    # Killed here, CURRENT names the new commit point and readers take its pending manifest (the hash matches).
    crash_point("after-pointer")
    os.replace(version / PENDING, version / MANIFEST)
    _fsync_dir(version)
    return version


def write_pointer(index_dir: Path, version: Path, sha256: str) -> None:
    """Point CURRENT at ``version`` (whose manifest hashes to ``sha256``) with an atomic rename."""
    pointer_tmp = index_dir / f"{CURRENT}.tmp"
    with open(pointer_tmp, "w", encoding="ascii") as fh:
        fh.write(f"{version.name} {sha256}\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(pointer_tmp, index_dir / CURRENT)
    _fsync_dir(index_dir)


_CURRENT = Path()  # ``clean``'s default: the live commit point is CURRENT's


def clean(index_dir: Path, known: dict[str, set[str]] | None = None, segments: bool = True,
          live: Path | None = _CURRENT) -> list[str]:
    """Remove leftovers of dead writers and what no kept commit point needs; returns the names removed.

    Removed: temporary folders; commit points newer than the live one that hold only a pending
    manifest (a writer died before switching CURRENT: no reader ever followed them), and, after a
    repair, damaged newer ones; commit points older than the last KEEP_VERSIONS; segments no kept
    commit point names. ``live``: the live commit point (default: CURRENT's, verified; None: there
    is none, and no commit point is kept). A pending live commit point's manifest is renamed into place.
    ``known``: commit point name -> its segment names, for manifests the caller holds (the others
    are read); ``segments=False`` leaves segments alone (a writer that is about to commit removes
    unneeded ones then, knowing both kept manifests). Call only while holding the writer lock.
    """
    removed: list[str] = []
    if not index_dir.is_dir():
        return removed
    if live is _CURRENT:
        live = current_version(index_dir)
    if live is not None and not (live / MANIFEST).exists() and (live / PENDING).exists():
        os.replace(live / PENDING, live / MANIFEST)  # the writer died between switching CURRENT and this
    versions = [p for p in commit_points(index_dir) if live is not None and p.name <= live.name]
    versions = [p for p in versions if (p / MANIFEST).is_file()]
    keep = set(versions[-KEEP_VERSIONS:]) | ({live} if live else set())
    for p in index_dir.iterdir():
        stale = p.name.startswith(".tmp-") or p.name.endswith(".tmp") or (_VERSION.match(p.name) and p not in keep)
        if stale:
            shutil.rmtree(p) if p.is_dir() else p.unlink()
            removed.append(p.name)
    folder = index_dir / SEGMENTS
    if segments and folder.is_dir():
        needed = _segments_named(keep, known or {})
        if needed is None:  # a kept manifest is unreadable: remove no segment on a guess
            return removed
        for p in folder.iterdir():
            if p.name not in needed:
                shutil.rmtree(p) if p.is_dir() else p.unlink()
                removed.append(f"{SEGMENTS}/{p.name}")
    return removed


def _segments_named(versions: set[Path], known: dict[str, set[str]]) -> set[str] | None:
    import json

    needed: set[str] = set()
    for version in versions:
        if version.name in known:
            needed |= known[version.name]
            continue
        try:
            obj = json.loads((version / MANIFEST).read_bytes())
            needed.update(s["name"] for s in obj["segments"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
    return needed


@contextlib.contextmanager
def writer_lock(index_dir: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold the one writer lock for ``index_dir``; a second writer waits ``wait`` seconds, then fails."""
    from filelock import FileLock, Timeout

    index_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(index_dir / ".lock"))
    try:
        lock.acquire(timeout=wait)
    except Timeout:
        raise IndexBusy(f"another index build or update is running on {index_dir}; "
                        "try again when it finishes") from None
    try:
        yield
    finally:
        lock.release()
