"""What the chat asks of the assistant, as one narrow typed interface: ``ChatBackend``.

The chat window, ``chat --script`` and the conversation layer ask questions, list and
resolve provider names, read a cited report and name the index version that answers
through this Protocol and nothing else. ``LocalBackend`` implements it over an
in-process ``answer.Assistant`` and is the only code here that knows that object's
insides (its catalog, loaded data and retriever); a client of a remote assistant
implements the same five members and the chat works unchanged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

from assistant.models import Answer, Filters, Report


@runtime_checkable
class ChatBackend(Protocol):
    """The thing the chat asks."""

    @property
    def version(self) -> str:
        """The name of the index version answering ("v000007"); "?" when unknown."""

    @property
    def default_mode(self) -> str:
        """The retrieval mode used when the conversation chooses none ("hybrid")."""

    def providers(self) -> list[str]:
        """Every provider the index holds, by display name."""

    def resolve(self, name: str) -> list[str]:
        """The providers a name typed by the user means (empty when none)."""

    def report(self, report_id: str) -> Report:
        """A report by id, text and sections included; ``KeyError`` when the index no longer holds it."""

    def ask(self, question: str, filters: Filters = Filters(), *, mode: str | None = None, k: int | None = None,
            context: Answer | None = None) -> Answer:
        """Answer ``question`` within ``filters``; ``context`` is the answer of the turn before (a follow-up
        reads whom it is about from it)."""


class LocalBackend:
    """``ChatBackend`` over an ``answer.Assistant`` loaded in this process."""

    def __init__(self, assistant) -> None:
        self.assistant = assistant  # answer.Assistant; /reindex reuses its loaded model

    @property
    def version(self) -> str:
        return Path(getattr(self.assistant.data, "path", "") or "").name or "?"

    @property
    def default_mode(self) -> str:
        return self.assistant.retriever.settings.mode

    def providers(self) -> list[str]:
        return self.assistant.catalog.providers()

    def resolve(self, name: str) -> list[str]:
        return self.assistant.catalog.resolve(name)

    def report(self, report_id: str) -> Report:
        return self.assistant.data.reports[report_id]

    def ask(self, question: str, filters: Filters = Filters(), *, mode: str | None = None, k: int | None = None,
            context: Answer | None = None) -> Answer:
        return self.assistant.ask(question, filters, mode=mode, k=k,
                                  context=context)


def as_backend(thing) -> ChatBackend | None:
    """``thing`` as a ``ChatBackend``: itself when it is one, an ``Assistant`` wrapped, None kept."""
    if thing is None or isinstance(thing, ChatBackend):
        return thing
    return LocalBackend(thing)
