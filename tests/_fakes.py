"""A deterministic stand-in for the embedding model, for the tests that do not judge meaning.

``HashEmbedder`` hashes each word (lower-cased) into one of 384 dimensions and normalises the
counts: texts sharing words are close, and the same text always gives the same vector. It
loads no model (the tokenizer of the bundled model still counts tokens for chunking) and
carries the bundled model's name and dimension, so an index it builds loads in `assistant ask`
for value questions, which embed nothing. Tests whose outcome depends on meaning use the
``real_embedder`` fixture, which marks them slow.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Sequence

import numpy as np

from assistant import config

_WORD = re.compile(r"\w+")


class HashEmbedder:
    """Feature-hashed bag of words; satisfies ``assistant.search.embed.protocol.TextEmbedder``."""

    dimension = 384
    backend = "fake"
    loaded = True

    def __init__(self) -> None:
        self.model_dir = config.model_path()
        self.name = config.model_name(self.model_dir)
        self.calls = 0

    def load(self) -> HashEmbedder:
        return self

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in _WORD.findall(text.lower()):
                out[row, zlib.crc32(word.encode()) % self.dimension] += 1.0
            out[row, self.dimension - 1] += 1e-3  # never the zero vector
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        if progress:
            progress(len(texts))
        return out

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]
