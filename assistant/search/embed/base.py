"""The interface every embedding backend implements, and the settings they share."""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np

from assistant.search.embed.model import ModelInfo

ROLES = ("build", "query")  # embedding many chunks for an index, or one question at a time


def cpu_threads() -> int:
    """The cores this process may run on (both, on the team's 2-core machines)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


class Backend(ABC):
    """One way of computing the model's vectors.

    Constructing one is cheap; ``load`` does the heavy work (imports, model files,
    sessions) and is called once, by ``Embedder``, before the first batch.
    """

    name: str = ""

    def __init__(self, info: ModelInfo, role: str = "build", device: str | None = None,
                 threads: int | None = None):
        self.info = info
        self.role = role
        self.device = device
        self.threads = threads or cpu_threads()

    @abstractmethod
    def load(self) -> None:
        """Make the backend ready to encode; raises ``errors.ModelMissing`` with a one-line reason."""

    @abstractmethod
    def encode_batch(self, texts: Sequence[str]) -> np.ndarray:
        """One batch of texts to L2-normalised float32 rows, in order."""

    def batch_size(self, asked: int) -> int:
        """The batch to use when ``asked`` was requested: a GPU backend wants larger ones."""
        return asked
