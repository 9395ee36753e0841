"""``chat --script``: a conversation read from a file, one user turn per line.

Questions go through the same ``Conversation`` and the same slash commands as
the chat window, so a scripted follow-up resolves exactly as a typed one.
Blank lines and lines starting with "#" are skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from assistant.chat import commands, export
from assistant.chat.conversation import Conversation
from assistant.models import Answer


@dataclass(frozen=True)
class Note:
    """What a command did ("filters: provider=Iridium Medical Practice")."""

    line: int
    text: str


def answer_json(answer: Answer) -> dict:
    """The ``ask --json`` contract, plus what was searched and which providers the answer is about."""
    return {**answer.to_json(), "resolved_query": answer.resolved_query, "focus": list(answer.focus)}


def run(lines: Iterable[str], conversation: Conversation) -> Iterator[Answer | Note]:
    """Answer each question line in turn; carry out /new, /filter, /mode and /export.

    Raises ``CommandError`` naming the line for a command that cannot run here.
    """
    catalog = getattr(conversation.assistant, "catalog", None)
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            command = commands.parse(line)
            if isinstance(command, commands.Ask):
                yield conversation.ask(command.question)
            elif isinstance(command, commands.Export):
                path = export.write(command.path, conversation.turns, conversation.filters, conversation.mode)
                n = len(conversation.turns)
                plural = "s" if n != 1 else ""
                yield Note(number, f"exported {n} question{plural} with their cited passages to {path}")
            elif isinstance(command, (commands.Filter, commands.Mode, commands.New)):
                yield Note(number, commands.apply(command, conversation, catalog))
            else:
                raise commands.CommandError(f"{line.split()[0]} works only in the chat window")
        except ValueError as exc:
            raise commands.CommandError(f"line {number}: {exc}") from None
