"""Where each key goes, decided in the order keys arrive. Mixed into ``ChatApp``.

Textual hands a key to the widget that has the focus *when the app reads it*, and
resolves most bindings later, when the key has bubbled back up from that widget.
Keys typed in a burst are all read before the first one is handled, so anything
that moves the focus or opens a pop-up in between sent the rest astray: letters
typed on an answer reached the app after the prompt had taken the focus and were
dropped, keys typed before the window was ready went to the first focusable
widget, a letter typed right after F5 went to the prompt instead of the search.

So the app decides here, as it reads each key, where typed text (a printable key or
a paste) goes: ``text_target()`` names the widget, and the focus moves there at once,
so the next key follows it. Keys that move the focus are priority bindings, run at
the same moment. Keys read before their target exists (the window still composing,
the history browser still mounting) are held, in order, and replayed from the app's
own queue once ``KeysReady`` says it does: nothing typed is lost or reordered.
Ctrl+Q is never held.
"""

from __future__ import annotations

from textual import events
from textual.message import Message

HOLD = object()  # text_target(): the target does not exist yet; hold the key


class KeysReady(Message):
    """Post to the app when the widget typed text goes to has been mounted: held keys are replayed."""


def typed(event: events.Event) -> bool:
    """Whether ``event`` is text for a text box: a printable key or a paste."""
    if isinstance(event, events.Paste):
        return True
    return isinstance(event, events.Key) and event.is_printable and bool(event.character)


class KeyRouterMixin:
    """Routing typed text for ``ChatApp``; it overrides ``text_target``."""

    def text_target(self, event):
        """Where ``event`` goes: a widget (the focus moves there), ``HOLD`` (it does not exist yet),
        or None (Textual decides). Overridden by the app."""
        return HOLD

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            if not getattr(event, "_routed", False):
                event = self._from_line_mode(event)
                event._routed = True  # held and replayed: counted once
            if self._hold_or_route(event):
                return
        await super().on_event(event)

    def _held_keys(self) -> list:
        if not hasattr(self, "_held"):
            self._held: list = []
        return self._held

    def _hold_or_route(self, event) -> bool:
        """Hold ``event`` (True), or give the focus to where it must go (False: Textual forwards it there)."""
        held = self._held_keys()
        if isinstance(event, events.Key) and self._quits(event.key):
            return False
        if held:  # behind keys still held: keep the order
            held.append(event)
            return True
        target = self.text_target(event)
        if target is HOLD:
            held.append(event)
            return True
        if target is not None and self.screen.focused is not target:
            self.screen.set_focus(target)
        return False

    def _quits(self, key: str) -> bool:
        return any(b.action in ("quit", "app.quit") for _, bindings in self.screen._binding_chain
                   for b in bindings.key_to_bindings.get(key, ()))

    async def on_keys_ready(self, message: KeysReady) -> None:
        await self.release_keys()

    async def release_keys(self) -> None:
        """Read the held keys again, in order, before any key that is still to come (call it in the app's
        own message loop: ``KeysReady``). A key whose target is still missing is held again, with the rest."""
        held, self._held = self._held_keys(), []
        for event in held:
            await self.on_event(event)

    def typed_ahead(self, count: int) -> None:
        """``count`` bytes were typed before the window started, while the terminal was still in line mode,
        which turns Enter into a line feed (ICRNL): within them a line feed is an Enter again."""
        self._line_mode_bytes = count

    def _from_line_mode(self, event):
        left = getattr(self, "_line_mode_bytes", 0)
        if left <= 0 or not isinstance(event, events.Key):
            return event
        self._line_mode_bytes = left - max(1, len((event.character or "").encode("utf-8")))
        return events.Key("enter", "\r") if event.key == "ctrl+j" else event


def pending_input(stream) -> int:
    """How many bytes wait unread on ``stream`` when it is a terminal (typed before the app read any)."""
    import fcntl
    import os
    import struct
    import termios

    try:
        fd = stream.fileno()
        if not os.isatty(fd):
            return 0
        return struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]
    except (OSError, ValueError, AttributeError):
        return 0
