"""What the rest of the assistant may call on an answerer: the one typed interface between the answer stage
and its callers (the chat's backend, evaluation, the server), so none of them reaches into its insides."""

from __future__ import annotations

from typing import Protocol

from assistant.models import Answer, Filters


class Answerer(Protocol):
    """Answers questions from one loaded index (``answer.assistant.Assistant``)."""

    def ask(self, question: str, filters: Filters = ..., mode: str | None = None, k: int | None = None,
            context: Answer | None = None) -> Answer:
        """Answer ``question`` within ``filters``; ``context`` is the answer of the turn before."""
        ...
