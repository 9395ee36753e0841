"""/reindex from the chat: bring the index up to date with the corpus, then load the new version.

The model already in memory is reused, so a re-index costs only the changed
files' embeddings; the chat keeps answering from the old version until the
new one is loaded and handed over.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from assistant.config import RetrievalSettings

Progress = Callable[[str, int, int], None]


def update(corpus_dir: Path, index_dir: Path, embedder, progress: Progress | None = None) -> list[str]:
    """Update the index incrementally (``update.update_index``), or rebuild it where that is not available.

    Returns the summary as lines for the user.
    """
    try:
        from assistant.indexing.update import update_index
    except ImportError:
        update_index = None
    if update_index is not None:
        return update_index(corpus_dir, index_dir, embedder, progress=progress).lines()
    from assistant.indexing.index import build_index

    version, scan = build_index(corpus_dir, index_dir, embedder, progress=progress)
    lines = [f"built {Path(version).name}: {len(scan.reports)} files"]
    lines += [f"skipped: {source}: {reason}" for source, reason in scan.skipped.items()]
    return lines


def reindex_and_load(corpus_dir: Path, index_dir: Path, model_dir: str | None = None, current=None,
                     progress: Progress | None = None, settings: RetrievalSettings | None = None):
    """Update the index, then return ``(assistant, summary lines)`` for the new live version.

    ``current`` is the assistant in use, if any: its loaded model is reused.
    """
    from assistant.search.embed import Embedder
    from assistant.session import load_assistant

    if current is not None:
        embedder = current.retriever.embedder
        settings = settings or current.retriever.settings
    else:
        embedder = Embedder(model_dir)
    lines = update(Path(corpus_dir), Path(index_dir), embedder, progress)
    return load_assistant(Path(index_dir), settings=settings, embedder=embedder), lines
