"""Embedding backends: the default (torch) through the real model, and ONNX int8 close to it."""

from __future__ import annotations

import numpy as np
import pytest

SENTENCES = [
    "Staff were aware of who the freedom to speak up guardian (FTSU) was at the practice and within the PCN.",
    "The service was in breach of legal regulation in relation to good governance.",
    "This service scored 50 (out of 100) for this area.",
    "Processes for recording and managing incidents and complaints were not effective.",
    "Patients found the service easy to use and reported they were able to access care when they needed it.",
    "Leaders promoted an open culture.",
]


def test_default_backend_vectors_are_normalised_and_meaningful(embedder):
    assert embedder.backend in ("torch", "onnx")
    v = embedder.encode(SENTENCES)
    assert v.shape == (len(SENTENCES), embedder.dimension) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    q = embedder.encode_query("Who is the FTSU guardian?")
    assert int(np.argmax(v @ q)) == 0
    assert embedder.encode([]).shape == (0, embedder.dimension)


def test_encode_keeps_the_callers_order(embedder):
    one_by_one = np.vstack([embedder.encode([s]) for s in SENTENCES])
    assert np.allclose(embedder.encode(SENTENCES), one_by_one, atol=1e-4)


def test_backend_choice(monkeypatch):
    from assistant.search.embed import Embedder, choose_backend

    monkeypatch.setenv("ASSISTANT_BACKEND", "onnx")
    assert choose_backend() == "onnx"
    assert choose_backend("torch") == "torch"
    monkeypatch.setenv("ASSISTANT_BACKEND", "tensorflow")
    with pytest.raises(ValueError, match="unknown embedding backend"):
        Embedder()


def test_onnx_int8_is_close_to_torch(embedder, tmp_path, monkeypatch):
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from assistant.search.embed import Embedder

    torch_vectors = Embedder(backend="torch").encode(SENTENCES)
    onnx = Embedder(backend="onnx").load()
    assert onnx.dimension == embedder.dimension
    onnx_vectors = onnx.encode(SENTENCES)
    assert np.allclose(np.linalg.norm(onnx_vectors, axis=1), 1.0, atol=1e-4)
    cosine = (torch_vectors * onnx_vectors).sum(axis=1)
    assert cosine.min() > 0.98
    # Padded in a batch or alone, a sentence keeps its meaning. Not bit-equal: dynamic
    # quantisation scales activations per batch, so batch-mates shift a vector slightly.
    alone = onnx.encode([SENTENCES[-1]])[0]
    assert float(alone @ onnx_vectors[-1]) > 0.98


def test_onnx_export_is_cached_by_model(tmp_path):
    pytest.importorskip("onnxruntime")
    from assistant import config
    from assistant.search import embed_onnx

    model = config.model_path()
    assert embed_onnx.cache_dir(model, tmp_path) == embed_onnx.cache_dir(model, tmp_path)
    assert embed_onnx.cache_dir(model, tmp_path).parent == tmp_path
