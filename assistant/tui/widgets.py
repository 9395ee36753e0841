"""The chat's widgets: a turn (question, what was searched, answer, findings table), the sources
list, the prompt with input recall, and the screens that open a cited section or a past conversation."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label, ListItem, ListView, Markdown, OptionList, Static
from textual.widgets.option_list import Option

from assistant.chat.history import InputRecall, Saved
from assistant.models import Answer, Citation
from assistant.chat.sources import CitedSection, link_markers, snippet

HIGHLIGHT = "bold black on yellow"


class Note(Static):
    """A line from the assistant itself: progress, a command's result, or an error (class "error")."""


class TurnView(Vertical):
    """One question and, once it comes, its answer (or why there is none)."""

    def __init__(self, question: str, state: str = "thinking…") -> None:
        super().__init__(classes="turn")
        self.question = question
        self.answer: Answer | None = None
        self.error: str | None = None
        self._state = state

    def compose(self) -> ComposeResult:
        yield Static(Text(f"› {self.question}"), classes="question")
        if self.error is not None:
            yield Note(Text(self.error), classes="error")
            return
        answer = self.answer
        if answer is None:
            yield Static(Text(self._state), classes="pending")
            return
        if answer.resolved_query:
            yield Static(Text(f"searching: {answer.resolved_query}"), classes="resolved")
        known = {c.n for c in answer.citations}
        classes = "answer no-answer" if answer.no_answer else "answer"
        yield Markdown(link_markers(answer.text, known), classes=classes, open_links=False)
        if answer.kind == "set" and answer.providers:
            table = DataTable(classes="findings", cursor_type="none", zebra_stripes=True)
            table.add_columns("provider", "finding", "sources")
            for p in answer.providers:
                table.add_row(p.name, p.finding, " ".join(f"[{n}]" for n in p.citations))
            yield table

    def set_state(self, state: str) -> None:
        """Show where the question stands ("queued", "thinking…")."""
        self._state = state
        self.refresh(recompose=True)

    def show_answer(self, answer: Answer) -> None:
        """Show the answer, what was searched, and for a set question the provider × finding table."""
        self.answer = answer
        self.refresh(recompose=True)

    def show_error(self, message: str) -> None:
        self.error = message
        self.refresh(recompose=True)


class SourceItem(ListItem):
    """A citation in the sources list."""

    def __init__(self, citation: Citation) -> None:
        self.citation = citation
        c = citation
        head = Text()
        head.append(f"[{c.n}] ", style="bold")
        head.append(c.provider, style="bold")
        head.append(f" · {c.report}" + (f" ({c.date})" if c.date else ""))
        head.append(f"\n{c.section}", style="italic")
        head.append(f"\n“{snippet(c.text)}”", style="dim")
        super().__init__(Static(head))


class SourcesList(ListView):
    """The citations of one answer; Enter or a click opens the cited section."""

    def show(self, citations: tuple[Citation, ...]) -> None:
        self.clear()
        self.extend(SourceItem(c) for c in citations)
        if citations:
            self.call_after_refresh(setattr, self, "index", 0)


class PromptInput(Input):
    """The question line. Up/Down recall earlier inputs."""

    BINDINGS = [
        Binding("up", "recall(-1)", "Earlier input", show=False),
        Binding("down", "recall(1)", "Later input", show=False),
    ]

    def __init__(self, recall: InputRecall, **kwargs) -> None:
        super().__init__(**kwargs)
        self.recall = recall

    def action_recall(self, step: int) -> None:
        self.value = self.recall.previous(self.value) if step < 0 else self.recall.next()
        self.cursor_position = len(self.value)


def highlighted(cited: CitedSection) -> Text:
    """The section text with the cited span styled."""
    text = Text(cited.text)
    text.stylize(HIGHLIGHT, cited.start, cited.end)
    return text


class SectionScreen(ModalScreen[None]):
    """A report section with the cited sentence highlighted."""

    BINDINGS = [Binding("escape,q", "dismiss", "Close")]

    def __init__(self, cited: CitedSection, citation: Citation) -> None:
        super().__init__()
        self.cited = cited
        self.citation = citation
        self.body = highlighted(cited)

    def compose(self) -> ComposeResult:
        c, r = self.citation, self.cited.report
        when = f", {r.date_text or r.date}" if (r.date_text or r.date) else ""
        with Vertical(id="section-dialog"):
            yield Label(Text(f"[{c.n}] {r.provider}{when}", style="bold"), id="section-title")
            yield Label(Text(f"{self.cited.title} · {r.source} · characters {c.start}–{c.end}"),
                        id="section-where")
            with VerticalScroll(id="section-scroll"):
                yield Static(self.body, id="section-body")
            yield Label("Esc closes", classes="hint")

    def on_mount(self) -> None:
        # Scroll so the cited sentence is in view, a few lines below the top.
        line = self.cited.text.count("\n", 0, self.cited.start)
        self.call_after_refresh(self.query_one("#section-scroll").scroll_to, y=max(line - 3, 0), animate=False)

    def highlighted_text(self) -> str:
        """The text the viewer shows highlighted."""
        return "".join(self.body.plain[s.start : s.end] for s in self.body.spans if str(s.style) == HIGHLIGHT)


class HistoryScreen(ModalScreen[str | None]):
    """Pick a past conversation to reopen; returns its id."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Close")]

    def __init__(self, saved: list[Saved]) -> None:
        super().__init__()
        self.saved = saved

    def compose(self) -> ComposeResult:
        with Vertical(id="history-dialog"):
            yield Label(Text("Past conversations", style="bold"))
            if not self.saved:
                yield Label("No saved conversations yet.")
            options = [Option(f"{s.updated.replace('T', ' ')} · {s.turns} turns · {snippet(s.title, 70)}", id=s.id)
                       for s in self.saved]
            yield OptionList(*options, id="history-list")
            yield Label("Enter reopens · Esc closes", classes="hint")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
