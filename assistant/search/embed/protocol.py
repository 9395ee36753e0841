"""``TextEmbedder``: what indexing and search need of an embedder, as a type.

``Embedder`` is the real one; tests use a deterministic stand-in (``tests/_fakes.py``) and the
bench a partly synthetic one (``bench.synthetic.SyntheticEmbedder``). Anything with these
members can index and answer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np
from numpy.typing import NDArray


class TextEmbedder(Protocol):
    """Texts to L2-normalised float32 vectors of one model."""

    @property
    def name(self) -> str:
        """The model's name, recorded in the index manifest (an index refuses another model)."""
        ...

    @property
    def model_dir(self) -> str:
        """The model folder: its tokenizer counts tokens for chunking."""
        ...

    @property
    def dimension(self) -> int:
        """The vector size."""
        ...

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> NDArray[np.float32]:
        """One row per text, in order; ``progress`` is called with the number done after each batch."""
        ...

    def encode_query(self, text: str) -> NDArray[np.float32]:
        """One question's vector."""
        ...
