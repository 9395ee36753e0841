"""What a sentence-transformers model folder says about itself, read without torch.

Every backend needs the same facts: the token window, how token vectors are pooled
into one, the vector size, and the tokenizer. They come from the folder's small
JSON files (``modules.json``, ``sentence_bert_config.json``, ``1_Pooling/config.json``,
``config.json``, ``tokenizer.json``), so the query path can know them, and count
tokens, without loading a model.
"""

from __future__ import annotations

from typing import Any

from numpy.typing import NDArray

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from assistant import config
from assistant.errors import ModelMissing

# The sentence-transformers modules the ONNX backend reproduces: the transformer itself (exported),
# then pooling and L2 normalisation (done in numpy, see ``pool``).
ONNX_MODULES = ("Transformer", "Pooling", "Normalize")
POOLINGS = ("mean", "cls", "max")


@dataclass(frozen=True)
class ModelInfo:
    """A model folder's embedding settings; ``onnx_problem`` says why ONNX cannot reproduce it ('' if it can)."""

    model_dir: str
    max_tokens: int
    pooling: str
    dimension: int
    onnx_problem: str = ""


def _read_json(path: Path) -> Any:
    """A JSON file's value; {} when the file is missing."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ModelMissing(f"cannot read {path}: {exc}") from exc


@lru_cache(maxsize=8)
def model_info(model_dir: str) -> ModelInfo:
    """The embedding settings of ``model_dir``; ModelMissing if it is not a model folder."""
    folder = Path(model_dir)
    if not (folder / "config.json").is_file():
        raise ModelMissing(f"embedding model not found at {model_dir} (no config.json)")
    modules = _read_json(folder / "modules.json") or [{"type": "Transformer"}, {"type": "Pooling", "path": ""}]
    kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules]
    pooling_dir = next((m.get("path", "") for m in modules if str(m.get("type", "")).endswith("Pooling")), "1_Pooling")
    pooling_cfg = _read_json(folder / pooling_dir / "config.json") if pooling_dir else {}
    model_cfg = _read_json(folder / "config.json")
    modes = [m for m, key in (("cls", "pooling_mode_cls_token"), ("mean", "pooling_mode_mean_tokens"),
                              ("max", "pooling_mode_max_tokens")) if pooling_cfg.get(key)]
    extra = [k for k in pooling_cfg if k.startswith("pooling_mode_") and pooling_cfg[k]
             and k not in ("pooling_mode_cls_token", "pooling_mode_mean_tokens", "pooling_mode_max_tokens")]
    problems = [f"module {k}" for k in kinds if k not in ONNX_MODULES]
    if len(modes) > 1 or extra:
        problems.append("combined or unusual pooling")
    if not (folder / "tokenizer.json").is_file():
        problems.append("no tokenizer.json")
    settings = _read_json(folder / "sentence_bert_config.json")
    dimension = pooling_cfg.get("word_embedding_dimension") or model_cfg.get("hidden_size")
    if not dimension:
        raise ModelMissing(f"cannot tell the vector size of the model at {model_dir}")
    return ModelInfo(model_dir=str(model_dir), max_tokens=int(settings.get("max_seq_length") or 256),
                     pooling=modes[0] if modes else "mean", dimension=int(dimension),
                     onnx_problem=", ".join(problems))


@lru_cache(maxsize=8)
def tokenizer(model_dir: str, max_tokens: int | None = None) -> Any:
    """The model's fast tokenizer: truncating at ``max_tokens`` and padding to the longest in a batch,
    or, with ``max_tokens`` None, neither (for counting)."""
    from tokenizers import Tokenizer

    path = Path(model_dir) / "tokenizer.json"
    if not path.is_file():
        raise ModelMissing(f"no tokenizer.json in model folder {model_dir}")
    tok = Tokenizer.from_file(str(path))
    if max_tokens is None:
        tok.no_truncation()
        tok.no_padding()
        return tok
    tok.enable_truncation(max_length=max_tokens)
    # tokenizer.json may pad to a fixed length (all-MiniLM-L6-v2's says 128); pad to the batch's longest.
    pad = tok.padding or {}
    tok.enable_padding(pad_id=pad.get("pad_id", 0), pad_type_id=pad.get("pad_type_id", 0),
                       pad_token=pad.get("pad_token", "[PAD]"))
    return tok


def token_counter(model_dir: str | None = None) -> Callable[[str], int]:
    """Count tokens the way the model will, special tokens included. Needs no torch."""
    tok = tokenizer(config.model_path(model_dir))
    return lambda text: len(tok.encode(text).ids)


def pool(hidden: np.ndarray, mask: np.ndarray, mode: str) -> np.ndarray:
    """Token vectors (batch, tokens, dim) to L2-normalised float32 sentence vectors, as
    sentence-transformers' Pooling and Normalize modules do."""
    if mode == "cls":
        pooled = hidden[:, 0]
    elif mode == "max":
        pooled = np.where(mask[:, :, None] > 0, hidden, -1e9).max(axis=1)
    else:  # mean over real (non-padding) tokens
        m = mask[:, :, None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    out: NDArray[np.float32] = (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
    return out
