"""Which backend embeds: decided once, when an ``Embedder`` is made, and nowhere else.

An explicit choice wins (``backend=``, ``assistant bench --backend``), then
``$ASSISTANT_BACKEND``. Otherwise ONNX fp32, whose vectors match torch's, for both
building and queries, because it needs no torch at run time and builds at least as
fast on a CPU (bench/RESULTS.md). Two exceptions: a build on a machine with an NVIDIA
GPU uses torch on CUDA unless onnxruntime-gpu is installed, and a model ONNX cannot
reproduce (a Dense layer, say) uses torch.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from assistant.errors import ModelMissing
from assistant.search.embed.base import ROLES, Backend
from assistant.search.embed.model import ModelInfo, model_info

BACKENDS = ("onnx", "onnx-int8", "torch")


def gpu_visible() -> bool:
    """Whether an NVIDIA GPU is present, asked of the driver without importing torch."""
    return Path("/proc/driver/nvidia/version").exists() or Path("/dev/nvidia0").exists()


def default_backend(role: str, *, onnx_ok: bool, gpu: bool, ort_cuda: bool) -> str:
    """The backend when nobody chose one: ONNX fp32, except torch for a GPU build without
    onnxruntime-gpu, or when ONNX cannot run this model."""
    if not onnx_ok:
        return "torch"
    if role == "build" and gpu and not ort_cuda:
        return "torch"
    return "onnx"


def choose_backend(value: str | None = None, role: str = "build", model_dir: str | None = None) -> str:
    """The backend: ``value``, else $ASSISTANT_BACKEND, else ``default_backend`` for ``role``."""
    if role not in ROLES:
        raise ValueError(f"unknown embedding role '{role}' (choose from {', '.join(ROLES)})")
    chosen = (value or os.environ.get("ASSISTANT_BACKEND") or "").strip().lower()
    if chosen:
        if chosen not in BACKENDS:
            raise ValueError(f"unknown embedding backend '{chosen}' (choose from {', '.join(BACKENDS)})")
        return chosen
    onnx_ok = importlib.util.find_spec("onnxruntime") is not None
    if onnx_ok and model_dir is not None:
        try:
            onnx_ok = not model_info(model_dir).onnx_problem
        except ModelMissing:
            pass  # no model there: loading says so, whichever backend
    gpu = role == "build" and gpu_visible()  # queries never look: see default_backend
    ort_cuda = False
    if gpu:
        from assistant.search.embed.onnx_backend import ort_cuda_available

        ort_cuda = ort_cuda_available()
    return default_backend(role, onnx_ok=onnx_ok, gpu=gpu, ort_cuda=ort_cuda)


def create(name: str, info: ModelInfo, role: str, device: str | None = None, threads: int | None = None) -> Backend:
    """A (not yet loaded) backend by name; ``threads``: CPU threads it may use (default: every core)."""
    if name == "torch":
        from assistant.search.embed.torch_backend import TorchBackend

        return TorchBackend(info, role, device, threads)
    from assistant.search.embed.onnx_backend import OnnxBackend, OnnxInt8Backend

    kind = {"onnx": OnnxBackend, "onnx-int8": OnnxInt8Backend}.get(name)
    if kind is None:
        raise ValueError(f"unknown embedding backend '{name}' (choose from {', '.join(BACKENDS)})")
    return kind(info, role, device, threads)
