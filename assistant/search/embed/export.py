"""Export the model to ONNX once, locally, and keep it in a cache that two processes can share.

Nothing is downloaded. ``ensure(model_dir, "fp32")`` returns the path of the model's
transformer exported to ONNX fp32 with ``torch.onnx``; ``ensure(model_dir, "int8")``
the same graph with its weights quantised to int8 by onnxruntime. Exporting needs
torch and transformers (``index build`` does it, see the README); using an export
needs neither.

The cache lives under ``config.data_dir()/onnx/<key>/<precision>/``. The key hashes
the model folder's file names and contents (not their times, so a reinstalled copy of
the same model reuses the export) and this recipe's version, so a changed model or
recipe gets a fresh export. Each export is written into a temporary folder, checked
against torch and only then renamed into place, while a lock file keeps a second
process from exporting the same key at the same time: a half-written or wrong model
is never used. Weights go in a file beside the graph (ONNX "external data"), which
onnxruntime opens in half the time of one large file: it counts in a cold ``ask``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import hashlib
import json
import os
import shutil
import uuid
from pathlib import Path

import numpy as np

from assistant import config
from assistant.errors import ModelMissing
from assistant.search.embed.model import ModelInfo, model_info, pool, tokenizer

RECIPE_VERSION = 2  # bump when the export recipe changes, so every cache is rebuilt
OPSET = 17
PRECISIONS = ("fp32", "int8")
GRAPH, WEIGHTS = "model.onnx", "model.onnx.data"  # in <key>/<precision>/
# Vectors of an export against the model it came from, on CHECK_TEXTS: fp32 must match torch
# (the query path relies on it); int8 is a deliberate approximation of fp32.
MIN_COSINE = {"fp32": 0.9999, "int8": 0.95}
CHECK_TEXTS = (
    "Staff were aware of who the freedom to speak up guardian was.",
    "This service scored 50 (out of 100) for this area.",
    "The provider did not have effective systems to assess, monitor and improve the quality of the service, "
    "and leaders could not show how concerns raised by staff had been investigated or acted on.",
    "Good",
)


class ExportFailed(ModelMissing):
    """The model could not be exported to ONNX, or the export does not reproduce it."""


def _file_digest(path: Path, memo: dict[str, list[Any]]) -> str:
    """sha256 of a file's bytes. ``memo`` skips re-reading a file whose path, size, inode and
    modification time are all unchanged: the 90 MB of weights take ~0.1 s to hash, a tenth of a
    cold ``ask``."""
    stat = path.stat()
    seen = [stat.st_size, stat.st_mtime_ns, stat.st_ino]
    entry = memo.get(str(path))
    if entry and entry[:3] == seen:
        return str(entry[3])
    with open(path, "rb") as fh:
        digest = hashlib.file_digest(fh, "sha256").hexdigest()
    memo[str(path)] = [*seen, digest]
    return digest


def cache_key(model_dir: str, root: Path | None = None) -> str:
    """A key that changes with the model folder's file names and contents, and with this recipe."""
    folder = Path(model_dir).resolve()
    memo_file = (root or cache_root()) / "digests.json"
    try:
        memo = json.loads(memo_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        memo = {}
    before = dict(memo)
    h = hashlib.sha256(f"recipe {RECIPE_VERSION} opset {OPSET}\n".encode())
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if any(part.startswith(".") for part in rel.split("/")):
            continue  # .gitattributes, .cache: not part of the model
        h.update(f"{rel}\0{_file_digest(path, memo)}\n".encode())
    if memo != before:
        try:
            memo_file.parent.mkdir(parents=True, exist_ok=True)
            _publish_file(memo_file, lambda tmp: tmp.write_text(json.dumps(memo), encoding="utf-8"))
        except OSError:
            pass  # only a speed-up: the key is the same without it
    return h.hexdigest()[:20]


def cache_root() -> Path:
    """Where exports of every model live."""
    return config.data_dir() / "onnx"


def cache_dir(model_dir: str, root: Path | None = None) -> Path:
    """Where the exports of ``model_dir`` live."""
    return (root or cache_root()) / cache_key(model_dir, root)


def ensure(model_dir: str, precision: str = "fp32", root: Path | None = None) -> Path:
    """The exported graph for ``precision`` (fp32 or int8), exporting it first if it is missing."""
    if precision not in PRECISIONS:
        raise ValueError(f"unknown ONNX precision '{precision}' (choose from {', '.join(PRECISIONS)})")
    folder = cache_dir(model_dir, root)
    final = folder / precision / GRAPH
    if final.is_file():
        return final
    from filelock import FileLock

    try:
        folder.mkdir(parents=True, exist_ok=True)
        with FileLock(str(folder.parent / f"{folder.name}.lock")):
            if not final.is_file():  # another process may have exported it while we waited
                _export_locked(model_info(model_dir), folder, precision)
    except ModelMissing:
        raise
    except OSError as exc:
        raise ExportFailed(f"cannot write the ONNX export to {folder}: {exc}") from exc
    except Exception as exc:  # torch.onnx and the quantiser fail with many exception types
        raise ExportFailed(f"cannot export the model at {model_dir} to ONNX {precision}: {str(exc)[:200]}") from exc
    return final


def _export_locked(info: ModelInfo, folder: Path, precision: str) -> None:
    """Write ``folder/<precision>/`` (and fp32, which int8 is made from); the caller holds the lock."""
    if info.onnx_problem:
        raise ExportFailed(f"the model at {info.model_dir} cannot run on ONNX ({info.onnx_problem}); "
                           "use ASSISTANT_BACKEND=torch")
    for leftover in folder.glob(".*.tmp"):  # from an export that was killed; none is running (we hold the lock)
        shutil.rmtree(leftover, ignore_errors=True)
    fp32 = folder / "fp32" / GRAPH
    if not fp32.is_file():
        _publish_dir(folder / "fp32", lambda tmp: _export_fp32(info, tmp))
        _write_recipe(folder, info)
    if precision == "int8":
        _publish_dir(folder / "int8", lambda tmp: _quantise_int8(info, fp32, tmp))


def _temporary(final: Path) -> Path:
    return final.with_name(f".{final.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")


def _publish_dir(final: Path, write: Callable[[Path], object]) -> None:
    """Run ``write(tmp_folder)`` then rename the folder to ``final``: readers see all of it or none."""
    tmp = _temporary(final)
    tmp.mkdir(parents=True)
    try:
        write(tmp)
        if final.exists():  # a leftover without its graph (the graph is checked first): replace it
            shutil.rmtree(final)
        os.replace(tmp, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _publish_file(final: Path, write: Callable[[Path], object]) -> None:
    """Run ``write(tmp)`` then rename ``tmp`` to ``final``."""
    tmp = _temporary(final)
    try:
        write(tmp)
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)


def _write_recipe(folder: Path, info: ModelInfo) -> None:
    import torch

    recipe = {"model_dir": info.model_dir, "model": config.model_name(info.model_dir), "recipe": RECIPE_VERSION,
              "opset": OPSET, "torch": torch.__version__, "pooling": info.pooling, "max_tokens": info.max_tokens}
    _publish_file(folder / "recipe.json", lambda tmp: tmp.write_text(json.dumps(recipe, indent=1), encoding="utf-8"))


def _save_external(traced: Path, target: Path) -> None:
    """Re-save a graph with its weights in ``target``'s WEIGHTS file beside it."""
    import onnx

    model = onnx.load(str(traced))
    onnx.save(model, str(target), save_as_external_data=True, all_tensors_to_one_file=True, location=WEIGHTS,
              size_threshold=1024)


def _export_fp32(info: ModelInfo, folder: Path) -> None:
    """Trace the transformer to ONNX into ``folder`` and check its vectors against torch's."""
    try:
        import torch
        from transformers import AutoModel
    except ImportError as exc:
        raise ExportFailed("the ONNX query model is not exported yet and exporting needs torch and "
                           f"transformers ({exc}); run `assistant index build` where they are installed") from exc
    import inspect
    import warnings

    from assistant.search.embed.torch_backend import quiet_transformers

    quiet_transformers()
    # Eager attention: the SDPA path drops an all-ones mask while tracing, which would bake
    # "no padding" into the graph and corrupt padded batches.
    base = AutoModel.from_pretrained(info.model_dir, local_files_only=True, attn_implementation="eager").eval()
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids")
             if n in inspect.signature(base.forward).parameters]

    class Hidden(torch.nn.Module):  # type: ignore[misc]  # (torch is used untyped)
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, *args: Any) -> Any:
            return self.model(**dict(zip(names, args))).last_hidden_state

    ids = torch.ones((2, 8), dtype=torch.long)
    mask = torch.ones_like(ids)
    mask[1, 5:] = 0  # trace with padding present
    example = {"input_ids": ids, "attention_mask": mask, "token_type_ids": torch.zeros_like(ids)}
    axes = {n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]}
    traced = folder / "traced.onnx"
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        # eval() on the wrapper too: export restores the wrapper's mode afterwards, and a fresh
        # Module is in training mode, which would switch dropout on for the check below.
        torch.onnx.export(Hidden(base).eval(), tuple(example[n] for n in names), str(traced), input_names=names,
                          output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=OPSET,
                          dynamo=False)
        _save_external(traced, folder / GRAPH)
        traced.unlink()

        def reference(feed: dict[str, np.ndarray]) -> np.ndarray:
            hidden = base(**{n: torch.from_numpy(feed[n]) for n in names}).last_hidden_state.numpy()
            return pool(hidden, feed["attention_mask"], info.pooling)

        _check(info, folder / GRAPH, reference, "fp32")


