"""Stand-in vectors for benchmark sizes too large to embed on a laptop, produced behind the embedder interface.

Embedding 100k chunks at ~40 chunks/s takes ~40 minutes, so above ``embed_limit`` the
benchmark builds its index through the real build code with a ``SyntheticEmbedder``:
for a large batch it embeds a sample for real (which also gives the throughput), and
gives every other text the real vector of a sampled text with the same section heading
plus Gaussian noise, normalised (cosine ~0.9 to it), so the vectors cluster as real ones
do. Small batches (a query, one added report) are embedded for real. The output says
which vectors were synthetic.
"""

from __future__ import annotations

import time

import numpy as np

NOISE = 0.5  # norm of the noise added to a sampled real vector (before normalising): cosine ~0.89


def _heading(text: str) -> str | None:
    """The section heading of a chunk's embedding text ("Provider | A > B\\n…" -> "B"); None for other text."""
    first = text.split("\n", 1)[0]
    if " | " not in first:
        return None
    return first.split(" | ", 1)[1].rsplit(" > ", 1)[-1]


def synthetic_vectors(keys: list, sample_rows: np.ndarray, sample_vectors: np.ndarray, seed: int) -> np.ndarray:
    """Vectors for ``len(keys)`` texts: the real ones for the sampled rows, and for the rest a noisy copy
    of a sampled vector with the same key (any sampled vector when no sample shares the key)."""
    rng = np.random.default_rng(seed)
    n, d = len(keys), sample_vectors.shape[1]
    by_key: dict = {}
    for j, row in enumerate(sample_rows):
        by_key.setdefault(keys[row], []).append(j)
    rows_by_key: dict = {}
    for row, key in enumerate(keys):
        rows_by_key.setdefault(key, []).append(row)
    anchors = np.empty(n, dtype=np.int64)
    for key, rows in rows_by_key.items():
        pool = np.asarray(by_key.get(key) or range(len(sample_rows)))
        anchors[rows] = pool[rng.integers(0, len(pool), len(rows))]
    out = np.empty((n, d), dtype=np.float32)
    for i in range(0, n, 65_536):  # in blocks, to bound the temporary noise array
        m = min(65_536, n - i)
        block = sample_vectors[anchors[i : i + m]] + rng.standard_normal((m, d)).astype(np.float32) * (NOISE / np.sqrt(d))
        out[i : i + m] = block / np.linalg.norm(block, axis=1, keepdims=True)
    out[sample_rows] = sample_vectors
    return out


class SyntheticEmbedder:
    """The real embedder, except that batches larger than ``sample`` get synthetic vectors (see module)."""

    def __init__(self, real, sample: int = 256, seed: int = 0):
        self.real = real
        self.sample = sample
        self.seed = seed
        self.embedded = 0  # texts embedded for real in large batches
        self.synthesised = 0
        self.seconds = 0.0  # spent embedding those for real

    def __getattr__(self, name):  # name, dimension, model_dir, encode_query, load, ...
        return getattr(self.real, name)

    def encode(self, texts, progress=None) -> np.ndarray:
        """Real vectors for a small batch; a real sample and synthetic vectors for a large one."""
        if len(texts) <= self.sample:
            return self.real.encode(texts, progress=progress)
        rng = np.random.default_rng(self.seed + len(texts))
        rows = np.sort(rng.choice(len(texts), size=self.sample, replace=False))
        started = time.perf_counter()
        vectors = self.real.encode([texts[r] for r in rows])
        self.seconds += time.perf_counter() - started
        self.embedded += len(rows)
        self.synthesised += len(texts) - len(rows)
        out = synthetic_vectors([_heading(t) for t in texts], rows, vectors, self.seed)
        if progress:
            progress(len(texts))
        return out

    @property
    def rate(self) -> float:
        """Texts per second when embedding for real (the sample's throughput)."""
        return self.embedded / self.seconds if self.seconds else 0.0
