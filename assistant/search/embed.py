"""Sentence embeddings. torch and sentence-transformers load lazily, on first use.

Two backends compute the same vectors: ``torch`` (sentence-transformers, fp32) and
``onnx`` (the same model exported locally and quantised to int8, see ``embed_onnx``;
several times faster on a CPU). Choose with ``backend=`` or ``$ASSISTANT_BACKEND``;
by default a GPU, when present, runs the torch backend on it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from assistant import config
from assistant.errors import ModelMissing



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


@lru_cache(maxsize=2)
def _load_model(model_dir: str, device: str):
    """Load a model once per process: reloading the index (/reindex, tests) must not reload the model."""
    from sentence_transformers import SentenceTransformer

    try:
        return SentenceTransformer(model_dir, device=device, local_files_only=True)
    except Exception as exc:  # a broken model folder surfaces as many exception types
        raise ModelMissing(f"cannot load embedding model at {model_dir}: {str(exc)[:200]}") from exc


BACKENDS = ("torch", "onnx")
# The backend when neither the caller nor $ASSISTANT_BACKEND picks one and no GPU is present.
CPU_DEFAULT_BACKEND = "torch"


def choose_backend(value: str | None = None) -> str:
    """The backend: ``value``, else $ASSISTANT_BACKEND, else torch on a GPU, else CPU_DEFAULT_BACKEND."""
    chosen = (value or os.environ.get("ASSISTANT_BACKEND") or "").strip().lower()
    if not chosen:
        if CPU_DEFAULT_BACKEND == "torch" or default_device() != "cpu":
            return "torch"
        from assistant.search import embed_onnx

        return CPU_DEFAULT_BACKEND if embed_onnx.available() else "torch"
    if chosen not in BACKENDS:
        raise ValueError(f"unknown embedding backend '{chosen}' (choose from {', '.join(BACKENDS)})")
    return chosen


@lru_cache(maxsize=2)
def _load_onnx(model_dir: str, device: str):
    """Export (once, cached on disk) and open the int8 ONNX model; once per process."""
    from assistant.search.embed_onnx import OnnxModel, OnnxUnavailable

    try:
        return OnnxModel(model_dir, device)
    except OnnxUnavailable as exc:
        raise ModelMissing(str(exc)) from exc
    except Exception as exc:  # a failed export surfaces as many exception types
        raise ModelMissing(f"cannot export embedding model at {model_dir} to ONNX: {str(exc)[:200]}") from exc


class Embedder:
    """Wraps the embedding model; vectors come back L2-normalised float32."""

    def __init__(self, model_dir: str | None = None, device: str | None = None, batch_size: int = 32,
                 backend: str | None = None):
        self.model_dir = config.model_path(model_dir)
        self.name = config.model_name(self.model_dir)
        self.device = device
        self.batch_size = batch_size
        self.backend = choose_backend(backend)
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
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # "Loading weights" bars would garble the TUI and JSON output
        hf_logging.set_verbosity_error()

        device = self.device or default_device()
        if self.backend == "onnx":
            self._model = _load_onnx(self.model_dir, device)
        else:
            self._model = _load_model(self.model_dir, device)
        self.device = device
        return self

    @property
    def dimension(self) -> int:
        self.load()
        if self.backend == "onnx":
            return self._model.dimension
        getter = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        return int(getter())

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Embed ``texts``; ``progress`` is called with the number done after each batch."""
        self.load()
        if not len(texts):
            return np.zeros((0, self.dimension), dtype=np.float32)
        # Longest first, so each batch pads to similar lengths (as sentence-transformers does
        # within one call); rows go back to the caller's order at the end.
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for i in range(0, len(texts), self.batch_size):
            rows = order[i : i + self.batch_size]
            batch = [texts[r] for r in rows]
            if self.backend == "onnx":
                out[rows] = self._model.encode(batch)
            else:
                out[rows] = self._model.encode(batch, batch_size=self.batch_size, normalize_embeddings=True,
                                               convert_to_numpy=True)
            if progress:
                progress(len(batch))
        return out

    def encode_query(self, text: str) -> np.ndarray:
        """One query's vector."""
        return self.encode([text])[0]
