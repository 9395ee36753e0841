"""Issue 18 item 16: files written where someone else may have prepared the path (an export, a saved
conversation, the input history) are never written through a symbolic link, and their temporary file
cannot be planted. Real files and links in a temporary folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.chat import export, files, history
from assistant.chat.conversation import Conversation, Turn
from assistant.errors import ExportExists, ExportProblem
from assistant.models import Answer

TURNS = [Turn("q?", Answer("q?", "An answer.", False), "hybrid")]


def victim(tmp_path: Path) -> Path:
    path = tmp_path / "victim.txt"
    path.write_text("do not touch", encoding="utf-8")
    return path


def test_export_refuses_a_dangling_link_and_creates_nothing_where_it_points(tmp_path):
    elsewhere = tmp_path / "elsewhere" / "deep" / "stolen.md"
    link = tmp_path / "out.md"
    link.symlink_to(elsewhere)
    with pytest.raises(ExportExists) as info:
        export.write(link, TURNS)
    assert str(info.value) == f"{link} is a symbolic link (to {elsewhere})"
    assert not (tmp_path / "elsewhere").exists()  # neither the target nor its folders were created
    # Asked to (--force), the link itself is replaced by the export; still nothing where it pointed.
    export.write(link, TURNS, overwrite=True)
    assert not link.is_symlink() and "## 1. q?" in link.read_text(encoding="utf-8")
    assert not (tmp_path / "elsewhere").exists()


def test_export_never_writes_through_a_link_to_a_file(tmp_path):
    target = victim(tmp_path)
    link = tmp_path / "out.md"
    link.symlink_to(target)
    with pytest.raises(ExportExists, match="is a symbolic link"):
        export.write(link, TURNS)
    export.write(link, TURNS, overwrite=True)
    assert target.read_text(encoding="utf-8") == "do not touch"
    assert not link.is_symlink()


def test_a_planted_temporary_name_cannot_redirect_the_export(tmp_path, monkeypatch):
    target = victim(tmp_path)
    out = tmp_path / "out.md"
    out.write_text("old export", encoding="utf-8")
    # The old predictable temporary name, planted as a link to the victim.
    (tmp_path / f".out.md.tmp-{os.getpid()}").symlink_to(target)
    export.write(out, TURNS, overwrite=True)
    assert target.read_text(encoding="utf-8") == "do not touch" and "## 1. q?" in out.read_text(encoding="utf-8")
    # Even a link planted at the exact random name is never opened: O_EXCL | O_NOFOLLOW make it an error.
    monkeypatch.setattr(files.secrets, "token_hex", lambda n: "0" * (2 * n))
    (tmp_path / f".out.md.{'0' * 16}.tmp").symlink_to(target)
    with pytest.raises(ExportProblem, match=f"^cannot write {out}: File exists$"):
        export.write(out, TURNS, overwrite=True)
    assert target.read_text(encoding="utf-8") == "do not touch"
    assert "## 1. q?" in out.read_text(encoding="utf-8")  # the last good export is still there


def test_a_new_export_never_replaces_a_file_that_appears_meanwhile(tmp_path):
    # No overwrite: the file is linked into place only if the name is still free.
    out = tmp_path / "out.md"
    written = files.write_text(out, "first", overwrite=False)
    assert written == out and out.read_text(encoding="utf-8") == "first"
    with pytest.raises(files.TargetExists):
        files.write_text(out, "second", overwrite=False)
    assert out.read_text(encoding="utf-8") == "first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.md"]  # no temporary file left behind


def test_history_is_never_written_through_a_link(tmp_path):
    target = victim(tmp_path)
    folder = tmp_path / "history"
    folder.mkdir()
    conv = Conversation(None)
    conv.turns[:] = TURNS
    (folder / f"a.tmp-{os.getpid()}").symlink_to(target)  # the old predictable temporary name
    history.save(conv, "a", directory=folder)
    assert target.read_text(encoding="utf-8") == "do not touch"
    assert history.load("a", folder).turns[0].question == "q?"
    (folder / "b.json").symlink_to(target)
    with pytest.raises(OSError, match="is a symbolic link"):
        history.save(conv, "b", directory=folder)
    assert target.read_text(encoding="utf-8") == "do not touch"
    # The input history is appended to, never through a link (recall goes on without it).
    (folder / history.INPUTS_FILE).symlink_to(target)
    recall = history.InputRecall(folder)
    recall.add("a question")
    assert target.read_text(encoding="utf-8") == "do not touch"
    assert recall.previous("") == "a question"


@pytest.mark.slow
def test_chat_script_export_to_a_link_is_refused_unless_forced(index_dir, tmp_path):
    target = victim(tmp_path)
    link = tmp_path / "out.md"
    link.symlink_to(target)
    turns = tmp_path / "turns.txt"
    assistant = Path(sys.executable).with_name("assistant")

    def chat(line: str):
        turns.write_text(f"What was Iridium's well-led score?\n{line}\n", encoding="utf-8")
        return subprocess.run([str(assistant), "chat", "--script", str(turns), "--index", str(index_dir)],
                              capture_output=True, text=True, timeout=300,
                              env={**os.environ, "HF_HUB_OFFLINE": "1"})

    result = chat(f"/export {link}")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: {turns}:2: {link} is a symbolic link (to {target}); use /export --force {link} to replace it")
    assert target.read_text(encoding="utf-8") == "do not touch"
    result = chat(f"/export --force {link}")
    assert result.returncode == 0, result.stderr
    assert target.read_text(encoding="utf-8") == "do not touch"
    assert not link.is_symlink() and "## 1. What was Iridium's well-led score?" in link.read_text(encoding="utf-8")
