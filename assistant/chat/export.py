"""A conversation as a Markdown file: each question, how it was asked, its answer, and every
cited passage in full.

The file stands on its own: a reader without the tool can see the retrieval mode
and filters of each question, and which provider, report, section and characters
each [n] quotes. The same Markdown is what the chat copies to the clipboard.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from assistant.chat.conversation import Turn
from assistant.chat.display import plain, shown, why_no_answer
from assistant.errors import ExportExists, ExportProblem
from assistant.models import Citation


def _blockquote(text: str) -> str:
    return "\n".join(f"> {line}".rstrip() for line in plain(text).strip().splitlines())


def citation_markdown(c: Citation) -> str:
    """One cited passage: provider, date, section, report, file and offsets, then the passage verbatim."""
    when = f", {c.date}" if c.date else ""
    source = f", file `{plain(c.source)}`" if c.source else ""
    head = (f"**[{c.n}] {plain(c.provider)}**{when} — {plain(c.section)}  \n"
            f"report `{plain(c.report)}`{source}, characters {c.start}–{c.end}")
    return f"{head}\n\n{_blockquote(c.text)}"


def asked_with(turn: Turn) -> str:
    """How a turn was asked: "Mode: bm25 · filters: provider=Iridium Medical Practice"."""
    return f"Mode: {turn.mode or 'default'} · filters: {plain(turn.filters.describe()) or 'none'}"


def turn_markdown(turn: Turn, number: int | None = None) -> str:
    """One question with its answer and sources, as a Markdown section."""
    answer = turn.answer
    head = f"## {number}. " if number is not None else "## "
    lines = [head + " ".join(plain(turn.question).split()), "", f"*{asked_with(turn)}*"]
    if answer.resolved_query:
        lines += ["", f"*Searched: {plain(answer.resolved_query)}*"]
    lines += ["", plain(answer.text).strip()]
    if answer.no_answer:
        lines += ["", f"*(No answer: {why_no_answer(answer, turn.filters)}.)*"]
    if answer.citations:
        lines += ["", "### Sources"]
        for c in answer.citations:
            lines += ["", citation_markdown(c)]
    return "\n".join(lines)


def to_markdown(turns: Sequence[Turn], title: str = "CQC report assistant: conversation") -> str:
    """The whole conversation as Markdown."""
    lines = [f"# {plain(title)}", "", f"Exported {datetime.now():%Y-%m-%d %H:%M}."]
    for i, turn in enumerate(turns, start=1):
        lines += ["", turn_markdown(turn, i)]
    return "\n".join(lines) + "\n"


def write(path: Path, turns: Sequence[Turn], *, overwrite: bool = False) -> Path:
    """Write the conversation to ``path`` (folders created as needed); returns the absolute path.

    An existing file is replaced only with ``overwrite``; otherwise ``ExportExists``.
    Every failure is an ``ExportProblem`` naming ``path`` (never the temporary file
    the text is first written to, which is removed).
    """
    if not turns:
        raise ExportProblem("nothing to export yet: ask a question first")
    path = Path(path).expanduser().resolve()
    if path.is_dir():
        raise ExportProblem(f"{shown(path)} is a folder; give a file name such as {shown(path / 'conversation.md')}")
    if path.exists() and not overwrite:
        raise ExportExists(f"{shown(path)} already exists")
    blocker = next((p for p in path.parents if p.exists()), None)
    if blocker is not None and not blocker.is_dir():
        raise ExportProblem(f"cannot write {shown(path)}: {shown(blocker)} is a file, not a folder")
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(to_markdown(turns), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise ExportProblem(f"cannot write {shown(path)}: {exc.strerror or type(exc).__name__}") from None
    return path
