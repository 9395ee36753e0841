"""The chat window. It only arranges the library: lines go through the one dispatcher
(``chat.dispatch``) that ``chat --script`` uses too; asking (``conversation``), opening sources
(``sources``), saving (``history``), exporting (``export``) and re-indexing (``reindex``) live there.
Its parts: the sources pane (``sources_pane``), re-indexing (``reindexing``), saved conversations
(``saved``), the dispatcher's front end (``frontend``), background work (``background``).

Three promises shape it:

- Nothing typed is lost. The prompt is never disabled: what is typed while the
  index loads or an answer is pending waits in a queue. A printable key or a paste
  anywhere goes to the prompt, decided as each key is read (``keys``), keys typed
  before the window is ready included; the prompt keeps every pasted line, and
  the focus comes back to it whenever a pop-up closes.
- The newest answer is in view: the conversation is anchored to its end until
  the user scrolls up; PageUp/PageDown scroll it from the prompt.
- It ends with its terminal: SIGHUP or a hung-up tty ends it within a second,
  and quitting never waits for a background thread (``background``).
"""

from __future__ import annotations

import functools
import os
import sys
from collections import deque
from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, Markdown, ProgressBar, Static

from assistant import config
from assistant.chat import commands, history
from assistant.chat.backend import ChatBackend, LocalBackend, as_backend
from assistant.chat.conversation import Conversation
from assistant.chat.dispatch import dispatch
from assistant.chat.display import build_command, flat, shown
from assistant.chat.reindex import reindex_and_load
from assistant.errors import AssistantError, IndexMissing
from assistant.models import Filters
from assistant.tui import background
from assistant.tui.background import Answered, AnswerFailed, LoadFailed, Loaded, TerminalLost
from assistant.tui.frontend import ChatScreen, WindowFrontend, one_line, shows_errors
from assistant.tui.keys import HOLD, KeyRouterMixin, pending_input, typed
from assistant.tui.palette import palette_commands
from assistant.tui.reindexing import ReindexMixin
from assistant.tui.saved import SavedMixin
from assistant.tui.screens import SectionScreen, TypedInto
from assistant.tui.sources_pane import SourcesMixin
from assistant.tui.widgets import ConversationPane, Note, Prompt, SourcesList, TurnView

Loader = Callable[[], object]  # () -> ChatBackend (an answer.Assistant is wrapped)
Connect = Callable[[Path, Path], object]  # (corpus folder, index folder) -> ChatBackend, for switching index
# (current backend or None, progress(stage, done, total), allow_removals=) -> (backend, summary lines)
Reindexer = Callable[..., tuple[object, list[str]]]


def local_connect(model_dir: str | None = None) -> Connect:
    """Open an index in this process: a ``LocalBackend`` that loads the model in the background."""

    def connect(corpus_dir: Path, index_dir: Path) -> ChatBackend:
        from assistant.session import load_assistant

        return LocalBackend(load_assistant(Path(index_dir), model_dir, warm=True))

    return connect


