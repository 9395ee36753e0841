"""Work off the event loop: loading, answering and re-indexing, each in a daemon thread that posts
a Message with its result (harlequin's way), and the watch that notices the terminal going away.

Daemon threads, not Textual thread workers: those run in asyncio's default executor,
whose threads the interpreter joins at exit, so quitting while the model was still
importing left a blank screen until the import finished. Nothing here needs
joining: an answer or a load in flight is simply abandoned, and an index update
cut short publishes nothing (the indexing library writes versions atomically).
"""

from __future__ import annotations

import asyncio
import os
import select
import signal
import sys
import threading
from collections.abc import Callable

from textual.message import Message

# After the terminal is lost, the app gets this long to close cleanly before the process ends anyway.
LOST_TERMINAL_GRACE_S = 0.25
EXIT_HANGUP = 128 + signal.SIGHUP  # the exit status of a process ended by SIGHUP: 129


class Loaded(Message):
    """The index and model are ready."""

    def __init__(self, assistant) -> None:
        super().__init__()
        self.assistant = assistant


class LoadFailed(Message):
    """The index or model could not be loaded; ``error`` is one line for the user, ``missing`` when
    there is no index there at all (not a damaged one)."""

    def __init__(self, error: str, missing: bool = False) -> None:
        super().__init__()
        self.error = error
        self.missing = missing


class Answered(Message):
    """An answer for the question shown in ``view`` (a ``TurnView``)."""

    def __init__(self, view, turn) -> None:
        super().__init__()
        self.view = view
        self.turn = turn


class AnswerFailed(Message):
    """The question shown in ``view`` could not be answered."""

    def __init__(self, view, error: str) -> None:
        super().__init__()
        self.view = view
        self.error = error


class ReindexProgress(Message):
    """A re-index reached ``done`` of ``total`` in ``stage``."""

    def __init__(self, stage: str, done: int, total: int) -> None:
        super().__init__()
        self.stage, self.done, self.total = stage, done, total


class Reindexed(Message):
    """A re-index finished: the new assistant, and its summary lines."""

    def __init__(self, assistant, lines: list[str]) -> None:
        super().__init__()
        self.assistant = assistant
        self.lines = lines


class ReindexFailed(Message):
    """A re-index stopped; ``refused`` when it would have removed most reports without being told to."""

    def __init__(self, error: str, refused: bool = False) -> None:
        super().__init__()
        self.error = error
        self.refused = refused


class TerminalLost(Message):
    """The terminal went away: SIGHUP, or the tty hung up (EOF or EIO on it)."""


def start(app, name: str, work: Callable[[], Message], failed: Callable[[Exception], Message]) -> threading.Thread:
    """Run ``work`` in a daemon thread and post the message it returns (or ``failed(exc)``) to ``app``."""

    def run() -> None:
        try:
            message = work()
        except Exception as exc:  # turned into a message for the window: never a traceback
            message = failed(exc)
        post(app, message)

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread


def post(app, message: Message) -> None:
    """Post ``message`` from any thread; a no-op once the app has closed."""
    try:
        app.post_message(message)
    except RuntimeError:  # the event loop closed while the work ran
        pass


def watch_terminal(app) -> None:
    """Post ``TerminalLost`` to ``app`` when its terminal goes away.

    Two ways it can go: SIGHUP reaches this process (it leads the terminal's
    session), or it does not (under ``make chat`` only make gets it) and the tty
    simply hangs up, which ``poll`` reports as POLLHUP/POLLERR on stdin. Textual's
    own input thread does not notice: on EOF it spins, on EIO it dies quietly.
    Call it from the app's event loop (``on_mount``).
    """
    loop = asyncio.get_running_loop()

    def hung_up(signum, frame) -> None:
        # A Python-level handler runs even while the event loop is busy; the timer ends the
        # process if the clean exit the message asks for does not come in time.
        end_soon(EXIT_HANGUP)
        loop.call_soon_threadsafe(post, app, TerminalLost())

    try:
        signal.signal(signal.SIGHUP, hung_up)
    except (ValueError, OSError):
        pass  # not the main thread; the poll below still works
    stdin = sys.__stdin__
    if stdin is None or not hasattr(select, "poll"):
        return
    try:
        fd = stdin.fileno()
        if not os.isatty(fd):
            return
    except (OSError, ValueError):
        return

    def watch() -> None:
        poller = select.poll()
        poller.register(fd, 0)  # no events asked for: poll still reports hang-ups and errors
        while True:
            try:
                events = poller.poll()
            except InterruptedError:
                continue
            except OSError:
                break
            if any(mask & (select.POLLHUP | select.POLLERR | select.POLLNVAL) for _, mask in events):
                break
        end_soon(EXIT_HANGUP)
        post(app, TerminalLost())

    threading.Thread(target=watch, name="terminal-watch", daemon=True).start()


def end_soon(code: int, after: float = LOST_TERMINAL_GRACE_S) -> None:
    """End the process ``after`` seconds from now unless it has ended by itself.

    Used once the terminal is gone: there is nothing left to restore on it, and a
    clean shutdown must not be able to hang the process (the issue saw an orphan
    spin for 18 minutes).
    """

    def end() -> None:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)

    timer = threading.Timer(after, end)
    timer.daemon = True
    timer.start()
