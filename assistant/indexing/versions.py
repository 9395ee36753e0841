"""The index folder on disk: immutable segments, commit points, the atomic switch, the writer lock.

Layout (Lucene's commit-point model)::

    index/
      CURRENT              names the live commit point, e.g. "v000007"
      v000007/manifest.json  a commit point: the typed manifest, naming the live segments
      v000006/manifest.json  the one before (kept, so a chat that loaded it keeps working)
      segments/s000001/    one segment: reports, chunks, BM25 counts, vectors, sentences
      segments/s000004/    ... written once, never changed; shared by commit points
      .tmp-…/              a segment or commit point being written (removed if a writer died)
      .lock                held by whoever is writing

A writer writes its new segments into temporary folders, flushes them and renames
them into ``segments/``; then it writes the manifest into a temporary folder,
renames that to ``vNNNNNN`` and last replaces CURRENT atomically. Readers only follow
CURRENT, so a writer killed at any point (kill -9 included) leaves the previous commit
point live and intact; ``clean`` removes what the dead writer left.

CURRENT that is missing, unreadable or names nothing is not "no index": readers fall
back to the newest complete commit point (its manifest reads and its segments exist),
and the next writer rewrites CURRENT.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import uuid
from pathlib import Path

from assistant.errors import IndexBusy, IndexCorrupt, IndexMismatch, IndexMissing, IndexProblem  # noqa: F401

CURRENT = "CURRENT"
SEGMENTS = "segments"
_VERSION = re.compile(r"^v(\d{6})$")
_SEGMENT = re.compile(r"^s(\d{6})$")
KEEP_VERSIONS = 2  # the live commit point and the one before it

# The moments a writer can die at, in order. ``crash_point`` takes one of these.
CRASH_POINTS = ("after-lock", "after-embed", "after-segment", "after-merge", "after-write", "before-publish",
                "before-pointer", "after-publish")
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


# -- reading the pointer ---------------------------------------------------------------------------


def _named(index_dir: Path) -> Path | None:
    """The commit point CURRENT names, or None when CURRENT is absent, unreadable or names nothing."""
    try:
        raw = (index_dir / CURRENT).read_bytes()
    except OSError:
        return None
    try:
        name = raw.decode("ascii").strip()
    except UnicodeDecodeError:
        return None
    if not _VERSION.match(name) or not (index_dir / name / "manifest.json").is_file():
        return None
    return index_dir / name


def commit_points(index_dir: Path) -> list[Path]:
    """Every commit point folder, oldest first."""
    if not index_dir.is_dir():
        return []
    return sorted(p for p in index_dir.iterdir() if _VERSION.match(p.name) and p.is_dir())


def _complete(version: Path) -> bool:
    """A commit point whose manifest reads and names only segments that exist."""
    from assistant.indexing.manifest import Manifest

    try:
        manifest = Manifest.load(version)
    except IndexProblem:
        return False
    return all((segment_dir(version.parent, s.name)).is_dir() for s in manifest.segments)


def current_version(index_dir: Path) -> Path | None:
    """The live commit point: the one CURRENT names, else the newest complete one, else None.

    Never raises for a damaged pointer: a missing or garbled CURRENT with complete commit
    points beside it is recovered from, not read as "no index" (which would make the
    next update rebuild everything and delete the old commit points).
    """
    named = _named(index_dir)
    if named is not None:
        return named
    for version in reversed(commit_points(index_dir)):
        if _complete(version):
            return version
    return None


def pointer_problem(index_dir: Path) -> str | None:
    """Why CURRENT cannot be followed as written (None when it can, or when there is no index)."""
    pointer = index_dir / CURRENT
    if not pointer.exists():
        return "CURRENT is missing" if commit_points(index_dir) else None
    if _named(index_dir) is None:
        return "CURRENT is unreadable or names no commit point"
    return None


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


def publish(index_dir: Path, workspace: Path) -> Path:
    """Make ``workspace`` (holding a manifest) the live commit point, atomically. Returns its folder."""
    fsync_tree(workspace)
    crash_point("before-publish")
    numbers = [int(m.group(1)) for p in index_dir.iterdir() if (m := _VERSION.match(p.name))]
    version = index_dir / f"v{max(numbers, default=0) + 1:06d}"
    os.rename(workspace, version)
    _fsync_dir(index_dir)
    # Killed here, the new folder exists but CURRENT still names the old one; clean() removes it.
    crash_point("before-pointer")
    write_pointer(index_dir, version)
    return version


def write_pointer(index_dir: Path, version: Path) -> None:
    """Point CURRENT at ``version`` with an atomic rename."""
    pointer_tmp = index_dir / f"{CURRENT}.tmp"
    with open(pointer_tmp, "w", encoding="ascii") as fh:
        fh.write(version.name + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(pointer_tmp, index_dir / CURRENT)
    _fsync_dir(index_dir)


def clean(index_dir: Path, known: dict[str, set[str]] | None = None, segments: bool = True) -> list[str]:
    """Remove leftovers of dead writers and what no kept commit point needs; returns the names removed.

    Removed: temporary folders; commit points newer than the live one (renamed into place
    by a writer that died before switching CURRENT: no reader ever followed them); commit
    points older than the last KEEP_VERSIONS; segments no kept commit point names. A
    damaged CURRENT is rewritten to the live (recovered) commit point. ``known``: commit
    point name -> its segment names, for manifests the caller holds (the others are read);
    ``segments=False`` leaves segments alone (a writer that is about to commit removes
    unneeded ones then, knowing both kept manifests). Call only while holding the writer lock.
    """
    removed: list[str] = []
    if not index_dir.is_dir():
        return removed
    live = current_version(index_dir)
    if live is not None and pointer_problem(index_dir):
        write_pointer(index_dir, live)
    versions = commit_points(index_dir)
    if live is not None:
        versions = [p for p in versions if p.name <= live.name]
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


def _segments_named(versions, known: dict[str, set[str]]) -> set[str] | None:
    import json

    needed: set[str] = set()
    for version in versions:
        if version.name in known:
            needed |= known[version.name]
            continue
        try:
            obj = json.loads((version / "manifest.json").read_bytes())
            needed.update(s["name"] for s in obj["segments"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
    return needed


@contextlib.contextmanager
def writer_lock(index_dir: Path, wait: float = 0.0):
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
