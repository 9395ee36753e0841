"""The corpus folder: which entries are reports, which are skipped and why, and their hashes.

Policy (every entry that is not indexed is reported with a one-line reason, except hidden ones):

- Folders are searched recursively, in name order. Hidden files and folders (names starting
  with ".") are not part of the corpus and are passed over silently: editors, Finder and
  ``index add`` (its half-copied ``.adding-…`` files) put them there.
- A symbolic link is followed only when its target lies inside the corpus folder, and only
  to a file: a link out of the corpus, a broken link and a link to a folder are skipped.
  A link to a file the walk reaches under its own name is skipped too ("no entry is read
  twice"), as is any second path to a file already listed (a hard link): of several names of one
  file, the one already indexed keeps it (``prefer``), else the first in name order.
- Documentation shipped with a corpus (README*, SOURCES*, LICENSE*/LICENCE*: CQC corpora come
  with a SOURCES.md) is skipped as such.
- A folder named like a report (``x.txt``) that holds no report files is skipped: it is
  probably a report that did not unpack.
- Sockets, pipes and devices are skipped; so is a folder that cannot be opened.

Everything else is a candidate: the reader decides whether it can be read (an unsupported
suffix, an empty or binary file, a file over the size limit: each skipped with its reason).
"""

from __future__ import annotations

import hashlib
import operator
import os
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from assistant.config import IngestSettings
from assistant.errors import IndexMissing
from assistant.models import Report

REPORT_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf")
_DOCUMENTATION = re.compile(r"^(readme|sources|licen[cs]e)([._\-\s].*)?$", re.IGNORECASE)
# A file's recorded stat is trusted (its recorded hash reused without reading it) only when the
# file was last modified clearly before the scan that recorded it: a write within the same
# timestamp tick as that scan could otherwise go unseen (git's "racily clean" problem). The
# margin is one tick: 2 s where timestamps are whole seconds (FAT, some network shares), and
# 50 ms where they carry sub-second digits (ext4, xfs, btrfs, APFS tick in milliseconds or less).
RACY_NS = 2_000_000_000
FINE_RACY_NS = 50_000_000


def racy(mtime_ns: int, scanned_at_ns: int) -> bool:
    """Whether a file modified at ``mtime_ns`` is too close to a scan at ``scanned_at_ns`` to trust its stat."""
    margin = RACY_NS if mtime_ns % 1_000_000_000 == 0 else FINE_RACY_NS
    return mtime_ns >= scanned_at_ns - margin


def safe_name(name: str) -> str:
    """``name`` fit for one line of a terminal: control and format characters (a newline,
    an escape, undecodable bytes) shown as Python escapes."""
    out = []
    for ch in name:
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") or ch == "\\":
            out.append(ch.encode("unicode_escape", "backslashreplace").decode("ascii")
                       if unicodedata.category(ch) != "Cs" else f"\\x{ord(ch) - 0xDC00:02x}")
        else:
            out.append(ch)
    return "".join(out)


