"""The corpus scan policy: links followed only inside the corpus, every skipped entry reported with its
reason, no entry read twice; untouched files are not re-read."""

from __future__ import annotations

import os
import shutil
import time

import pytest
from _indexing import HEARTBEAT, HERTS, IRIDIUM, small_index
from conftest import SEED_CORPUS

from assistant.indexing.build import optimize_index, update_index
from assistant.indexing.load import load_index
from assistant.indexing.scan import list_corpus, racy, safe_name


def _report(folder, name, source=IRIDIUM):
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(SEED_CORPUS / source, folder / name)


def test_policy_for_links_folders_documentation_and_hidden_entries(tmp_path):
    corpus, outside = tmp_path / "corpus", tmp_path / "outside"
    _report(corpus, "a.txt")
    _report(corpus / "sub", "b.txt", HERTS)
    _report(corpus / ".stash", "hidden-target.txt", HEARTBEAT)
    _report(outside, "elsewhere.txt")
    (corpus / ".DS_Store").write_bytes(b"\x00")
    (corpus / "SOURCES.md").write_text("Downloaded from cqc.org.uk\n")
    (corpus / "README").write_text("notes\n")
    (corpus / "Licence.txt").write_text("OGL\n")
    (corpus / "readmission-rates.txt").write_text("Readmission rates\n\nRates fell.\n")  # not documentation
    (corpus / "empty-folder.txt").mkdir()
    (corpus / "folder-with-report.htm").mkdir()
    _report(corpus / "folder-with-report.htm", "inner.txt", HERTS)
    os.symlink(outside / "elsewhere.txt", corpus / "link-out.txt")
    os.symlink(corpus / "missing.txt", corpus / "broken.txt")
    os.symlink(corpus / "a.txt", corpus / "link-to-a.txt")
    os.symlink(corpus / "sub", corpus / "link-to-folder")
    os.symlink(corpus / ".stash" / "hidden-target.txt", corpus / "link-in.txt")
    os.symlink("../../outside", corpus / "sub" / "up")
    os.link(corpus / "a.txt", corpus / "hard-link.txt")

    listing = list_corpus(corpus)
    assert sorted(listing.files) == ["a.txt", "folder-with-report.htm/inner.txt", "link-in.txt",
                                     "readmission-rates.txt", "sub/b.txt"]
    assert listing.files["link-in.txt"].path == corpus / "link-in.txt"  # read through the link, under its name
    assert listing.skipped == {
        "Licence.txt": "documentation file (README, SOURCES, LICENSE), not a report",
        "README": "documentation file (README, SOURCES, LICENSE), not a report",
        "SOURCES.md": "documentation file (README, SOURCES, LICENSE), not a report",
        "broken.txt": "broken symbolic link",
        "empty-folder.txt": "a folder, not a report file (it holds no reports)",
        "hard-link.txt": "the same file as a.txt (a link to it), which is indexed",
        "link-out.txt": "symbolic link to a location outside the corpus folder: not followed",
        "link-to-a.txt": "the same file as a.txt (a link to it), which is indexed",
        "link-to-folder": "symbolic link to a folder: not followed (its files are indexed where they are)",
        "sub/up": "symbolic link to a location outside the corpus folder: not followed",
    }


def test_update_indexes_by_the_policy_and_reports_each_skip(tmp_path, embedder):
    corpus, index = small_index(tmp_path, embedder, HERTS)
    outside = tmp_path / "outside"
    _report(outside, "elsewhere.txt")
    os.symlink(outside / "elsewhere.txt", corpus / "link-out.txt")
    os.symlink(corpus / HERTS, corpus / "second-name.txt")
    (corpus / "SOURCES.md").write_text("Downloaded from cqc.org.uk\n")
    summary = update_index(corpus, index, embedder)
    assert summary.added == [] and summary.chunks_embedded == 0
    assert set(summary.skipped) == {"link-out.txt", "second-name.txt", "SOURCES.md"}
    data = load_index(index, embedder.name)
    assert list(data.manifest.files) == [HERTS]
    assert "Iridium Medical Practice" not in {r.provider for r in data.reports.values()}


