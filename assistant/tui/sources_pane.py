"""The chat window's sources: the pane listing an answer's citations, and opening a citation in
its report section. Mixed into ``ChatApp``.

Below 100 columns the pane folds away (``Screen.-narrow`` in ``app.tcss``): F2
shows or hides it for good; F3 "peeks", showing it only until the prompt has the
focus again.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Label, ListView, Markdown

from assistant.chat import commands
from assistant.chat.sources import cite_number, citation, locate
from assistant.models import Citation
from assistant.tui.frontend import shows_errors
from assistant.tui.screens import SectionScreen
from assistant.tui.widgets import SourceItem, SourcesList, TurnView


class SourcesMixin:
    """Listing, opening and picking citations (for ``ChatApp``)."""

    sources_of: TurnView | None = None
    peeking = False  # the pane is shown only while F3 is in use (a narrow terminal)

    def show_sources(self, view: TurnView | None) -> None:
        """List the citations of ``view``'s answer in the sources pane."""
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
            section = locate(self.assistant.report(cited.report), cited)
        except KeyError:
            self.note(f"report {cited.report} is no longer in the index; ask the question again", error=True)
            return
        if section.cited != cited.text:
            self.note(f"report {cited.report} has changed since this answer; ask the question again", error=True)
            return
        self.push_screen(SectionScreen(section, cited))

    def open_numbered(self, n: int, view: TurnView | None = None) -> None:
        """Open citation ``n`` of ``view`` (default: the last answer)."""
        view = view or self.last_answered()
        if view is None:
            raise commands.CommandError("no answer yet, so no sources to open")
        found = citation(view.answer.citations, n)
        if found is None:
            raise commands.CommandError(f"the answer has no source [{n}]")
        self.open_citation(found)

    def last_answered(self) -> TurnView | None:
        """The newest turn that has an answer."""
        answered = [v for v in self.query(TurnView) if v.answer is not None]
        return answered[-1] if answered else None

    def on_list_view_selected(self, event: ListView.Selected) -> None:
        if isinstance(event.item, SourceItem):
            self.open_citation(event.item.citation)

    @shows_errors
    def on_markdown_link_clicked(self, event: Markdown.LinkClicked) -> None:
        n = cite_number(event.href)
        view = next((a for a in event.markdown.ancestors if isinstance(a, TurnView)), None)
        if n is None or view is None or view.answer is None:
            return
        self.show_sources(view)
        self.open_numbered(n, view)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        # Focusing an earlier answer lists its sources; back at the prompt, a peeked pane folds away.
        if isinstance(event.widget, TurnView) and event.widget.answer is not None:
            self.show_sources(event.widget)
        elif event.widget is self.prompt and self.peeking:
            self.peeking = False
            self.query_one("#main").remove_class("show-sources")

    def action_toggle_sources(self) -> None:
        main = self.query_one("#main")
        visible = self.query_one("#sources-pane").display
        main.set_class(not visible, "show-sources")
        main.set_class(visible, "hide-sources")
        self.peeking = False

    def action_focus_sources(self) -> None:
        main = self.query_one("#main")
        if not self.query_one("#sources-pane").display:
            main.add_class("show-sources")
            main.remove_class("hide-sources")
            self.peeking = True
        sources = self.query_one(SourcesList)
        if sources.index is None and sources.children:
            sources.index = 0
        self.focus_now(sources)  # at once: an Enter typed right after F3 opens the source
