"""The damage trials of issue 19: every kind of index file, damaged every way, gives no answer.

Each trial damages one file of a two-segment index (Iridium and Hertfordshire in s000001, Heartbeat
in s000002, commit points v000001 and v000002) and asks Iridium's well-led score. The outcome must
be no answer, a non-zero exit and one line naming the damaged file and the fix; never "scored 50"
from a file nobody checked, nor "scored 90" from a replaced one. "Another version's copy" comes
from a second index of the same corpus in which Iridium scored 90 and a Heartbeat sentence differs.

The whole table runs in-process here; the slow tier runs it again through a real `assistant ask`
process, with `index status` (exit 1) and `index update --repair` (then the right answer).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from _indexing import HEARTBEAT, HERTS, IRIDIUM, IRIDIUM_QUESTION, assert_iridium_scored_50, assistant_for
from click.testing import CliRunner
from conftest import ROOT, SEED_CORPUS

from assistant.cli import main
from assistant.indexing.build import update_index
from assistant.indexing.load import status

SEGMENT_FILES = ("files.json", "reports.json", "chunks.json", "bm25_tf.npz", "bm25_doclen.npy", "bm25_vocab.json",
                 "vectors.faiss", "sentences.npz")
KINDS = ("CURRENT", "manifest.json", *SEGMENT_FILES)
DAMAGES = ("truncated", "flipped", "deleted", "another-version", "swapped", "same-size-and-mtime", "pointed-back")


def _build(root: Path, embedder, edit: bool) -> Path:
    corpus, index = root / "corpus", root / "index"
    corpus.mkdir(parents=True)
    for name in (IRIDIUM, HERTS):
        shutil.copy(SEED_CORPUS / name, corpus / name)
    if edit:
        path = corpus / IRIDIUM
        text = path.read_text(encoding="utf-8").replace(
            "scored 50 (out of 100) for this area.", "scored 90 (out of 100) for this area, the inspectors wrote.")
        path.write_text(text, encoding="utf-8")
    update_index(corpus, index, embedder)
    shutil.copy(SEED_CORPUS / HEARTBEAT, corpus / HEARTBEAT)
    if edit:
        path = corpus / HEARTBEAT
        path.write_text(path.read_text(encoding="utf-8").replace("Staff", "Workers", 1), encoding="utf-8")
    update_index(corpus, index, embedder)
    return root


@pytest.fixture(scope="module")
def indexes(tmp_path_factory):
    """(the index to damage, another index of the same files with different content)."""
    from _fakes import HashEmbedder

    embedder = HashEmbedder()
    return (_build(tmp_path_factory.mktemp("trial"), embedder, edit=False),
            _build(tmp_path_factory.mktemp("other"), embedder, edit=True))


def _path(index: Path, kind: str, segment: str = "s000001", version: str = "v000002") -> Path:
    if kind == "CURRENT":
        return index / "CURRENT"
    if kind == "manifest.json":
        return index / version / "manifest.json"
    return index / "segments" / segment / kind


def _keep_stat(path: Path, change) -> None:
    """Change a file's bytes without changing its size or mtime (what bit rot looks like)."""
    st = path.stat()
    data = path.read_bytes()
    new = change(data)
    assert len(new) == len(data) and new != data
    path.write_bytes(new)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns


def _flip(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1:]


def _pointer_to_v1(index: Path) -> bytes:
    import hashlib

    return f"v000001 {hashlib.sha256((index / 'v000001' / 'manifest.json').read_bytes()).hexdigest()}\n".encode()


def damage(index: Path, other: Path, kind: str, how: str) -> str | None:
    """Damage ``kind`` in ``index`` the way ``how`` says; returns what the error must name (None: the
    trial does not apply to this kind of file)."""
    path = _path(index, kind)
    before = path.read_bytes()
    named = "CURRENT" if kind == "CURRENT" else str(path.relative_to(index))
    if how == "truncated":
        path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    elif how == "flipped":
        path.write_bytes(_flip(path.read_bytes()))
    elif how == "deleted":
        path.unlink()
    elif how == "another-version":
        if kind == "CURRENT":
            path.write_bytes(_pointer_to_v1(index))  # CURRENT as it was while v000001 was live
        elif kind == "manifest.json":
            shutil.copy(index / "v000001" / "manifest.json", path)
        else:
            shutil.copy(_path(other / "index", kind), path)
    elif how == "swapped":
        if kind == "CURRENT":
            return None
        second = _path(index, kind, segment="s000002", version="v000001")
        a, b = path.read_bytes(), second.read_bytes()
        path.write_bytes(b)
        second.write_bytes(a)
        if a == b:
            return None
    elif how == "same-size-and-mtime":
        if kind == "CURRENT":
            _keep_stat(path, lambda data: _pointer_to_v1(index))
            named = "CURRENT names v000001, but v000002 is newer"
        elif kind == "reports.json":
            _keep_stat(path, lambda data: data.replace(b"scored 50", b"scored 90"))
        else:
            _keep_stat(path, _flip)
    elif how == "pointed-back":
        if kind != "CURRENT":
            return None
        path.write_text("v000001\n")  # by hand, as the outside test did
    assert not path.exists() or path.read_bytes() != before  # every trial really changes the file
    return named


