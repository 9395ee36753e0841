"""Saved conversations and earlier inputs, kept in the user's data folder (``config.history_dir()``).

A conversation is one JSON file holding every answer in full (citations with
offsets included), so a reopened conversation shows the same sources and its
follow-ups inherit the same providers as before.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from assistant import config
from assistant.chat.conversation import Conversation, Turn
from assistant.models import Answer, Citation, Filters, ProviderFinding

FORMAT = 1
INPUTS_FILE = "inputs.txt"
MAX_INPUTS = 1000


@dataclass(frozen=True)
class Saved:
    """A saved conversation, as listed for reopening."""

    id: str
    path: Path
    updated: str
    title: str  # its first question
    turns: int


@dataclass(frozen=True)
class Record:
    """A saved conversation, read back in full."""

    id: str
    created: str
    filters: Filters
    mode: str | None
    turns: tuple[Turn, ...]


def new_id() -> str:
    """A fresh conversation id that sorts by time: 20250113-142501-3fa2."""
    return f"{datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


def timestamp() -> str:
    """Now, as saved in a conversation file."""
    return datetime.now().isoformat(timespec="seconds")


def _folder(directory: Path | None) -> Path:
    return Path(directory) if directory is not None else config.history_dir()


def answer_to_dict(answer: Answer) -> dict:
    """An answer as JSON-able data, losing nothing."""
    return asdict(answer)


def answer_from_dict(row: dict) -> Answer:
    """The inverse of ``answer_to_dict``."""
    return Answer(
        question=row["question"],
        text=row["text"],
        no_answer=row["no_answer"],
        citations=tuple(Citation(**c) for c in row.get("citations", ())),
        providers=tuple(ProviderFinding(p["name"], p["finding"], tuple(p.get("citations", ())))
                        for p in row.get("providers", ())),
        kind=row.get("kind", "passage"),
        resolved_query=row.get("resolved_query", ""),
        focus=tuple(row.get("focus", ())),
        reason=row.get("reason", ""),
        topic=row.get("topic", ""),
    )


def _filters_from_dict(row: dict) -> Filters:
    return Filters(**{k: tuple(v) if isinstance(v, list) else v for k, v in row.items()})


def save(conversation: Conversation, conversation_id: str, created: str | None = None,
         directory: Path | None = None) -> Path:
    """Write ``conversation`` as ``<id>.json``, atomically (a crash never leaves half a file)."""
    folder = _folder(directory)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{conversation_id}.json"
    row = {
        "format": FORMAT,
        "id": conversation_id,
        "created": created or timestamp(),
        "updated": timestamp(),
        "filters": asdict(conversation.filters),
        "mode": conversation.mode,
        "turns": [{"question": t.question, "answer": answer_to_dict(t.answer)} for t in conversation.turns],
    }
    tmp = path.with_suffix(f".tmp-{os.getpid()}")
    tmp.write_text(json.dumps(row, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)
    return path


def load(conversation_id: str, directory: Path | None = None) -> Record:
    """Read a saved conversation back; ValueError with one line if it is missing or unreadable."""
    path = _folder(directory) / f"{conversation_id}.json"
    try:
        row = json.loads(path.read_text(encoding="utf-8"))
        return Record(
            id=row["id"],
            created=row["created"],
            filters=_filters_from_dict(row.get("filters", {})),
            mode=row.get("mode"),
            turns=tuple(Turn(t["question"], answer_from_dict(t["answer"])) for t in row["turns"]),
        )
    except FileNotFoundError:
        raise ValueError(f"no saved conversation {conversation_id}") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"cannot read saved conversation {path.name}: {exc}") from None


def restore(record: Record, conversation: Conversation) -> None:
    """Make ``conversation`` continue ``record``: its turns, filters and mode."""
    conversation.turns[:] = list(record.turns)
    conversation.filters = record.filters
    conversation.mode = record.mode


def list_saved(directory: Path | None = None) -> list[Saved]:
    """Saved conversations, most recently updated first; unreadable files are left out."""
    folder = _folder(directory)
    found = []
    for path in folder.glob("*.json") if folder.is_dir() else ():
        try:
            row = json.loads(path.read_text(encoding="utf-8"))
            turns = row["turns"]
            title = turns[0]["question"] if turns else "(no questions)"
            found.append(Saved(row["id"], path, row.get("updated", ""), title, len(turns)))
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            continue
    return sorted(found, key=lambda s: (s.updated, s.id), reverse=True)


class InputRecall:
    """Earlier inputs for Up/Down, like a shell: kept across sessions in ``inputs.txt``."""

    def __init__(self, directory: Path | None = None):
        self.path = _folder(directory) / INPUTS_FILE
        try:
            self.entries = [line for line in self.path.read_text(encoding="utf-8").splitlines() if line.strip()]
        except OSError:
            self.entries = []
        self.entries = self.entries[-MAX_INPUTS:]
        self._cursor = len(self.entries)
        self._draft = ""

    def add(self, line: str) -> None:
        """Remember ``line`` (not twice in a row) and go back to a fresh input."""
        line = line.strip()
        if line and (not self.entries or self.entries[-1] != line):
            self.entries.append(line)
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with open(self.path, "a", encoding="utf-8") as fh:
                    fh.write(line.replace("\n", " ") + "\n")
            except OSError:
                pass  # recall is a convenience; a read-only data folder must not stop the chat
        self._cursor = len(self.entries)
        self._draft = ""

    def previous(self, current: str) -> str:
        """The input before the one shown; ``current`` is kept as a draft to come back to."""
        if self._cursor == len(self.entries):
            self._draft = current
        if self._cursor > 0:
            self._cursor -= 1
        return self.entries[self._cursor] if self.entries else current

    def next(self) -> str:
        """The input after the one shown, or the draft once past the newest."""
        if self._cursor < len(self.entries):
            self._cursor += 1
        return self.entries[self._cursor] if self._cursor < len(self.entries) else self._draft
