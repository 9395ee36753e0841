"""Driving the chat window with Pilot: wait for it to settle, ask, read what it shows."""

from __future__ import annotations

import asyncio

from textual.widgets import Static

from assistant.tui.widgets import Note, TurnView


async def settle(pilot, rounds: int = 400) -> None:
    """Wait until loading, answering and re-indexing are all done and the screen has caught up."""
    app = pilot.app
    for _ in range(rounds):
        await pilot.pause()
        if not (app.loading or app.busy or app.queue or app.reindexing or app.jobs_running()):
            await pilot.pause()
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the app did not settle")


async def ask(pilot, text: str, typed: bool = False) -> TurnView:
    """Put ``text`` at the prompt (``typed``: key by key), press Enter, wait for the answer."""
    await command(pilot, text, typed)
    return list(pilot.app.query(TurnView))[-1]


async def command(pilot, line: str, typed: bool = False) -> None:
    """Enter ``line`` at the prompt (``typed``: key by key) and wait until it is carried out."""
    if typed:
        await pilot.press(*line)
    else:
        pilot.app.prompt.value = line
    await pilot.press("enter")
    await settle(pilot)


def status(app) -> str:
    return str(app.query_one("#status", Static).render())


def notes(app) -> list[str]:
    return [str(n.render()) for n in app.query(Note)]


def in_view(pane, widget) -> bool:
    """Whether ``widget`` is in the visible part of the scrolling ``pane``: all of it, or when it is
    taller than the pane, its first lines at the top."""
    region = widget.virtual_region_with_margin
    top, height = pane.scroll_offset.y, pane.scrollable_content_region.height
    if region.height > height:
        return abs(region.y - top) <= 1
    return region.y >= top and region.bottom <= top + height
