"""Writing a file whose path someone else may have prepared: an export, a saved conversation, a token.

``write_text`` never writes through a symbolic link and never opens a name that
could have been planted: the text goes to a new file with a random name in the
target's own folder, created with ``O_CREAT | O_EXCL | O_NOFOLLOW`` (so an
existing file or link of that name is an error, not a target), is flushed to
disk, and only then renamed over the target with ``os.replace`` (which replaces
a link itself, never what it points to). A crash leaves the old file or the new
one, never half of one.

The target itself: an existing file is replaced only with ``overwrite``; a
symbolic link (dangling or not) is refused unless ``replace_link``, and then the
link is replaced by the file, its target untouched; a missing parent folder is
created only with ``make_parents``, and a symbolic link is never followed to
create one.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from pathlib import Path


class TargetExists(FileExistsError):
    """The target is an existing file and ``overwrite`` was not given."""


class TargetIsLink(OSError):
    """The target is a symbolic link and ``replace_link`` was not given."""

    def __init__(self, path: Path, points_to: str) -> None:
        super().__init__(errno.ELOOP, "is a symbolic link", str(path))
        self.points_to = points_to


def absolute(path: os.PathLike | str) -> Path:
    """``path`` made absolute without following symbolic links (``Path.resolve`` would)."""
    return Path(os.path.abspath(os.path.expanduser(os.fspath(path))))


def write_text(path: os.PathLike | str, text: str, *, overwrite: bool = False, replace_link: bool = False,
               make_parents: bool = False, mode: int = 0o644) -> Path:
    """Write ``text`` (UTF-8) to ``path`` safely (see the module docstring); returns the absolute path.

    Raises ``TargetExists``, ``TargetIsLink``, ``IsADirectoryError`` or the ``OSError`` of the step that
    failed, whose ``filename`` is always ``path`` (never the temporary file, which is removed).
    """
    target = absolute(path)
    try:
        info = os.lstat(target)
    except (FileNotFoundError, NotADirectoryError):  # not there, or a file where a folder should be
        info = None
    if info is not None:
        if stat.S_ISLNK(info.st_mode):
            if not replace_link:
                raise TargetIsLink(target, os.readlink(target))
        elif stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, "is a folder", str(target))
        elif not overwrite:
            raise TargetExists(errno.EEXIST, "already exists", str(target))
    folder = target.parent
    if make_parents:
        _make_folders(folder)
    data = text.encode("utf-8")
    tmp = folder / f".{target.name[:100]}.{secrets.token_hex(8)}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0), mode)
    except OSError as exc:
        raise _about(exc, target) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if info is None and not overwrite:
            _link_new(tmp, target)  # atomic no-clobber: a file that appeared meanwhile is not replaced
        else:
            os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise _about(exc, target) from None
    return target


def append_line(path: os.PathLike | str, line: str, mode: int = 0o644) -> None:
    """Append ``line`` and a newline to ``path``, creating it (and its folder) if needed; never through a
    symbolic link (``OSError`` ELOOP)."""
    target = absolute(path)
    _make_folders(target.parent)
    fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0), mode)
    with os.fdopen(fd, "ab") as fh:
        fh.write((line + "\n").encode("utf-8"))


def _link_new(tmp: Path, target: Path) -> None:
    """Give ``tmp`` the name ``target`` only if no such name exists yet, then drop the temporary name."""
    try:
        os.link(tmp, target, follow_symlinks=False)
    except FileExistsError:
        os.unlink(tmp)
        raise TargetExists(errno.EEXIST, "already exists", str(target)) from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
        os.replace(tmp, target)  # a file system without hard links: checked above, replaced now
        return
    os.unlink(tmp)


def _make_folders(folder: Path) -> None:
    """Create ``folder`` and its missing parents; a symbolic link on the way is never followed to make one."""
    missing = []
    for p in (folder, *folder.parents):
        try:
            info = os.lstat(p)
        except FileNotFoundError:
            missing.append(p)
            continue
        if stat.S_ISLNK(info.st_mode) and missing:
            if not os.path.isdir(p):  # a dangling link (or one to a file): creating through it would follow it
                raise NotADirectoryError(errno.ENOTDIR, "is a symbolic link to no folder", str(p))
        elif not stat.S_ISDIR(info.st_mode) and not stat.S_ISLNK(info.st_mode):
            raise NotADirectoryError(errno.ENOTDIR, "is a file, not a folder", str(p))
        break
    for p in reversed(missing):
        with contextlib.suppress(FileExistsError):
            os.mkdir(p)


def _about(exc: OSError, target: Path) -> OSError:
    """``exc`` said about ``target`` rather than the temporary file."""
    out = OSError(exc.errno, exc.strerror or type(exc).__name__, str(target))
    return out
