"""The chat ends with its terminal: real processes on a real pty, closed under them.

The issue: with the terminal of a `make chat` gone, `assistant chat` spun on, orphaned, at 70% CPU;
Ctrl+Q while the model loaded left a blank screen for 13–15 s. Here the pty's master side is
closed (as when a tmux session is killed or an ssh link drops), or SIGHUP is sent, or Ctrl+Q typed
while a loader is still busy, and the process must be gone within a second.
"""

from __future__ import annotations

import fcntl
import os
import pty
import shutil
import signal
import struct
import sys
import termios
import textwrap
import threading
import time
from pathlib import Path

import psutil
import pytest

pytestmark = pytest.mark.slow  # real chat processes on a pty

ASSISTANT = Path(sys.executable).with_name("assistant")
DEADLINE_S = 1.0
# A chat whose loader never finishes in time: quitting must not wait for it.
SLOW_LOADER = textwrap.dedent("""
    import sys, time
    from assistant.tui.app import run_chat

    def slow_loader():
        time.sleep(60)  # as a model import that takes a long time

    sys.exit(run_chat(loader=slow_loader, index_dir=sys.argv[1]))
""")


class Terminal:
    """A process on the slave side of a fresh 80×24 pty; this side reads everything it draws."""

    started: list[int] = []  # every pid, so a failed test leaves no process behind

    def __init__(self, argv: list[str], env: dict[str, str]):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: a session leader whose controlling terminal is the pty
            os.execvpe(argv[0], argv, env)
        Terminal.started.append(self.pid)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.output = bytearray()
        self.closed = False
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        while not self.closed:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.output += chunk

    def wait_for(self, text: bytes, timeout: float = 60) -> None:
        end = time.monotonic() + timeout
        while text not in self.output:
            assert time.monotonic() < end, f"never drew {text!r}; got {bytes(self.output[-300:])!r}"
            time.sleep(0.05)

    def type(self, data: bytes) -> None:
        os.write(self.fd, data)

    def close(self) -> float:
        """Close the master side (the terminal goes away); returns the moment it happened."""
        self.closed = True
        os.close(self.fd)
        return time.monotonic()

    def exit_status(self, since: float, timeout: float = 10) -> tuple[int, float]:
        """Wait for the process to end; returns (its waitpid status, seconds since ``since``)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return status, time.monotonic() - since
            time.sleep(0.01)
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        raise AssertionError(f"still running {timeout} s later")


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@pytest.fixture(autouse=True)
def _no_survivors():
    """Kill whatever a test started and left running (only when it failed)."""
    yield
    while Terminal.started:
        pid = Terminal.started.pop()
        try:
            family = psutil.Process(pid).children(recursive=True) + [psutil.Process(pid)]
        except psutil.NoSuchProcess:
            continue
        for process in family:
            try:
                process.kill()
            except psutil.NoSuchProcess:
                pass
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    return {**os.environ, "TERM": "xterm-256color", "ASSISTANT_DATA_DIR": str(tmp_path / "data"),
            "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}


def test_chat_exits_when_its_terminal_closes(env, tmp_path):
    term = Terminal([str(ASSISTANT), "chat", "--index", str(tmp_path / "no-index")], env)
    term.wait_for(b"No index at")  # up, idle, waiting for keys
    status, took = term.exit_status(term.close())
    assert took < DEADLINE_S


def test_chat_under_make_exits_when_its_terminal_closes(env, tmp_path):
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    # Like `make chat`: make leads the terminal's session, so only make gets SIGHUP; the chat, its
    # child, learns of it from the tty hanging up.
    (tmp_path / "Makefile").write_text(f"chat:\n\t{ASSISTANT} chat --index {tmp_path / 'no-index'}\n",
                                       encoding="utf-8")
    term = Terminal([make, "-s", "-C", str(tmp_path), "chat"], env)
    term.wait_for(b"No index at")
    children = psutil.Process(term.pid).children(recursive=True)
    chat = next(p.pid for p in children if "chat" in " ".join(p.cmdline()))
    closed = term.close()
    deadline = closed + DEADLINE_S
    while not gone(chat) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert gone(chat), "the chat outlived its terminal"
    term.exit_status(closed, timeout=5)  # and make follows it


def test_sighup_ends_the_chat(env, tmp_path):
    term = Terminal([str(ASSISTANT), "chat", "--index", str(tmp_path / "no-index")], env)
    term.wait_for(b"No index at")
    sent = time.monotonic()
    os.kill(term.pid, signal.SIGHUP)
    status, took = term.exit_status(sent)
    assert took < DEADLINE_S
    assert os.waitstatus_to_exitcode(status) in (129, -signal.SIGHUP)
    term.close()


def test_quitting_while_loading_is_immediate(env, tmp_path):
    term = Terminal([sys.executable, "-c", SLOW_LOADER, str(tmp_path / "index")], env)
    term.wait_for(b"loading the index and model")
    time.sleep(0.3)
    pressed = time.monotonic()
    term.type(b"\x11")  # Ctrl+Q
    status, took = term.exit_status(pressed)
    assert took < DEADLINE_S and os.waitstatus_to_exitcode(status) == 0
    term.close()


def test_terminal_closing_while_loading_ends_the_chat(env, tmp_path):
    term = Terminal([sys.executable, "-c", SLOW_LOADER, str(tmp_path / "index")], env)
    term.wait_for(b"loading the index and model")
    status, took = term.exit_status(term.close())
    assert took < DEADLINE_S


def test_keys_typed_before_the_window_is_ready_are_kept_in_order(env, tmp_path):
    # Issue 18: typed at once, before the first paint, "Which services?" lost its first letter (or
    # all of it): the keys went to the first focusable widget and were dropped. Now they are held
    # until the prompt exists and replayed in order, Enter included.
    term = Terminal([str(ASSISTANT), "chat", "--index", str(tmp_path / "no-index")], env)
    term.type(b"Which services?\r")  # the process has not even imported Textual yet
    term.wait_for("› Which services?".encode())
    term.wait_for(b"no index is loaded")  # it was asked (and answered: there is no index)
    term.type(b"\x11")
    status, took = term.exit_status(time.monotonic())
    assert os.waitstatus_to_exitcode(status) == 0
    term.close()
