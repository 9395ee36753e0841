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


def _key_event(key: str):
    from textual import events
    from textual.keys import _character_to_key

    named = {"enter": "\r", "tab": "\t", "backspace": "\x7f", "space": " ", "escape": "\x1b"}
    if len(key) == 1:
        return events.Key(key if key.isalnum() else _character_to_key(key), key)
    return events.Key(key, named.get(key))


def burst(pilot, *keys: str) -> None:
    """Send ``keys`` as a terminal does when they arrive in one read: every one is queued before the app
    handles the first (``pilot.press`` waits for each key to be handled). A string longer than one
    character that is not a key name ("enter", "f3") is typed letter by letter."""
    driver = pilot.app._driver
    for key in keys:
        letters = [key] if len(key) == 1 or key in KEY_NAMES else list(key)
        for letter in letters:
            event = _key_event(letter)
            event.set_sender(pilot.app)
            driver.send_message(event)


def paste(pilot, text: str) -> None:
    """A bracketed paste, as the terminal sends it."""
    from textual import events

    event = events.Paste(text)
    event.set_sender(pilot.app)
    pilot.app._driver.send_message(event)


KEY_NAMES = {"enter", "tab", "backspace", "space", "escape", "up", "down", "left", "right", "home", "end",
             "pageup", "pagedown", "delete", "ctrl+j", "ctrl+c", "ctrl+n", "ctrl+u", "f1", "f2", "f3", "f5"}


def screen_lines(app) -> list[str]:
    """The whole screen as it is drawn now, one string per row."""
    return ["".join(segment.text for segment in strip) for strip in app.screen._compositor.render_strips()]
