"""The chat's pop-ups: a cited report section, the history browser, a yes/no question, a title.

Each has its own Footer, so the keys it takes (Esc Close, Ctrl+C Copy, F2 Rename, …)
show while it is open. Closing any of them puts the focus back on the prompt
(``ChatScreen`` in ``app.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.geometry import Region
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from assistant.chat import history
from assistant.chat.display import blanked, flat, plain, shown
from assistant.chat.export import citation_markdown
from assistant.chat.sources import CitedSection, snippet
from assistant.errors import AssistantError
from assistant.models import Citation
from assistant.tui.keys import HOLD, KeysReady, typed
from assistant.tui.widgets import KeysInOrder

# The cited span: black on a light yellow (19:1), marked so the viewer can find the rows it fills.
HIGHLIGHT = Style(bold=True, color="#000000", bgcolor="#ffd75f", meta={"cited": True})


def highlighted(cited: CitedSection) -> Text:
    """The section text with the cited span styled (control characters removed, offsets kept)."""
    text = Text(blanked(cited.text))  # same length: the highlight still falls on the cited offsets
    text.stylize(HIGHLIGHT, cited.start, cited.end)
    return text


def cited_rows(widget) -> list[int]:
    """The rows of ``widget``'s rendered lines, as laid out now, that show part of the cited span."""
    width, height = widget.size
    if not width or not height:
        return []
    return [y for y, strip in enumerate(widget.render_lines(Region(0, 0, width, height)))
            if any(seg.style is not None and (seg.style.meta or {}).get("cited") for seg in strip)]


class SectionScroll(VerticalScroll):
    """The section's text; after every change of size (opening, a terminal resize) the cited sentence
    is scrolled back to the middle, wherever the new width wraps it."""

    def on_resize(self) -> None:
        self.screen.call_after_refresh(self.screen.center_cited)


class SectionScreen(ModalScreen[None]):
    """A report section, opened with the cited sentence highlighted in the middle of the view.

    A letter typed while reading closes it and starts the next question at the prompt
    (the app routes it: ``ChatApp.text_target``).
    """

    BINDINGS = [
        Binding("escape", "close", "Close", priority=True),
        Binding("ctrl+c", "copy", "Copy citation", priority=True),
    ]

    def __init__(self, cited: CitedSection, citation: Citation) -> None:
        super().__init__()
        self.cited = cited
        self.citation = citation
        self.body = highlighted(cited)

    def close(self) -> None:
        """Close the viewer now (the screen below is on top before the next key is read)."""
        if self.app.screen is self:
            self.dismiss()

    def action_close(self) -> None:
        self.close()

    def compose(self) -> ComposeResult:
        c, r = self.citation, self.cited.report
        when = r.date_text or r.date
        # Three short lines rather than one long one, so the offsets survive a narrow terminal.
        with Vertical(id="section-dialog"):
            yield Static(Text(f"[{c.n}] {flat(r.provider)}" + (f", {flat(when)}" if when else ""), style="bold"),
                         id="section-title")
            yield Static(Text(flat(self.cited.title), style="italic"), id="section-path")
            yield Static(Text(f"characters {c.start}–{c.end} · {flat(r.source)}"), id="section-where")
            with SectionScroll(id="section-scroll"):
                yield Static(self.body, id="section-body")
        yield Footer()

    def center_cited(self) -> None:
        """Scroll the cited sentence to the middle of the view (its first line at the top when it is
        taller than the view)."""
        scrolls, bodies = self.query(SectionScroll), self.query("#section-body")
        if not scrolls or not bodies or not bodies.first().is_mounted:
            return  # closed before it was laid out (a letter typed at once closes it)
        scroll = scrolls.first()
        rows = cited_rows(bodies.first())
        if not rows:
            return
        first, last = rows[0], rows[-1]
        view = scroll.scrollable_content_region.height
        top = first if last - first + 1 >= view else (first + last + 1) // 2 - view // 2
        scroll.scroll_to(y=max(0, min(top, scroll.max_scroll_y)), animate=False, immediate=True)

    def highlighted_text(self) -> str:
        """The text the viewer shows highlighted."""
        return "".join(self.body.plain[s.start : s.end] for s in self.body.spans if s.style == HIGHLIGHT)

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(citation_markdown(self.citation))
        self.app.notify(f"Copied citation [{self.citation.n}] as Markdown.", markup=False)


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question; returns True for yes."""

    BINDINGS = [
        Binding("y", "dismiss(True)", "Yes", priority=True),
        Binding("n,escape", "dismiss(False)", "No", priority=True),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog", classes="dialog"):
            yield Static(Text(plain(self.question)), id="confirm-question")
            yield Static(Text("y  yes   ·   n or Esc  no"), classes="hint")
        yield Footer()


class TypedInto:
    """Mixed into a pop-up with a text box: the app sends typed text there (``ChatApp.text_target``),
    holding it until the box is mounted."""

    ready = False

    def typing_box(self):
        raise NotImplementedError

    def text_target(self, event):
        if not self.ready:
            return HOLD
        return self.typing_box() if typed(event) else None

    def boxes_ready(self) -> None:
        """Call from ``on_mount``: the box has the focus, and keys held meanwhile follow."""
        self.set_focus(self.typing_box())
        self.ready = True
        self.app.post_message(KeysReady())


class TextBox(KeysInOrder, Input):
    """A one-line text box whose editing keys act in order with the letters typed."""


class TitleScreen(TypedInto, ModalScreen[str | None]):
    """Ask for a title (renaming a saved conversation); returns it, or None when cancelled."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", priority=True)]

    def __init__(self, current: str) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="title-dialog", classes="dialog"):
            yield Static(Text("Title (empty: its first question)"))
            yield TextBox(flat(self.current), id="title-input")
            yield Static(Text("Enter saves · Esc cancels"), classes="hint")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.boxes_ready()

    def typing_box(self):
        return self.query_one("#title-input", TextBox)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)


