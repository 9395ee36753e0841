"""The chat window. It only arranges the library: parsing (``commands``), asking (``conversation``),
opening sources (``sources``), saving (``history``), exporting (``export``), re-indexing (``reindex``).

The index and model load in a worker so the screen paints at once; whatever is
typed meanwhile waits in a queue and runs, in order, once they are ready.
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Header, Label, ListView, Markdown, ProgressBar, Static

from assistant.chat import commands, export, history
from assistant import config
from assistant.chat.conversation import Conversation
from assistant.models import Answer, Citation, Filters
from assistant.chat.reindex import reindex_and_load
from assistant.chat.sources import cite_number, citation, locate
from assistant.tui.palette import palette_commands
from assistant.tui.widgets import HistoryScreen, Note, PromptInput, SectionScreen, SourceItem, SourcesList, TurnView

Loader = Callable[[], object]  # () -> answer.Assistant
Reindexer = Callable[[object, Callable[[str, int, int], None]], tuple[object, list[str]]]


def one_line(exc: BaseException) -> str:
    """An exception as one line for the user: the library's messages are written for this."""
    from assistant.errors import AssistantError

    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, (AssistantError, ValueError, OSError)):
        return text
    return f"unexpected {type(exc).__name__}: {text}"


class ChatApp(App):
    """Ask, read the cited answer, check its sources, ask a follow-up."""

    CSS_PATH = "app.tcss"
    TITLE = "CQC report assistant"
    BINDINGS = [
        Binding("f1", "help", "Help"),
        Binding("f2", "toggle_sources", "Sources"),
        Binding("f3", "focus_sources", "Pick source"),
        Binding("f5", "history", "History"),
        Binding("ctrl+n", "new", "New chat"),
        Binding("escape", "focus_prompt", "Prompt", show=False),
    ]

    def __init__(self, loader: Loader | None = None, *, corpus_dir: Path | None = None,
                 index_dir: Path | None = None, model_dir: str | None = None, filters: Filters = Filters(),
                 mode: str | None = None, k: int | None = None, reindexer: Reindexer | None = None,
                 history_dir: Path | None = None) -> None:
        super().__init__()
        self.corpus_dir = config.corpus_dir(corpus_dir)
        self.index_dir = config.index_dir(index_dir)
        if loader is None:
            from assistant.session import load_assistant

            loader = functools.partial(load_assistant, self.index_dir, model_dir)
        self.loader = loader
        self.reindexer = reindexer or functools.partial(reindex_and_load, self.corpus_dir, self.index_dir,
                                                        model_dir)
        self.history_dir = history_dir
        self.recall = history.InputRecall(history_dir)
        self.assistant = None
        self.conversation = Conversation(None, filters, mode, k)
        self.conversation_id = history.new_id()
        self.created: str | None = None
        self.loading = True
        self.load_error: str | None = None
        self.busy = False
        self.reindexing = False
        self.queue: deque[tuple[str, TurnView | None]] = deque()
        self.sources_of: TurnView | None = None

    # -- layout -----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="status")
        with Horizontal(id="main"):
            yield VerticalScroll(id="conversation")
            with Vertical(id="sources-pane"):
                yield Label("Sources", id="sources-title")
                yield SourcesList(id="sources")
        yield ProgressBar(id="progress", show_eta=False)
        yield PromptInput(self.recall, id="prompt", placeholder="Ask a question, or /help")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = str(self.index_dir.resolve())
        self.note("Loading the index and the model… you can type questions now; they are answered once it is ready.")
        self._refresh_status()
        self.query_one(PromptInput).focus()
        self._load()

    # -- helpers ----------------------------------------------------------------------------------

    @property
    def pane(self) -> VerticalScroll:
        return self.query_one("#conversation", VerticalScroll)

    @property
    def prompt(self) -> PromptInput:
        return self.query_one(PromptInput)

    def note(self, text: str, error: bool = False) -> Note:
        """Add a line from the assistant (an error in red) to the conversation."""
        widget = Note(Text(text), classes="error" if error else "")
        self.pane.mount(widget)
        self.pane.scroll_end(animate=False)
        return widget

    def _refresh_status(self) -> None:
        conv = self.conversation
        filters = conv.filters.describe() or "none"
        if self.loading:
            head = "loading the index and model…"
        elif self.assistant is None:
            head = f"no index loaded ({self.load_error})"
        else:
            version = Path(getattr(self.assistant.data, "path", "")).name or "?"
            head = f"index {version} · {len(self.assistant.catalog.providers())} providers"
        mode = conv.mode or (self.assistant.retriever.settings.mode if self.assistant else "hybrid")
        about = " · ".join(conv.focus()) or "—"
        parts = [head, f"mode {mode}", f"filters: {filters}", f"about: {about}"]
        if self.reindexing:
            parts.append("re-indexing…")
        self.query_one("#status", Static).update(Text("  │  ".join(parts)))

    def _lock(self, locked: bool) -> None:
        self.busy = locked
        self.prompt.disabled = locked
        if not locked:
            self.prompt.focus()

    # -- input --------------------------------------------------------------------------------------

    def on_input_submitted(self, event: PromptInput.Submitted) -> None:
        line = event.value
        event.input.value = ""
        self.submit(line)

    def submit(self, line: str) -> None:
        """Take one line from the user: run it now, or queue it while loading or answering."""
        if not line.strip():
            self.note("Type a question, or /help for the commands.", error=True)
            return
        self.recall.add(line)
        if self.loading or self.busy:
            view = None
            if not line.strip().startswith("/"):
                view = TurnView(line.strip(), "queued: waiting for the index and model")
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
        """Carry out one line: a question or a slash command."""
        try:
            command = commands.parse(line)
            if isinstance(command, commands.Ask):
                self._ask(command.question, view)
            elif isinstance(command, (commands.Filter, commands.Mode, commands.New)):
                catalog = getattr(self.assistant, "catalog", None)
                message = commands.apply(command, self.conversation, catalog)
                if isinstance(command, commands.New):
                    self._fresh_pane()
                self.note(message)
            elif isinstance(command, commands.Export):
                path = export.write(command.path, self.conversation.turns, self.conversation.filters,
                                    self.conversation.mode)
                n = len(self.conversation.turns)
                self.note(f"exported {n} question{'s' if n != 1 else ''} with their cited passages to {path}")
            elif isinstance(command, commands.OpenSource):
                self._open_numbered(command.n)
            elif isinstance(command, commands.Help):
                self.action_help()
            elif isinstance(command, commands.Reindex):
                self._start_reindex()
            elif isinstance(command, commands.History):
                self.action_history()
        except (ValueError, OSError) as exc:
            if view is not None:
                view.show_error(one_line(exc))
            else:
                self.note(one_line(exc), error=True)
        self._refresh_status()

    # -- loading ------------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="load")
    def _load(self) -> None:
        try:
            assistant = self.loader()
        except Exception as exc:  # shown in the window: the chat must never die with a traceback
            self.call_from_thread(self._load_failed, one_line(exc))
        else:
            self.call_from_thread(self._loaded, assistant)

    def _loaded(self, assistant) -> None:
        self._use(assistant)
        self.loading = False
        self.note(f"Ready: {len(assistant.catalog.providers())} providers. Ask a question, or /help.")
        self._refresh_status()
        self._drain()

    def _load_failed(self, message: str) -> None:
        self.loading = False
        self.load_error = message
        self.note(f"Cannot load the index: {message}. Build it with `assistant index build` or /reindex.",
                  error=True)
        self._refresh_status()
        self._drain()

    def _use(self, assistant) -> None:
        self.assistant = assistant
        self.conversation.assistant = assistant
        self.load_error = None

    # -- answering ----------------------------------------------------------------------------------

    def _ask(self, question: str, view: TurnView | None) -> None:
        if view is None:
            view = TurnView(question)
            self.pane.mount(view)
        if self.assistant is None:
            view.show_error(f"no index is loaded ({self.load_error}); build it with `assistant index build` "
                            "or /reindex")
            return
        view.set_state("thinking…")
        self.pane.scroll_end(animate=False)
        self._lock(True)
        self._answer(question, view)

    @work(thread=True, group="answer")
    def _answer(self, question: str, view: TurnView) -> None:
        try:
            answer = self.conversation.ask(question)
        except Exception as exc:  # shown in the window, never as a traceback
            self.call_from_thread(self._answer_failed, view, one_line(exc))
        else:
            self.call_from_thread(self._answered, view, answer)

    def _answered(self, view: TurnView, answer: Answer) -> None:
        view.show_answer(answer)
        self._show_sources(view)
        self._save()
        self._lock(False)
        self._refresh_status()
        self.call_after_refresh(self.pane.scroll_end, animate=False)
        self._drain()

    def _answer_failed(self, view: TurnView, message: str) -> None:
        view.show_error(message)
        self._lock(False)
        self._drain()

    def _save(self) -> None:
        self.created = self.created or history.timestamp()
        try:
            history.save(self.conversation, self.conversation_id, self.created, self.history_dir)
        except OSError as exc:
            self.note(f"could not save the conversation: {one_line(exc)}", error=True)

    # -- sources ------------------------------------------------------------------------------------

    def _show_sources(self, view: TurnView | None) -> None:
        self.sources_of = view
        citations = view.answer.citations if view is not None and view.answer else ()
        self.query_one(SourcesList).show(citations)
        title = f"Sources ({len(citations)})" if citations else "Sources"
        self.query_one("#sources-title", Label).update(title)

    def open_citation(self, cited: Citation) -> None:
        """Open the report section a citation quotes, with the cited sentence highlighted."""
        if self.assistant is None:
            self.note("no index is loaded, so the report cannot be opened", error=True)
            return
        try:
            section = locate(self.assistant.data.reports, cited)
        except KeyError:
            self.note(f"report {cited.report} is no longer in the index; ask the question again", error=True)
            return
        if section.cited != cited.text:
            self.note(f"report {cited.report} has changed since this answer; ask the question again", error=True)
            return
        self.push_screen(SectionScreen(section, cited))

    def _open_numbered(self, n: int, view: TurnView | None = None) -> None:
        view = view or self._last_answered()
        if view is None:
            raise ValueError("no answer yet, so no sources to open")
        found = citation(view.answer.citations, n)
        if found is None:
            raise ValueError(f"the answer has no source [{n}]")
        self.open_citation(found)

    def _last_answered(self) -> TurnView | None:
        answered = [v for v in self.query(TurnView) if v.answer is not None]
        return answered[-1] if answered else None

    def on_list_view_selected(self, event: ListView.Selected) -> None:
        if isinstance(event.item, SourceItem):
            self.open_citation(event.item.citation)

    def on_markdown_link_clicked(self, event: Markdown.LinkClicked) -> None:
        n = cite_number(event.href)
        view = next((a for a in event.markdown.ancestors if isinstance(a, TurnView)), None)
        if n is None or view is None or view.answer is None:
            return
        self._show_sources(view)
        try:
            self._open_numbered(n, view)
        except ValueError as exc:
            self.note(one_line(exc), error=True)

    # -- re-indexing --------------------------------------------------------------------------------

    def _start_reindex(self) -> None:
        if self.reindexing:
            raise ValueError("a re-index is already running")
        self.reindexing = True
        bar = self.query_one("#progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        self.note(f"Re-indexing {self.corpus_dir}; answers come from the current index until it is done.")
        self._reindex()

    @work(thread=True, exclusive=True, group="reindex")
    def _reindex(self) -> None:
        def progress(stage: str, done: int, total: int) -> None:
            self.call_from_thread(self._progress, stage, done, total)

        try:
            assistant, lines = self.reindexer(self.assistant, progress)
        except Exception as exc:  # shown in the window, never as a traceback
            self.call_from_thread(self._reindexed, None, [f"re-index failed: {one_line(exc)}"])
        else:
            self.call_from_thread(self._reindexed, assistant, lines)

    def _progress(self, stage: str, done: int, total: int) -> None:
        self.query_one("#progress", ProgressBar).update(total=total or None, progress=done)
        self.query_one("#status", Static).update(Text(f"re-indexing: {stage} {done}/{total}"))

    def _reindexed(self, assistant, lines: list[str]) -> None:
        self.reindexing = False
        self.query_one("#progress", ProgressBar).display = False
        if assistant is not None:
            self._use(assistant)
            self.note("\n".join(lines) + "\nNow answering from the new index.")
        else:
            self.note("\n".join(lines), error=True)
        self._refresh_status()

    # -- actions (keys and the command palette) -----------------------------------------------------

    def action_help(self) -> None:
        self.pane.mount(Markdown(commands.HELP, classes="help"))
        self.pane.scroll_end(animate=False)

    def action_toggle_sources(self) -> None:
        pane = self.query_one("#sources-pane")
        pane.display = not pane.display

    def action_focus_sources(self) -> None:
        self.query_one("#sources-pane").display = True
        sources = self.query_one(SourcesList)
        if sources.index is None and sources.children:
            sources.index = 0
        sources.focus()

    def action_focus_prompt(self) -> None:
        if not self.prompt.disabled:
            self.prompt.focus()

    def action_new(self) -> None:
        self.submit("/new")

    def action_history(self) -> None:
        self.push_screen(HistoryScreen(history.list_saved(self.history_dir)), callback=self._reopen)

    def _fresh_pane(self) -> None:
        self.conversation_id = history.new_id()
        self.created = None
        self.pane.remove_children()
        self._show_sources(None)

    def _reopen(self, conversation_id: str | None) -> None:
        if not conversation_id:
            return
        try:
            record = history.load(conversation_id, self.history_dir)
        except ValueError as exc:
            self.note(one_line(exc), error=True)
            return
        self._fresh_pane()
        history.restore(record, self.conversation)
        self.conversation_id, self.created = record.id, record.created
        view = None
        for turn in record.turns:
            view = TurnView(turn.question)
            view.answer = turn.answer
            self.pane.mount(view)
        self.note(f"Reopened the conversation of {record.created.replace('T', ' ')}; follow-ups continue it.")
        self.call_after_refresh(self._show_sources, view)
        self._refresh_status()

    def prefill(self, text: str) -> None:
        """Put ``text`` at the prompt for the user to complete."""
        self.prompt.value = text
        self.prompt.cursor_position = len(text)
        self.prompt.focus()

    def get_system_commands(self, screen):
        yield from super().get_system_commands(screen)
        yield from palette_commands(self)
