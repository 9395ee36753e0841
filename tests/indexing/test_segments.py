"""Segments: updates append, deletions are marks, merges drop them (by `optimize`, or past a threshold)
and the merged index answers exactly as the segmented one did."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from _indexing import HEARTBEAT, HERTS, IRIDIUM, KIDDERMINSTER, assert_iridium_scored_50, assistant_for, \
    chunk_count, live_segments, small_index
from click.testing import CliRunner
from conftest import SEED_CORPUS

from assistant.cli import main
from assistant.config import IndexSettings
from assistant.indexing import versions
from assistant.indexing.build import merge_policy, optimize_index, update_index
from assistant.indexing.load import load_index, status
from assistant.indexing.manifest import Manifest, SegmentEntry
from assistant.models import Filters

NHS = "nhs-improving-quality-through-systems-case-studies.txt"
QUERIES = ("freedom to speak up guardian awareness", "governance and leadership", "infection control audits")


def _results(index, embedder):
    assistant = assistant_for(index, embedder)
    return {q: [(h.chunk.chunk_id, round(h.score, 6)) for h in assistant.retriever.search(q, k=8)] for q in QUERIES}


@pytest.fixture()
def segmented(tmp_path, embedder):
    """Four segments, one with a deleted file: Iridium+Herts, then Heartbeat, then Kidderminster, then a
    changed Hertfordshire (its old chunks marked deleted in the first segment)."""
    keep_deleted = IndexSettings(max_deleted_share=1.0)
    corpus, index = small_index(tmp_path, embedder, IRIDIUM, HERTS)
    for name in (HEARTBEAT, KIDDERMINSTER):
        shutil.copy(SEED_CORPUS / name, corpus / name)
        update_index(corpus, index, embedder, index_settings=keep_deleted)
    herts = corpus / HERTS
    herts.chmod(0o644)
    herts.write_text(herts.read_text(encoding="utf-8") + "\nThe service opened a new call centre.\n", encoding="utf-8")
    assert update_index(corpus, index, embedder, index_settings=keep_deleted).changed == [HERTS]
    return corpus, index


def test_updates_append_segments_and_mark_deletions(segmented, embedder):
    _, index = segmented
    data = load_index(index, embedder.name)
    first, *rest = data.manifest.segments
    assert len(rest) == 3 and first.deleted == ((0, 7),)  # Hertfordshire's old chunks (its page header first), ids 0-6
    assert data.manifest.files[HERTS].segment == rest[-1].name
    assert len(data.chunks) == data.vectors.ntotal == data.counts.tf.shape[0] == data.manifest.live_chunks
    assert not {0, 1, 2, 3, 4, 5, 6} & {c.chunk_id for c in data.chunks}
    assert set(data.sentences.chunk_id.tolist()) == {c.chunk_id for c in data.chunks}
    assert "call centre" in data.reports["hertfordshire-iuc-huc-hq-2023-11-21"].text
    info = status(index)
    assert [s["deleted"] for s in info["segments"]] == [7, 0, 0, 0] and info["healthy"]


def test_search_across_segments_never_returns_a_deleted_chunk(segmented, embedder):
    _, index = segmented
    retriever = assistant_for(index, embedder).retriever
    live = {c.chunk_id for c in retriever.data.chunks}
    for mode in ("dense", "bm25", "hybrid"):
        hits = retriever.search("call centre urgent care service", mode=mode, k=40, depth=60)
        assert hits and {h.chunk.chunk_id for h in hits} <= live and not {0, 1, 2, 3, 4, 5} & {
            h.chunk.chunk_id for h in hits}
    herts = Filters(providers=("Hertfordshire IUC Service and HUC HQ",))
    hits = retriever.search("call centre", herts, mode="dense", k=10)
    assert hits and {h.chunk.provider for h in hits} == {"Hertfordshire IUC Service and HUC HQ"}
    assert any("call centre" in h.chunk.text for h in hits)  # the changed text, from the newest segment


def test_optimize_merges_into_one_segment_answering_the_same(segmented, embedder):
    _, index = segmented
    before = _results(index, embedder)
    before_data = load_index(index, embedder.name)
    result = CliRunner().invoke(main, ["index", "optimize", "--index", str(index), "--json"])
    assert result.exit_code == 0, result.output
    data = load_index(index, embedder.name)
    (only,) = data.manifest.segments
    assert only.deleted == () and only.rows == len(data.chunks) == len(before_data.chunks)
    ids = np.asarray([c.chunk_id for c in before_data.chunks])
    assert sorted(ids.tolist()) == sorted(c.chunk_id for c in data.chunks)  # ids survive the merge
    assert np.array_equal(data.vectors.reconstruct(ids), before_data.vectors.reconstruct(ids))  # not re-embedded
    assert _results(index, embedder) == before
    assert_iridium_scored_50(assistant_for(index, embedder))
    assert optimize_index(index, embedder).published is False  # nothing left to merge


def test_too_many_segments_merge_the_smallest(tmp_path, embedder):
    corpus, index = small_index(tmp_path, embedder, IRIDIUM, HERTS)
    sizes = []
    for name in (HEARTBEAT, KIDDERMINSTER, NHS):
        shutil.copy(SEED_CORPUS / name, corpus / name)
        summary = update_index(corpus, index, embedder, index_settings=IndexSettings(max_segments=3))
        sizes.append(len(live_segments(index)))
    assert sizes == [2, 3, 2] and summary.merged == 3  # at 4 > 3 segments the three smallest merged
    data = load_index(index, embedder.name)
    sizes = [17] + [chunk_count(corpus / n) for n in (HEARTBEAT, KIDDERMINSTER, NHS)]
    (untouched,) = [s for s in data.manifest.segments if s.name != "s000005"]
    assert untouched.rows == max(sizes) and untouched.name == f"s{sizes.index(max(sizes)) + 1:06d}"
    assert_iridium_scored_50(assistant_for(index, embedder))
    assert len(data.reports) == 7 and status(index)["healthy"]


def test_merge_policy():
    def seg(name, rows, deleted=0):
        return SegmentEntry(name, ((0, rows),), ((0, deleted),) if deleted else (), "flat")

    assert merge_policy((seg("a", 100), seg("b", 5))) == []
    assert merge_policy((seg("a", 100, deleted=31), seg("b", 5))) == ["a"]
    most = IndexSettings().max_segments
    many = tuple(seg(f"s{i}", 100 - i) for i in range(most + 1))
    merged = merge_policy(many)
    assert "s0" not in merged and len(many) - len(merged) + 1 == most // 2
    assert merge_policy(many[:4], IndexSettings(max_segments=3)) == ["s1", "s2", "s3"]
    assert merge_policy((seg("a", 100, deleted=31), seg("b", 5)), IndexSettings(max_deleted_share=0.5)) == []


def test_merges_reuse_the_trained_ivf(tmp_path, real_embedder):
    """Above the IVF threshold a merge keeps the largest segment's trained cells (no k-means again)."""
    ivf = IndexSettings(approximate_above=12)
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    for name in (IRIDIUM, HERTS, KIDDERMINSTER):
        shutil.copy(SEED_CORPUS / name, corpus / name)
    update_index(corpus, index, real_embedder, index_settings=ivf)
    shutil.copy(SEED_CORPUS / HEARTBEAT, corpus / HEARTBEAT)
    update_index(corpus, index, real_embedder, index_settings=ivf)
    before = load_index(index, real_embedder.name)
    base = max(before.vectors.parts, key=lambda p: p.ntotal)
    assert base.kind == "ivf"
    trained = base.ivf.quantizer.reconstruct_n(0, base.ivf.nlist)
    optimize_index(index, real_embedder, index_settings=ivf)
    (merged,) = load_index(index, real_embedder.name).vectors.parts
    assert merged.kind == "ivf" and merged.ntotal == before.vectors.ntotal
    assert np.array_equal(merged.ivf.quantizer.reconstruct_n(0, merged.ivf.nlist), trained)
    hits = assistant_for(index, real_embedder).retriever.search("Freedom to Speak Up Guardian awareness", mode="dense", k=3)
    assert hits and hits[0].chunk.provider == "Heartbeat Alliance"


def test_old_segments_go_with_the_last_commit_point_naming_them(segmented, embedder):
    corpus, index = segmented
    optimize_index(index, embedder)
    (corpus / KIDDERMINSTER).unlink()
    update_index(corpus, index, embedder)  # a third commit point: the pre-optimize one rolls off
    named = {s.name for v in versions.commit_points(index) for s in Manifest.load(v).segments}
    assert {p.name for p in (index / "segments").iterdir()} == named
    assert len(versions.commit_points(index)) == versions.KEEP_VERSIONS
