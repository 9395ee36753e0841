"""Shared by the cluster tests (tests/cluster/): a real Ray cluster on this machine, comparing two indexes.

Every Ray process listens on 127.0.0.1 only (Ray's switch for one-machine clusters, set before
Ray is imported). Modules that need Ray or FastAPI skip themselves when the `cluster` extra is
not installed (``pytest.importorskip``), so `make test` passes without it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # before any `import ray`
# Ray Serve's proxy gets longer to start and to answer health checks on a busy two-core machine (read by
# the cluster's processes, which inherit this environment).
os.environ.setdefault("RAY_SERVE_PROXY_READY_CHECK_TIMEOUT_S", "60")
os.environ.setdefault("RAY_SERVE_PROXY_HEALTH_CHECK_TIMEOUT_S", "60")

RAY_CHUNKS = 220  # the generated corpus the Ray builds index: over 200 chunks
SHARD = 32  # texts per shard in the tests: many shards, so work lands on both nodes


@pytest.fixture(scope="session")
def ray_corpus(tmp_path_factory) -> Path:
    """A generated CQC-like corpus of exactly RAY_CHUNKS chunks (``assistant.bench.generate``)."""
    from assistant.bench.generate import write_corpus

    folder = tmp_path_factory.mktemp("ray-corpus")
    write_corpus(folder, RAY_CHUNKS)
    return folder


@pytest.fixture(scope="session")
def in_process_index(tmp_path_factory, ray_corpus, real_embedder) -> Path:
    """The same corpus built in-process: what every Ray build must equal."""
    from assistant.indexing.build import build_index

    folder = tmp_path_factory.mktemp("in-process") / "index"
    build_index(ray_corpus, folder, real_embedder)
    return folder


def make_cluster(nodes: int = 2):
    """A started ``ray.cluster_utils.Cluster`` of ``nodes`` nodes with 1 CPU each, this process its driver."""
    import ray
    from ray.cluster_utils import Cluster

    small = {"num_cpus": 1, "object_store_memory": 100 * 1024**2}
    cluster = Cluster(initialize_head=True, head_node_args={**small, "include_dashboard": False})
    for _ in range(nodes - 1):
        cluster.add_node(**small)
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, log_to_driver=False)
    return cluster


def stop_cluster(cluster) -> None:
    import ray

    ray.shutdown()
    cluster.shutdown()


@pytest.fixture()
def two_nodes():
    """A two-node cluster (1 CPU each), for one test."""
    cluster = make_cluster(2)
    try:
        yield cluster
    finally:
        stop_cluster(cluster)


def copy_index(source: Path, target: Path) -> Path:
    """A copy of an index folder (its live version stays the same)."""
    shutil.copytree(source, target)
    return target


def assert_same_index(a_dir: Path, b_dir: Path) -> None:
    """Two live indexes hold the same chunks, BM25 counts, vectors (within 1e-6) and sentence table."""
    from assistant.indexing.load import load_index

    a, b = load_index(a_dir), load_index(b_dir)
    assert a.manifest.live_chunks == b.manifest.live_chunks >= RAY_CHUNKS
    assert [(c.chunk_id, c.report_id, c.section, c.start, c.end, c.text) for c in a.chunks] == \
        [(c.chunk_id, c.report_id, c.section, c.start, c.end, c.text) for c in b.chunks]
    assert a.reports == b.reports
    assert a.counts.vocab == b.counts.vocab
    assert (a.counts.tf != b.counts.tf).nnz == 0 and np.array_equal(a.counts.doc_len, b.counts.doc_len)
    ids = [c.chunk_id for c in a.chunks]
    assert np.abs(a.vectors.reconstruct(ids) - b.vectors.reconstruct(ids)).max() <= 1e-6
    for name in ("chunk_id", "start", "end", "terms", "cues"):
        assert np.array_equal(getattr(a.sentences, name), getattr(b.sentences, name)), name
    assert a.sentences.vector.shape == b.sentences.vector.shape and a.sentences.has_vectors
    assert np.abs(a.sentences.vector.astype(np.float32) - b.sentences.vector.astype(np.float32)).max() <= 1e-6


class VersionWatch:
    """Reads the live version (what a reader following CURRENT gets) every few milliseconds while a
    build runs, from another thread; ``seen`` lists each name in the order it was first seen."""

    def __init__(self, index_dir: Path, every: float = 0.02):
        import threading

        self.index_dir, self.every = Path(index_dir), every
        self.seen: list[str | None] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _look(self) -> None:
        from assistant.indexing import versions

        live = versions.current_version(self.index_dir)
        name = live.name if live else None
        if not self.seen or self.seen[-1] != name:
            self.seen.append(name)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._look()
            self._stop.wait(self.every)

    def __enter__(self) -> VersionWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._look()  # a switch in the last few milliseconds, after the thread's final look, still counts


def wait_until(predicate, timeout: float, what: str, every: float = 0.05) -> None:
    """Poll ``predicate`` until it holds; fail the test naming ``what`` after ``timeout`` seconds."""
    import time

    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


# -- a real server on loopback ---------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """`assistant serve` in a child process on 127.0.0.1, ready (GET /health is 200) on entry, stopped on exit."""

    def __init__(self, index_dir: Path, tokens: Path, *args: str, ready_s: float = 180):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.command = [sys_executable(), "-c", "from assistant.cli import main; main()", "serve", "--index",
                        str(index_dir), "--port", str(self.port), "--tokens", str(tokens), *args]
        self.ready_s = ready_s
        self.process = None

    def __enter__(self) -> ServerProcess:
        import subprocess
        import time
        import urllib.request

        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        end = time.monotonic() + self.ready_s
        while True:
            if self.process.poll() is not None:
                pytest.fail(f"the server exited: {self.process.stderr.read().decode()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                pass
            if time.monotonic() > end:
                self.stop()
                pytest.fail("the server did not start")
            time.sleep(0.2)

    def stop(self) -> None:
        import signal

        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except Exception:  # noqa: BLE001 - it must go, one way or the other
                self.process.kill()
                self.process.wait(10)

    def __exit__(self, *exc) -> None:
        self.stop()


def sys_executable() -> str:
    import sys

    return sys.executable


def seed_questions():
    """The eval's seed questions (corpus "seeds"): (id, context turns, question)."""
    from assistant.evaluate.dataset import load

    root = Path(__file__).resolve().parent.parent
    return [(q.id, tuple(q.context), q.question) for q in load(root / "eval" / "questions.jsonl")
            if q.corpus == "seeds"]


def converse(assistant, context, question):
    """Ask the context turns, then the question, in one conversation (as eval and the chat do); its answer's
    ``ask --json`` object."""
    from assistant.chat.conversation import Conversation

    conversation = Conversation(assistant)
    for turn in context:
        conversation.ask(turn)
    return conversation.ask(question).to_json()
