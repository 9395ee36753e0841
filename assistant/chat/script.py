"""``chat --script``: a conversation read from a file, one user turn per line.

Each line goes through the same dispatcher as a line typed in the chat window
(``chat.dispatch``), so a scripted follow-up resolves exactly as a typed one.
Blank lines and lines starting with "#" are skipped. Every error names the
script and the line (``turns.txt:4: …``), a line that is not UTF-8 included.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from assistant.chat.conversation import Conversation
from assistant.chat.dispatch import Frontend, dispatch
from assistant.chat.display import shown
from assistant.errors import AssistantError, CommandError
from assistant.models import Answer


@dataclass(frozen=True)
class Note:
    """What a command did ("filters: provider=Iridium Medical Practice")."""

    line: int
    text: str


def answer_json(answer: Answer) -> dict:
    """The ``ask --json`` contract, plus what was searched and which providers the answer is about."""
    return {**answer.to_json(), "resolved_query": answer.resolved_query, "focus": list(answer.focus)}


class _Script(Frontend):
    """Collects what one line produced: answers and notes, in order."""

    def __init__(self, conversation: Conversation):
        self.conversation = conversation
        self.catalog = conversation.assistant
        self.line = 0
        self.out: list[Answer | Note] = []

    def ask(self, question: str) -> None:
        self.out.append(self.conversation.ask(question))

    def say(self, text: str) -> None:
        self.out.append(Note(self.line, text))


def _decode(raw: str | bytes, where: str) -> str:
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise CommandError(f"{where}: not UTF-8 text") from None


def run(lines: Iterable[str | bytes], conversation: Conversation, name: str = "script") -> Iterator[Answer | Note]:
    """Answer each question line in turn; carry out /new, /filter, /mode and /export.

    ``lines`` may be text or bytes (decoded as UTF-8 line by line); ``name`` is the
    script's name for messages. Raises ``CommandError`` naming the script and the
    line for a line that cannot be read or carried out.
    """
    frontend = _Script(conversation)
    for number, raw in enumerate(lines, start=1):
        where = f"{shown(name)}:{number}"
        line = _decode(raw, where).strip().lstrip("\ufeff")
        if not line or line.startswith("#"):
            continue
        frontend.line = number
        try:
            dispatch(line, conversation, frontend)
        except AssistantError as exc:
            raise CommandError(f"{where}: {' '.join(str(exc).split())}") from None
        yield from frontend.out
        frontend.out.clear()
