"""The live index a server answers from: loaded once, swapped whole when a new version appears.

A request takes ``LiveIndex.current()`` once, at its start, and answers from that ``Loaded`` to the
end, so it never mixes two versions. A watcher thread reads CURRENT every ``poll`` seconds; when
another process (``assistant index update`` anywhere) has published a new commit point, the new
version is loaded and warmed beside the old one, then swapped in by one assignment. Requests in
flight keep the old one until they finish; the old version's files stay readable meanwhile (the
indexing library keeps the last two commit points, and a memory-mapped file that is removed stays
mapped). A version that fails to load is not swapped in; the old one keeps answering and the load
is tried again at the next poll.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # loaded lazily: the server imports the answer stage only when it loads an index
    from assistant.answer.assistant import Assistant

log = logging.getLogger("assistant.serve")


@dataclass
class Loaded:
    """One loaded version: its name and the ``Assistant`` answering from it."""

    version: str
    assistant: Assistant
    loaded_at: float = field(default_factory=time.time)


def warm(assistant) -> None:
    """Do once, before serving, what the first passage question would otherwise pay for: load the
    query model and build the sentence lookups."""
    assistant.retriever.embedder.load()
    _ = assistant.sentences


class LiveIndex:
    """The live version of ``index_dir``, read-only; ``start()`` begins watching for new ones."""

    def __init__(self, index_dir: Path, model_dir: str | None = None, poll: float = 1.0):
        from assistant.session import query_embedder

        self.index_dir = Path(index_dir)
        self.model_dir = model_dir
        self.poll = poll
        self.embedder = query_embedder(model_dir)  # one model for every version
        self._current: Loaded | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_error: str = ""
        self.swaps = 0

    def _live_name(self) -> str | None:
        from assistant.indexing import versions

        live = versions.current_version(self.index_dir)
        return live.name if live else None

    def load(self) -> Loaded:
        """Load the live version now (raises ``errors.AssistantError`` with one line when it cannot)."""
        from assistant.session import load_assistant

        assistant = load_assistant(self.index_dir, self.model_dir, embedder=self.embedder)
        warm(assistant)
        loaded = Loaded(Path(assistant.data.path).name, assistant)
        self._current = loaded
        return loaded

    def current(self) -> Loaded:
        """The version to answer the next request from (loading the first one if need be)."""
        loaded = self._current
        return loaded if loaded is not None else self.load()

    def check(self) -> bool:
        """Load and swap in the live version if it is not the one loaded; whether it swapped."""
        name = self._live_name()
        loaded = self._current
        if name is None or (loaded is not None and loaded.version == name):
            return False
        try:
            self.load()
        except Exception as exc:  # keep answering from the version loaded; try again at the next poll
            self.last_error = " ".join(str(exc).split())[:200]
            log.warning("cannot load index version %s: %s", name, self.last_error)
            return False
        self.swaps += 1
        self.last_error = ""
        log.info("now answering from index version %s", name)
        return True

    def _watch(self) -> None:
        while not self._stop.wait(self.poll):
            self.check()

    def start(self) -> LiveIndex:
        if self._thread is None:
            self._thread = threading.Thread(target=self._watch, name="index-watch", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
