"""The ONNX int8 embedding backend: export the bundled model once, locally, then run it with onnxruntime.

Nothing is downloaded. The transformer is exported from the model folder with
``torch.onnx`` and its weights are quantised to int8 with onnxruntime's dynamic
quantisation (weights int8 ahead of time with one scale per output channel,
activations quantised per batch at run time). The result is cached under
``config.data_dir()/onnx/<key>/``, the key hashing the model folder's files, so a
changed model is exported afresh.

Pooling and normalisation are done here in numpy, as sentence-transformers'
Pooling and Normalize modules do (mean over non-padding tokens, or the CLS token;
then L2), so vectors are comparable with the torch backend's.

Optimum (sentence-transformers' own ONNX route) is not used: it pins an older
transformers than this project's.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

from assistant import config

EXPORT_VERSION = 1  # bump when the export recipe changes, so caches are rebuilt
OPSET = 17


class OnnxUnavailable(RuntimeError):
    """onnxruntime or onnx is not installed (pip install 'cqc-assistant[onnx]')."""


def available() -> bool:
    """Whether the onnx extra is installed."""
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def cache_key(model_dir: str) -> str:
    """A key that changes with the model's weights and config, and with this export recipe."""
    h = hashlib.sha256(f"v{EXPORT_VERSION}|{Path(model_dir).resolve()}".encode())
    for name in sorted(os.listdir(model_dir)):
        path = Path(model_dir) / name
        if path.is_file():
            stat = path.stat()
            h.update(f"{name}|{stat.st_size}|{int(stat.st_mtime)}".encode())
    return h.hexdigest()[:16]


def cache_dir(model_dir: str, root: Path | None = None) -> Path:
    """Where the exported model for ``model_dir`` lives."""
    return (root or config.data_dir() / "onnx") / cache_key(model_dir)


def export(model_dir: str, target: Path) -> Path:
    """Export ``model_dir``'s transformer to ONNX and quantise it to int8; returns the .onnx path.

    Written to a temporary name first and renamed, so a half-written model is never used.
    """
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel

    target.mkdir(parents=True, exist_ok=True)
    final = target / "model-int8.onnx"
    if final.is_file():
        return final
    # Eager attention: the SDPA path drops an all-ones mask while tracing, which would
    # bake "no padding" into the graph and corrupt padded batches.
    base = AutoModel.from_pretrained(model_dir, local_files_only=True, attn_implementation="eager").eval()

    class Hidden(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            out = self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.last_hidden_state

    ids = torch.ones((2, 8), dtype=torch.long)
    mask = torch.ones_like(ids)
    mask[1, 5:] = 0  # trace with padding present
    fp32 = target / f"model-fp32.{os.getpid()}.onnx"
    tmp = target / f"model-int8.{os.getpid()}.onnx"
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]}
    try:
        import warnings

        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(Hidden(base), (ids, mask, torch.zeros_like(ids)), str(fp32), input_names=names,
                              output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=OPSET,
                              dynamo=False)
        import logging

        root = logging.getLogger()
        level = root.level
        root.setLevel(logging.ERROR)  # quantize_dynamic logs a "consider pre-processing" hint on the root logger
        try:
            # Per-channel scales: per-tensor int8 leaves cosine to the fp32 vectors at ~0.96 on
            # CQC prose; per-channel keeps it at ~0.99 for the same speed.
            quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8, per_channel=True)
        finally:
            root.setLevel(level)
        os.replace(tmp, final)
    finally:
        fp32.unlink(missing_ok=True)
        tmp.unlink(missing_ok=True)
    return final


class OnnxModel:
    """An exported model and its tokenizer; ``encode`` returns L2-normalised float32 vectors."""

    def __init__(self, model_dir: str, device: str = "cpu", cache_root: Path | None = None):
        if not available():
            raise OnnxUnavailable("the ONNX backend needs onnxruntime and onnx: pip install 'cqc-assistant[onnx]'")
        import onnxruntime as ort
        from tokenizers import Tokenizer

        folder = Path(model_dir)
        settings = _read_json(folder / "sentence_bert_config.json")
        pooling = _read_json(folder / "1_Pooling" / "config.json")
        self.max_tokens = int(settings.get("max_seq_length", 256))
        self.cls_pooling = bool(pooling.get("pooling_mode_cls_token")) and not pooling.get("pooling_mode_mean_tokens")
        self.dimension = int(pooling.get("word_embedding_dimension") or _read_json(folder / "config.json")["hidden_size"])
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=self.max_tokens)
        pad = self.tokenizer.padding or {}
        self.tokenizer.enable_padding(pad_id=pad.get("pad_id", 0), pad_token=pad.get("pad_token", "[PAD]"))
        self.path = export(model_dir, cache_dir(model_dir, cache_root))
        options = ort.SessionOptions()
        options.log_severity_level = 3
        providers = ["CPUExecutionProvider"]
        if device.startswith("cuda") and "CUDAExecutionProvider" in ort.get_available_providers():
            providers.insert(0, "CUDAExecutionProvider")
        self.session = ort.InferenceSession(str(self.path), options, providers=providers)
        self.inputs = {i.name for i in self.session.get_inputs()}

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed one batch of texts."""
        enc = self.tokenizer.encode_batch(texts)
        ids = np.asarray([e.ids for e in enc], dtype=np.int64)
        mask = np.asarray([e.attention_mask for e in enc], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self.session.run(None, {k: v for k, v in feed.items() if k in self.inputs})[0]
        if self.cls_pooling:
            pooled = hidden[:, 0]
        else:  # mean over real tokens, as sentence_transformers.models.Pooling
            m = mask[:, :, None].astype(np.float32)
            pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
