"""`index build --ray` on a real two-node Ray cluster (1 CPU each) with the bundled model.

The build must equal the in-process one, land shards on both nodes, survive an actor killed and a
node removed mid-build, never change the live version before its commit point, and, after its
driver is killed, embed only the shards that were not finished when run again.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from _cluster import (SHARD, VersionWatch, assert_same_index, copy_index, in_process_index, make_cluster,  # noqa: F401
                      ray_corpus, stop_cluster, two_nodes, wait_until)

ray = pytest.importorskip("ray", reason="needs the cluster extra (Ray)")

from assistant.cluster import build as ray_build  # noqa: E402
from assistant.cluster.build import staged  # noqa: E402
from assistant.indexing import versions  # noqa: E402

pytestmark = [pytest.mark.cluster, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]


def _live(index_dir: Path) -> str:
    return versions.current_version(index_dir).name


def _alive_nodes() -> set[str]:
    return {n["NodeID"] for n in ray.nodes() if n["Alive"]}


class Background:
    """A Ray build run in a thread of this (driver) process; ``stats`` counts its shards as they finish."""

    def __init__(self, corpus: Path, index: Path):
        from assistant.cluster.embed import RayStats

        self.stats = RayStats()
        self.result = self.error = None

        def work():
            try:
                self.result = ray_build.run(corpus, index, rebuild=True, shard_texts=SHARD, stats=self.stats)
            except BaseException as exc:  # raised again by join()
                self.error = exc

        self.thread = threading.Thread(target=work, daemon=True)
        self.thread.start()

    def join(self, timeout: float = 600):
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the Ray build did not finish"
        if self.error is not None:
            raise self.error
        return self.result


def test_two_node_build_equals_in_process_and_uses_both_nodes(two_nodes, ray_corpus, in_process_index, tmp_path):
    index = tmp_path / "index"
    done = ray_build.run(ray_corpus, index, rebuild=True, shard_texts=SHARD)
    assert done.summary.published and done.stats.embedded == done.stats.shards > 2
    assert done.stats.reused == 0
    assert set(done.stats.nodes) == _alive_nodes() and len(done.stats.nodes) == 2, done.stats.nodes
    assert all(n >= 1 for n in done.stats.nodes.values())
    assert staged(index) == 0 and not (index / ".staging").exists()  # cleared after the commit point
    assert_same_index(index, in_process_index)


def test_actor_killed_mid_build_still_gives_the_identical_index(two_nodes, ray_corpus, in_process_index, tmp_path):
    index = copy_index(in_process_index, tmp_path / "index")  # a live v000001 that must stay live till the end
    before = _live(index)
    with VersionWatch(index) as watch:
        run = Background(ray_corpus, index)
        # In the sentence table's embedding (the second Ray Data run), after a few of its shards.
        wait_until(lambda: run.stats.calls >= 2 and run.stats.embedded >= 10, 300,
                   "the sentence embedding to be under way")
        killed = None
        for pid in reversed(list(run.stats.pids)):
            try:
                os.kill(pid, signal.SIGKILL)  # an actor's worker process, as the OOM killer would
            except ProcessLookupError:
                continue
            killed = pid
            break
        assert killed is not None, "no live actor to kill"
        done = run.join()
        final = _live(index)
    assert watch.seen == [before, final] and final != before, watch.seen  # switched once, at the end
    assert done.stats.embedded == done.stats.shards
    assert any(pid != killed for pid in done.stats.pids), "no actor took over"
    assert_same_index(index, in_process_index)


def test_node_removed_mid_build_still_gives_the_identical_index(ray_corpus, in_process_index, tmp_path):
    cluster = make_cluster(2)
    try:
        worker = next(n for n in cluster.worker_nodes)
        index = copy_index(in_process_index, tmp_path / "index")
        before = _live(index)
        with VersionWatch(index) as watch:
            run = Background(ray_corpus, index)
            wait_until(lambda: run.stats.calls >= 2 and len(run.stats.nodes) == 2
                       and run.stats.embedded >= 10, 300, "both nodes to be embedding the sentences")
            cluster.remove_node(worker)  # the whole node goes: its raylet, its actor, its objects
            done = run.join()
            final = _live(index)
        assert watch.seen == [before, final] and final != before, watch.seen
        assert len(_alive_nodes()) == 1
        assert done.stats.embedded == done.stats.shards
        assert_same_index(index, in_process_index)
    finally:
        stop_cluster(cluster)


def test_driver_killed_mid_build_then_rerun_embeds_only_unfinished_shards(two_nodes, ray_corpus, in_process_index,
                                                                          tmp_path):
    index = copy_index(in_process_index, tmp_path / "index")
    before = _live(index)
    command = [sys.executable, "-c", "from assistant.cli import main; main()", "index", "build", "--corpus", str(ray_corpus), "--index",
               str(index), "--ray", two_nodes.address, "--shard-size", str(SHARD)]
    driver = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        wait_until(lambda: staged(index) >= 12 or driver.poll() is not None, 300, "shards to be staged")
        assert driver.poll() is None, f"the build ended before it could be killed: {driver.stderr.read()[-2000:]}"
        driver.send_signal(signal.SIGKILL)
    finally:
        driver.wait(60)
    finished = staged(index)
    assert finished >= 12 and _live(index) == before  # nothing published by the killed run
    with VersionWatch(index) as watch:
        done = ray_build.run(ray_corpus, index, rebuild=True, shard_texts=SHARD)
    assert watch.seen[0] == before and len(watch.seen) == 2
    assert done.stats.reused == finished, done.stats.line()
    assert done.stats.embedded == done.stats.shards - finished > 0, done.stats.line()
    assert staged(index) == 0
    assert_same_index(index, in_process_index)


def test_update_with_ray_embeds_only_the_new_report_and_equals_an_in_process_update(two_nodes, ray_corpus,
                                                                                   in_process_index, real_embedder,
                                                                                   tmp_path):
    import json
    import shutil

    from conftest import SEED_CORPUS

    from assistant.indexing.build import update_index

    new = SEED_CORPUS / "iridium-medical-practice-2025-01-13.txt"
    results = {}
    for how in ("ray", "in-process"):
        corpus = tmp_path / how / "corpus"
        shutil.copytree(ray_corpus, corpus)
        index = copy_index(in_process_index, tmp_path / how / "index")
        shutil.copy(new, corpus / new.name)
        if how == "ray":
            done = subprocess.run([sys.executable, "-c", "from assistant.cli import main; main()", "index", "update",
                                   "--corpus", str(corpus), "--index", str(index), "--ray", two_nodes.address,
                                   "--shard-size", str(SHARD), "--json"], capture_output=True, text=True, cwd=ROOT,
                                  timeout=600)
            assert done.returncode == 0, done.stderr[-2000:]
            results[how] = json.loads(done.stdout)
            assert "ray: " in done.stderr and "0 from staging" in done.stderr
        else:
            results[how] = update_index(corpus, index, real_embedder).to_json()
        results[how + "-index"] = index
    assert results["ray"]["added"] == results["in-process"]["added"] == [new.name]
    assert results["ray"]["chunks_embedded"] == results["in-process"]["chunks_embedded"] > 0
    assert_same_index(results["ray-index"], results["in-process-index"])
