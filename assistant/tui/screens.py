"""The chat's pop-ups: a cited report section, the history browser, a yes/no question, a title.

Each has its own Footer, so the keys it takes (Esc Close, Ctrl+C Copy, F2 Rename, …)
show while it is open. Closing any of them puts the focus back on the prompt
(``ChatScreen`` in ``app.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from assistant.chat import history
from assistant.chat.display import blanked, flat, plain
from assistant.chat.export import citation_markdown
from assistant.chat.sources import CitedSection, snippet
from assistant.errors import AssistantError
from assistant.models import Citation

HIGHLIGHT = "bold black on yellow"


def highlighted(cited: CitedSection) -> Text:
    """The section text with the cited span styled (control characters removed, offsets kept)."""
    text = Text(blanked(cited.text))  # same length: the highlight still falls on the cited offsets
    text.stylize(HIGHLIGHT, cited.start, cited.end)
    return text


class SectionScreen(ModalScreen[None]):
    """A report section with the cited sentence highlighted."""

    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        Binding("ctrl+c", "copy", "Copy citation"),
    ]

    def __init__(self, cited: CitedSection, citation: Citation) -> None:
        super().__init__()
        self.cited = cited
        self.citation = citation
        self.body = highlighted(cited)
        self.closing = False

    def on_key(self, event) -> None:
        # A letter typed while reading starts the next question: it closes the viewer and goes to the
        # prompt, and so does every key after it until the viewer is gone (no key is lost in between).
        if event.is_printable and event.character:
            self.app.type_into_prompt(event.character)
            event.stop()
            event.prevent_default()
            if not self.closing:
                self.closing = True
                self.dismiss()

    def compose(self) -> ComposeResult:
        c, r = self.citation, self.cited.report
        when = r.date_text or r.date
        # Three short lines rather than one long one, so the offsets survive a narrow terminal.
        with Vertical(id="section-dialog"):
            yield Static(Text(f"[{c.n}] {flat(r.provider)}" + (f", {flat(when)}" if when else ""), style="bold"),
                         id="section-title")
            yield Static(Text(flat(self.cited.title), style="italic"), id="section-path")
            yield Static(Text(f"characters {c.start}–{c.end} · {flat(r.source)}"), id="section-where")
            with VerticalScroll(id="section-scroll"):
                yield Static(self.body, id="section-body")
        yield Footer()

    def on_mount(self) -> None:
        # Scroll so the cited sentence is in view, a few lines below the top.
        line = self.cited.text.count("\n", 0, self.cited.start)
        self.call_after_refresh(self.query_one("#section-scroll").scroll_to, y=max(line - 3, 0), animate=False)

    def highlighted_text(self) -> str:
        """The text the viewer shows highlighted."""
        return "".join(self.body.plain[s.start : s.end] for s in self.body.spans if str(s.style) == HIGHLIGHT)

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(citation_markdown(self.citation))
        self.app.notify(f"Copied citation [{self.citation.n}] as Markdown.", markup=False)


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question; returns True for yes."""

    BINDINGS = [
        Binding("y", "dismiss(True)", "Yes"),
        Binding("n,escape", "dismiss(False)", "No"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog", classes="dialog"):
            yield Static(Text(plain(self.question)), id="confirm-question")
            yield Static(Text("y  yes   ·   n or Esc  no"), classes="hint")
        yield Footer()


class TitleScreen(ModalScreen[str | None]):
    """Ask for a title (renaming a saved conversation); returns it, or None when cancelled."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, current: str) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="title-dialog", classes="dialog"):
            yield Static(Text("Title (empty: its first question)"))
            yield Input(flat(self.current), id="title-input")
            yield Static(Text("Enter saves · Esc cancels"), classes="hint")
        yield Footer()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)


@dataclass
class HistoryChoice:
    """What the history browser did: the conversation to reopen, and any it deleted."""

    reopen: str | None = None
    deleted: set[str] = field(default_factory=set)


class HistoryList(OptionList):
    """Saved conversations; Enter reopens, F2 renames, Delete deletes. Letters typed here search
    (so no letter is a key of its own)."""

    BINDINGS = [
        Binding("enter", "select", "Reopen"),
        Binding("f2", "screen.rename", "Rename"),
        Binding("delete", "screen.delete", "Delete"),
    ]


class HistoryScreen(ModalScreen[HistoryChoice]):
    """Browse past conversations: search by title and question text, reopen, rename, delete."""

    BINDINGS = [Binding("escape", "close", "Close")]

    def __init__(self, directory: Path | None = None) -> None:
        super().__init__()
        self.directory = directory
        self.saved = history.list_saved(directory)
        self.choice = HistoryChoice()

    def compose(self) -> ComposeResult:
        with Vertical(id="history-dialog", classes="dialog"):
            yield Static(Text("Past conversations", style="bold"))
            yield Input(placeholder="Search titles and questions", id="history-search")
            yield HistoryList(id="history-list")
            yield Static(Text(""), id="history-message", classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        self._fill()
        self.query_one(HistoryList).focus()

    @property
    def listed(self) -> HistoryList:
        return self.query_one(HistoryList)

    def _fill(self, keep: str | None = None) -> None:
        query = self.query_one("#history-search", Input).value
        shown = [s for s in self.saved if history.matches(s, query)]
        options = [Option(Text(f"{s.updated.replace('T', ' ')} · {s.turns} turn{'s' if s.turns != 1 else ''} · "
                               f"{snippet(flat(s.title), 70)}"), id=s.id) for s in shown]
        self.listed.clear_options()
        self.listed.add_options(options)
        ids = [s.id for s in shown]
        if ids:
            self.listed.highlighted = ids.index(keep) if keep in ids else 0
        message = ("No saved conversations yet." if not self.saved else
                   "Nothing matches the search." if not shown else
                   "Type to search · Enter reopens · F2 renames · Delete deletes · Esc closes")
        self.query_one("#history-message", Static).update(Text(message))

    def _say(self, message: str) -> None:
        self.query_one("#history-message", Static).update(Text(plain(message)))

    def _current(self) -> history.Saved | None:
        option = self.listed.highlighted_option
        return next((s for s in self.saved if option is not None and s.id == option.id), None)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "history-search":
            self._fill()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "history-search" and self.listed.option_count:
            self.listed.focus()

    def on_key(self, event) -> None:
        # Typing while the list has focus searches, as it would in the prompt.
        if (event.is_printable and event.character and self.focused is self.listed
                and event.key not in self.active_bindings):
            search = self.query_one("#history-search", Input)
            self.set_focus(search)  # at once: the next key typed goes to the search too
            search.insert_text_at_cursor(event.character)
            event.stop()
            event.prevent_default()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.choice.reopen = event.option.id
        self.dismiss(self.choice)

    def action_close(self) -> None:
        self.dismiss(self.choice)

    def action_rename(self) -> None:
        saved = self._current()
        if saved is None:
            return

        def done(title: str | None) -> None:
            if title is None:
                return
            try:
                history.rename(saved.id, title, self.directory)
            except AssistantError as exc:
                self._say(str(exc))
                return
            self.saved = history.list_saved(self.directory)
            self._fill(keep=saved.id)
            self._say(f"Renamed to “{flat(title) or 'its first question'}”.")

        self.app.push_screen(TitleScreen(saved.title), callback=done)

    def action_delete(self) -> None:
        saved = self._current()
        if saved is None:
            return

        def done(yes: bool | None) -> None:
            if not yes:
                return
            try:
                history.delete(saved.id, self.directory)
            except AssistantError as exc:
                self._say(str(exc))
                return
            self.choice.deleted.add(saved.id)
            self.saved = history.list_saved(self.directory)
            self._fill()
            self._say(f"Deleted “{snippet(flat(saved.title), 50)}”.")

        self.app.push_screen(ConfirmScreen(f"Delete the conversation “{snippet(flat(saved.title), 60)}”? "
                                           "This cannot be undone."), callback=done)
