"""A conversation: follow-up questions inherit the providers of the turn before.

The chat UI, `chat --script` and the evaluation runner all ask through this, so
a follow-up such as "and what was their well-led score?" resolves the same way
everywhere. Each turn keeps the retrieval mode and filters it was asked with, so
an export or a reopened conversation says truthfully how each answer was found.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.chat.backend import ChatBackend, as_backend
from assistant.models import Answer, Filters


@dataclass(frozen=True)
class Turn:
    question: str
    answer: Answer
    mode: str | None = None  # the retrieval mode in force ("hybrid", "bm25", "dense"); None if unknown
    filters: Filters = Filters()  # the filters in force when it was asked


@dataclass
class Conversation:
    """Asks a ``ChatBackend`` question after question, carrying context between turns.

    An ``answer.Assistant`` given instead is wrapped in a ``LocalBackend``.
    """

    assistant: ChatBackend | None
    filters: Filters = field(default_factory=Filters)
    mode: str | None = None  # None: the assistant's default
    k: int | None = None
    turns: list[Turn] = field(default_factory=list)

    def __setattr__(self, name, value) -> None:  # an Assistant set at any time is wrapped
        super().__setattr__(name, as_backend(value) if name == "assistant" else value)

    def focus(self) -> tuple[str, ...]:
        """The providers the conversation is currently about (those of the last answer that had any)."""
        for turn in reversed(self.turns):
            if turn.answer.focus:
                return turn.answer.focus
        return ()

    def effective_mode(self) -> str | None:
        """The retrieval mode the next question will use: the chosen one, else the assistant's default."""
        if self.mode:
            return self.mode
        return self.assistant.default_mode if self.assistant is not None else None

    def ask(self, question: str) -> Answer:
        """Answer ``question``; a question naming no provider inherits the current focus."""
        mode, filters = self.effective_mode(), self.filters
        context = self.turns[-1].answer if self.turns else None  # follow-ups read the turn just before
        answer = self.assistant.ask(question, filters, mode=self.mode, k=self.k, context=context)
        self.turns.append(Turn(question, answer, mode, filters))
        return answer

    def reset(self) -> None:
        """Start afresh: no turns, no inherited providers (filters and mode stay)."""
        self.turns.clear()