class ChatApp(KeyRouterMixin, SourcesMixin, ReindexMixin, SavedMixin, App):
    """Ask, read the cited answer, check its sources, ask a follow-up."""

    CSS_PATH = "app.tcss"
    TITLE = "CQC report assistant"
    # Below 100 columns the sources pane folds away (F2 or F3 brings it back).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    NOTIFICATION_TIMEOUT = 3
    # Keys that move the focus or open a pop-up are priority bindings: they act as the key is read, so
    # the keys typed after them go where they now should (``keys``). Short labels: at 80 columns the
    # footer holds these and the focused part's own keys.
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("f1", "help", "Help"),
        Binding("f2", "toggle_sources", "Sources"),
        Binding("f3", "focus_sources", "Pick", priority=True),
        Binding("f5", "history", "History", priority=True),
        Binding("ctrl+n", "new", "New"),
        Binding("tab", "focus_answer", "To answers", show=False, priority=True),
        Binding("escape", "focus_prompt", "Prompt", show=False, priority=True),
        Binding("pageup", "scroll_conversation(-1)", "Scroll up", show=False, priority=True),
        Binding("pagedown", "scroll_conversation(1)", "Scroll down", show=False, priority=True),
    ]

    def __init__(self, loader: Loader | None = None, *, corpus_dir: Path | None = None,
                 index_dir: Path | None = None, model_dir: str | None = None, filters: Filters = Filters(),
                 mode: str | None = None, k: int | None = None, reindexer: Reindexer | None = None,
                 history_dir: Path | None = None, connect: Connect | None = None) -> None:
        super().__init__()
        self.corpus_dir = config.corpus_dir(corpus_dir)
        self.index_dir = config.index_dir(index_dir)
        self.model_dir = model_dir
        self.connect = connect or local_connect(model_dir)
        self.loader = loader or functools.partial(self.connect, self.corpus_dir, self.index_dir)
        self.custom_reindexer = reindexer
        self.reindexer = reindexer or functools.partial(reindex_and_load, self.corpus_dir, self.index_dir,
                                                        model_dir)
        self.history_dir = history_dir
        self.keys_ready = False
        self._switching: tuple | None = None  # (corpus, index, loader, reindexer, backend, then) while switching
        self.recall = history.InputRecall(history_dir)
        self.assistant: ChatBackend | None = None
        self.conversation = Conversation(None, filters, mode, k)
        self.conversation_id = history.new_id()
        self.created: str | None = None
        self.loading = True
        self.load_error: str | None = None
        self.busy = False
        self.reindexing = False
        self.queue: deque[tuple[str, TurnView | None]] = deque()
        self.threads: list = []  # background threads started (see run_chat)
        self.window = WindowFrontend(self)

    def get_default_screen(self) -> Screen:
        return ChatScreen(id="_default")

    # -- layout -----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="status")
        with Horizontal(id="main"):
            yield ConversationPane(id="conversation")
            with Vertical(id="sources-pane"):
                yield Label("Sources", id="sources-title")
                yield SourcesList(id="sources")
        yield ProgressBar(id="progress", show_eta=False)
        yield Prompt(self.recall, id="prompt", placeholder="Ask a question, or /help")
        yield Footer(compact=True)

    async def on_mount(self) -> None:
        self.sub_title = shown(self.index_dir.resolve())
        self.pane.anchor()
        self.note("Loading the index and the model… you can type questions now; they are answered once it is ready.")
        self.refresh_status()
        self.focus_now(self.prompt)
        if not self.is_headless:
            background.watch_terminal(self)
        self.start_load()
        self.keys_ready = True
        await self.release_keys()  # keys typed before the window was ready, in order

    def start_load(self) -> None:
        """Load the index (``self.loader``) in the background; ``Loaded`` or ``LoadFailed`` comes back."""
        self.start_job("load", lambda: Loaded(as_backend(self.loader())),
                       lambda exc: LoadFailed(one_line(exc), missing=isinstance(exc, IndexMissing)))

    # -- helpers ----------------------------------------------------------------------------------

    @property
    def pane(self) -> ConversationPane:
        return self.query_one(ConversationPane)

    @property
    def prompt(self) -> Prompt:
        return self.query_one(Prompt)

    def note(self, text: str, error: bool = False) -> Note:
        """Add a line from the assistant (an error in red) to the conversation."""
        widget = Note(text, classes="error" if error else "")
        self.pane.mount(widget)
        return widget

    def refresh_status(self) -> None:
        """Redraw the one-row status line: index, mode, filters, who the conversation is about."""
        conv = self.conversation
        if self.loading:
            head = "loading the index and model…"
        elif self.assistant is None:
            head = f"no index loaded ({self.load_error})"
        else:
            head = f"index {self.assistant.version} · {len(self.assistant.providers())} providers"
        mode = conv.effective_mode() or "hybrid"
        parts = [head, f"mode {mode}", f"filters: {conv.filters.describe() or 'none'}",
                 f"about: {' · '.join(conv.focus()) or '—'}"]
        if self.reindexing:
            parts.append("re-indexing…")
        self.query_one("#status", Static).update(Text(flat("  │  ".join(parts)), no_wrap=True, overflow="ellipsis"))

    def start_job(self, name: str, work, failed) -> None:
        """Run ``work`` in a background thread; its message (or ``failed(exc)``'s) comes back here."""
        self.threads = [t for t in self.threads if t.is_alive()]
        self.threads.append(background.start(self, name, work, failed))

    def jobs_running(self) -> bool:
        """Whether a load, an answer or a re-index is still running in the background."""
        return any(t.is_alive() for t in self.threads)

    # -- input --------------------------------------------------------------------------------------

    def text_target(self, event):
        """Where typed text goes (``keys``): the prompt on the main screen, closing a source being read
        first; the history browser's search box. Other keys are left to their bindings."""
        if not self.keys_ready:
            return HOLD
        screen = self.screen
        if isinstance(screen, SectionScreen) and typed(event):
            screen.close()  # a letter typed while reading starts the next question
            screen = self.screen
        if screen is self.screen_stack[0]:
            return self.prompt if typed(event) else None
        if isinstance(screen, TypedInto):  # the history browser's search, a title being typed
            return screen.text_target(event)
        return None

    def on_prompt_submitted(self, event: Prompt.Submitted) -> None:
        self.submit(event.text)

    def type_into_prompt(self, text: str) -> None:
        """Add ``text`` at the prompt's cursor and give it the focus."""
        self.prompt.insert_text_at_cursor(text)
        self.action_focus_prompt()

    def submit(self, text: str) -> None:
        """Take what the user sent: run it now, or queue it while loading or answering.

        Several lines (a paste) are one question: their lines joined by spaces.
        """
        line = " ".join(part.strip() for part in text.splitlines() if part.strip())
        if not line:
            # Never a question, and nothing added to the conversation (a stray Enter must not move it):
            # a hint under the prompt, which covers nothing.
            self.prompt.hint("Type a question, or /help for the commands.")
            return
        self.recall.add(line)
        for view in self.query(TurnView):
            view.read_from_start = False  # an older answer still laying out must not pull the view back
        self.pane.follow_end()  # asking again follows the conversation to its end
        if self.loading or self.busy:
            view = None
            if not line.strip().startswith("/"):
                view = TurnView(line.strip(), "queued: waiting for the index and model" if self.loading
                                else "queued: waiting for the answer before")
                self.pane.mount(view)
            else:
                self.note(f"queued: {line.strip()}")
            self.queue.append((line, view))
            return
        self.run_line(line)

    def _drain(self) -> None:
        while self.queue and not self.busy and not self.loading:
            line, view = self.queue.popleft()
            self.run_line(line, view)

    def run_line(self, line: str, view: TurnView | None = None) -> None:
        """Carry out one line (a question or a slash command) through the shared dispatcher."""
        self.window.view = view
        try:
            dispatch(line, self.conversation, self.window)
        except AssistantError as exc:
            if view is not None:
                view.show_error(one_line(exc))
            else:
                self.note(one_line(exc), error=True)
        finally:
            self.window.view = None
        self.refresh_status()

    # -- loading ------------------------------------------------------------------------------------

    def on_loaded(self, message: Loaded) -> None:
        assistant = message.assistant
        self.use(assistant)
        self.loading = False
        n = len(assistant.providers())
        if n:
            self.note(f"Ready: {n} providers. Ask a question, or /help.")
        else:
            self.note("The index holds no reports: add reports to the corpus folder, then /reindex.", error=True)
        conv = self.conversation
        try:  # the starting --provider names become display names, as with /filter
            named = commands.Filter(providers=conv.filters.providers or None)
            conv.filters = commands.apply_filter(conv.filters, named, assistant)
        except AssistantError as exc:
            self.note(f"--provider: {one_line(exc)}; /filter clear removes the filter", error=True)
        self.refresh_status()
        switched, self._switching = self._switching, None
        if switched is not None and switched[-1] is not None:
            switched[-1]()  # what the switch was for: reopening a conversation
        self._drain()

    def on_load_failed(self, message: LoadFailed) -> None:
        self.loading = False
        if self._switching is not None:  # stay with the index we had
            failed = self.index_dir
            (self.corpus_dir, self.index_dir, self.loader, self.reindexer, assistant, _), self._switching = \
                self._switching, None
            self.sub_title = shown(self.index_dir.resolve())
            if assistant is not None:
                self.use(assistant)
            self.note(f"Could not switch to the index at {shown(failed)}: {message.error}; still answering from "
                      f"{shown(self.index_dir)}.", error=True)
            self.refresh_status()
            self._drain()
            return
        self.load_error = message.error
        if message.missing:
            self.load_error = f"none at {shown(self.index_dir)}"
            self.note(f"No index at {shown(self.index_dir)} yet: /reindex builds it from "
                      f"{shown(self.corpus_dir)} (or run `{build_command(self.corpus_dir, self.index_dir)}`).",
                      error=True)
        else:
            self.note(f"Cannot load the index at {shown(self.index_dir)}: {message.error}", error=True)
        self.refresh_status()
        self._drain()

    def use(self, assistant) -> None:
        """Answer from ``assistant`` (a ``ChatBackend``) from now on."""
        self.assistant = as_backend(assistant)
        self.conversation.assistant = self.assistant
        self.load_error = None

    # -- answering ----------------------------------------------------------------------------------

    def ask(self, question: str, view: TurnView | None = None) -> None:
        """Ask ``question`` in the background; its ``TurnView`` shows the answer when it comes."""
        if view is None:
            view = TurnView(question)
            self.pane.mount(view)
        if self.assistant is None:
            view.show_error(f"no index is loaded ({self.load_error}); build it with `assistant index build` "
                            "or /reindex")
            return
        view.set_state("thinking…")
        self.busy = True
        conversation = self.conversation

        def work() -> Answered:
            conversation.ask(question)
            return Answered(view, conversation.turns[-1])

        self.start_job("answer", work, lambda exc: AnswerFailed(view, one_line(exc)))

    def on_answered(self, message: Answered) -> None:
        # Only the newest question's answer is read from its start: an earlier one answered while a later
        # question waits must not hold the view (a burst of questions ends at the last one).
        turns = list(self.pane.query(TurnView))
        newest = bool(turns) and turns[-1] is message.view
        message.view.show_turn(message.turn, fresh=newest)
        if newest and self.pane.pinned is not None and self.pane.pinned is not message.view:
            self.pane.follow_end()
        self.show_sources(message.view)
        self.save()
        self.busy = False
        self.refresh_status()
        self._drain()

    def on_answer_failed(self, message: AnswerFailed) -> None:
        message.view.show_error(message.error)
        if not self.prompt.value:  # the question is kept: Enter asks it again (a server that was down)
            self.prefill(message.view.question)
        self.busy = False
        self._drain()

    def on_turn_view_grew(self, message: TurnView.Grew) -> None:
        """An answer taller than the pane is shown from its question down, not from its last line.

        The answer's Markdown lays out in steps, so this runs on each of its resizes until
        it is tall; the pane then keeps it pinned there through reflows (the sources pane
        opening, a resize) until the user scrolls or asks again.
        """
        view, pane = message.view, self.pane
        if view.outer_size.height > pane.scrollable_content_region.height:
            view.read_from_start = False
            pane.pin(view)

    # -- the terminal -------------------------------------------------------------------------------

    def on_terminal_lost(self, message: TerminalLost) -> None:
        self.exit(return_code=background.EXIT_HANGUP)  # and background.end_soon makes sure of it

    # -- actions (keys and the command palette) -----------------------------------------------------

    def action_help(self) -> None:
        helper = Markdown(commands.HELP, classes="help")
        self.pane.mount(helper)
        helper.call_after_refresh(self.pane.pin, helper)

    def action_scroll_conversation(self, direction: int) -> None:
        # Not animated: a second PageUp/PageDown typed at once moves on from where the first one ends.
        if direction < 0:
            self.pane.scroll_page_up(animate=False)
        else:
            self.pane.scroll_page_down(animate=False)

    def focus_now(self, widget) -> None:
        """Give ``widget`` the focus before the next key is handled.

        ``Widget.focus()`` only queues the change, behind keys already typed: F3 then
        Enter in quick succession sent the Enter to the prompt (an empty question)
        instead of the sources list.
        """
        widget.screen.set_focus(widget)

    def check_action(self, action: str, parameters) -> bool | None:
        # The focus keys belong to the main screen: in a pop-up, Esc and Tab are its own.
        if action in ("focus_prompt", "focus_answer", "focus_sources", "history", "scroll_conversation"):
            if self.screen is not self.screen_stack[0]:
                return False
            if action == "focus_answer" and self.focused is not self.prompt:
                return False  # Tab elsewhere moves on as usual
        return True

    def action_focus_prompt(self) -> None:
        if self.screen is self.screen_stack[0]:
            self.focus_now(self.prompt)

    def action_focus_answer(self) -> None:
        """Tab from the prompt: the newest answer (then Up/Down move between answers)."""
        turns = list(self.screen_stack[0].query(TurnView))
        if turns:
            self.focus_now(turns[-1])
        else:
            self.screen.focus_next()

    @shows_errors
    def action_copy_answer(self) -> None:
        view = self.last_answered()
        if view is None:
            raise commands.CommandError("no answer to copy yet")
        view.action_copy()

    def action_new(self) -> None:
        self.submit("/new")

    def prefill(self, text: str) -> None:
        """Put ``text`` at the prompt for the user to complete."""
        self.prompt.value = text
        self.focus_now(self.prompt)

    def get_system_commands(self, screen):
        yield from super().get_system_commands(screen)
        yield from palette_commands(self)


def run_chat(**options) -> int:
    """Run the chat window until it is closed; returns the exit status.

    The process ends at once, skipping the interpreter's own shutdown, when the
    terminal is gone (there is nothing left to restore, and that shutdown can wait
    on writes to it) or when a background thread is still busy (the model
    importing, an answer, an update): nothing it would produce can be shown any
    more, and conversations are saved after every answer.
    """
    app = ChatApp(**options)
    app.typed_ahead(pending_input(sys.__stdin__))  # typed while it started: Enter arrives as a line feed
    app.run()
    code = app.return_code or 0
    if code == background.EXIT_HANGUP or app.jobs_running():
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)
    return code
