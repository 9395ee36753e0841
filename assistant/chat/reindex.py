"""/reindex from the chat: bring the index up to date with the corpus, then load the new version.

The model already in memory is reused, so a re-index costs only the changed
files' embeddings; the chat keeps answering from the old version until the
new one is loaded and handed over.

An update that would remove every report, or most of them (an emptied or
unmounted corpus folder), is refused by the indexing library with
``errors.RemovalRefused`` unless ``allow_removals`` is given; the chat window
asks the user before it passes ``allow_removals=True``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from assistant.config import RetrievalSettings

Progress = Callable[[str, int, int], None]


def update(corpus_dir: Path, index_dir: Path, embedder, progress: Progress | None = None,
           allow_removals: bool = False) -> list[str]:
    """Update the index incrementally (``indexing.build.update_index``); returns the summary as lines.

    Raises ``errors.RemovalRefused`` when the update would remove most reports and
    ``allow_removals`` is False.
    """
    from assistant.indexing.build import update_index

    return update_index(corpus_dir, index_dir, embedder, progress=progress, allow_removals=allow_removals).lines()


def reindex_and_load(corpus_dir: Path, index_dir: Path, model_dir: str | None = None, current=None,
                     progress: Progress | None = None, settings: RetrievalSettings | None = None,
                     allow_removals: bool = False):
    """Update the index, then return ``(backend, summary lines)`` for the new live version.

    ``current`` is the ``LocalBackend`` (or ``Assistant``) in use, if any: its loaded model is reused.
    """
    from assistant.chat.backend import LocalBackend
    from assistant.search.embed import Embedder
    from assistant.session import load_assistant

    current = getattr(current, "assistant", current)  # a LocalBackend's Assistant
    if current is not None:
        embedder = current.retriever.embedder
        settings = settings or current.retriever.settings
    else:
        embedder = Embedder(model_dir)
    lines = update(Path(corpus_dir), Path(index_dir), embedder, progress, allow_removals)
    return LocalBackend(load_assistant(Path(index_dir), settings=settings, embedder=embedder)), lines
