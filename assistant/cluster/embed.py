"""``RayEmbedder``: an ``Embedder`` whose ``encode`` runs on a Ray cluster, shard by shard.

Each ``encode`` call (the build makes one for the chunks) and each ``encode_blocks`` call (one for
the sentence table's 2,048-text blocks) is cut into shards (``shards.plan``), one Ray Data run a call. Shards already in the staging folder are read back; the others become the
rows of a Ray Data dataset, one shard a row, mapped by ``map_batches`` over an autoscaling pool of
``ShardWorker`` actors (at most one per ``cpus_per_actor`` CPUs of the cluster). Each actor loads the
embedding model once, checks it is the driver's model (the same digest), and returns each shard's
vectors with the id of the node it ran on. The driver stages every shard as it arrives, so a driver
killed mid-build loses only the shards in flight.

Failures are Ray's to recover: a dead actor is restarted and its task retried (Ray Data's defaults
for actor pools: ``max_restarts=-1``, ``max_task_retries=-1``), and a removed node's work is redone
on the nodes left (the pool's minimum is one actor). Nothing here retries by itself.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from assistant.cluster import ClusterProblem
from assistant.cluster.shards import DEFAULT_SHARD_TEXTS, Shard, Staging, plan, salt

Progress = Callable[[str, int, int], None]
STAGED = "staging"  # the "node" that shards read back from the staging folder are counted under


@dataclass
class RayStats:
    """What the Ray embedding did, for the summary line and the tests."""

    shards: int = 0  # distinct shards planned, over every encode call
    reused: int = 0  # read back from the staging folder
    embedded: int = 0  # embedded on the cluster in this run
    texts_embedded: int = 0
    nodes: dict[str, int] = field(default_factory=dict)  # node id -> shards embedded there
    pids: dict[int, str] = field(default_factory=dict)  # actor process id -> its node id
    calls: int = 0  # Ray Data executions (encode calls with something to embed)

    def line(self) -> str:
        """One line: "ray: 14 shards, 5 from staging, 9 embedded (node 1a2b3c4d: 5, node 5e6f7a8b: 4)"."""
        per_node = ", ".join(f"node {n[:8]}: {c}" for n, c in sorted(self.nodes.items()))
        return (f"ray: {self.shards} shards, {self.reused} from staging, {self.embedded} embedded"
                + (f" ({per_node})" if per_node else ""))

    def to_json(self) -> dict:
        return {"shards": self.shards, "reused": self.reused, "embedded": self.embedded,
                "texts_embedded": self.texts_embedded, "nodes": dict(self.nodes), "calls": self.calls}


class ShardWorker:
    """A Ray Data actor: loads the model once, then embeds one shard per row.

    Rows: ``key`` and ``texts`` (the shard's texts as a JSON list). Returns ``key``, ``vectors``
    (float32 bytes), ``node`` and ``pid``.
    """

    def __init__(self, model_dir: str | None, backend: str, batch_size: int, threads: int, digest: str):
        import ray

        from assistant.search.embed import Embedder
        from assistant.search.embed.export import cache_key

        self.node = ray.get_runtime_context().get_node_id()
        self.embedder = Embedder(model_dir, backend=backend, batch_size=batch_size, threads=threads)
        mine = cache_key(self.embedder.model_dir)
        if mine != digest:
            raise ClusterProblem(f"node {self.node[:8]} has another embedding model at {self.embedder.model_dir} "
                                 "(its files differ from the driver's): install the same model on every node")
        self.embedder.load()

    def __call__(self, batch: dict) -> dict:
        keys, vectors = [], []
        for key, texts in zip(batch["key"], batch["texts"]):
            keys.append(str(key))
            vectors.append(self.embedder.encode(json.loads(str(texts))).astype(np.float32).tobytes())
        n = len(keys)
        return {"key": np.asarray(keys, dtype=object), "vectors": np.asarray(vectors, dtype=object),
                "node": np.asarray([self.node] * n, dtype=object), "pid": np.full(n, os.getpid(), dtype=np.int64)}


class RayEmbedder:
    """What ``indexing.build`` needs of an embedder (``name``, ``dimension``, ``model_dir``, ``encode``),
    embedding on the Ray cluster this process is connected to (``ray.init`` first).

    ``shard_texts`` must be a multiple of ``batch_size`` (the same batches as in-process).
    ``progress(stage, done, total)``: "shards" (done over planned so far) and "shards on <node>"
    (that node's share), as each shard arrives. ``stats``: where to count (read it while a build runs).
    """

    def __init__(self, staging: Path, model_dir: str | None = None, backend: str | None = None,
                 batch_size: int = 32, shard_texts: int = DEFAULT_SHARD_TEXTS, cpus_per_actor: float = 1.0,
                 max_actors: int | None = None, progress: Progress | None = None, stats: RayStats | None = None):
        from assistant.search.embed import Embedder
        from assistant.search.embed.export import cache_key

        if shard_texts < batch_size or shard_texts % batch_size:
            raise ValueError(f"--shard-size must be a multiple of the batch size {batch_size} (got {shard_texts})")
        self.local = Embedder(model_dir, backend=backend, batch_size=batch_size).check()  # never loaded here
        self.model_arg = model_dir
        self.name, self.model_dir, self.backend = self.local.name, self.local.model_dir, self.local.backend
        self.batch_size = batch_size
        self.dimension = self.local.dimension
        self.digest = cache_key(self.model_dir)
        self.salt = salt(self.digest, self.backend, batch_size, self.dimension)
        self.shard_texts = shard_texts
        self.cpus_per_actor = cpus_per_actor
        self.max_actors = max_actors
        self.staging = Staging(staging)
        self.progress = progress
        self.stats = stats if stats is not None else RayStats()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"RayEmbedder({self.name!r}, backend={self.backend!r}, shards of {self.shard_texts})"

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Vectors of ``texts`` in order: staged shards read back, the rest embedded on the cluster."""
        return self.encode_blocks([texts], progress)[0]

    def encode_blocks(self, blocks: Sequence[Sequence[str]],
                      progress: Callable[[int], None] | None = None) -> list[np.ndarray]:
        """``[self.encode(b) for b in blocks]``, each block cut and batched as ``encode`` would, but the
        shards of all of them embedded in one Ray Data run (the sentence table's 2,048-text blocks)."""
        outs = [np.empty((len(b), self.dimension), dtype=np.float32) for b in blocks]
        todo: dict[str, list[tuple[np.ndarray, Shard]]] = {}
        staged: dict[str, np.ndarray] = {}
        for out, texts in zip(outs, blocks):
            if not len(texts):
                continue
            for shard in plan(list(texts), self.shard_texts, self.salt):
                if shard.key in todo:  # the same texts twice (repeated boilerplate): embedded once
                    todo[shard.key].append((out, shard))
                    continue
                got = staged.get(shard.key)
                if got is None:
                    self.stats.shards += 1
                    got = self.staging.read(shard.key, len(shard.texts), self.dimension)
                    if got is None:
                        todo[shard.key] = [(out, shard)]
                        continue
                    staged[shard.key] = got
                    self.stats.reused += 1
                    self._count(STAGED)
                out[shard.rows] = got
                if progress:
                    progress(len(shard.rows))
        if todo:
            self._embed(todo, progress)
        return outs

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]

    # -- the cluster -----------------------------------------------------------------------------------

    def actors(self) -> int:
        """How many actors the pool may grow to: the cluster's CPUs over ``cpus_per_actor``, or ``max_actors``."""
        import ray

        cpus = float(ray.cluster_resources().get("CPU", 1))
        n = max(1, int(cpus // self.cpus_per_actor))
        return min(n, self.max_actors) if self.max_actors else n

    def _embed(self, todo: dict[str, list[tuple[np.ndarray, Shard]]], progress) -> None:
        import ray

        logging.getLogger("ray.data").setLevel(logging.WARNING)  # one line a dataset otherwise
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        context.print_on_execution_start = False
        first = {key: group[0][1] for key, group in todo.items()}
        rows = [{"key": key, "texts": json.dumps(list(s.texts))} for key, s in first.items()]
        size = self.actors()
        threads = max(1, int(self.cpus_per_actor))
        pool = ray.data.ActorPoolStrategy(min_size=1, max_size=size, initial_size=min(size, len(rows)),
                                          max_tasks_in_flight_per_actor=2)
        dataset = ray.data.from_items(rows, override_num_blocks=len(rows)).map_batches(
            ShardWorker, batch_size=1, compute=pool, num_cpus=self.cpus_per_actor,
            fn_constructor_kwargs={"model_dir": self.model_arg, "backend": self.backend, "batch_size": self.batch_size,
                                   "threads": threads, "digest": self.digest})
        self.stats.calls += 1
        received: set[str] = set()
        try:
            for row in dataset.iter_rows():
                key = str(row["key"])
                if key in received or key not in todo:
                    continue
                shard = first[key]
                vectors = np.frombuffer(row["vectors"], dtype=np.float32).reshape(len(shard.texts), self.dimension)
                self.staging.write(key, vectors)
                for out, same in todo[key]:
                    out[same.rows] = vectors
                    if progress:
                        progress(len(same.rows))
                received.add(key)
                with self._lock:
                    self.stats.embedded += 1
                    self.stats.texts_embedded += len(shard.texts)
                    self.stats.pids[int(row["pid"])] = str(row["node"])
                self._count(str(row["node"]))
        except ClusterProblem:
            raise
        except Exception as exc:  # Ray's own errors: one line for the user, the staged shards kept
            cause = getattr(exc, "cause", None)
            if isinstance(cause, ClusterProblem):
                raise cause from None
            text = " ".join(str(exc).split())
            raise ClusterProblem(f"the Ray build failed ({type(exc).__name__}: {text[:200]}); the shards embedded "
                                 "so far are staged: run the same command again to go on") from None
        missing = set(todo) - received
        if missing:
            raise ClusterProblem(f"the Ray build returned {len(received)} of {len(todo)} shards; the rest are not "
                                 "staged: run the same command again to go on")

    def _count(self, node: str) -> None:
        """Count one finished shard (``node``: where it was embedded, or STAGED) and report progress."""
        with self._lock:
            if node != STAGED:
                self.stats.nodes[node] = self.stats.nodes.get(node, 0) + 1
            done, total = self.stats.reused + self.stats.embedded, self.stats.shards
            mine = self.stats.nodes.get(node, 0)
        if self.progress:
            self.progress("shards", done, total)
            if node != STAGED:
                self.progress(f"shards on node {node[:8]}", mine, total)
