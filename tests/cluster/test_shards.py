"""Shards of an embedding call and their staging folder (no Ray needed: these run without the extra)."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.cluster.shards import Staging, plan, salt, shard_key


def test_shards_are_whole_batches_of_the_length_sorted_order_so_vectors_match_in_process(embedder):
    texts = [f"Sentence number {i} " + "word " * (i % 7) for i in range(100)]
    shards = plan(texts, 32, salt("digest", "onnx", 32, 384))
    order = np.argsort([-len(t) for t in texts], kind="stable")
    assert np.array_equal(np.concatenate([s.rows for s in shards]), order)
    assert [len(s.texts) for s in shards] == [32, 32, 32, 4]
    # Embedding shard by shard gives the very vectors of one in-process call.
    whole = embedder.encode(texts)
    for s in shards:
        assert np.array_equal(embedder.encode(list(s.texts)), whole[s.rows])


def test_a_shard_is_named_by_its_texts_model_backend_and_batch():
    base = salt("digest", "onnx", 32, 384)
    key = shard_key(base, ["a", "b"])
    assert key == shard_key(base, ["a", "b"])
    assert len({key, shard_key(base, ["b", "a"]), shard_key(base, ["ab"]), shard_key(base, ["a", "b", ""]),
                shard_key(salt("other", "onnx", 32, 384), ["a", "b"]), shard_key(salt("digest", "onnx-int8", 32, 384),
                                                                               ["a", "b"]),
                shard_key(salt("digest", "onnx", 64, 384), ["a", "b"])}) == 7
    with pytest.raises(ValueError):
        plan(["a"], 0, base)


def test_staging_keeps_only_whole_shards(tmp_path):
    staging = Staging(tmp_path / ".staging")
    assert staging.read("k", 2, 3) is None and staging.keys() == set()
    vectors = np.arange(6, dtype=np.float32).reshape(2, 3)
    staging.write("k", vectors)
    assert np.array_equal(staging.read("k", 2, 3), vectors) and staging.keys() == {"k"}
    assert staging.read("k", 3, 3) is None  # another shape is not this shard
    (staging.folder / ".x.123-ab.tmp").write_bytes(b"half a shard")  # a writer killed mid-write
    (staging.folder / "bad.npy").write_bytes(b"garbage")
    assert staging.read("bad", 2, 3) is None and ".x" not in "".join(staging.keys())
    staging.clear()
    assert not staging.folder.exists()


@pytest.mark.cluster
def test_repeated_texts_make_one_shard_embedded_once_and_reused_from_staging(tmp_path, real_embedder):
    pytest.importorskip("ray", reason="needs the cluster extra (Ray)")
    from _cluster import make_cluster, stop_cluster

    from assistant.cluster.embed import RayEmbedder

    texts = ["Staff were kind."] * 64 + ["Managers were visible and approachable."] * 32
    cluster = make_cluster(1)
    try:
        first = RayEmbedder(tmp_path / ".staging", shard_texts=32)
        got = first.encode(texts)
        assert np.array_equal(got, real_embedder.encode(texts))  # the workers load the bundled model
        assert (first.stats.shards, first.stats.embedded, first.stats.reused) == (2, 2, 0)  # 3 shards, 2 distinct
        again = RayEmbedder(tmp_path / ".staging", shard_texts=32)
        assert np.array_equal(again.encode(texts), got)
        assert (again.stats.shards, again.stats.embedded, again.stats.reused, again.stats.calls) == (2, 0, 2, 0)
    finally:
        stop_cluster(cluster)
