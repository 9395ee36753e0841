"""Saved conversations and earlier inputs, kept in the user's data folder (``config.history_dir()``).

A conversation is one JSON file holding every answer in full (citations with
offsets included) and the mode and filters each question was asked with, so a
reopened conversation shows the same sources and its follow-ups inherit the same
providers as before. The history browser lists, searches (``matches``), renames
and deletes them.

Each conversation records the corpus and index folders it was asked of: the
browser shows them, and reopening one asked of another index offers to switch to
it first (its follow-ups would otherwise be asked of reports it never saw). Files
are written with ``files.write_text``: never through a symbolic link, never to a
temporary name someone could have planted.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from assistant import config
from assistant.chat import files
from assistant.chat.conversation import Conversation, Turn
from assistant.chat.display import shown
from assistant.errors import HistoryProblem
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
    title: str  # the title it was given, else its first question
    turns: int
    questions: tuple[str, ...] = ()
    corpus: str = ""  # the corpus and index folders it was asked of (absolute); "" in older files
    index: str = ""

    def asked_of(self, corpus: Path, index: Path) -> bool:
        """Whether it was asked of this corpus and index (an older file that does not say counts as yes)."""
        return not self.index or same_place(self.corpus, self.index, corpus, index)


@dataclass(frozen=True)
class Record:
    """A saved conversation, read back in full."""

    id: str
    created: str
    filters: Filters
    mode: str | None
    turns: tuple[Turn, ...]
    updated: str = ""
    corpus: str = ""
    index: str = ""


def folder_name(path: os.PathLike | str) -> str:
    """A corpus or index folder as recorded: absolute, links resolved."""
    return str(Path(path).expanduser().resolve())


def same_place(corpus: str, index: str, other_corpus: os.PathLike | str, other_index: os.PathLike | str) -> bool:
    """Whether a recorded corpus and index are these folders."""
    return index == folder_name(other_index) and (not corpus or corpus == folder_name(other_corpus))


def when(stamp: str) -> str:
    """A saved time as the browser and the chat show it: "2025-01-13 14:25"."""
    return stamp.replace("T", " ")[:16]


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
        providers=tuple(ProviderFinding(p["name"], p["finding"], tuple(p.get("citations", ())), p.get("answers", False))
                        for p in row.get("providers", ())),
        kind=row.get("kind", "passage"),
        resolved_query=row.get("resolved_query", ""),
        focus=tuple(row.get("focus", ())),
        reason=row.get("reason", ""),
        asked=row.get("asked", row.get("topic", "")),  # "topic" in conversations saved before
        confidence=row.get("confidence"),
        selection=row.get("selection", False),
        unknown=row.get("unknown", ""),
        suggestion=row.get("suggestion", ""),
    )


def _filters_from_dict(row: dict) -> Filters:
    return Filters(**{k: tuple(v) if isinstance(v, list) else v for k, v in row.items()})


def _write(path: Path, row: dict) -> None:
    """Write ``row`` to ``path`` atomically (a crash never leaves half a file), never through a link."""
    text = json.dumps(row, ensure_ascii=False, indent=1).encode("utf-8", "backslashreplace").decode("utf-8")
    files.write_text(path, text, overwrite=True, make_parents=True, mode=0o600)


def _read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _turn_to_dict(turn: Turn) -> dict:
    return {"question": turn.question, "mode": turn.mode, "filters": asdict(turn.filters),
            "answer": answer_to_dict(turn.answer)}


def save(conversation: Conversation, conversation_id: str, created: str | None = None,
         directory: Path | None = None, *, corpus: Path | None = None, index: Path | None = None) -> Path:
    """Write ``conversation`` as ``<id>.json``, atomically; a title given by ``rename`` is kept.
    ``corpus``/``index``: the folders it is asked of, recorded for the browser."""
    path = _folder(directory) / f"{conversation_id}.json"
    try:
        title = _read(path).get("title") if path.exists() else None
    except (OSError, ValueError, AttributeError):
        title = None  # an unreadable old file is replaced whole
    row = {
        "format": FORMAT,
        "id": conversation_id,
        "created": created or timestamp(),
        "updated": timestamp(),
        "filters": asdict(conversation.filters),
        "mode": conversation.mode,
        "turns": [_turn_to_dict(t) for t in conversation.turns],
    }
    if index is not None:
        row["index"] = folder_name(index)
    if corpus is not None:
        row["corpus"] = folder_name(corpus)
    if title:
        row["title"] = title
    _write(path, row)
    return path


def _path(conversation_id: str, directory: Path | None) -> Path:
    if not conversation_id or "/" in conversation_id or conversation_id.startswith("."):
        raise HistoryProblem(f"no saved conversation {shown(conversation_id)}")
    return _folder(directory) / f"{conversation_id}.json"


def load(conversation_id: str, directory: Path | None = None) -> Record:
    """Read a saved conversation back; ``HistoryProblem`` with one line if it is missing or unreadable."""
    path = _path(conversation_id, directory)
    try:
        row = _read(path)
        mode = row.get("mode")
        filters = _filters_from_dict(row.get("filters", {}))
        # Files from before turns kept their own mode and filters take the conversation's.
        turns = tuple(Turn(t["question"], answer_from_dict(t["answer"]), t.get("mode", mode),
                           _filters_from_dict(t["filters"]) if "filters" in t else filters) for t in row["turns"])
        return Record(id=row["id"], created=row["created"], filters=filters, mode=mode, turns=turns,
                      updated=row.get("updated", row["created"]), corpus=row.get("corpus", ""),
                      index=row.get("index", ""))
    except FileNotFoundError:
        raise HistoryProblem(f"no saved conversation {shown(conversation_id)}") from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise HistoryProblem(f"cannot read saved conversation {shown(path.name)}: {exc}") from None


def rename(conversation_id: str, title: str, directory: Path | None = None) -> None:
    """Give a saved conversation a title; an empty title goes back to its first question."""
    path = _path(conversation_id, directory)
    try:
        row = _read(path)
        title = " ".join(title.split())
        if title:
            row["title"] = title
        else:
            row.pop("title", None)
        _write(path, row)
    except FileNotFoundError:
        raise HistoryProblem(f"no saved conversation {shown(conversation_id)}") from None
    except (OSError, ValueError, AttributeError) as exc:
        raise HistoryProblem(f"cannot rename saved conversation {shown(path.name)}: {exc}") from None


def delete(conversation_id: str, directory: Path | None = None) -> None:
    """Delete a saved conversation's file."""
    path = _path(conversation_id, directory)
    try:
        path.unlink()
    except FileNotFoundError:
        raise HistoryProblem(f"no saved conversation {shown(conversation_id)}") from None
    except OSError as exc:
        raise HistoryProblem(f"cannot delete saved conversation {shown(path.name)}: {exc.strerror}") from None


def matches(saved: Saved, query: str) -> bool:
    """Whether ``query`` (words, any case) occurs in the conversation's title or any of its questions."""
    words = query.casefold().split()
    text = " ".join((saved.title, *saved.questions)).casefold()
    return all(w in text for w in words)


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
            row = _read(path)
            questions = tuple(t["question"] for t in row["turns"])
            title = row.get("title") or (questions[0] if questions else "(no questions)")
            found.append(Saved(row["id"], path, row.get("updated", ""), title, len(questions), questions,
                               str(row.get("corpus", "")), str(row.get("index", ""))))
        except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
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
                files.append_line(self.path, line.replace("\n", " "), mode=0o600)
            except OSError:
                pass  # recall is a convenience; a read-only data folder (or a planted link) must not stop the chat
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