@dataclass
class HistoryChoice:
    """What the history browser did: the conversation to reopen, and any it deleted."""

    reopen: str | None = None
    deleted: set[str] = field(default_factory=set)


class HistoryList(OptionList):
    """Saved conversations, two lines each: when, turns and title; the corpus and index it was asked of."""


class HistorySearch(TextBox):
    """The history browser's search box. It keeps the focus, and the browser's keys are its own, so
    they act in order with the letters typed: "FTSU" then Enter reopens what "FTSU" finds."""

    BINDINGS = [
        Binding("enter", "screen.reopen", "Reopen"),
        Binding("f2", "screen.rename", "Rename"),
        Binding("delete", "screen.delete", "Delete"),
        Binding("up", "screen.move(-1)", "Up", show=False),
        Binding("down", "screen.move(1)", "Down", show=False),
        Binding("pageup", "screen.move(-8)", "Page up", show=False),
        Binding("pagedown", "screen.move(8)", "Page down", show=False),
    ]


class HistoryScreen(TypedInto, ModalScreen[HistoryChoice]):
    """Browse past conversations: search by title and question text, reopen, rename, delete.

    The search box keeps the focus; Up/Down (and PageUp/PageDown) move through the list, Enter
    reopens, F2 renames, Delete deletes. Conversations asked of this chat's corpus and index come
    first; the others say which corpus and index they belong to.
    """

    BINDINGS = [Binding("escape", "close", "Close", priority=True)]

    def __init__(self, directory: Path | None = None, corpus: Path | None = None, index: Path | None = None) -> None:
        super().__init__()
        self.directory = directory
        self.corpus, self.index = corpus, index
        self.saved = self._listed()
        self.choice = HistoryChoice()

    def _listed(self) -> list[history.Saved]:
        saved = history.list_saved(self.directory)
        if self.index is None:
            return saved
        return sorted(saved, key=lambda s: not s.asked_of(self.corpus, self.index))  # stable: newest first within

    def compose(self) -> ComposeResult:
        with Vertical(id="history-dialog", classes="dialog"):
            yield Static(Text("Past conversations", style="bold"))
            yield HistorySearch(placeholder="Type to search titles and questions", id="history-search")
            yield HistoryList(id="history-list")
            yield Static(Text(""), id="history-message", classes="hint")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._fill()
        self.boxes_ready()

    def typing_box(self):
        return self.search

    @property
    def search(self) -> HistorySearch:
        return self.query_one(HistorySearch)

    @property
    def listed(self) -> HistoryList:
        return self.query_one(HistoryList)

    def where(self, saved: history.Saved) -> str:
        """The second line of an entry: which corpus and index the conversation was asked of."""
        if self.index is not None and saved.asked_of(self.corpus, self.index):
            return "this corpus and index" if saved.index else "corpus and index not recorded"
        corpus = f"corpus {short_path(saved.corpus)} · " if saved.corpus else ""
        return f"{corpus}index {short_path(saved.index)}"

    def _fill(self, keep: str | None = None) -> None:
        query = self._filled_for = self.search.value
        shown = [s for s in self.saved if history.matches(s, query)]
        options = [Option(Text.assemble(f"{history.when(s.updated)} · {s.turns} turn{'s' if s.turns != 1 else ''} · "
                                        f"{snippet(flat(s.title), 70)}\n", (flat(self.where(s)), "italic")), id=s.id)
                   for s in shown]
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

    def _up_to_date(self) -> None:
        # A key acting right after letters (Enter after "FTSU") comes before the search's Changed message.
        if self.search.value != getattr(self, "_filled_for", None):
            self._fill()

    def _current(self) -> history.Saved | None:
        self._up_to_date()
        option = self.listed.highlighted_option
        return next((s for s in self.saved if option is not None and s.id == option.id), None)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input is self.search:
            self._up_to_date()

    def action_move(self, step: int) -> None:
        self._up_to_date()
        count = self.listed.option_count
        if count:
            now = self.listed.highlighted or 0
            self.listed.highlighted = max(0, min(count - 1, now + step))

    def action_reopen(self) -> None:
        saved = self._current()
        if saved is None:
            self._say("Nothing to reopen: no conversation matches the search." if self.saved else
                      "No saved conversations yet.")
            return
        self.choice.reopen = saved.id
        self.dismiss(self.choice)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.choice.reopen = event.option.id  # a click
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
            self.saved = self._listed()
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
            self.saved = self._listed()
            self._fill()
            self._say(f"Deleted “{snippet(flat(saved.title), 50)}”.")

        self.app.push_screen(ConfirmScreen(f"Delete the conversation “{snippet(flat(saved.title), 60)}”? "
                                           "This cannot be undone."), callback=done)


def short_path(path: str) -> str:
    """A folder as one short line: under the working folder relative to it, under home with "~"."""
    if not path:
        return "?"
    p = Path(path)
    for base, prefix in ((Path.cwd(), ""), (Path.home(), "~/")):
        try:
            rel = p.relative_to(base)
        except ValueError:
            continue
        return shown(f"{prefix}{rel}" if str(rel) != "." else (prefix.rstrip("/") or "."))
    return shown(path)
