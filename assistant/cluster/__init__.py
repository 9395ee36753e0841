"""Index builds on a Ray cluster (``assistant index build --ray [ADDRESS]``, ``index update --ray``).

Only the embedding step is distributed, as a sharded step that plugs into the ordinary build
(``indexing.build.refresh``): it is handed a ``RayEmbedder`` instead of an ``Embedder``. Parsing,
chunking, BM25, FAISS, the sentence table's terms and the commit point are the in-process code,
so the result is the in-process build's, and the live version changes only at its commit point.

- ``shards``: cutting one embedding call into content-addressed shards (whole batches of the
  length-sorted texts, as ``Embedder.encode`` batches them), and the staging folder each finished
  shard is written to atomically (``index/.staging/``). No Ray here.
- ``embed``: ``RayEmbedder``: the shards not yet staged go through Ray Data ``map_batches`` over
  an autoscaling pool of actors that each load the ONNX model once; the driver stages each result
  as it arrives, so a rerun after any failure embeds only what is missing.
- ``build``: connect (or start a local Ray), hold the writer lock, refresh, clear the staging folder.

Ray is an optional extra (``pip install 'cqc-assistant[cluster]'``); nothing imports it without ``--ray``.
"""

from __future__ import annotations

from assistant.errors import AssistantError

EXTRA_HINT = "install the cluster extra: pip install 'cqc-assistant[cluster]'"


class ClusterProblem(AssistantError):
    """Ray is missing, or the cluster cannot be reached or fails the build; one line for the user."""


def require_ray():
    """The ``ray`` module, or ClusterProblem saying how to install it."""
    try:
        import ray
    except ImportError:
        raise ClusterProblem(f"--ray needs Ray, which is not installed: {EXTRA_HINT}") from None
    return ray
