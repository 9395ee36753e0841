"""The ONNX backends: the exported model (``export``) run by onnxruntime, tokenised by ``tokenizers``.

No torch, sentence-transformers or transformers is imported here once the model is
exported, which is what lets a cold ``assistant ask`` answer in about a second.
``onnx`` (fp32) reproduces the torch vectors (cosine ≥ 0.999, tested);
``onnx-int8`` trades a little agreement (cosine ~0.99) for speed on CPUs with fast
int8 arithmetic.
"""

from __future__ import annotations

from typing import Any

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from assistant.errors import ModelMissing
from assistant.search.embed import export
from assistant.search.embed.base import Backend


def ort_cuda_available() -> bool:
    """Whether the installed onnxruntime can run on an NVIDIA GPU (onnxruntime-gpu)."""
    try:
        import onnxruntime as ort
    except ImportError:
        return False
    return "CUDAExecutionProvider" in ort.get_available_providers()


@lru_cache(maxsize=4)
def _session(path: str, threads: int, providers: tuple[str, ...]) -> Any:
    """One session per exported file and settings per process: a /reindex or a second Embedder reuses it."""
    return export.open_session(Path(path), threads, providers)


class OnnxBackend(Backend):
    """The ONNX export at one precision (fp32 or int8)."""

    name = "onnx"
    precision = "fp32"
    _session = None

    def load(self) -> None:
        """Open the export (exporting it first if this model has none yet)."""
        try:
            import onnxruntime  # noqa: F401
        except ImportError as exc:
            raise ModelMissing(f"the ONNX backend needs onnxruntime ({exc}); pip install onnxruntime, "
                               "or use ASSISTANT_BACKEND=torch") from exc
        if self.info.onnx_problem:
            raise ModelMissing(f"the model at {self.info.model_dir} cannot run on ONNX ({self.info.onnx_problem}); "
                               "use ASSISTANT_BACKEND=torch")
        providers: tuple[str, ...] = ("CPUExecutionProvider",)
        # A GPU only pays for batches: one query's start-up on it would cost more than it saves.
        if self.role == "build" and (self.device or "cuda").startswith("cuda") and ort_cuda_available():
            providers = ("CUDAExecutionProvider", *providers)
        self.device = "cuda" if providers[0].startswith("CUDA") else "cpu"
        path = export.ensure(self.info.model_dir, self.precision)
        try:
            self._session = _session(str(path), self.threads, providers)
        except Exception as exc:  # onnxruntime reports a damaged file with its own exception types
            raise ModelMissing(f"cannot open the ONNX model {path} ({str(exc)[:160]}); delete {path.parent} "
                               "and it is exported again") from exc

    def encode_batch(self, texts: Sequence[str]) -> np.ndarray:
        """One batch to normalised vectors."""
        return export.run(self._session, self.info, export.feed_for(self.info, texts))


class OnnxInt8Backend(OnnxBackend):
    """The ONNX export with int8 weights."""

    name = "onnx-int8"
    precision = "int8"
