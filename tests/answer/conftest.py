"""Fixtures for answer tests: an index of the real report pages of the dev split (never the test split)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "tests" / "data" / "real"


def dev_real_files() -> list[Path]:
    """The real report pages marked "split": "dev" in tests/data/real-expected.json."""
    expected = json.loads((ROOT / "tests" / "data" / "real-expected.json").read_text(encoding="utf-8"))
    return [REAL / row["file"] for row in expected if row["split"] == "dev"]


@pytest.fixture(scope="session")
def real_assistant(tmp_path_factory, embedder):
    """An Assistant over the dev real reports, indexed once per session."""
    from assistant.indexing.index import build_index
    from assistant.session import load_assistant

    corpus = tmp_path_factory.mktemp("real-corpus")
    for f in dev_real_files():
        shutil.copy(f, corpus / f.name)
    index = tmp_path_factory.mktemp("real-index")
    build_index(corpus, index, embedder)
    return load_assistant(index, embedder=embedder)
