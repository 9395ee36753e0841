"""Saved conversations in the chat window: saving after every answer, the history browser (F5), and
reopening a past conversation so its follow-ups continue it. Mixed into ``ChatApp``.
"""

from __future__ import annotations

from assistant.chat import history
from assistant.tui.frontend import one_line, shows_errors
from assistant.tui.screens import HistoryChoice, HistoryScreen
from assistant.tui.widgets import TurnView


class SavedMixin:
    """Saving, browsing and reopening conversations (for ``ChatApp``)."""

    def save(self) -> None:
        """Save the conversation as it stands (atomically); a failure is a note, not a crash."""
        self.created = self.created or history.timestamp()
        try:
            history.save(self.conversation, self.conversation_id, self.created, self.history_dir)
        except OSError as exc:
            self.note(f"could not save the conversation: {one_line(exc)}", error=True)

    def action_history(self) -> None:
        self.push_screen(HistoryScreen(self.history_dir), callback=self._history_closed)

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
            self._reopen(choice.reopen)

    def _reopen(self, conversation_id: str) -> None:
        record = history.load(conversation_id, self.history_dir)
        self.fresh_pane()
        history.restore(record, self.conversation)
        self.conversation_id, self.created = record.id, record.created
        view = None
        for turn in record.turns:
            view = TurnView(turn.question)
            view.turn = turn
            self.pane.mount(view)
        self.note(f"Reopened the conversation of {record.created.replace('T', ' ')}; follow-ups continue it.")
        self.call_after_refresh(self.show_sources, view)
        self.refresh_status()
