"""``index build --ray`` / ``index update --ray``: the ordinary build, embedding on a Ray cluster.

Under the writer lock: ``indexing.build.refresh`` with a ``RayEmbedder``; when it has published
(or found nothing to do), the staging folder is removed. On any failure the staging folder stays,
so the same command run again embeds only the shards that were not finished; the live version is
the previous one until the new commit point is switched in, as for any build.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from assistant.cluster import ClusterProblem, require_ray
from assistant.cluster.embed import Progress, RayEmbedder, RayStats
from assistant.cluster.shards import DEFAULT_SHARD_TEXTS, STAGING
from assistant.config import ChunkSettings, IngestSettings

LOCAL = "local"  # `--ray` with no address: a Ray started for this run on this machine
LOCAL_OBJECT_STORE = 512 * 1024**2
# Ray's switch for one-machine clusters (its default on macOS and Windows): every node on 127.0.0.1.
LOOPBACK_ONLY = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"
# Ray Serve gives its HTTP proxy 5 s to start and 10 s to answer a health check, then kills it; on a
# busy two-core machine it needs longer (seen: the proxy killed while the replicas loaded the index).
PATIENT_SERVE = {"RAY_SERVE_PROXY_READY_CHECK_TIMEOUT_S": "60", "RAY_SERVE_PROXY_HEALTH_CHECK_TIMEOUT_S": "60"}


@dataclass
class RayBuild:
    """What a Ray build or update did: the usual summary and scan, and the Ray figures."""

    summary: object  # indexing.build.UpdateSummary
    scan: object  # indexing.scan.CorpusScan
    stats: RayStats
    address: str  # the cluster's address, or "local"


@contextlib.contextmanager
def connected(address: str | None):
    """Connected to the Ray cluster at ``address`` (None or "local": a local Ray, stopped afterwards).

    A process already connected (``ray.init`` done, as in the tests) stays connected as it is. A local
    Ray listens on 127.0.0.1 only (Ray's own switch for one-machine clusters), never on a network
    address, and gets a small object store (shards are small and streamed to disk as they come).
    """
    local = address in (None, "", LOCAL)
    if local:
        os.environ.setdefault(LOOPBACK_ONLY, "0")  # read when Ray is imported
        for name, value in PATIENT_SERVE.items():  # read by the Serve processes this Ray starts
            os.environ.setdefault(name, value)
    ray = require_ray()
    if ray.is_initialized():
        yield ray.get_runtime_context().gcs_address
        return
    options = {"include_dashboard": False, "log_to_driver": False, "configure_logging": False}
    try:
        if local:
            ray.init(address="local", object_store_memory=LOCAL_OBJECT_STORE, **options)
        else:
            ray.init(address=address, **options)
    except Exception as exc:  # ConnectionError, ValueError, RuntimeError: all mean "no cluster there"
        text = " ".join(str(exc).split())[:200]
        where = "a local Ray" if local else f"the Ray cluster at {address}"
        raise ClusterProblem(f"cannot start or reach {where}: {text}") from None
    try:
        yield LOCAL if local else address
    finally:
        ray.shutdown()


def run(corpus_dir: Path, index_dir: Path, *, address: str | None = None, rebuild: bool = False,
        model_dir: str | None = None, backend: str | None = None, shard_texts: int = DEFAULT_SHARD_TEXTS,
        cpus_per_actor: float = 1.0, max_actors: int | None = None, progress: Progress | None = None,
        settings: ChunkSettings = ChunkSettings(), ingest: IngestSettings = IngestSettings(), wait: float = 0.0,
        allow_removals: bool = False, stats: RayStats | None = None) -> RayBuild:
    """Build (``rebuild``) or update the index at ``index_dir`` from ``corpus_dir``, embedding on Ray.

    ``stats``: counted into as shards finish (another thread may watch it). Raises what
    ``update_index`` raises, and ClusterProblem for Ray's failures (one line).
    """
    from assistant.indexing import versions
    from assistant.indexing.build import refresh

    index_dir = Path(index_dir)
    with connected(address) as where:
        embedder = RayEmbedder(index_dir / STAGING, model_dir, backend, shard_texts=shard_texts,
                               cpus_per_actor=cpus_per_actor, max_actors=max_actors, progress=progress,
                               stats=stats)
        with versions.writer_lock(index_dir, wait):
            summary, scan = refresh(corpus_dir, index_dir, embedder, progress, settings=settings, ingest=ingest,
                                    rebuild=rebuild, allow_removals=allow_removals or rebuild, locked=True)
            embedder.staging.clear()  # committed (or nothing to do): no shard is needed any more
    return RayBuild(summary, scan, embedder.stats, where)


def staged(index_dir: Path) -> int:
    """How many finished shards wait in the staging folder (a Ray build that stopped midway)."""
    folder = Path(index_dir) / STAGING
    return sum(1 for p in folder.iterdir() if p.suffix == ".npy") if folder.is_dir() else 0

