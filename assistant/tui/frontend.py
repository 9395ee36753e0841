"""How the chat window meets the library: errors shown as notes, the dispatcher's front end, and the
main screen that hands the focus back to the prompt.

Every entry point of the window (a key, a palette entry, a pop-up's callback, a
background result) shows an ``errors.AssistantError`` as a red note; none can end
the app with a traceback.
"""

from __future__ import annotations

import functools
from dataclasses import replace
from typing import TYPE_CHECKING

from textual.screen import Screen

from assistant.chat import commands
from assistant.chat.dispatch import Frontend, run_export
from assistant.errors import AssistantError
from assistant.tui.screens import ConfirmScreen

if TYPE_CHECKING:
    from assistant.tui.app import ChatApp
    from assistant.tui.widgets import TurnView


def one_line(exc: BaseException) -> str:
    """An exception as one line for the user: the library's messages are written for this."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, (AssistantError, ValueError, OSError)):
        return text
    return f"unexpected {type(exc).__name__}: {text}"


def shows_errors(method):
    """Show an ``AssistantError`` from a key, a palette entry or a callback as a red note, not a crash."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except AssistantError as exc:
            self.note(one_line(exc), error=True)

    return wrapper


class ChatScreen(Screen):
    """The main screen. The prompt has the focus from the start, and whenever the screen is back on top
    (a source, the history or the palette closed), so the next key typed lands there."""

    AUTO_FOCUS = "#prompt"

    def on_screen_resume(self) -> None:
        self.app.call_after_refresh(self.app.action_focus_prompt)


class WindowFrontend(Frontend):
    """What the dispatcher asks of the window (``chat.dispatch.Frontend``)."""

    def __init__(self, app: ChatApp) -> None:
        self.app = app
        self.view: TurnView | None = None  # the queued question's view, if the line is one

    @property
    def catalog(self):
        return self.app.assistant  # a ChatBackend resolves provider names

    def ask(self, question: str) -> None:
        self.app.ask(question, self.view)

    def say(self, text: str) -> None:
        self.app.note(text)

    def cleared(self) -> None:
        self.app.fresh_pane()

    def confirm_overwrite(self, command: commands.Export, problem) -> None:
        conversation = self.app.conversation

        @shows_errors
        def answered(app: ChatApp, yes: bool | None) -> None:
            if yes:
                run_export(replace(command, force=True), conversation, self)
            else:
                app.note(f"not exported: {problem}")

        self.app.push_screen(ConfirmScreen(f"{problem}. Replace it?"), callback=functools.partial(answered, self.app))

    def open_source(self, n: int) -> None:
        self.app.open_numbered(n)

    def show_help(self) -> None:
        self.app.action_help()

    def reindex(self) -> None:
        self.app.start_reindex()

    def open_history(self) -> None:
        self.app.action_history()
