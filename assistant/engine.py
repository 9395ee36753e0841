"""Wire the stages together from paths: the one call the CLI, the TUI and eval use to get an Assistant."""

from __future__ import annotations

from pathlib import Path

from .config import RetrievalSettings


def load_assistant(index_dir: Path, model_dir: str | None = None, settings: RetrievalSettings | None = None):
    """Load the live index and the embedding model, and return a ready ``Assistant``.

    Raises ``store.IndexProblem`` or ``embed.ModelMissing`` with a one-line message.
    """
    from .answer import Assistant
    from .embed import Embedder
    from .index import load_index
    from .retrieve import Retriever

    embedder = Embedder(model_dir)
    data = load_index(index_dir, embedder.name)
    embedder.load()
    return Assistant(Retriever(data, embedder, settings or RetrievalSettings()))
