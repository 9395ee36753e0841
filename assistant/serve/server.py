"""Running the app: on uvicorn in this process, or under Ray Serve as ``replicas`` replicas.

Under Ray Serve every replica builds the same app (``app.create_app``) and loads the index itself
(its large arrays memory-mapped, so replicas on one machine share those pages); Serve's proxy listens
on ``host:port`` and spreads requests over the replicas. The per-token rate is counted once for all
replicas, by one Ray actor (``SharedRateLimiter``), not once per replica.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from assistant.serve.limits import Limits, RateLimiter

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
RAY_NAMESPACE = "cqc-assistant"
LIMITER_NAME = "rate-limiter"


def run(index_dir: Path, model_dir: str | None = None, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
        tokens: Path | None = None, limits: Limits = Limits(), cors: tuple[str, ...] = (),
        workers: int | None = None, log_level: str = "warning") -> None:
    """Serve on uvicorn until interrupted."""
    import uvicorn

    from assistant.serve.app import create_app

    app = create_app(index_dir, model_dir, tokens=tokens, limits=limits, cors=cors, workers=workers)
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False)


class SharedRateLimiter:
    """The rate limiter for Ray Serve replicas: calls one named actor holding a ``RateLimiter``."""

    def __init__(self):
        import ray

        self.actor = ray.get_actor(LIMITER_NAME, namespace=RAY_NAMESPACE)

    def allow(self, name: str) -> tuple[bool, float]:
        import ray

        return tuple(ray.get(self.actor.allow.remote(name)))


def _replica_class():
    """The Ray Serve deployment class (made on demand: importing this module imports no Ray)."""
    from ray import serve

    @serve.ingress()
    class AssistantReplica:
        """One replica: builds the app (and loads the index) when Serve starts it."""

        def __init__(self, options: dict):
            self.options = options

        def __serve_build_asgi_app__(self):
            from assistant.serve.app import create_app

            o = dict(self.options)
            return create_app(Path(o.pop("index_dir")), o.pop("model_dir"), tokens=o.pop("tokens"),
                              limits=Limits(**o.pop("limits")), cors=tuple(o.pop("cors")), workers=o.pop("workers"),
                              limiter=SharedRateLimiter())

    return AssistantReplica


def deploy(index_dir: Path, model_dir: str | None = None, *, replicas: int = 2, host: str = DEFAULT_HOST,
           port: int = DEFAULT_PORT, tokens: Path | None = None, limits: Limits = Limits(),
           cors: tuple[str, ...] = (), workers: int | None = None, cpus_per_replica: float = 0.5):
    """Start the app under Ray Serve on the cluster this process is connected to (``ray.init`` first);
    returns once every replica is up. ``undeploy`` stops it. Returns the rate limiter actor."""
    import ray
    from ray import serve

    from assistant.serve.tokens import default_path

    # Detached, as Serve's own actors are: it lives as long as the deployment, until ``undeploy``.
    limiter = ray.remote(num_cpus=0)(RateLimiter).options(name=LIMITER_NAME, namespace=RAY_NAMESPACE,
                                                          lifetime="detached", get_if_exists=True
                                                          ).remote(limits.per_minute)
    options = {"index_dir": str(Path(index_dir).resolve()), "model_dir": model_dir,
               "tokens": str(Path(tokens or default_path()).resolve()), "limits": asdict(limits), "cors": list(cors),
               "workers": workers}
    serve.start(http_options={"host": host, "port": port})
    deployment = serve.deployment(_replica_class(), name="assistant", num_replicas=replicas,
                                  ray_actor_options={"num_cpus": cpus_per_replica},
                                  max_ongoing_requests=64)
    serve.run(deployment.bind(options), name="assistant", route_prefix="/")
    _wait_routed(host, port)
    return limiter


def _wait_routed(host: str, port: int, timeout: float = 120.0) -> None:
    """Wait until Serve's proxy routes to the app: ``serve.run`` returns when the replicas are up, but
    the proxy learns the route a moment later (until then it answers 404)."""
    import time
    import urllib.error
    import urllib.request

    where = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    url = f"http://{where}:{port}/health"
    end = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > end:
            raise RuntimeError(f"Ray Serve did not start answering at {url} within {timeout:.0f} s")
        time.sleep(0.25)


def undeploy() -> None:
    """Stop Serve and the shared rate limiter."""
    import ray
    from ray import serve

    serve.shutdown()
    try:
        ray.kill(ray.get_actor(LIMITER_NAME, namespace=RAY_NAMESPACE))
    except ValueError:  # already gone
        pass


def run_ray(address: str | None, index_dir: Path, model_dir: str | None = None, *, replicas: int = 2,
            **options) -> None:
    """``assistant serve --ray ADDRESS --replicas N``: deploy, then wait until interrupted, then stop."""
    import threading

    from assistant.cluster.build import connected

    with connected(address):
        deploy(index_dir, model_dir, replicas=replicas, **options)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
        finally:
            undeploy()
