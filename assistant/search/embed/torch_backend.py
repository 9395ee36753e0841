"""The torch backend: sentence-transformers, on a CUDA GPU when there is one.

On a GPU it runs in fp16 with batches of at least ``GPU_BATCH``, and for a plain
Transformer + Pooling + Normalize model (what ONNX reproduces too) it calls the
transformer directly: sentence-transformers' own ``encode`` spends most of a GPU
batch in Python and single-threaded tokenising. Measured on an H100 (bench/RESULTS.md):
``encode`` stalls at ~3,700 chunks/s in fp32 and ~5,000 in fp16; the direct path with
the Rust tokenizer reaches ~14,000. Its fp16 vectors keep cosine >= 0.99999 to fp32 `encode`'s,
inside the 0.999 the ONNX query model is held to.

It is the reference the ONNX export is checked against, and the default for
building an index on a GPU. Loading it for a build also makes sure the ONNX export
exists, so the query path that follows never needs torch.
"""

from __future__ import annotations

from typing import Any

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
def _load_model(model_dir: str, device: str) -> Any:
    """Load a model once per process: reloading the index (/reindex, tests) must not reload the model."""
    from sentence_transformers import SentenceTransformer

    try:
        return SentenceTransformer(model_dir, device=device, local_files_only=True)
    except Exception as exc:  # a broken model folder surfaces as many exception types
        raise ModelMissing(f"cannot load embedding model at {model_dir}: {str(exc)[:200]}") from exc


GPU_BATCH = 256


class TorchBackend(Backend):
    """sentence-transformers: fp32 on the CPU, fp16 on a GPU."""

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
        if self.device.startswith("cuda"):
            self._model.half()  # the cached model is this device's alone, so converting it in place is safe
        if self.role == "build":
            from assistant.search.embed.factory import choose_backend

            query_backend = choose_backend(role="query", model_dir=self.info.model_dir)
            if query_backend.startswith("onnx"):
                from assistant.search.embed import export

                export.ensure(self.info.model_dir, "int8" if query_backend == "onnx-int8" else "fp32")

    def batch_size(self, asked: int) -> int:
        """Larger batches on a GPU, where one batch of 32 leaves it idle."""
        return max(asked, GPU_BATCH) if str(self.device).startswith("cuda") else asked

    def encode_batch(self, texts: Sequence[str]) -> np.ndarray:
        """One batch to normalised vectors."""
        if str(self.device).startswith("cuda") and not self.info.onnx_problem:
            return self._encode_direct(texts)
        model: Any = self._model
        vectors: np.ndarray = model.encode(list(texts), batch_size=len(texts), normalize_embeddings=True,
                                           convert_to_numpy=True, show_progress_bar=False)
        return vectors.astype(np.float32, copy=False)

    def _encode_direct(self, texts: Sequence[str]) -> np.ndarray:
        """The transformer on tokens from the fast tokenizer, pooled and normalised on the GPU."""
        import torch

        from assistant.search.embed.export import feed_for

        feed = feed_for(self.info, texts)
        with torch.inference_mode():
            ids = torch.from_numpy(feed["input_ids"]).to(self.device)
            mask = torch.from_numpy(feed["attention_mask"]).to(self.device)
            model: Any = self._model
            hidden = model[0].auto_model(input_ids=ids, attention_mask=mask).last_hidden_state.float()
            if self.info.pooling == "cls":
                pooled = hidden[:, 0]
            elif self.info.pooling == "max":
                pooled = hidden.masked_fill(mask[:, :, None] == 0, -1e9).max(dim=1).values
            else:
                weights = mask[:, :, None].to(hidden.dtype)
                pooled = (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)
            vectors: np.ndarray = torch.nn.functional.normalize(pooled, dim=1).cpu().numpy()
            return vectors
