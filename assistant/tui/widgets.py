"""The chat's widgets: a turn (question, what was searched, answer, provider × finding table), the
sources list, and the prompt with input recall.

Report text and names are data. Every string that came from a report, a file
name or the user reaches the screen as a Rich ``Text`` built from
``display.plain(...)``, never as a markup string: "[/]" in a provider name is
shown as typed, and an escape sequence in a report is never sent to the terminal.
"""

from __future__ import annotations

from rich import box
from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import ListItem, ListView, Markdown, Static, TextArea

from assistant.chat.conversation import Turn
from assistant.chat.display import answer_markdown, flat, plain, why_no_answer
from assistant.chat.export import citation_markdown, turn_markdown
from assistant.chat.history import InputRecall
from assistant.chat.sources import link_markers, snippet
from assistant.models import Answer, Citation, ProviderFinding


class Note(Static):
    """A line from the assistant itself: progress, a command's result, or an error (class "error")."""

    def __init__(self, text: str, classes: str = "") -> None:
        super().__init__(Text(plain(text)), classes=classes)


class ConversationPane(VerticalScroll, can_focus=False):
    """The turns, newest last. Not focusable itself: Tab goes to the answers in it, and the app
    scrolls it with PageUp/PageDown from the prompt.

    It keeps the newest answer in view until the user scrolls: anchored to its end
    (Textual's anchor), or, for an answer taller than the pane, pinned to that
    answer's first line (``pin``). A reflow (the sources pane opening beside it, the
    terminal resized) moves the content under a fixed scroll offset; the anchor
    survives that by itself, and the pin is re-applied here after every change of
    size. Any scroll the user makes (wheel, scrollbar, PageUp) goes through Textual's
    ``release_anchor`` and lets go of the pin too.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.pinned: Widget | None = None  # shown from its top until the user scrolls
        self._pinning = False

    def pin(self, widget: Widget) -> None:
        """Show ``widget`` from its first line, and keep it so through reflows until the user scrolls."""
        self.pinned = widget
        self._show_pinned()

    def follow_end(self) -> None:
        """Drop any pin and follow the end of the conversation again (asking a new question)."""
        self.pinned = None
        self.scroll_end(animate=False)

    def release_anchor(self) -> None:
        super().release_anchor()
        if not self._pinning:
            self.pinned = None  # the user scrolled: leave the view where they put it

    def on_resize(self) -> None:
        # Fires on a change of the pane's size or of its content's: re-apply the pin after a reflow.
        if self.pinned is not None:
            self.call_after_refresh(self._show_pinned)

    def _show_pinned(self) -> None:
        widget = self.pinned
        if widget is None or not widget.is_mounted:
            self.pinned = None
            return
        self._pinning = True
        try:
            self.scroll_to_widget(widget, top=True, animate=False, immediate=True)
        finally:
            self._pinning = False


class FindingsTable(Static):
    """A set question's provider × finding table. A Rich table, so at any width the provider names
    wrap and the finding column stays (a DataTable scrolls it out of view at 80 columns).

    Providers with no evidence and no source are counted in one row rather than listed: over a
    whole corpus they are most of the table (46 rows at 80×24 hid everything else), and the
    answer's text above it names each of them.
    """

    FOLD_NO_EVIDENCE = 3  # more rows than this without evidence become one "N other providers" row

    def __init__(self, providers: tuple[ProviderFinding, ...], selection: bool = False) -> None:
        super().__init__(classes="findings")
        # A selection ("Which services were rated inadequate for safe?") lists only the providers that
        # match, each "meets" the question asked; shown as "meets", an Inadequate service would read as
        # meeting the standard. In a set question "meets" is the standard, and stays.
        self.heading = "matches" if selection else "finding"
        silent = [p for p in providers if p.finding == "no evidence" and not p.citations]
        shown = [p for p in providers if p not in silent] if len(silent) > self.FOLD_NO_EVIDENCE else providers
        self.rows = [(flat(p.name), "yes" if self.heading == "matches" else p.finding,
                      " ".join(f"[{n}]" for n in p.citations)) for p in shown]
        if len(shown) < len(providers):
            self.rows.append((f"{len(silent)} other providers (named in the answer)", "no evidence", ""))

    def render(self) -> Table:
        table = Table(box=box.SIMPLE_HEAD, expand=True, show_edge=False, pad_edge=False, header_style="bold")
        table.add_column("provider", ratio=1, overflow="fold")
        table.add_column(self.heading, no_wrap=True, min_width=len("no evidence"))
        table.add_column("sources", overflow="fold", max_width=14)
        for name, finding, sources in self.rows:
            table.add_row(Text(name), Text(finding), Text(sources))
        return table


class TurnView(Vertical, can_focus=True):
    """One question and, once it comes, its answer (or why there is none). Focus it to copy it
    or to list its sources."""

    # Priority: acted on in the order keys arrive (see ``tui.keys``), before a later key can move the focus.
    BINDINGS = [
        Binding("ctrl+c", "copy", "Copy", priority=True),
        Binding("up", "step(-1)", "Earlier answer", show=False, priority=True),
        Binding("down", "step(1)", "Later answer", show=False, priority=True),
    ]

    class Grew(Message):
        """A newly answered turn changed size (its answer is laying out)."""

        def __init__(self, view: TurnView) -> None:
            super().__init__()
            self.view = view

    def __init__(self, question: str, state: str = "thinking…") -> None:
        super().__init__(classes="turn")
        self.question = question
        self.turn: Turn | None = None
        self.error: str | None = None
        self._state = state
        self.read_from_start = False  # set when an answer arrives: the app may scroll to its top

    def on_resize(self) -> None:
        if self.read_from_start:
            self.post_message(self.Grew(self))

    @property
    def answer(self) -> Answer | None:
        return self.turn.answer if self.turn else None

    def compose(self) -> ComposeResult:
        yield Static(Text(f"› {flat(self.question)}"), classes="question")
        if self.error is not None:
            yield Note(self.error, classes="error")
            return
        if self.turn is None:
            yield Static(Text(self._state), classes="pending")
            return
        answer = self.turn.answer
        if answer.resolved_query:
            yield Static(Text(f"searching: {flat(answer.resolved_query)}"), classes="resolved")
        known = {c.n for c in answer.citations}
        classes = "answer no-answer" if answer.no_answer else "answer"
        # The answer's own Markdown, each quoted report sentence literal (``display.answer_markdown``).
        yield Markdown(link_markers(answer_markdown(answer), known), classes=classes, open_links=False)
        if answer.no_answer:
            yield Static(Text(f"No answer: {why_no_answer(answer, self.turn.filters)}."), classes="why")
        if answer.kind == "set" and answer.providers:
            yield FindingsTable(answer.providers, selection=answer.selection)

    def set_state(self, state: str) -> None:
        """Show where the question stands ("queued", "thinking…")."""
        self._state = state
        self.refresh(recompose=True)

    def show_turn(self, turn: Turn, fresh: bool = True) -> None:
        """Show the answer, what was searched, and for a set question the provider × finding table.

        ``fresh``: a new answer, to be read from its start if it is taller than the pane.
        """
        self.turn = turn
        self.read_from_start = fresh
        self.refresh(recompose=True)

    def show_error(self, message: str) -> None:
        self.error = message
        self.refresh(recompose=True)

    def action_copy(self) -> None:
        if self.turn is None:
            self.app.notify("No answer to copy yet.", severity="warning", markup=False)
            return
        self.app.copy_to_clipboard(turn_markdown(self.turn))
        self.app.notify("Copied the answer and its sources as Markdown.", markup=False)

    def action_step(self, step: int) -> None:
        turns = list(self.screen.query(TurnView))
        at = turns.index(self) + step
        if at >= len(turns):
            self.app.action_focus_prompt()
        elif at >= 0:
            self.screen.set_focus(turns[at])  # at once, so the next key goes to it


class SourceItem(ListItem):
    """A citation in the sources list: number and provider; date and section; the report id on one
    line of its own (cut short with "…" rather than broken mid-word); the sentence."""

    def __init__(self, citation: Citation) -> None:
        c = self.citation = citation
        where = " · ".join(x for x in (c.date or "", flat(c.section)) if x)
        super().__init__(
            Static(Text.assemble((f"[{c.n}] ", "bold"), (flat(c.provider), "bold")), classes="source-head"),
            Static(Text(where, style="italic"), classes="source-where"),
            Static(Text(flat(c.report)), classes="source-id"),
            Static(Text(f"“{snippet(flat(c.text))}”"), classes="source-text"),
        )


class SourcesList(ListView):
    """The citations of one answer; Enter or a click opens the cited section, Ctrl+C copies it."""

    BINDINGS = [
        Binding("enter", "select_cursor", "Open", priority=True),
        Binding("ctrl+c", "copy", "Copy", priority=True),
        Binding("up", "cursor_up", "Up", show=False, priority=True),
        Binding("down", "cursor_down", "Down", show=False, priority=True),
    ]

    def action_select_cursor(self) -> None:
        # Opened here, as the key is read (a priority binding), not by a message handled later.
        item = self.highlighted_child
        if isinstance(item, SourceItem):
            self.app.open_citation(item.citation)

    def show(self, citations: tuple[Citation, ...]) -> None:
        self.clear()
        self.extend(SourceItem(c) for c in citations)
        if citations:
            self.call_after_refresh(setattr, self, "index", 0)

    def action_copy(self) -> None:
        item = self.highlighted_child
        if not isinstance(item, SourceItem):
            return
        self.app.copy_to_clipboard(citation_markdown(item.citation))
        self.app.notify(f"Copied citation [{item.citation.n}] as Markdown.", markup=False)


class KeysInOrder:
    """Mixed into a text box: its own key bindings (Backspace, the arrows, Home, …) act as each key
    comes to it, in order with the letters, not later when the key has bubbled up to the app (by
    then a letter typed after a Backspace was already inserted, and the Backspace deleted it)."""

    async def _on_key(self, event: events.Key) -> None:
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            if binding.priority:
                continue  # the app ran it before the key came here
            if await self.app.run_action(binding.action, self):
                event.stop()
                event.prevent_default()
                return


class Prompt(KeysInOrder, TextArea):
    """The question box: several lines (a paste keeps every line), Enter sends, Ctrl+J (or Alt+Enter,
    or Shift+Enter where the terminal reports it) starts a new line. Up/Down on its first/last line
    recall earlier inputs.

    Enter is taken here, while this widget works through its own keys in order, never by a binding
    resolved later: the text is taken and the box emptied before the next key is read, so two
    questions typed in one burst are two turns, never one merged line.
    """

    NEWLINE_KEYS = ("ctrl+j", "alt+enter", "shift+enter")
    HINT = "Enter sends · Ctrl+J new line"

    class Submitted(Message):
        """The user sent ``text`` (the box is empty again)."""

        def __init__(self, prompt: Prompt, text: str) -> None:
            super().__init__()
            self.prompt = prompt
            self.text = text

    def __init__(self, recall: InputRecall, **kwargs) -> None:
        super().__init__(soft_wrap=True, tab_behavior="focus", show_line_numbers=False, highlight_cursor_line=False,
                         **kwargs)
        self.recall = recall
        self.border_subtitle = self.HINT

    @property
    def value(self) -> str:
        """The text in the box."""
        return self.text

    @value.setter
    def value(self, text: str) -> None:
        self.load_text(text)
        self.move_cursor(self.document.end)

    def insert_text_at_cursor(self, text: str) -> None:
        self.insert(text)

    def hint(self, text: str, seconds: float = 3.0) -> None:
        """Show ``text`` in the prompt's bottom border for a while (a message that covers nothing)."""
        self.border_subtitle = text
        self.add_class("-hint")
        if getattr(self, "_hint_timer", None) is not None:
            self._hint_timer.stop()

        def back() -> None:
            self.border_subtitle = self.HINT
            self.remove_class("-hint")
            self._hint_timer = None

        self._hint_timer = self.set_timer(seconds, back)

    async def _on_key(self, event: events.Key) -> None:
        key = event.key
        if key == "enter":
            event.stop()
            event.prevent_default()
            text = self.text
            self.clear()
            self.post_message(self.Submitted(self, text))
            return
        if key in self.NEWLINE_KEYS:
            event.stop()
            event.prevent_default()
            self.insert("\n")
            return
        if key in ("up", "down"):
            at = self.cursor_location
            edge = (self.navigator.is_first_wrapped_line(at) if key == "up"
                    else self.navigator.is_last_wrapped_line(at))
            if edge:
                event.stop()
                event.prevent_default()
                self.value = self.recall.previous(self.text) if key == "up" else self.recall.next()
        # Anything else: KeysInOrder runs a binding of the box, TextArea inserts a letter.

    async def _on_paste(self, event: events.Paste) -> None:
        # A terminal may send a pasted line break as CR: keep every line as a line.
        text = event.text.replace("\r\n", "\n").replace("\r", "\n")
        event.prevent_default()
        event.stop()
        if not self.read_only:
            self.insert(text)