def test_a_missing_corpus_folder_with_no_index_is_a_clear_error(tmp_path, embedder):
    from assistant.errors import IndexMissing

    with pytest.raises(IndexMissing, match="corpus folder .* does not exist"):
        update_index(tmp_path / "nowhere", tmp_path / "index", embedder)


def test_untouched_files_are_not_read_again(tmp_path, embedder, monkeypatch):
    """A file whose size and mtime are as recorded (and older than the scan that recorded them)
    keeps its recorded hash; a touched one is read and, with equal bytes, still unchanged."""
    import assistant.indexing.plan as plan

    corpus, index = small_index(tmp_path, embedder, IRIDIUM, HERTS)
    old = time.time() - 3600
    for p in corpus.iterdir():
        os.utime(p, (old, old))
    update_index(corpus, index, embedder)  # reads them (their stat changed) and records the new stat
    shutil.copy(SEED_CORPUS / HEARTBEAT, corpus / HEARTBEAT)  # something to publish
    soon = time.time_ns() + 10**9  # modified "during" the scan below: its stat cannot be trusted later
    os.utime(corpus / HEARTBEAT, ns=(soon, soon))
    update_index(corpus, index, embedder)
    # The new stats are recorded beside the segment's files table (which is never rewritten) ...
    manifest = load_index(index, embedder.name).manifest
    assert set(manifest.restat) == {IRIDIUM, HERTS}
    assert manifest.files[HERTS].mtime_ns == (corpus / HERTS).stat().st_mtime_ns
    # ... until a merge writes a new table with them.
    optimize_index(index, embedder)
    merged = load_index(index, embedder.name).manifest
    assert merged.restat == {} and merged.files[HERTS].mtime_ns == (corpus / HERTS).stat().st_mtime_ns
    read: list[str] = []
    real_hash = plan.file_hash
    monkeypatch.setattr(plan, "file_hash", lambda path: read.append(path.name) or real_hash(path))
    os.utime(corpus / HERTS, (old + 5, old + 5))  # touched, same bytes
    summary = update_index(corpus, index, embedder)
    assert summary.changed == [] and not summary.published
    assert sorted(read) == sorted([HERTS, HEARTBEAT])  # HEARTBEAT: its recorded stat was racy (-1)


def test_racy_margin_follows_the_timestamp_granularity():
    scan = 1_700_000_000_123_456_789
    assert racy(scan - 10_000_000, scan) and not racy(scan - 60_000_000, scan)  # fine timestamps: 50 ms
    whole = 1_700_000_000_000_000_000  # a whole-second mtime (FAT, some shares): 2 s
    assert racy(whole, whole + 1_500_000_000) and not racy(whole, whole + 2_500_000_000)


def test_safe_name_shows_control_characters():
    assert safe_name("a\nb\tc\x1b[0m.txt") == "a\\nb\\tc\\x1b[0m.txt"
    assert safe_name("caf\u00e9 report.txt") == "caf\u00e9 report.txt"
    assert safe_name(os.fsdecode(b"bad\xffname.txt")) == "bad\\xffname.txt"
    assert safe_name("line\u2028sep") == "line\\u2028sep"


def test_a_new_hard_link_to_an_indexed_file_is_one_file_not_a_replacement(two, embedder):
    """A link named to sort before the indexed name is walked first; the indexed name still keeps the file."""
    corpus, index = two
    os.link(corpus / IRIDIUM, corpus / "0-link-to-iridium.txt")
    summary = update_index(corpus, index, embedder)
    assert (summary.added, summary.changed, summary.removed, summary.chunks_embedded) == ([], [], [], 0)
    assert summary.skipped == {"0-link-to-iridium.txt": f"the same file as {IRIDIUM} (a link to it), which is indexed"}
    data = load_index(index, embedder.name)
    assert IRIDIUM in data.manifest.files and "0-link-to-iridium.txt" not in data.manifest.files
    assert "iridium-medical-practice-2025-01-13" in data.reports
