"""Helpers for answer tests: checks every answer must pass, and an index of the dev split's real reports."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest


def grounded(answer, data) -> None:
    """Every citation quotes its report exactly, and the [n] in the text are exactly the citations, 1..N
    numbered in the order the text first uses them."""
    for c in answer.citations:
        assert data.reports[c.report].text[c.start : c.end] == c.text
    used = [int(n) for n in re.findall(r"\[(\d+)\]", answer.text)]
    assert sorted(set(used)) == [c.n for c in answer.citations]
    assert list(dict.fromkeys(used)) == sorted(set(used)), "citations are numbered in the order the text uses them"


def cited(answer, n):
    """Citation number ``n`` of an answer."""
    return answer.citations[n - 1]


def texts(answer) -> list[str]:
    """The cited sentences, in citation order."""
    return [c.text for c in answer.citations]


ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT / "tests" / "data" / "real"


def dev_real_files() -> list[Path]:
    """The real report pages marked "split": "dev" in tests/data/real-expected.json."""
    expected = json.loads((ROOT / "tests" / "data" / "real-expected.json").read_text(encoding="utf-8"))
    return [REAL / row["file"] for row in expected if row["split"] == "dev"]


@pytest.fixture(scope="session")
def real_assistant(tmp_path_factory, real_embedder):
    """An Assistant over the dev real reports, indexed once per session."""
    from assistant.indexing.build import build_index
    from assistant.session import load_assistant

    corpus = tmp_path_factory.mktemp("real-corpus")
    for f in dev_real_files():
        shutil.copy(f, corpus / f.name)
    index = tmp_path_factory.mktemp("real-index")
    build_index(corpus, index, real_embedder)
    return load_assistant(index, embedder=real_embedder)


def assistant_over(root: Path, embedder, files) -> object:
    """An Assistant over copies of the real report pages ``files`` (names in tests/data/real), indexed in ``root``."""
    from assistant.indexing.build import update_index
    from assistant.session import load_assistant

    corpus, index = root / "corpus", root / "index"
    corpus.mkdir()
    for name in files:
        shutil.copy(REAL / name, corpus / name)
    update_index(corpus, index, embedder)
    return load_assistant(index, embedder=embedder)
