"""The one place the stages are wired into an ``Assistant``: the CLI, the chat, eval and bench all call here.

Loading is cheap on purpose: the index is read, but the embedding model is not
loaded (nor torch or onnxruntime imported) until a question needs a query vector.
A value question ("What was Iridium's well-led score?") never does, so a cold
``assistant ask`` answers it in well under a second of model-free work. The chat
passes ``warm=True`` to load the model in the background while the user types.
"""

from __future__ import annotations

from pathlib import Path

from assistant.config import AnswerSettings, RetrievalSettings

FREEZE_ABOVE_CHUNKS = 10_000  # indexes at least this large are exempted from garbage collection (below)


def build_assistant(data, embedder, settings: RetrievalSettings | None = None,
                    answer_settings: AnswerSettings | None = None):
    """An ``Assistant`` over a loaded index (``indexing.load.IndexData``) that embeds queries with ``embedder``."""
    import gc

    from assistant.answer.assistant import Assistant
    from assistant.search.retrieve import Retriever

    # A large loaded index is millions of long-lived objects (chunks, reports, their strings). Left in
    # the collector's oldest generation, every full collection walks them all: at 100k chunks a pause of
    # a few hundred milliseconds landing on some question at random (the set question's p95). Frozen,
    # they are never walked again, and still freed by reference counting when the index goes (nothing in
    # an index refers back to itself). Small indexes are left alone: their collections are cheap, and a
    # freeze would also keep whatever cyclic garbage the process holds at that moment.
    if len(getattr(data, "chunks", ())) >= FREEZE_ABOVE_CHUNKS:
        gc.freeze()
    return Assistant(Retriever(data, embedder, settings or RetrievalSettings()), answer_settings)


def query_embedder(model_dir: str | None = None):
    """The embedder for answering questions: the query backend (ONNX unless told otherwise), not loaded."""
    from assistant.search.embed import Embedder

    return Embedder(model_dir, role="query").check()


def load_assistant(index_dir: Path, model_dir: str | None = None, settings: RetrievalSettings | None = None,
                   embedder=None, warm: bool = False, answer_settings: AnswerSettings | None = None,
                   version: str | None = None):
    """Load the live index (or commit point ``version``) into a ready ``Assistant``, every file verified;
    the model loads on the first passage question.

    ``embedder``: reuse one (and its loaded model) instead of making a query embedder.
    ``warm``: start loading the model in a background thread now (the chat window).
    Raises an ``errors.AssistantError`` (IndexProblem, ModelMissing) with a one-line message.
    """
    from assistant.indexing.load import load_index

    embedder = embedder or query_embedder(model_dir)
    data = load_index(Path(index_dir), embedder.name, version)
    assistant = build_assistant(data, embedder, settings, answer_settings)
    if warm and hasattr(embedder, "warm"):
        embedder.warm()
    return assistant
