"""Bad files are skipped with a one-line reason; they never lose indexed data or stop the batch."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from _indexing import (
    HEARTBEAT,
    HERTS,
    IRIDIUM,
    KIDDERMINSTER,
    assert_iridium_scored_50,
    assistant_for,
    chunk_count,
    small_index,
)
from click.testing import CliRunner
from conftest import SEED_CORPUS

from assistant.cli import main
from assistant.config import IngestSettings
from assistant.indexing.add import add_files
from assistant.indexing.build import update_index
from assistant.indexing.load import load_index
from assistant.ingest.readers import MAX_BYTES

CP1252 = "heartbeat-alliance-cp1252.txt"


def _blank_pdf() -> bytes:
    """A valid one-page PDF with no text layer, as a scanner makes."""
    from pypdf import PdfWriter

    writer, out = PdfWriter(), io.BytesIO()
    writer.add_blank_page(612, 792)
    writer.write(out)
    return out.getvalue()


def _write_bad_files(folder: Path) -> dict[str, str]:
    """Every kind of bad input, written into ``folder``; returns file name -> expected reason."""
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02 GIF89a \x00\xff" * 50)
    (folder / "corrupt.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage\n%%EOF")
    (folder / "scanned.pdf").write_bytes(_blank_pdf())
    with open(folder / "huge.txt", "wb") as fh:  # sparse: costs no disk, but its size is over the limit
        fh.truncate(MAX_BYTES + 1024 * 1024)
    shutil.copy(SEED_CORPUS / IRIDIUM, folder / "iridium-copy.txt")
    (folder / "report.docx").write_bytes(b"PK\x03\x04 a word document")
    return {
        "empty.txt": "empty file",
        "binary.txt": "binary file, not text",
        "corrupt.pdf": "corrupt PDF: ",
        "scanned.pdf": "PDF has no text layer (scanned?)",
        "huge.txt": f"file is {(MAX_BYTES >> 20) + 1} MB, over the {MAX_BYTES >> 20} MB limit",
        "iridium-copy.txt": f"exact duplicate of {IRIDIUM}",
        "report.docx": "unsupported format .docx (supported: .txt .md .html .htm .pdf)",
    }


@pytest.fixture(scope="module")
def batch(tmp_path_factory, embedder):
    """An indexed corpus that then receives every bad input plus two good reports, one of them cp1252."""
    corpus, index = small_index(tmp_path_factory.mktemp("bad"), embedder, IRIDIUM, HERTS)
    expected = _write_bad_files(corpus)
    shutil.copy(SEED_CORPUS / KIDDERMINSTER, corpus / KIDDERMINSTER)
    text = (SEED_CORPUS / HEARTBEAT).read_text(encoding="utf-8")
    (corpus / CP1252).write_bytes(text.encode("cp1252"))  # curly quotes become single non-UTF-8 bytes
    return corpus, index, expected, update_index(corpus, index, embedder)


def test_each_bad_file_is_skipped_with_its_reason(batch):
    _, _, expected, summary = batch
    assert set(summary.skipped) == set(expected)
    for name, reason in expected.items():
        assert summary.skipped[name].startswith(reason), (name, summary.skipped[name])
        assert "\n" not in summary.skipped[name]


def test_good_files_in_the_same_batch_are_indexed(batch, embedder):
    corpus, index, _, summary = batch
    assert summary.added == [CP1252, KIDDERMINSTER]
    assert summary.chunks_embedded == chunk_count(corpus / CP1252) + chunk_count(corpus / KIDDERMINSTER) == 22
    assert summary.notes == {CP1252: ["not UTF-8: decoded as cp1252"]}
    assert any(line == f"note: {CP1252}: not UTF-8: decoded as cp1252" for line in summary.lines())
    data = load_index(index, embedder.name)
    assert sorted(data.manifest.files) == [CP1252, HERTS, IRIDIUM, KIDDERMINSTER]
    assert data.manifest.skipped == summary.skipped
    assistant = assistant_for(index, embedder)
    assert_iridium_scored_50(assistant)  # what was indexed before is all still there
    answer = assistant.ask("What was Heartbeat Alliance's previous rating?")
    assert "previously rated Inadequate" in answer.text
    # The fallback decoding kept the curly quotes: the cited text is the real text.
    report = data.reports["heartbeat-alliance-cp1252"]
    assert report.text == (SEED_CORPUS / HEARTBEAT).read_text(encoding="utf-8")
    assert "’" in report.text


def test_a_changed_file_that_turns_bad_keeps_its_indexed_version(tmp_path, embedder):
    corpus, index = small_index(tmp_path, embedder, IRIDIUM, HERTS)
    path = corpus / IRIDIUM
    path.chmod(0o644)
    path.write_bytes(b"\x00garbled\x00" * 100)
    summary = update_index(corpus, index, embedder)
    assert summary.skipped == {IRIDIUM: "binary file, not text; the previously indexed version is kept"}
    assert (summary.changed, summary.removed, summary.chunks_embedded) == ([], [], 0)
    assert_iridium_scored_50(assistant_for(index, embedder))


@pytest.mark.slow  # the command embeds with the real model
def test_add_copies_only_good_files_and_exits_non_zero_on_skips(tmp_path, embedder):
    corpus, index = small_index(tmp_path / "lib", embedder, IRIDIUM)
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    expected = _write_bad_files(incoming)
    shutil.copy(SEED_CORPUS / HEARTBEAT, incoming / HEARTBEAT)
    clash = tmp_path / "clash" / IRIDIUM
    clash.parent.mkdir()
    clash.write_text("Iridium Medical Practice\n\nA different file with a name already in the corpus.\n")
    files = sorted(str(p) for p in incoming.iterdir()) + [str(clash)]

    result = CliRunner().invoke(main, ["index", "add", *files, "--corpus", str(corpus), "--index", str(index),
                                       "--json"])
    assert result.exit_code == 3, result.output
    summary = json.loads(result.stdout)
    assert set(summary) == {"added", "changed", "removed", "skipped", "chunks_embedded", "seconds"}
    assert summary["added"] == [HEARTBEAT] and summary["chunks_embedded"] == 11
    assert set(summary["skipped"]) == {str(incoming / name) for name in expected} | {str(clash)}
    for name, reason in expected.items():
        assert summary["skipped"][str(incoming / name)].startswith(reason)
    assert summary["skipped"][str(clash)] == (
        f"a different file named {IRIDIUM} is already in the corpus; rename it to add it")
    # Nothing bad entered the corpus, and nothing in it was overwritten.
    assert sorted(p.name for p in corpus.iterdir()) == [HEARTBEAT, IRIDIUM]
    assert (corpus / IRIDIUM).read_bytes() == (SEED_CORPUS / IRIDIUM).read_bytes()


def test_add_of_good_files_exits_zero(tmp_path, embedder):
    corpus, index = small_index(tmp_path, embedder, IRIDIUM)
    summary = add_files([SEED_CORPUS / HERTS], corpus, index, embedder)
    assert (summary.added, summary.skipped, summary.chunks_embedded) == ([HERTS], {}, 7)


def test_a_junk_original_and_its_renamed_copy_are_indexed_once(tmp_path, embedder):
    """The original is replaced by junk and a byte-identical copy appears, in one update: the copy is
    indexed (the readable file wins), the original's old version goes, no report is there twice."""
    corpus, index = small_index(tmp_path, embedder, IRIDIUM, HERTS)
    original = (corpus / IRIDIUM).read_bytes()
    (corpus / IRIDIUM).chmod(0o644)
    (corpus / IRIDIUM).write_bytes(b"\x00junk\x00" * 50)
    (corpus / "iridium-renamed.txt").write_bytes(original)
    summary = update_index(corpus, index, embedder)
    assert summary.added == ["iridium-renamed.txt"] and summary.chunks_embedded == 12
    assert summary.skipped == {IRIDIUM: "binary file, not text; its previously indexed content is now "
                                        "indexed from iridium-renamed.txt"}
    data = load_index(index, embedder.name)
    assert sorted(data.manifest.files) == [HERTS, "iridium-renamed.txt"]
    iridium = [r for r in data.reports.values() if r.provider == "Iridium Medical Practice"]
    assert [r.report_id for r in iridium] == ["iridium-renamed"]
    assistant = assistant_for(index, embedder)
    answer = assistant.ask("What was Iridium's well-led score?")
    assert [c.report for c in answer.citations] == ["iridium-renamed"]


