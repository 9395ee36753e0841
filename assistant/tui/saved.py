"""Saved conversations in the chat window: saving after every answer, the history browser (F5), and
reopening a past conversation so its follow-ups continue it. Mixed into ``ChatApp``.

A conversation remembers the corpus and index it was asked of. Reopening one asked of
another index says so and offers to switch to that index first; declined, nothing changes.
"""

from __future__ import annotations

import functools
from pathlib import Path

from assistant.chat import history
from assistant.chat.display import shown
from assistant.tui.frontend import one_line, shows_errors
from assistant.tui.screens import ConfirmScreen, HistoryChoice, HistoryScreen, short_path
from assistant.tui.widgets import TurnView


class SavedMixin:
    """Saving, browsing and reopening conversations (for ``ChatApp``)."""

    def save(self) -> None:
        """Save the conversation as it stands (atomically); a failure is a note, not a crash."""
        self.created = self.created or history.timestamp()
        try:
            history.save(self.conversation, self.conversation_id, self.created, self.history_dir,
                         corpus=self.corpus_dir, index=self.index_dir)
        except OSError as exc:
            self.note(f"could not save the conversation: {one_line(exc)}", error=True)

    def action_history(self) -> None:
        self.push_screen(HistoryScreen(self.history_dir, self.corpus_dir, self.index_dir),
                         callback=self._history_closed)

    def fresh_pane(self) -> None:
        """Empty the conversation pane and start a new saved conversation."""
        self.conversation_id = history.new_id()
        self.created = None
        self.pane.remove_children()
        self.show_sources(None)

    @shows_errors
    def _history_closed(self, choice: HistoryChoice | None) -> None:
        if choice is None:
            return
        if self.conversation_id in choice.deleted:
            self.conversation.reset()
            self.fresh_pane()
            self.note("The conversation on screen was deleted; this is a new one.")
        if choice.reopen:
            self._reopen_or_offer(choice.reopen)

    def _reopen_or_offer(self, conversation_id: str) -> None:
        record = history.load(conversation_id, self.history_dir)
        if not record.index or history.same_place(record.corpus, record.index, self.corpus_dir, self.index_dir):
            self._reopen(record)
            return
        theirs = (f"corpus {short_path(record.corpus)}, " if record.corpus else "") + f"index {short_path(record.index)}"
        ours = f"corpus {short_path(str(self.corpus_dir))}, index {short_path(str(self.index_dir))}"

        @shows_errors
        def answered(app, yes: bool | None) -> None:
            if not yes:
                app.note(f"Not reopened: that conversation was asked of {theirs}; this chat answers from {ours}.")
                return
            corpus = Path(record.corpus) if record.corpus else app.corpus_dir
            app.switch_index(corpus, Path(record.index), then=functools.partial(app._reopen, record))

        self.push_screen(ConfirmScreen(f"That conversation was asked of {theirs}; this chat answers from {ours}. "
                                       "Switch to its corpus and index and reopen it there?"),
                         callback=functools.partial(answered, self))

    def _reopen(self, record: history.Record) -> None:
        self.fresh_pane()
        history.restore(record, self.conversation)
        self.conversation_id, self.created = record.id, record.created
        view = None
        for turn in record.turns:
            view = TurnView(turn.question)
            view.turn = turn
            self.pane.mount(view)
        self.note(f"Reopened the conversation of {history.when(record.updated)}; follow-ups continue it.")
        self.call_after_refresh(self.show_sources, view)
        self.refresh_status()

    def switch_index(self, corpus: Path, index: Path, then=None) -> None:
        """Answer from another corpus and index: load it in the background, then run ``then()``.

        Until it is loaded questions wait, as at start-up; if it cannot be loaded, the chat
        stays with the index it had.
        """
        if self.reindexing:
            self.note("Not switched: a re-index is running; try again when it is done.", error=True)
            return
        self._switching = (self.corpus_dir, self.index_dir, self.loader, self.reindexer, self.assistant, then)
        self.corpus_dir, self.index_dir = corpus, index
        self.loader = functools.partial(self.connect, corpus, index)
        if self.custom_reindexer is None:
            from assistant.chat.reindex import reindex_and_load

            self.reindexer = functools.partial(reindex_and_load, corpus, index, self.model_dir)
        self.sub_title = shown(index.resolve())
        self.loading = True
        self.note(f"Switching to corpus {short_path(str(corpus))}, index {short_path(str(index))}…")
        self.refresh_status()
        self.start_load()
