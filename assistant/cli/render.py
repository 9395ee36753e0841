"""Answers as plain text for the terminal (the CLI; the TUI renders its own Markdown).

Report text is data: every string that came from a report is passed through
``chat.display.plain`` so an escape sequence in a page (a title-setting OSC, a
cursor move) is printed as nothing rather than acted on by the terminal.
"""

from __future__ import annotations

from assistant.chat.display import answer_plain, flat, shown
from assistant.models import Answer


def sources_text(answer: Answer) -> str:
    """The numbered sources of an answer, one block each."""
    lines = []
    for c in answer.citations:
        when = f", {c.date}" if c.date else ""
        lines.append(f"[{c.n}] {flat(c.provider)}{when} — {flat(c.section)} ({shown(c.report)}, "
                     f"chars {c.start}-{c.end})")
        lines.append(f"    “{flat(c.text)}”")
    return "\n".join(lines)


def answer_to_text(answer: Answer) -> str:
    """The answer followed by its sources. A quoted sentence is printed exactly as the report has it
    (on one line); only the answer's own bold marks are dropped."""
    text = answer_plain(answer)
    if answer.citations:
        text += "\n\nSources:\n" + sources_text(answer)
    return text
