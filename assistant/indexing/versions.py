"""The index folder on disk: versions, the atomic switch between them, and the writer lock.

Layout::

    index/
      CURRENT          names the live version, e.g. "v000003"
      v000003/         one complete, immutable index version
      .tmp-…/          a version being written (removed if a writer died)
      .lock            held by whoever is writing

A writer builds a whole new version in a temporary folder, fsyncs it, renames it
into place, then replaces CURRENT atomically. Readers only ever follow CURRENT,
so a writer killed at any point (kill -9 included) leaves the previous version
live and intact.
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
_VERSION = re.compile(r"^v(\d{6})$")
KEEP_VERSIONS = 2  # the live one and the one before it

# Names of the moments a writer can die at, in order. ``crash_point`` takes one of these.
CRASH_POINTS = ("after-lock", "after-embed", "after-write", "before-publish", "before-pointer", "after-publish")
CRASH_ENV = "ASSISTANT_TEST_CRASH_AT"


def crash_point(name: str) -> None:
    """Die here, by SIGKILL, when $ASSISTANT_TEST_CRASH_AT names this point.

    Exists for the crash-safety tests: they run an update in a subprocess and
    kill it at each named moment to prove the previous version stays loadable.
    SIGKILL is used (not an exception) so no cleanup code gets a chance to run,
    exactly as with `kill -9`. Unset, it costs one dictionary lookup.
    """
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)



def current_version(index_dir: Path) -> Path | None:
    """The live version folder, or None when there is no index."""
    pointer = index_dir / CURRENT
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise IndexCorrupt(f"cannot read {pointer}: {exc}") from exc
    if not _VERSION.match(name) or not (index_dir / name).is_dir():
        raise IndexCorrupt(f"{pointer} names '{name[:40]}', which is not an index version")
    return index_dir / name


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
    """An empty temporary folder to write the next version into."""
    index_dir.mkdir(parents=True, exist_ok=True)
    tmp = index_dir / f".tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    return tmp


def publish(index_dir: Path, workspace: Path) -> Path:
    """Make ``workspace`` the live version, atomically. Returns the version folder."""
    fsync_tree(workspace)
    crash_point("before-publish")
    numbers = [int(m.group(1)) for p in index_dir.iterdir() if (m := _VERSION.match(p.name))]
    version = index_dir / f"v{max(numbers, default=0) + 1:06d}"
    os.rename(workspace, version)
    _fsync_dir(index_dir)
    # Killed here, the new folder exists but CURRENT still names the old one; clean() removes it.
    crash_point("before-pointer")
    pointer_tmp = index_dir / f"{CURRENT}.tmp"
    with open(pointer_tmp, "w", encoding="utf-8") as fh:
        fh.write(version.name + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(pointer_tmp, index_dir / CURRENT)
    _fsync_dir(index_dir)
    return version


def live_version(index_dir: Path) -> Path | None:
    """Like ``current_version``, but None (instead of an error) when CURRENT is unreadable."""
    try:
        return current_version(index_dir)
    except IndexCorrupt:
        return None


def clean(index_dir: Path) -> list[str]:
    """Remove leftovers of dead writers: temporary folders, versions newer than the live one
    (published but never switched to), and versions older than the last KEEP_VERSIONS.

    The live version and the one before it stay, so a chat that loaded the previous
    version keeps working. Call only while holding the writer lock.
    """
    removed = []
    if not index_dir.is_dir():
        return removed
    live = live_version(index_dir)
    versions = sorted(p for p in index_dir.iterdir() if _VERSION.match(p.name) and p.is_dir())
    if live:
        # A version above the live one was renamed into place by a writer that died before
        # switching CURRENT: no reader has ever followed it.
        versions = [p for p in versions if p.name <= live.name]
    keep = set(versions[-KEEP_VERSIONS:])
    if live:
        keep.add(live)
    for p in index_dir.iterdir():
        stale = p.name.startswith(".tmp-") or p.name == f"{CURRENT}.tmp" or (_VERSION.match(p.name) and p not in keep)
        if stale:
            shutil.rmtree(p) if p.is_dir() else p.unlink()
            removed.append(p.name)
    return removed


@contextlib.contextmanager
def writer_lock(index_dir: Path, wait: float = 0.0):
    """Hold the one writer lock for ``index_dir``; a second writer waits ``wait`` seconds, then fails."""
    from filelock import FileLock, Timeout

    index_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(index_dir / ".lock"))
    try:
        lock.acquire(timeout=wait)
    except Timeout:
        raise IndexBusy(f"another index build or update is running on {index_dir}; try again when it finishes") from None
    try:
        yield
    finally:
        lock.release()
