"""Helpers for the tests that build and change their own small indexes (never the shared session one)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from conftest import SEED_CORPUS

IRIDIUM = "iridium-medical-practice-2025-01-13.txt"
HERTS = "hertfordshire-iuc-huc-hq-2023-11-21.txt"
HEARTBEAT = "heartbeat-alliance-2024-04-25.txt"
KIDDERMINSTER = "kidderminster-hospital-2024-07-24.txt"
IRIDIUM_QUESTION = "What was Iridium's well-led score?"
IRIDIUM_SENTENCE = "This service scored 50 (out of 100) for this area."

_TEMPLATES: dict[tuple[str, ...], Path] = {}  # seed files -> a (corpus, index) pair built once per session
_TEMPLATE_ROOT: list[tempfile.TemporaryDirectory] = []


class SpyEmbedder:
    """The real embedder, recording every text it is asked to embed."""

    def __init__(self, real):
        self.real = real
        self.texts: list[str] = []

    def __getattr__(self, name):
        return getattr(self.real, name)

    def encode(self, texts, progress=None):
        self.texts.extend(texts)
        return self.real.encode(texts, progress=progress)


def small_index(root: Path, embedder, *names: str) -> tuple[Path, Path]:
    """A corpus of these seed files under ``root`` and an index of it. Returns (corpus, index).

    Each set of files is indexed once per session and copied: embedding is the slow part.
    """
    from assistant.indexing.build import update_index

    key = (type(embedder).__name__, *names)  # an index of the real model's vectors is not the stand-in's
    template = _TEMPLATES.get(key)
    if template is None:
        if not _TEMPLATE_ROOT:
            _TEMPLATE_ROOT.append(tempfile.TemporaryDirectory(prefix="small-index-"))
        template = Path(_TEMPLATE_ROOT[0].name) / str(len(_TEMPLATES))
        (template / "corpus").mkdir(parents=True)
        for name in names:
            shutil.copy(SEED_CORPUS / name, template / "corpus" / name)
        update_index(template / "corpus", template / "index", embedder)
        _TEMPLATES[key] = template
    corpus, index = root / "corpus", root / "index"
    shutil.copytree(template / "corpus", corpus)
    shutil.copytree(template / "index", index)
    return corpus, index


def chunk_count(path: Path) -> int:
    """How many chunks a file makes, counted without any index."""
    from assistant.ingest.chunk import chunk_reports
    from assistant.ingest.parse import parse_file
    from assistant.search.embed import token_counter

    return len(chunk_reports(parse_file(path, path.parent), token_counter()))


def assistant_for(index: Path, embedder):
    """An Assistant on the live version of ``index``, reusing the loaded model."""
    from assistant.session import load_assistant

    return load_assistant(index, embedder=embedder)


def assert_iridium_scored_50(assistant) -> None:
    """The seed question is answered with 50 and the exact sentence stating it."""
    answer = assistant.ask(IRIDIUM_QUESTION)
    assert not answer.no_answer
    assert "scored 50 out of 100" in answer.text
    assert answer.citations[0].text == IRIDIUM_SENTENCE
    report = assistant.data.reports[answer.citations[0].report]
    assert report.text[answer.citations[0].start : answer.citations[0].end] == IRIDIUM_SENTENCE


def live_segments(index: Path) -> list[str]:
    """Names of the segments the live commit point uses."""
    from assistant.indexing import versions
    from assistant.indexing.manifest import Manifest

    return [s.name for s in Manifest.load(versions.current_version(index)).segments]


def reseal(index: Path, edit=None) -> None:
    """Rewrite the live manifest as a writer would: each segment file's checksum taken afresh, ``edit(obj)``
    applied, the manifest's own checksum and CURRENT's record of it recomputed. So only the structure
    checks stand guard (the checksums agree with whatever the test did to the files)."""
    import hashlib
    import json

    from assistant.indexing import versions
    from assistant.indexing.manifest import _canonical

    version = versions.current_version(index)
    obj = json.loads((version / "manifest.json").read_text())
    obj.pop("checksum")
    for s in obj["segments"]:
        folder = versions.segment_dir(index, s["name"])
        s["checksums"] = {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in s["checksums"]}
    if edit is not None:
        obj = edit(obj)
    if isinstance(obj, dict):
        obj = {**obj, "checksum": hashlib.sha256(_canonical(obj)).hexdigest()}
    data = json.dumps(obj).encode()
    (version / "manifest.json").write_bytes(data)
    versions.write_pointer(index, version, hashlib.sha256(data).hexdigest())
