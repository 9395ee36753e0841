"""Shards of one embedding call, and the staging folder finished shards are kept in.

``Embedder.encode`` sorts its texts longest first and embeds them in batches of ``batch``
consecutive texts of that order (each batch padded to its longest). A shard here is a run of
whole batches of the same order, so each text is embedded in exactly the batch, with exactly
the padding, it would have in-process, and a shard's vectors are the in-process ones bit for bit.

A shard is named by what its vectors depend on (content addressing): the model folder's digest
(weights and tokenizer, ``export.cache_key``), the backend, the batch size and the shard's texts
in order. Chunk ids are not part of the name: a vector depends on its text alone, so a rerun
whose chunk ids moved (an update after another update) still finds its shards.

Each finished shard is written to the staging folder under its name, atomically (written to a
temporary file, flushed, renamed, folder flushed): a writer killed at any point leaves only whole
shards, and the next run reads them instead of embedding them again.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FORMAT = 1  # bump when the meaning of a staged shard changes
STAGING = ".staging"  # in the index folder: hidden, so the corpus scan and `versions.clean` pass it by
DEFAULT_SHARD_TEXTS = 512  # a multiple of every batch size a backend uses (32 on a CPU, 256 on a GPU)


@dataclass(frozen=True)
class Shard:
    """Texts embedded together: ``rows`` are their positions in the caller's list, in embedding order."""

    key: str
    rows: np.ndarray
    texts: tuple[str, ...]


def salt(model_digest: str, backend: str, batch: int, dimension: int) -> str:
    """What every shard name of one model, backend and batch size starts from."""
    return f"shard v{FORMAT}\nmodel {model_digest}\nbackend {backend}\nbatch {batch}\ndimension {dimension}\n"


def shard_key(salted: str, texts: Sequence[str]) -> str:
    """The name of a shard of ``texts`` (in this order)."""
    h = hashlib.sha256(salted.encode("utf-8"))
    for text in texts:
        data = text.encode("utf-8", "surrogatepass")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def plan(texts: Sequence[str], shard_texts: int, salted: str) -> list[Shard]:
    """``texts`` cut into shards of ``shard_texts`` (the last may be shorter), in ``Embedder.encode``'s order."""
    if shard_texts < 1:
        raise ValueError("a shard must hold at least one text")
    order = np.argsort([-len(t) for t in texts], kind="stable")  # exactly as Embedder.encode sorts
    out = []
    for i in range(0, len(texts), shard_texts):
        rows = order[i : i + shard_texts]
        chosen = tuple(texts[r] for r in rows)
        out.append(Shard(shard_key(salted, chosen), rows, chosen))
    return out


class Staging:
    """Finished shards on disk: ``<folder>/<key>.npy``, float32, one row per text."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.npy"

    def read(self, key: str, rows: int, dimension: int) -> np.ndarray | None:
        """A staged shard's vectors, or None when it is not staged (or not readable as one)."""
        try:
            got = np.load(self.path(key), allow_pickle=False)
        except (OSError, ValueError):
            return None
        if got.dtype != np.float32 or got.shape != (rows, dimension):
            return None
        return got

    def write(self, key: str, vectors: np.ndarray) -> None:
        """Stage a shard atomically: temporary file, flush, rename, flush the folder."""
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / f".{key}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp"
        try:
            with open(tmp, "wb") as fh:
                np.save(fh, np.ascontiguousarray(vectors, dtype=np.float32), allow_pickle=False)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path(key))
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()
        fd = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def keys(self) -> set[str]:
        """The names of the staged shards."""
        if not self.folder.is_dir():
            return set()
        return {p.name[:-4] for p in self.folder.iterdir() if p.suffix == ".npy" and not p.name.startswith(".")}

    def clear(self) -> None:
        """Remove the staging folder (after the build it served is committed)."""
        shutil.rmtree(self.folder, ignore_errors=True)
