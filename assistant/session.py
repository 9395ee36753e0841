"""The one place the stages are wired into an ``Assistant``: the CLI, the chat, eval and bench all call here."""

from __future__ import annotations

from pathlib import Path

from assistant.config import AnswerSettings, RetrievalSettings


def build_assistant(data, embedder, settings: RetrievalSettings | None = None,
                    answer_settings: AnswerSettings | None = None):
    """An ``Assistant`` over a loaded index (``indexing.index.IndexData``) that embeds queries with ``embedder``."""
    from assistant.answer.assistant import Assistant
    from assistant.search.retrieve import Retriever

    return Assistant(Retriever(data, embedder, settings or RetrievalSettings()), answer_settings)


def load_assistant(index_dir: Path, model_dir: str | None = None, settings: RetrievalSettings | None = None,
                   embedder=None, answer_settings: AnswerSettings | None = None):
    """Load the live index (and the embedding model, unless ``embedder`` is given) into a ready ``Assistant``.

    Raises an ``errors.AssistantError`` (IndexProblem, ModelMissing) with a one-line message.
    """
    from assistant.indexing.index import load_index
    from assistant.search.embed import Embedder

    embedder = embedder or Embedder(model_dir)
    data = load_index(Path(index_dir), embedder.name)
    embedder.load()
    return build_assistant(data, embedder, settings, answer_settings)
