"""Issue 18, the command line: one accurate line for each case, run as a user runs it (a subprocess of the
installed `assistant` command, over real files and indexes)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SEED_CORPUS

ASSISTANT = Path(sys.executable).with_name("assistant")
IRIDIUM = "iridium-medical-practice-2025-01-13.txt"
pytestmark = pytest.mark.slow


def run(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``assistant ARGS`` in a fresh process; stdout and stderr as bytes (checked as UTF-8 by the caller)."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    return subprocess.run([str(ASSISTANT), *args], capture_output=True, cwd=cwd, env=env, timeout=300,
                          input=stdin.encode() if stdin is not None else None)


def err_line(result) -> str:
    """stderr, which must be exactly one line."""
    text = result.stderr.decode("utf-8")
    assert "Traceback" not in text and len(text.strip().splitlines()) == 1, text
    return text.strip()


# -- 11. a missing index: the folders given, said once ------------------------------------------------


def test_a_missing_index_names_the_folders_given_once(tmp_path):
    corpus, index = tmp_path / "my corpus", tmp_path / "nowhere"
    wanted = f"error: no index at {index}; build it with `assistant index build --corpus '{corpus}' --index {index}`"
    for args in (("ask", "anything?"), ("index", "status"), ("chat", "--script", "-")):
        result = run(*args, "--corpus", str(corpus), "--index", str(index), stdin="Kidderminster?\n")
        assert result.returncode == 1 and err_line(result) == wanted, args
    result = run("ask", "anything?", "--index", str(index))  # the default corpus is not spelled out
    assert err_line(result) == f"error: no index at {index}; build it with `assistant index build --index {index}`"


# -- 12. a reader that stops reading ----------------------------------------------------------------------


def test_output_into_a_closed_pipe_ends_quietly(index_dir):
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    for args in (("index", "status", "--reports"), ("index", "status", "--reports", "--json"),
                 ("ask", "What was Iridium's well-led score?")):
        read, write = os.pipe()
        os.close(read)  # as `| head` that has read its lines: every write now fails with EPIPE
        process = subprocess.Popen([str(ASSISTANT), *args, "--index", str(index_dir)], stdout=write,
                                   stderr=subprocess.PIPE, env=env)
        os.close(write)
        _, err = process.communicate(timeout=300)
        assert err == b"", (args, err)  # was "error: [Errno 32] Broken pipe"
        assert process.returncode == 141, args  # as a command ended by SIGPIPE


# -- 13. index status says what changed since the last update ----------------------------------------------


def test_index_status_says_what_changed_since_the_last_update(two):
    corpus, index = two
    result = run("index", "status", "--corpus", str(corpus), "--index", str(index))
    assert result.returncode == 0 and result.stdout.decode().splitlines()[-1] == f"up to date with {corpus}"
    (corpus / IRIDIUM).unlink()
    result = run("index", "status", "--corpus", str(corpus), "--index", str(index))
    lines = result.stdout.decode().splitlines()
    assert result.returncode == 0 and "healthy: every file matches its checksum and fits the others" in lines
    assert lines[-2:] == [f"out of date: since the last update, 1 removed in {corpus}; `assistant index update "
                          f"--corpus {corpus} --index {index}` applies it", f"removed: {IRIDIUM}"]
    shutil.copy(SEED_CORPUS / IRIDIUM, corpus / "iridium-copy.txt")
    info = json.loads(run("index", "status", "--json", "--corpus", str(corpus), "--index", str(index)).stdout)
    assert info["pending"] == {"added": ["iridium-copy.txt"], "changed": [], "removed": [IRIDIUM]}
    assert info["healthy"] is True and info["corpus"] == str(corpus)
    gone = corpus.parent / "unmounted"
    result = run("index", "status", "--corpus", str(gone), "--index", str(index))
    assert result.returncode == 0 and result.stdout.decode().splitlines()[-1] == (
        f"corpus folder {gone} does not exist: an update would remove every report (it refuses without "
        "--allow-removals)")


# -- 14. help, folders, full disks, empty names, right-to-left overrides ----------------------------------


def test_max_size_help_gives_the_real_default():
    for command in ("update", "build", "add"):
        text = " ".join(run("index", command, "--help").stdout.decode().split())
        assert "(default 1MB; a PDF or HTML file may be 8 times larger" in text and "20MB" not in text, command


def test_index_add_of_a_folder_says_it_is_a_folder(two, tmp_path):
    corpus, index = two
    folder = tmp_path / "downloads"
    folder.mkdir()
    shutil.copy(SEED_CORPUS / IRIDIUM, folder / IRIDIUM)
    result = run("index", "add", str(folder), "--corpus", str(corpus), "--index", str(index))
    assert result.returncode == 1
    assert err_line(result) == (f"error: {folder} is a folder; give the report files in it, e.g. "
                                f"`assistant index add {folder}/*.txt`")  # was "unsupported format (no extension)"
    # Beside a file, the folder is skipped with its reason and the file is handled (here: a duplicate).
    result = run("index", "add", str(folder), str(folder / IRIDIUM), "--json", "--corpus", str(corpus),
                 "--index", str(index))
    summary = json.loads(result.stdout)
    assert result.returncode == 3
    assert summary["skipped"][str(folder)] == "a folder, not a report file: give the report files in it"
    assert summary["skipped"][str(folder / IRIDIUM)] == f"exact duplicate of {IRIDIUM}"


def test_a_full_disk_names_the_command_the_stage_and_the_folder(tmp_path):
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-rm", "true"], capture_output=True).returncode:
        pytest.skip("needs `unshare -rm` to mount a small file system")
    corpus, full = tmp_path / "corpus", tmp_path / "full"
    corpus.mkdir()
    full.mkdir()
    shutil.copy(SEED_CORPUS / IRIDIUM, corpus / IRIDIUM)
    script = (f"mount -t tmpfs -o size=96k tmpfs {full} && exec {ASSISTANT} index update --corpus {corpus} "
              f"--index {full / 'index'}")
    result = subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True, timeout=300,
                            env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert result.returncode == 1
    line = err_line(result)
    assert line == (f"error: index update stopped at the 'write' stage: No space left on device (writing the "
                    f"index at {full / 'index'}); the index in use is unchanged"), line  # was "[Errno 28] …"


def test_an_empty_provider_is_refused_not_matched_to_every_provider(index_dir):
    for args in (("ask", "Which providers lacked FTSU awareness?"), ("chat", "--script", "-")):
        result = run(*args, "--provider", "", "--index", str(index_dir), stdin="Kidderminster?\n")
        assert result.returncode == 1 and result.stdout == b"", args
        assert err_line(result) == "error: --provider needs a name; an empty one would match every provider"


# -- 14, 15. report text and file names that would confuse a terminal or a JSON reader -------------------------

NAME = os.fsdecode(b"iridium-caf\xe9-2025-01-13.txt")  # a file name that is not UTF-8
RTL = "Leaders although visible, were not always \u202esupportive."
MARKDOWN = "Governance processes required **urgent** improvement: the `GP-7` _policy_, [the portal](cite:9) & <b>now</b>."


@pytest.fixture(scope="module")
def odd_index(tmp_path_factory, embedder):
    """Iridium's page under a file name that is not UTF-8, with a right-to-left override and Markdown in
    two of the sentences its overview quotes."""
    from assistant.indexing.build import update_index

    root = tmp_path_factory.mktemp("odd")
    corpus = root / "corpus"
    corpus.mkdir()
    page = (SEED_CORPUS / IRIDIUM).read_text(encoding="utf-8")
    for plain, odd in (("Leaders although visible, were not always supportive.", RTL),
                       ("Governance processes required improvement.", MARKDOWN)):
        assert plain in page
        page = page.replace(plain, odd)
    (corpus / NAME).write_text(page, encoding="utf-8")
    update_index(corpus, root / "index", embedder)
    return corpus, root / "index"


def test_json_stays_valid_utf8_when_a_file_name_is_not(odd_index, tmp_path):
    corpus, index = odd_index
    report_id = os.fsdecode(b"iridium-caf\xe9-2025-01-13")
    result = run("ask", "What was Iridium's well-led score?", "--json", "--index", str(index))
    payload = json.loads(result.stdout.decode("utf-8"))  # strict: was invalid UTF-8
    assert payload["citations"][0]["report"] == report_id
    script = tmp_path / "turns.txt"
    script.write_text("What was Iridium's well-led score?\n", encoding="utf-8")
    result = run("chat", "--script", str(script), "--json", "--index", str(index))
    (line,) = result.stdout.decode("utf-8").splitlines()
    assert json.loads(line)["citations"][0]["report"] == report_id
    # `index update --json` names the same file the same way.
    update = run("index", "update", "--json", "--corpus", str(corpus), "--index", str(index))
    assert json.loads(update.stdout.decode("utf-8")) == {"added": [], "changed": [], "removed": [], "skipped": {},
                                                         "chunks_embedded": 0, "seconds": pytest.approx(0, abs=30)}
    plain = run("ask", "What was Iridium's well-led score?", "--index", str(index)).stdout.decode("utf-8")
    assert "(iridium-caf\\xe9-2025-01-13, chars" in plain  # the byte shown as update shows it


def test_plain_output_drops_a_right_to_left_override_and_json_escapes_it(odd_index, tmp_path):
    _, index = odd_index
    plain = run("ask", "Iridium?", "--index", str(index)).stdout.decode("utf-8", "replace")  # names: the test above
    assert "\u202e" not in plain and "“Leaders although visible, were not always supportive.” [" in plain
    text = run("ask", "Iridium?", "--json", "--index", str(index)).stdout.decode("utf-8")
    assert "\u202e" not in text and "\\u202e" in text  # JSON-escaped: the character is kept
    assert RTL in json.loads(text)["answer"]


def test_scripted_and_plain_output_print_a_quoted_sentence_exactly(odd_index, tmp_path):
    _, index = odd_index
    script = tmp_path / "turns.txt"
    script.write_text("Iridium?\n", encoding="utf-8")
    for result in (run("ask", "Iridium?", "--index", str(index)), run("chat", "--script", str(script), "--index", str(index))):
        out = result.stdout.decode("utf-8", "replace")  # file names: the test above
        assert f"- “{MARKDOWN}” [" in out, out  # the report's ** kept in the quote (the answer layer drops them)
        assert "**Iridium" not in out  # the answer's own bold marks are not printed
