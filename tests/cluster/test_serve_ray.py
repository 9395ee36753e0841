"""`assistant serve --ray ADDRESS --replicas N`: the same app as Ray Serve replicas on a two-node cluster."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from _cluster import converse, copy_index, free_port, make_cluster, seed_questions, stop_cluster

ray = pytest.importorskip("ray", reason="needs the cluster extra (Ray)")
pytest.importorskip("fastapi", reason="needs the cluster extra (FastAPI)")

from assistant.serve.client import RemoteAssistant, ServerProblem  # noqa: E402
from assistant.serve.limits import Limits  # noqa: E402
from assistant.serve.server import deploy, undeploy  # noqa: E402
from assistant.serve.tokens import TokenStore  # noqa: E402

pytestmark = [pytest.mark.cluster, pytest.mark.slow]
RATE = 40


def test_two_replicas_answer_as_embedded_mode_and_count_one_rate_per_token(index_dir, assistant, tmp_path):
    store = TokenStore(tmp_path / "tokens.json")
    token = store.add("alice")
    questions = seed_questions()[:10]
    expected = [converse(assistant, context, q) for _, context, q in questions]
    cluster = make_cluster(2)
    try:
        port = free_port()
        deploy(copy_index(index_dir, tmp_path / "index"), replicas=2, port=port, tokens=store.path,
               limits=Limits(per_minute=RATE))
        url = f"http://127.0.0.1:{port}"
        remote = RemoteAssistant(url, token)  # 2 requests: /status, /reports
        with ThreadPoolExecutor(4) as pool:
            got = list(pool.map(lambda q: converse(remote, q[1], q[2]), questions))
        assert got == expected
        used = 2 + len(questions) + sum(len(c) for _, c, _ in questions)
        pids, answered = set(), 0
        with pytest.raises(ServerProblem, match=r"\(429\)"):
            for _ in range(RATE + 1):
                body, _ = remote.client.get("/status")
                pids.add(body["process"]["pid"])
                answered += 1
        assert answered == RATE - used  # the replicas share one count per token, not one each
        assert len(pids) == 2  # both replicas answered
    finally:
        undeploy()
        stop_cluster(cluster)
