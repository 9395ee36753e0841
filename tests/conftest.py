"""Shared fixtures: the real seed corpus, one index per session, and two embedders.

``embedder`` is a deterministic stand-in (``_fakes.HashEmbedder``: no model), for tests of the
index's machinery; ``real_embedder`` is the bundled model, for tests whose outcome depends on
meaning. Every test that uses the real model (directly or through ``index_dir``, ``data``,
``retriever`` or ``assistant``) is marked slow here, so ``pytest -m "not slow"`` loads no model.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
SEED_CORPUS = ROOT / "corpus"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Mark slow every test that uses the real model (before ``-m`` deselects by marker). A test may not use
    both: the stand-in's query vectors against the real model's index would be noise."""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if "real_embedder" in names:
            item.add_marker(pytest.mark.slow)
            if "embedder" in names:
                raise pytest.UsageError(f"{item.nodeid} uses both embedder (the stand-in) and the real model")


@pytest.fixture(autouse=True, scope="session")
def _isolated_data_dir(tmp_path_factory):
    """Never write to the user's real data folder."""
    os.environ["ASSISTANT_DATA_DIR"] = str(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="session")
def real_embedder():
    """The bundled model (tests using it are slow)."""
    from assistant.search.embed import Embedder

    return Embedder().load()


@pytest.fixture(scope="session")
def embedder():
    """The deterministic stand-in: no model is loaded."""
    from _fakes import HashEmbedder

    return HashEmbedder()


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory) -> Path:
    """A copy of the seed corpus, so tests never touch the repository's files."""
    target = tmp_path_factory.mktemp("corpus")
    for f in SEED_CORPUS.iterdir():
        shutil.copy(f, target / f.name)
    return target


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory, corpus_dir, real_embedder) -> Path:
    """The seed corpus, indexed with the real model once for the whole session. Treat it as read-only."""
    from assistant.indexing.build import build_index

    target = tmp_path_factory.mktemp("index")
    build_index(corpus_dir, target, real_embedder)
    return target


@pytest.fixture(scope="session")
def data(index_dir, real_embedder):
    from assistant.indexing.load import load_index

    return load_index(index_dir, real_embedder.name)


@pytest.fixture(scope="session")
def retriever(data, real_embedder):
    from assistant.search.retrieve import Retriever

    return Retriever(data, real_embedder)


@pytest.fixture(scope="session")
def assistant(retriever):
    from assistant.answer.assistant import Assistant

    return Assistant(retriever)


@pytest.fixture()
def two(tmp_path, embedder):
    """Iridium and Hertfordshire, indexed: (corpus, index), a fresh copy for each test that changes it."""
    from _indexing import HERTS, IRIDIUM, small_index  # it imports this module: import when used

    return small_index(tmp_path, embedder, IRIDIUM, HERTS)
