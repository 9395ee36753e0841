"""Answers as plain text for the terminal (the CLI; the TUI renders its own Markdown)."""

from __future__ import annotations

from assistant.models import Answer


def sources_text(answer: Answer) -> str:
    """The numbered sources of an answer, one block each."""
    lines = []
    for c in answer.citations:
        when = f", {c.date}" if c.date else ""
        lines.append(f"[{c.n}] {c.provider}{when} — {c.section} ({c.report}, chars {c.start}-{c.end})")
        lines.append(f"    “{' '.join(c.text.split())}”")
    return "\n".join(lines)


def answer_to_text(answer: Answer) -> str:
    """The answer followed by its sources."""
    text = answer.text.replace("**", "")
    if answer.citations:
        text += "\n\nSources:\n" + sources_text(answer)
    return text