TRIALS = [(kind, how) for kind in KINDS for how in DAMAGES
          if not (kind == "CURRENT" and how == "swapped") and not (kind != "CURRENT" and how == "pointed-back")]


def _damaged(indexes, tmp_path, kind, how) -> tuple[Path, Path, str]:
    template, other = indexes
    shutil.copytree(template, tmp_path / "t")
    named = damage(tmp_path / "t" / "index", other, kind, how)
    assert named is not None
    return tmp_path / "t" / "corpus", tmp_path / "t" / "index", named


def _assert_refused(returncode: int, stdout: str, stderr: str, named: str) -> None:
    assert returncode == 1 and stdout == "", stdout  # no answer at all
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    assert named in lines[0] and "`assistant index update --repair`" in lines[0], lines[0]


@pytest.mark.parametrize("kind, how", TRIALS, ids=[f"{k}-{h}" for k, h in TRIALS])
def test_a_damaged_file_gives_no_answer(indexes, tmp_path, kind, how):
    _, index, named = _damaged(indexes, tmp_path, kind, how)
    result = CliRunner().invoke(main, ["ask", IRIDIUM_QUESTION, "--index", str(index)])
    _assert_refused(result.exit_code, result.stdout, result.stderr, named)


@pytest.mark.slow
@pytest.mark.parametrize("kind, how", TRIALS, ids=[f"{k}-{h}" for k, h in TRIALS])
def test_a_damaged_file_gives_no_answer_from_a_real_ask_and_repair_mends_it(indexes, tmp_path, kind, how, embedder):
    corpus, index, named = _damaged(indexes, tmp_path, kind, how)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    ask = [str(Path(sys.executable).parent / "assistant"), "ask", IRIDIUM_QUESTION, "--index", str(index)]
    out = subprocess.run(ask, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    _assert_refused(out.returncode, out.stdout, out.stderr, named)
    checked = CliRunner().invoke(main, ["index", "status", "--index", str(index)])
    assert checked.exit_code == 1, checked.output
    summary = update_index(corpus, index, embedder, repair=True)
    assert summary.repaired
    assert status(index)["healthy"]
    assert_iridium_scored_50(assistant_for(index, embedder))
    again = subprocess.run(ask, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert again.returncode == 0 and "scored 50 out of 100" in again.stdout, again.stderr


def test_a_merge_never_writes_fresh_checksums_over_unverified_bytes(indexes, tmp_path, embedder):
    """Bit rot that keeps size and mtime, after a writer cached the file as verified: the early check of an
    update trusts the cache, but a merge hashes what it reads, so optimize refuses instead of laundering."""
    from assistant.errors import IndexCorrupt
    from assistant.indexing.build import optimize_index

    shutil.copytree(indexes[0], tmp_path / "t")
    corpus, index = tmp_path / "t" / "corpus", tmp_path / "t" / "index"
    update_index(corpus, index, embedder)  # a writer hashes every file and caches (size, mtime)
    assert (index / ".verified.json").is_file()
    _keep_stat(_path(index, "reports.json"), lambda data: data.replace(b"scored 50", b"scored 90"))
    with pytest.raises(IndexCorrupt, match="s000001/reports.json does not match its checksum"):
        optimize_index(index, embedder)
    assert not status(index)["healthy"]  # nothing was rewritten over the damage
    result = CliRunner().invoke(main, ["ask", IRIDIUM_QUESTION, "--index", str(index)])
    assert result.exit_code == 1 and "scored 90" not in result.output
    update_index(corpus, index, embedder, repair=True)
    assert_iridium_scored_50(assistant_for(index, embedder))


def test_an_older_commit_point_is_served_only_when_named(indexes, tmp_path):
    shutil.copytree(indexes[0], tmp_path / "t")
    index = tmp_path / "t" / "index"
    (index / "CURRENT").write_bytes(_pointer_to_v1(index))  # pointed back: refused ...
    refused = CliRunner().invoke(main, ["ask", IRIDIUM_QUESTION, "--index", str(index)])
    assert refused.exit_code == 1 and "--version v000001" in refused.stderr
    named = CliRunner().invoke(main, ["ask", IRIDIUM_QUESTION, "--index", str(index), "--version", "v000001"])
    assert named.exit_code == 0 and "scored 50 out of 100" in named.stdout  # ... unless asked for by name
    checked = CliRunner().invoke(main, ["index", "status", "--index", str(index), "--version", "v000001"])
    assert checked.exit_code == 0 and checked.stdout.startswith("version v000001")
    unknown = CliRunner().invoke(main, ["ask", IRIDIUM_QUESTION, "--index", str(index), "--version", "v000009"])
    assert unknown.exit_code == 1 and "no commit point v000009" in unknown.stderr
