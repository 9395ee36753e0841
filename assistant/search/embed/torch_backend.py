"""The torch backend: sentence-transformers, on a CUDA GPU when there is one.

It is the reference the ONNX export is checked against, and the default for
building an index on a GPU. Loading it for a build also makes sure the ONNX export
exists, so the query path that follows never needs torch.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from assistant.errors import ModelMissing
from assistant.search.embed.base import Backend


def quiet_transformers() -> None:
    """Offline, and no "Loading weights" bars: they would garble the TUI and JSON output."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for the network
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()


@lru_cache(maxsize=2)
def _load_model(model_dir: str, device: str):
    """Load a model once per process: reloading the index (/reindex, tests) must not reload the model."""
    from sentence_transformers import SentenceTransformer

    try:
        return SentenceTransformer(model_dir, device=device, local_files_only=True)
    except Exception as exc:  # a broken model folder surfaces as many exception types
        raise ModelMissing(f"cannot load embedding model at {model_dir}: {str(exc)[:200]}") from exc


class TorchBackend(Backend):
    """sentence-transformers in fp32."""

    name = "torch"
    _model = None

    def load(self) -> None:
        """Import torch, load the model, and (for a build) export the ONNX query model if it is missing."""
        quiet_transformers()
        import torch

        if self.device is None:
            self.device = "cuda" if torch.cuda.is_available() else "cpu"
        if self.device == "cpu":
            torch.set_num_threads(self.threads)
        self._model = _load_model(self.info.model_dir, self.device)
        if self.role == "build":
            from assistant.search.embed.factory import choose_backend

            query_backend = choose_backend(role="query", model_dir=self.info.model_dir)
            if query_backend.startswith("onnx"):
                from assistant.search.embed import export

                export.ensure(self.info.model_dir, "int8" if query_backend == "onnx-int8" else "fp32")

    def encode_batch(self, texts: Sequence[str]) -> np.ndarray:
        """One batch to normalised vectors."""
        return self._model.encode(list(texts), batch_size=len(texts), normalize_embeddings=True,
                                  convert_to_numpy=True, show_progress_bar=False).astype(np.float32, copy=False)