@pytest.mark.slow  # the command embeds with the real model
def test_max_size_lets_a_larger_file_in(tmp_path, embedder):
    corpus, index = small_index(tmp_path, embedder, HERTS)
    text = (SEED_CORPUS / IRIDIUM).read_text(encoding="utf-8")
    (corpus / IRIDIUM).write_text(text, encoding="utf-8")
    size = (corpus / IRIDIUM).stat().st_size
    small = IngestSettings(max_bytes=size - 1)
    refused = update_index(corpus, index, embedder, ingest=small)
    assert refused.added == [] and refused.skipped[IRIDIUM].startswith(f"file is {size / 1024:.1f} KB, over the")
    result = CliRunner().invoke(main, ["index", "update", "--corpus", str(corpus), "--index", str(index),
                                       "--max-size", f"{size}B", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["added"] == [IRIDIUM]
    bad = CliRunner().invoke(main, ["index", "update", "--corpus", str(corpus), "--index", str(index),
                                    "--max-size", "lots"])
    assert bad.exit_code == 2 and "is not a size" in bad.output


@pytest.mark.slow  # the command embeds with the real model
def test_json_progress_goes_to_stderr_and_names_are_escaped(tmp_path, embedder):
    corpus, index = small_index(tmp_path, embedder, HERTS)
    odd = "new\nline\x1b[31m.txt"
    (corpus / odd).write_bytes((SEED_CORPUS / IRIDIUM).read_bytes())
    (corpus / "binary\tname.txt").write_bytes(b"\x00\x01" * 100)
    result = CliRunner().invoke(main, ["index", "update", "--corpus", str(corpus), "--index", str(index), "--json"])
    assert result.exit_code == 3, result.output
    payload = json.loads(result.stdout)  # stdout is exactly one JSON object
    assert payload["added"] == [odd] and list(payload["skipped"]) == ["binary\tname.txt"]
    progress = result.stderr.splitlines()
    assert "embed 0/12" in progress and "embed 12/12" in progress and "parse 2/2" in progress
    chunking = [line for line in progress if line.startswith("chunk ")]  # by section: a big file shows progress
    total = chunking[0].split("/")[1]
    assert chunking[0] == f"chunk 0/{total}" and chunking[-1] == f"chunk {total}/{total}" and int(total) > 1
    assert all(len(line.split()) == 2 for line in progress)  # plain "stage done/total" lines
    last = {line.split()[0]: line.split()[1] for line in progress}  # each stage's last line
    assert {"sentences", "vectors", "terms", "write"} <= last.keys()
    assert all(done == total for done, total in (v.split("/") for v in last.values())), last  # every bar completes

    (corpus / odd).unlink()
    result = CliRunner().invoke(main, ["index", "update", "--corpus", str(corpus), "--index", str(index)])
    lines = result.stdout.splitlines()
    assert "removed: new\\nline\\x1b[31m.txt" in lines  # one line, the control characters shown escaped
    assert "skipped: binary\\tname.txt: binary file, not text" in lines


# -- indexing time is bounded (issue 19) ------------------------------------------------------------


def _many_sections(n: int) -> str:
    """A page of ``n`` one-line sections: tiny text, one or two chunks per section."""
    return "Sunny Practice\n\n" + "".join(f"Heading number {i}\nStaff number {i} were kind.\n\n" for i in range(n))


def test_a_file_making_too_many_chunks_is_skipped_with_its_reason(two, embedder):
    corpus, index = two
    (corpus / "many-sections.txt").write_text(_many_sections(40), encoding="utf-8")
    limit = IngestSettings(max_chunks=30)
    summary = update_index(corpus, index, embedder, ingest=limit)
    reason = summary.skipped["many-sections.txt"]
    assert reason.startswith("makes ") and "chunks, over the limit of 30 a file (--max-chunks raises it)" in reason
    assert summary.chunks_embedded == 0 and summary.added == []  # (the skip is recorded in a new commit point)
    # An indexed file that grows past the limit keeps its indexed version, as an unreadable one does.
    iridium = corpus / IRIDIUM
    iridium.chmod(0o644)
    iridium.write_text(iridium.read_text(encoding="utf-8") + "\n" + "Staff were kind to every patient. " * 1500,
                       encoding="utf-8")
    summary = update_index(corpus, index, embedder, ingest=limit)
    assert summary.skipped[IRIDIUM].endswith("; the previously indexed version is kept")
    assert_iridium_scored_50(assistant_for(index, embedder))
    result = CliRunner().invoke(main, ["index", "update", "--corpus", str(corpus), "--index", str(index),
                                       "--max-chunks", "30", "--json"])
    assert result.exit_code == 3, result.output
    skipped = json.loads(result.stdout)["skipped"]
    assert "over the limit of 30 a file" in skipped["many-sections.txt"] and IRIDIUM in skipped
    assert "chunk 0/" in result.stderr  # progress while chunking, on stderr


@pytest.mark.slow  # the command embeds with the real model
def test_build_json_mode_prints_progress_and_one_summary(two):
    corpus, index = two
    result = CliRunner().invoke(main, ["index", "build", "--corpus", str(corpus), "--index", str(index), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert sorted(payload["added"]) == [HERTS, IRIDIUM] and payload["chunks_embedded"] > 0
    stages = {line.split()[0] for line in result.stderr.splitlines()}
    assert {"hash", "parse", "chunk", "embed", "sentences", "write"} <= stages
