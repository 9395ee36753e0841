"""`index add`: copy report files into the corpus and update the index, under the writer lock.

The lock is taken before anything is copied, so an `add` while another build or update
runs changes nothing and says so. Files are checked before copying (readable, not an
exact duplicate, no name clash) and copied under a hidden name, then renamed: an update
never sees half a file, and nothing in the corpus is ever overwritten.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import replace
from pathlib import Path

from assistant.config import IndexSettings, IngestSettings
from assistant.errors import IndexProblem, UnreadableDocument
from assistant.indexing import versions
from assistant.indexing.build import UpdateSummary, refresh
from assistant.indexing.load import open_manifest
from assistant.indexing.plan import Progress, hashes, no_progress
from assistant.indexing.scan import file_hash, list_corpus, safe_name
from assistant.search.embed.protocol import TextEmbedder


def add_files(paths: list[Path], corpus_dir: Path, index_dir: Path, embedder: TextEmbedder, progress: Progress | None = None, *,
              ingest: IngestSettings = IngestSettings(), index_settings: IndexSettings = IndexSettings(),
              wait: float = 0.0, allow_removals: bool = False) -> UpdateSummary:
    """Copy report files into the corpus, then update the index, all under the writer lock.

    The lock is taken first: while another build or update runs, nothing is copied and
    ``IndexBusy`` is raised. A file is not copied (and is listed in ``skipped`` under the
    name given) when it cannot be read, when it is an exact duplicate of a corpus file, or
    when a different file of the same name is already there: nothing in the corpus is ever
    overwritten.
    """
    from assistant.ingest.readers import read_document

    corpus_dir, index_dir = Path(corpus_dir), Path(index_dir)
    with versions.writer_lock(index_dir, wait):
        corpus_dir.mkdir(parents=True, exist_ok=True)
        try:
            old = open_manifest(index_dir)[1]
        except IndexProblem:
            old = None  # no index, or the update below says what is wrong with it
        listing = list_corpus(corpus_dir)
        known = {sha: source for source, sha in hashes(listing, old, ingest, no_progress).items() if sha}
        refused: dict[str, str] = {}
        for path in map(Path, paths):
            given = str(path)
            try:
                read_document(path, ingest)
            except UnreadableDocument as exc:
                refused[given] = str(exc)
                continue
            except OSError as exc:  # not there, a folder, no permission
                refused[given] = f"cannot read file: {exc.strerror or exc}"
                continue
            sha, target = file_hash(path), corpus_dir / path.name
            if sha in known:
                refused[given] = f"exact duplicate of {safe_name(known[sha])}"
            elif target.exists() or target.is_symlink():
                refused[given] = (f"a different file named {safe_name(path.name)} is already in the corpus; "
                                  "rename it to add it")
            else:
                # Copy under a hidden name, then rename: an update never sees half a file.
                partial = corpus_dir / f".adding-{os.getpid()}-{uuid.uuid4().hex[:8]}-{path.name}"
                shutil.copyfile(path, partial)
                os.replace(partial, target)
                known[sha] = path.name
        summary, _ = refresh(corpus_dir, index_dir, embedder, progress, ingest=ingest, index_settings=index_settings,
                             locked=True, allow_removals=allow_removals)
    return replace(summary, skipped={**refused, **summary.skipped})

