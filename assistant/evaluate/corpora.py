"""The corpora an evaluation asks its questions of, and one cached index per corpus.

A question names its corpus (``seeds``: the five seed files in ``corpus/``; ``real``: the real
report pages in ``tests/data/real/``). Each corpus is indexed once into a cache folder and reused
while nothing that shapes the index has changed: the cache key is a hash of the corpus's report
files, the code that parses, chunks and indexes them, and the embedding model. A changed parser
therefore never leaves a stale index behind an evaluation.

A question over a report file the corpus folder lacks (its ``sources``) is skipped with a
reason, not scored as a failure: a branch may carry the questions before the files arrive.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.evaluate.dataset import Question

SEEDS, REAL = "seeds", "real"
REAL_FOLDER = Path("tests/data/real")
# What shapes an index besides the corpus: these parts of the package (relative to assistant/).
_INDEX_CODE = ("ingest", "indexing", "search", "data", "text.py", "models.py", "config.py")


@dataclass(frozen=True)
class Skipped:
    """A question left out of a run, and why."""

    id: str
    corpus: str
    reason: str

    def to_json(self) -> dict:
        return {"id": self.id, "corpus": self.corpus, "reason": self.reason}


def report_files(folder: Path) -> list[Path]:
    """The report files of a corpus folder, in a stable order, as the index's corpus scan sees them
    (hidden files, links leading outside and documentation such as SOURCES.md left out)."""
    from assistant.indexing.scan import list_corpus

    listing = list_corpus(folder)
    return [listing.files[source].path for source in sorted(listing.files)]


def runnable(questions: Sequence[Question], folders: Mapping[str, Path]) -> tuple[list[Question], list[Skipped]]:
    """Split ``questions`` into those that can be asked and those skipped: their corpus has no folder
    here, or a file named in ``sources`` is not in it."""
    keep, skipped = [], []
    for q in questions:
        folder = folders.get(q.corpus)
        if folder is None or not folder.is_dir():
            skipped.append(Skipped(q.id, q.corpus, f"corpus folder {folder or q.corpus} not found"))
            continue
        missing = [s for s in q.sources if not (folder / s).is_file()]
        if missing:
            skipped.append(Skipped(q.id, q.corpus, f"not in {folder}: {', '.join(missing)}"))
        else:
            keep.append(q)
    return keep, skipped


def _code_files() -> list[Path]:
    root = Path(__file__).resolve().parents[1]  # the assistant package
    files = []
    for part in _INDEX_CODE:
        path = root / part
        files += sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts) if path.is_dir() else [path]
    return files


def fingerprint(folder: Path, embedder) -> str:
    """A hash of what an index of ``folder`` depends on: report files (names and bytes), indexing code, model."""
    h = hashlib.sha256()
    h.update(f"{embedder.name}\0{getattr(embedder, 'backend', '')}\0".encode())
    for path in report_files(folder):
        h.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    root = Path(__file__).resolve().parents[1]
    for path in _code_files():
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def cached_index(name: str, folder: Path, cache: Path, embedder, progress=None) -> Path:
    """The index of corpus ``name`` (its report files in ``folder``) under ``cache``: reused when its
    fingerprint matches, else built afresh (older indexes of this corpus are removed).

    The build goes to a temporary folder that is renamed into place, so an interrupted build
    never leaves a half-written index that a later run would reuse.
    """
    from assistant.errors import IndexMissing
    from assistant.indexing.build import build_index

    if not report_files(folder):  # an empty index would make every question look unanswered
        raise IndexMissing(f"corpus folder {folder} holds no report files")
    target = cache / f"{name}-{fingerprint(folder, embedder)}"
    if not target.is_dir():
        cache.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=f".{name}-", dir=cache) as tmp:
            staged, index = Path(tmp) / "corpus", Path(tmp) / "index"
            for path in report_files(folder):  # only the reports: provenance notes are not indexed
                dest = staged / path.relative_to(folder)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, dest)
            staged.mkdir(exist_ok=True)
            build_index(staged, index, embedder, progress=progress)
            os.replace(index, target)
    for old in cache.glob(f"{name}-*"):
        if old != target and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
    return target
