"""A conversation as a Markdown file: each question, how it was asked, its answer, and every
cited passage in full.

The file stands on its own: a reader without the tool can see the retrieval mode
and filters of each question, and which provider, report, section and characters
each [n] quotes. The same Markdown is what the chat copies to the clipboard.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from assistant.chat import files
from assistant.chat.conversation import Turn
from assistant.chat.display import answer_markdown, flat, plain, shown, why_no_answer
from assistant.errors import ExportExists, ExportProblem
from assistant.models import Citation
from assistant.text import markdown_literal


def _blockquote(text: str) -> str:
    return "\n".join(f"> {markdown_literal(line)}".rstrip() for line in plain(text).strip().splitlines())


def _code(text: str) -> str:
    """``text`` as inline code that shows it exactly, backticks in it included."""
    text = " ".join(plain(text).split())
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def citation_markdown(c: Citation) -> str:
    """One cited passage: provider, date, section, report, file and offsets, then the passage verbatim
    (report text is literal: Markdown in it shows as written)."""
    when = f", {c.date}" if c.date else ""
    source = f", file {_code(c.source)}" if c.source else ""
    head = (f"**[{c.n}] {markdown_literal(flat(c.provider))}**{when} — {markdown_literal(flat(c.section))}  \n"
            f"report {_code(c.report)}{source}, characters {c.start}–{c.end}")
    return f"{head}\n\n{_blockquote(c.text)}"


def asked_with(turn: Turn) -> str:
    """How a turn was asked: "Mode: bm25 · filters: provider=Iridium Medical Practice"."""
    return f"Mode: {turn.mode or 'default'} · filters: {markdown_literal(flat(turn.filters.describe())) or 'none'}"


def turn_markdown(turn: Turn, number: int | None = None) -> str:
    """One question with its answer and sources, as a Markdown section."""
    answer = turn.answer
    head = f"## {number}. " if number is not None else "## "
    lines = [head + markdown_literal(flat(turn.question)), "", f"*{asked_with(turn)}*"]
    if answer.resolved_query:
        lines += ["", f"*Searched: {markdown_literal(flat(answer.resolved_query))}*"]
    lines += ["", answer_markdown(answer).strip()]
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

    Written safely (``files.write_text``): never through a symbolic link, through a
    temporary file with a random name created exclusively beside the target, then
    renamed over it. An existing file, or a symbolic link, is replaced only with
    ``overwrite`` (a link is then replaced itself; what it points to is untouched);
    otherwise ``ExportExists``. Every failure is an ``ExportProblem`` naming ``path``.
    """
    if not turns:
        raise ExportProblem("nothing to export yet: ask a question first")
    path = files.absolute(path)
    try:
        return files.write_text(path, to_markdown(turns), overwrite=overwrite, replace_link=overwrite,
                                make_parents=True)
    except files.TargetIsLink as exc:
        raise ExportExists(f"{shown(path)} is a symbolic link (to {shown(exc.points_to)})") from None
    except files.TargetExists:
        raise ExportExists(f"{shown(path)} already exists") from None
    except IsADirectoryError:
        raise ExportProblem(f"{shown(path)} is a folder; give a file name such as {shown(path / 'conversation.md')}") \
            from None
    except NotADirectoryError as exc:
        raise ExportProblem(f"cannot write {shown(path)}: {shown(exc.filename)} {exc.strerror}") from None
    except OSError as exc:
        raise ExportProblem(f"cannot write {shown(path)}: {exc.strerror or type(exc).__name__}") from None
