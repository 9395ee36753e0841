"""A conversation as a Markdown file: each question, its answer, and every cited passage in full.

The file stands on its own: a reader without the tool can see which provider,
report, section and characters each [n] quotes.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from assistant.chat.conversation import Turn
from assistant.models import Citation, Filters


def _blockquote(text: str) -> str:
    return "\n".join(f"> {line}".rstrip() for line in text.strip().splitlines())


def citation_markdown(c: Citation) -> str:
    """One cited passage: where it is, then the passage verbatim."""
    when = f", {c.date}" if c.date else ""
    source = f", file `{c.source}`" if c.source else ""
    head = (f"**[{c.n}] {c.provider}**{when} — {c.section}  \n"
            f"report `{c.report}`{source}, characters {c.start}–{c.end}")
    return f"{head}\n\n{_blockquote(c.text)}"


def to_markdown(turns: Sequence[Turn], filters: Filters = Filters(), mode: str | None = None,
                title: str = "CQC report assistant: conversation") -> str:
    """The whole conversation as Markdown."""
    lines = [f"# {title}", "", f"Exported {datetime.now():%Y-%m-%d %H:%M}."]
    if not filters.is_empty():
        lines.append(f"Filters: {filters.describe()}.")
    if mode:
        lines.append(f"Retrieval mode: {mode}.")
    for i, turn in enumerate(turns, start=1):
        answer = turn.answer
        lines += ["", f"## {i}. {turn.question}", ""]
        if answer.resolved_query:
            lines += [f"*Searched: {answer.resolved_query}*", ""]
        lines.append(answer.text.strip())
        if answer.no_answer:
            lines += ["", "*(No answer: nothing in the reports supports one.)*"]
        if answer.citations:
            lines += ["", "### Sources"]
            for c in answer.citations:
                lines += ["", citation_markdown(c)]
    return "\n".join(lines) + "\n"


def write(path: Path, turns: Sequence[Turn], filters: Filters = Filters(), mode: str | None = None) -> Path:
    """Write the conversation to ``path`` (folders created as needed); returns the absolute path."""
    if not turns:
        raise ValueError("nothing to export yet: ask a question first")
    path = Path(path).expanduser().resolve()
    if path.is_dir():
        raise ValueError(f"{path} is a folder; give a file name such as {path / 'conversation.md'}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(to_markdown(turns, filters, mode), encoding="utf-8")
    os.replace(tmp, path)
    return path
