"""The chat's entries in the command palette (Ctrl+P): every main action, each a slash command too."""

from __future__ import annotations

import functools
from collections.abc import Iterator

from textual.app import SystemCommand


def palette_commands(app) -> Iterator[SystemCommand]:
    """The palette entries for a ``ChatApp``."""
    from assistant.search.retrieve import MODES  # not at import time: the window paints before numpy/scipy load

    yield SystemCommand("Help", "Commands and keys (/help)", app.action_help)
    yield SystemCommand("Toggle sources", "Show or hide the sources pane (F2)", app.action_toggle_sources)
    yield SystemCommand("Open a source", "Pick a citation of the last answer to read in its report (F3)",
                        app.action_focus_sources)
    yield SystemCommand("New conversation", "Start afresh: nothing inherited (/new)", app.action_new)
    yield SystemCommand("Filter…", "Narrow by provider, service, rating, section, date (/filter)",
                        lambda: app.prefill("/filter provider="))
    yield SystemCommand("Clear filters", "Remove every filter (/filter clear)",
                        lambda: app.submit("/filter clear"))
    for mode in MODES:
        yield SystemCommand(f"Mode: {mode}", f"Retrieve passages with {mode} (/mode {mode})",
                            functools.partial(app.submit, f"/mode {mode}"))
    yield SystemCommand("Export…", "Write questions, answers and cited passages to Markdown (/export)",
                        lambda: app.prefill("/export conversation.md"))
    yield SystemCommand("Re-index", "Bring the index up to date with the corpus (/reindex)",
                        lambda: app.submit("/reindex"))
    yield SystemCommand("Copy last answer", "Copy the last answer and its sources as Markdown (Ctrl+C on an answer)",
                        app.action_copy_answer)
    # The palette matches titles only: the title holds the word people type ("history").
    yield SystemCommand("History: past conversations", "Search, reopen, rename or delete saved conversations "
                        "(/history, F5)", app.action_history)