def file_hash(path: Path) -> str:
    """sha256 of the file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class CorpusFile(NamedTuple):
    """A candidate report file. ``path`` is where to read it (through a link, if one led here).

    A named tuple, not a dataclass: one is made per corpus file on every update.
    """

    source: str  # path relative to the corpus folder, with "/"; the report ids derive from it
    location: str  # kept as a string: a Path per file costs more than the whole scan at 17k files
    size: int
    mtime_ns: int

    @property
    def path(self) -> Path:
        return Path(self.location)


@dataclass
class Listing:
    """What a corpus folder holds: candidate files, and entries skipped by policy with a reason."""

    files: dict[str, CorpusFile] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    exists: bool = True  # False: the folder is missing (an update then removes everything)


def list_corpus(corpus_dir: Path, must_exist: bool = True, prefer: Collection[str] = ()) -> Listing:
    """Walk ``corpus_dir`` by the policy in the module docstring.

    A missing folder raises IndexMissing, or with ``must_exist=False`` gives an empty listing
    marked ``exists=False``. ``prefer``: names already indexed; of several names of one file (hard
    or symbolic links), one of these is listed, so a new link never replaces an indexed file.
    """
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        if must_exist:
            raise IndexMissing(f"corpus folder {corpus_dir} does not exist")
        return Listing(exists=False)
    root = os.path.realpath(corpus_dir)
    listing = Listing()
    files, skipped = listing.files, listing.skipped
    seen: dict[tuple[int, int], str] = {}  # (device, inode) of files with several names -> the one listed
    links: list[tuple[str, str]] = []  # (source, path) of symbolic links, resolved after the walk

    def add(source: str, location: str, st: os.stat_result) -> int:
        if _DOCUMENTATION.match(source.rpartition("/")[2]):
            skipped[source] = "documentation file (README, SOURCES, LICENSE), not a report"
            return 0
        if st.st_nlink > 1 or location in link_paths:  # only such a file can be reached twice
            key = (st.st_dev, st.st_ino)
            if key in seen:
                other = seen[key]
                if source in prefer and other not in prefer:  # the indexed name keeps the file
                    del files[other]
                    skipped[other] = f"the same file as {safe_name(source)} (a link to it), which is indexed"
                    seen[key] = source
                    files[source] = CorpusFile(source, location, st.st_size, st.st_mtime_ns)
                    return 0
                skipped[source] = f"the same file as {safe_name(other)} (a link to it), which is indexed"
                return 0
            seen[key] = source
        files[source] = CorpusFile(source, location, st.st_size, st.st_mtime_ns)
        return 1

    by_name = operator.attrgetter("name")
    documentation = _DOCUMENTATION.match

    def walk(folder: str, prefix: str) -> int:
        """List ``folder``; returns how many candidate files it (recursively) gave."""
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=by_name)
        except OSError as exc:
            skipped[prefix.rstrip("/") or "."] = f"cannot open folder: {exc.strerror or exc}"
            return 0
        found = 0
        for entry in entries:  # runs once per corpus file on every update: kept lean
            name = entry.name
            if name[0] == ".":
                continue
            if entry.is_file(follow_symlinks=False):
                st = entry.stat(follow_symlinks=False)
                if st.st_nlink > 1 or documentation(name):  # rare: the checks in add()
                    found += add(prefix + name, entry.path, st)
                else:
                    files[prefix + name] = CorpusFile(prefix + name, entry.path, st.st_size, st.st_mtime_ns)
                    found += 1
            elif entry.is_symlink():
                links.append((prefix + name, entry.path))
            elif entry.is_dir(follow_symlinks=False):
                inner = walk(entry.path, prefix + name + "/")
                found += inner
                if not inner and name.lower().endswith(REPORT_SUFFIXES):
                    skipped[prefix + name] = "a folder, not a report file (it holds no reports)"
            else:
                skipped[prefix + name] = "not a regular file (a socket, pipe or device)"
        return found

    link_paths: set[str] = set()
    walk(str(corpus_dir), "")
    for source, path in links:  # after the walk, so a file reached directly keeps its own name
        target = os.path.realpath(path)
        if not os.path.exists(target):
            skipped[source] = "broken symbolic link"
        elif os.path.commonpath([root, target]) != root:
            skipped[source] = "symbolic link to a location outside the corpus folder: not followed"
        elif os.path.isdir(target):
            skipped[source] = "symbolic link to a folder: not followed (its files are indexed where they are)"
        elif not os.path.isfile(target):
            skipped[source] = "symbolic link to something that is not a regular file"
        else:
            direct = os.path.relpath(target, root).replace(os.sep, "/")
            if direct in files:
                skipped[source] = f"the same file as {safe_name(direct)} (a link to it), which is indexed"
            else:
                link_paths.add(path)  # two links to one hidden file: the inode tells
                add(source, path, os.stat(target))
    names = list(listing.files)
    if not all(a < b for a, b in zip(names, names[1:])):  # links come after the walk; "a/x" walks before "a.x"
        listing.files = dict(sorted(listing.files.items()))
    listing.skipped = dict(sorted(listing.skipped.items()))
    return listing


@dataclass
class CorpusScan:
    """A whole corpus parsed: reports per file, hashes, files skipped with a reason, reader notes."""

    reports: dict[str, list[Report]] = field(default_factory=dict)  # source -> its Reports
    hashes: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)


def scan_corpus(corpus_dir: Path, ingest: IngestSettings | None = None) -> CorpusScan:
    """Parse every report in the corpus (no index involved). Unreadable files are skipped with a reason."""
    from assistant.errors import UnreadableDocument
    from assistant.ingest.parse import parse_file

    ingest = ingest or IngestSettings()
    listing = list_corpus(corpus_dir)
    scan = CorpusScan(skipped=dict(listing.skipped))
    for source, f in listing.files.items():
        scan.hashes[source] = file_hash(f.path)
        try:
            reports = parse_file(f.path, corpus_dir, settings=ingest)
        except UnreadableDocument as exc:
            scan.skipped[source] = str(exc)
            continue
        scan.reports[source] = reports
        notes = sorted({w for r in reports for w in r.warnings})
        if notes:
            scan.notes[source] = notes
    return scan
