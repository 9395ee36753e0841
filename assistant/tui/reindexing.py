"""/reindex in the chat window: the update runs in the background with a progress bar while answers
keep coming from the old index; an update that would remove most reports is refused by the library
(``errors.RemovalRefused``) and the window asks before running it again with ``allow_removals``.
Mixed into ``ChatApp``.
"""

from __future__ import annotations

import functools

from textual.widgets import ProgressBar

from assistant.chat import commands
from assistant.chat.display import shown
from assistant.errors import RemovalRefused
from assistant.tui import background
from assistant.tui.background import ReindexFailed, Reindexed, ReindexProgress
from assistant.tui.frontend import one_line, shows_errors
from assistant.tui.screens import ConfirmScreen


class ReindexMixin:
    """Re-indexing from the window (for ``ChatApp``)."""

    reindexing = False

    def start_reindex(self, allow_removals: bool = False) -> None:
        """Update the index from the corpus in the background; answers continue from the old one."""
        if self.reindexing:
            raise commands.CommandError("a re-index is already running")
        self.reindexing = True
        bar = self.query_one("#progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        self.note(f"Re-indexing {shown(self.corpus_dir)}; answers come from the current index until it is done.")
        current = self.assistant

        def progress(stage: str, done: int, total: int) -> None:
            background.post(self, ReindexProgress(stage, done, total))

        def work() -> Reindexed:
            return Reindexed(*self.reindexer(current, progress, allow_removals=allow_removals))

        def failed(exc: Exception) -> ReindexFailed:
            return ReindexFailed(one_line(exc), refused=isinstance(exc, RemovalRefused))

        self.start_job("reindex", work, failed)
        self.refresh_status()

    def on_reindex_progress(self, message: ReindexProgress) -> None:
        self.query_one("#progress", ProgressBar).update(total=message.total or None, progress=message.done)

    def _reindex_over(self) -> None:
        self.reindexing = False
        self.query_one("#progress", ProgressBar).display = False
        self.refresh_status()

    def on_reindexed(self, message: Reindexed) -> None:
        before = self.assistant.version if self.assistant is not None else None
        self.use(message.assistant)
        self._reindex_over()
        after = self.assistant.version
        if after == before:
            self.note("\n".join(message.lines) + f"\nThe index was already up to date; still answering from {after}.")
        else:
            self.note("\n".join(message.lines) + f"\nNow answering from the new index, {after}.")

    def on_reindex_failed(self, message: ReindexFailed) -> None:
        self._reindex_over()
        if not message.refused:
            self.note(f"re-index failed: {message.error}", error=True)
            return
        self.note(f"re-index stopped: {message.error}", error=True)

        @shows_errors
        def answered(app, yes: bool | None) -> None:
            if yes:
                app.start_reindex(allow_removals=True)
            else:
                app.note("The index is unchanged.")

        self.push_screen(ConfirmScreen(f"{message.error}\n\nRemove those reports from the index anyway?"),
                         callback=functools.partial(answered, self))
