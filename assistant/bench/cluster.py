"""Ray builds and the team server, measured on this machine (figures in bench/RESULTS.md).

    python -m assistant.bench.cluster build [--chunks 600] [--json-out FILE]
    python -m assistant.bench.cluster serve [--requests 192] [--json-out FILE]

``build``: the same generated corpus (``bench.generate``, real parse and chunks, the bundled model)
indexed in-process, on Ray with one node of 2 CPUs, and on Ray with two nodes of 1 CPU each
(``ray.cluster_utils.Cluster`` on this machine): seconds, texts embedded per second (chunks and
sentences), and the Ray runs' overhead against in-process. Every Ray process listens on 127.0.0.1.

``serve``: a real ``assistant serve`` process (uvicorn) on the seed index, asked the eval's seed
questions over HTTP by 1, 4, 8 and 32 concurrent clients: per-request p50/p95, requests per second,
failures; beside it embedded ``ask`` (the same questions, in-process, one at a time); the server's
RSS; then the same app under Ray Serve with 2 replicas on a local Ray: the same load, and each
replica's RSS (the index's large arrays are memory-mapped, so replicas share those pages).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from assistant.bench.report import emit_json

os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # Ray on 127.0.0.1 only; before importing Ray
os.environ.setdefault("RAY_SERVE_PROXY_READY_CHECK_TIMEOUT_S", "60")  # a busy 2-core machine: see cluster.build
os.environ.setdefault("RAY_SERVE_PROXY_HEALTH_CHECK_TIMEOUT_S", "60")

ROOT = Path(__file__).resolve().parents[2]
LEVELS = (1, 4, 8, 32)


def _load() -> float:
    return round(os.getloadavg()[0], 2)


# -- build throughput -------------------------------------------------------------------------------


def build(chunks: int = 600, shard: int = 64) -> dict:
    """In-process vs Ray one node vs Ray two nodes, on one generated corpus."""
    import ray
    from ray.cluster_utils import Cluster

    from assistant.bench.generate import write_corpus
    from assistant.cluster import build as ray_build
    from assistant.indexing.build import build_index
    from assistant.indexing.load import load_index
    from assistant.search.embed import Embedder

    work = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    try:
        corpus = work / "corpus"
        write_corpus(corpus, chunks)
        embedder = Embedder().load()
        out: dict = {"chunks": chunks, "shard_texts": shard, "load_before": _load()}
        t = time.monotonic()
        build_index(corpus, work / "in-process", embedder)
        seconds = time.monotonic() - t
        data = load_index(work / "in-process")
        texts = len(data.chunks) + len(data.sentences)
        out["texts"] = texts
        out["in_process"] = {"seconds": round(seconds, 1), "texts_per_s": round(texts / seconds, 1)}
        for label, nodes, cpus in (("ray_one_node", 1, 2), ("ray_two_nodes", 2, 1)):
            cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": cpus, "include_dashboard": False,
                                                                   "object_store_memory": 200 * 2**20})
            for _ in range(nodes - 1):
                cluster.add_node(num_cpus=cpus, object_store_memory=200 * 2**20)
            cluster.wait_for_nodes()
            ray.init(address=cluster.address, log_to_driver=False)
            try:
                t = time.monotonic()
                done = ray_build.run(corpus, work / label, rebuild=True, shard_texts=shard)
                seconds = time.monotonic() - t
            finally:
                ray.shutdown()
                cluster.shutdown()
            out[label] = {"nodes": nodes, "cpus_per_node": cpus, "seconds": round(seconds, 1),
                          "texts_per_s": round(texts / seconds, 1),
                          "vs_in_process": round(out["in_process"]["seconds"] / seconds, 2),
                          "shards": done.stats.shards, "ray_data_runs": done.stats.calls,
                          "shards_per_node": sorted(done.stats.nodes.values())}
        out["load_after"] = _load()
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


# -- the server ------------------------------------------------------------------------------------


def _post(url: str, token: str, question: str) -> tuple[int, float]:
    body = json.dumps({"question": question}).encode()
    req = urllib.request.Request(url + "/ask", data=body, method="POST",
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    t = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            r.read()
            status = r.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError:
        status = 0  # refused, reset or timed out
    return status, time.perf_counter() - t


def load_test(url: str, token: str, questions: list[str], clients: int, requests: int) -> dict:
    """``requests`` POST /ask spread over ``clients`` threads asking at once."""
    from assistant.bench.timing import percentiles

    per = [[questions[(c + clients * j) % len(questions)] for j in range(requests // clients)]
           for c in range(clients)]
    start = threading.Barrier(clients)

    def client(mine):
        start.wait()
        return [_post(url, token, q) for q in mine]

    t = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = [r for part in pool.map(client, per) for r in part]
    wall = time.perf_counter() - t
    ok = [s for code, s in results if code == 200]
    return {"clients": clients, "requests": len(results), "failed": len(results) - len(ok),
            **percentiles(ok), "req_per_s": round(len(results) / wall, 2)}


def _server(index: Path, tokens: Path, port: int, *extra: str):
    process = subprocess.Popen([sys.executable, "-c", "from assistant.cli import main; main()", "serve", "--index",
                                str(index), "--port", str(port), "--tokens", str(tokens), "--rate", "1000000",
                                *extra], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_ready(f"http://127.0.0.1:{port}")
    return process


def _wait_ready(url: str, timeout: float = 300) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(url + "/health", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"no server at {url}")


def _replica_memory(url: str, token: str, tries: int = 40) -> dict:
    """RSS of each process answering at ``url`` (GET /status, until every replica has answered)."""
    seen: dict[int, float] = {}
    for _ in range(tries):
        req = urllib.request.Request(url + "/status", headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(req, timeout=60) as r:
            p = json.loads(r.read())["process"]
        seen[p["pid"]] = p["rss_mb"]
    return {str(pid): rss for pid, rss in sorted(seen.items())}


def serve(requests: int = 192) -> dict:
    """Embedded ask vs the server under uvicorn vs under Ray Serve (2 replicas)."""
    from assistant.bench.timing import peak_rss_mb, percentiles
    from assistant.evaluate.dataset import load
    from assistant.indexing.build import build_index
    from assistant.search.embed import Embedder
    from assistant.serve.tokens import TokenStore
    from assistant.session import load_assistant

    questions = [q.question for q in load(ROOT / "eval" / "questions.jsonl") if q.corpus == "seeds" and not q.context]
    work = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    try:
        index = work / "index"
        build_index(ROOT / "corpus", index, Embedder())
        store = TokenStore(work / "tokens.json")
        token = store.add("bench")
        out: dict = {"questions": len(questions), "load_before": _load()}
        assistant = load_assistant(index)
        for q in questions[:10]:
            assistant.ask(q)  # warm, as the server is
        times = []
        for q in (questions * 2)[:requests]:
            t = time.perf_counter()
            assistant.ask(q)
            times.append(time.perf_counter() - t)
        out["embedded"] = {**percentiles(times), "req_per_s": round(len(times) / sum(times), 2),
                           "peak_rss_mb": peak_rss_mb()}
        del assistant
        port = 18000 + os.getpid() % 1000
        server = _server(index, store.path, port)
        url = f"http://127.0.0.1:{port}"
        try:
            for q in questions[:10]:
                _post(url, token, q)
            out["uvicorn"] = {"levels": [load_test(url, token, questions, c, max(requests, c * 4)) for c in LEVELS],
                              "rss_mb": _replica_memory(url, token, tries=3)}
        finally:
            server.terminate()
            server.wait(30)
        try:
            out["ray_serve"] = _ray_serve(index, store.path, token, questions, requests)
        except Exception as exc:  # noqa: BLE001 - reported in the figures, with the uvicorn ones kept
            out["ray_serve"] = {"error": f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"}
        out["load_after"] = _load()
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _ray_serve(index: Path, tokens: Path, token: str, questions: list[str], requests: int) -> dict:
    import ray

    from assistant.serve.limits import Limits
    from assistant.serve.server import deploy, undeploy

    port = 19000 + os.getpid() % 1000
    ray.init(address="local", include_dashboard=False, log_to_driver=False, object_store_memory=200 * 2**20)
    try:
        deploy(index, replicas=2, port=port, tokens=tokens, limits=Limits(per_minute=1_000_000))
        url = f"http://127.0.0.1:{port}"
        for q in questions[:10]:
            _post(url, token, q)
        levels = [load_test(url, token, questions, c, max(requests, c * 4)) for c in LEVELS]
        return {"replicas": 2, "levels": levels, "rss_mb_per_replica": _replica_memory(url, token)}
    finally:
        undeploy()
        ray.shutdown()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant.bench.cluster", description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=("build", "serve"))
    parser.add_argument("--chunks", type=int, default=600)
    parser.add_argument("--requests", type=int, default=192)
    parser.add_argument("--json-out", type=Path, default=None)
    args = parser.parse_args(argv)
    result = build(args.chunks) if args.what == "build" else serve(args.requests)
    emit_json(result, args.json_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