def _quantise_int8(info: ModelInfo, fp32: Path, folder: Path) -> None:
    """Dynamic int8 quantisation of the fp32 export into ``folder``: int8 weights with one scale per
    output channel, activations quantised per batch at run time."""
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # quantize_dynamic logs a "consider pre-processing" hint on the root logger
    quantised = folder / "quantised.onnx"
    try:
        # Per-channel scales: per-tensor int8 leaves cosine to the fp32 vectors at ~0.96 on CQC
        # prose; per-channel keeps it at ~0.99 for the same speed.
        quantize_dynamic(str(fp32), str(quantised), weight_type=QuantType.QInt8, per_channel=True)
    finally:
        root.setLevel(level)
    _save_external(quantised, folder / GRAPH)
    quantised.unlink()
    fp32_session = open_session(fp32, threads=1)
    _check(info, folder / GRAPH, lambda feed: run(fp32_session, info, feed), "int8")


def feed_for(info: ModelInfo, texts: Sequence[str]) -> dict[str, np.ndarray]:
    """Token ids, attention mask and token types for a batch, padded to its longest text."""
    enc = tokenizer(info.model_dir, info.max_tokens).encode_batch(list(texts))
    ids = np.asarray([e.ids for e in enc], dtype=np.int64)
    return {"input_ids": ids, "attention_mask": np.asarray([e.attention_mask for e in enc], dtype=np.int64),
            "token_type_ids": np.zeros_like(ids)}


