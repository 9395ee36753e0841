"""Sentence embeddings. torch and sentence-transformers load lazily, on first use."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from . import config


class ModelMissing(RuntimeError):
    """The configured embedding model cannot be found or loaded."""


@lru_cache(maxsize=4)
def _tokenizer(model_dir: str):
    from tokenizers import Tokenizer

    path = Path(model_dir) / "tokenizer.json"
    if not path.is_file():
        raise ModelMissing(f"no tokenizer.json in model folder {model_dir}")
    tok = Tokenizer.from_file(str(path))
    tok.no_truncation()
    tok.no_padding()
    return tok


def token_counter(model_dir: str | None = None) -> Callable[[str], int]:
    """Count tokens the way the model will, special tokens included. Needs no torch."""
    tok = _tokenizer(config.model_path(model_dir))
    return lambda text: len(tok.encode(text).ids)


def default_device() -> str:
    """A GPU when one is present, else the CPU."""
    import torch

    if torch.cuda.is_available():
        return "cuda"
    return "cpu"


class Embedder:
    """Wraps a sentence-transformers model; vectors come back L2-normalised float32."""

    def __init__(self, model_dir: str | None = None, device: str | None = None, batch_size: int = 32):
        self.model_dir = config.model_path(model_dir)
        self.name = config.model_name(self.model_dir)
        self.device = device
        self.batch_size = batch_size
        self._model = None

    def load(self) -> "Embedder":
        """Load the model now (it otherwise loads on first encode)."""
        if self._model is not None:
            return self
        if not (Path(self.model_dir) / "modules.json").is_file() and not (Path(self.model_dir) / "config.json").is_file():
            raise ModelMissing(f"embedding model not found at {self.model_dir}")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for the network
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # "Loading weights" bars would garble the TUI and JSON output
        hf_logging.set_verbosity_error()

        device = self.device or default_device()
        try:
            self._model = SentenceTransformer(self.model_dir, device=device, local_files_only=True)
        except Exception as exc:  # a broken model folder surfaces as many exception types
            raise ModelMissing(f"cannot load embedding model at {self.model_dir}: {exc}") from exc
        self.device = device
        return self

    @property
    def dimension(self) -> int:
        self.load()
        getter = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        return int(getter())

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Embed ``texts``; ``progress`` is called with the number done after each batch."""
        self.load()
        out = []
        for i in range(0, len(texts), self.batch_size):
            batch = list(texts[i : i + self.batch_size])
            out.append(
                self._model.encode(batch, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True)
            )
            if progress:
                progress(len(batch))
        if not out:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.ascontiguousarray(np.vstack(out), dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]
