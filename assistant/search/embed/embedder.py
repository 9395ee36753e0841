"""``Embedder``: what the rest of the assistant calls to turn text into vectors.

It picks its backend once, when made (``factory.choose_backend``), and loads
nothing until the first vector is asked for, so an ``Assistant`` that only ever
answers value questions never loads (or imports) a model. ``warm`` loads it in a
background thread instead, for the chat, which can expect a passage question soon.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import numpy as np

from assistant import config
from assistant.search.embed.base import Backend
from assistant.search.embed.factory import choose_backend, create
from assistant.search.embed.model import model_info


class Embedder:
    """Wraps the embedding model; vectors come back L2-normalised float32.

    ``role`` is "build" (embedding chunks for an index) or "query" (one question at a
    time): it only changes the default backend (see ``factory``).
    """

    def __init__(self, model_dir: str | None = None, device: str | None = None, batch_size: int = 32,
                 backend: str | None = None, role: str = "build", threads: int | None = None):
        self.model_dir = config.model_path(model_dir)
        self.name = config.model_name(self.model_dir)
        self.batch_size = batch_size
        self.role = role
        self.backend = choose_backend(backend, role, self.model_dir)
        self._device = device
        self.threads = threads  # CPU threads the backend may use (None: every core this process may run on)
        self._impl: Backend | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        state = "loaded" if self.loaded else "not loaded"
        return f"Embedder({self.name!r}, backend={self.backend!r}, role={self.role!r}, {state})"

    @property
    def loaded(self) -> bool:
        """Whether the model is in memory."""
        return self._impl is not None

    @property
    def device(self) -> str | None:
        """Where the model runs once loaded (cpu or cuda); before that, what was asked for."""
        return self._impl.device if self._impl is not None else self._device

    @property
    def dimension(self) -> int:
        """The vector size, read from the model folder: loads nothing."""
        return model_info(self.model_dir).dimension

    def check(self) -> Embedder:
        """Fail now, with ModelMissing, if there is no usable model folder; loads nothing."""
        model_info(self.model_dir)
        return self

    def load(self) -> Embedder:
        """Load the model now (it otherwise loads on first encode). Safe to call from two threads."""
        with self._lock:
            if self._impl is None:
                impl = create(self.backend, model_info(self.model_dir), self.role, self._device, self.threads)
                impl.load()
                self._impl = impl
        return self

    def warm(self) -> threading.Thread:
        """Start loading in a background thread. A failure there is not lost: the first
        encode loads again and raises it."""

        def run() -> None:
            try:
                self.load()
            except Exception:  # noqa: BLE001 - raised again, to the caller, by the first encode
                pass

        thread = threading.Thread(target=run, name="embedder-warm", daemon=True)
        thread.start()
        return thread

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Embed ``texts``; ``progress`` is called with the number done after each batch."""
        if not len(texts):
            return np.zeros((0, self.dimension), dtype=np.float32)
        self.load()
        # Longest first, so each batch pads to similar lengths (as sentence-transformers does
        # within one call); rows go back to the caller's order at the end.
        impl = self._impl
        assert impl is not None  # (loaded just above)
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        size = impl.batch_size(self.batch_size)
        for i in range(0, len(texts), size):
            rows = order[i : i + size]
            out[rows] = impl.encode_batch([texts[r] for r in rows])
            if progress:
                progress(len(rows))
        return out

    def encode_query(self, text: str) -> np.ndarray:
        """One query's vector."""
        vector: np.ndarray = self.encode([text])[0]
        return vector