def open_session(path: Path, threads: int, providers: tuple[str, ...] = ("CPUExecutionProvider",)) -> Any:
    """An onnxruntime session on ``path`` using ``threads`` cores."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), options, providers=list(providers))


def run(session: Any, info: ModelInfo, feed: dict[str, np.ndarray]) -> np.ndarray:
    """Pooled, normalised vectors of one tokenised batch."""
    wanted = {i.name for i in session.get_inputs()}
    hidden = session.run(None, {k: v for k, v in feed.items() if k in wanted})[0]
    return pool(hidden, feed["attention_mask"], info.pooling)


def _check(info: ModelInfo, path: Path, reference: Callable[[dict[str, np.ndarray]], np.ndarray],
           precision: str) -> None:
    """Refuse an export whose vectors stray from ``reference``'s (padded batch and single text)."""
    worst = 1.0
    for texts in (CHECK_TEXTS, CHECK_TEXTS[:1]):
        feed = feed_for(info, texts)
        got = run(open_session(path, threads=1), info, feed)
        worst = min(worst, float((got * reference(feed)).sum(axis=1).min()))
    if worst < MIN_COSINE[precision]:
        raise ExportFailed(f"the ONNX {precision} export of {info.model_dir} does not reproduce the model "
                           f"(cosine {worst:.4f} < {MIN_COSINE[precision]})")
