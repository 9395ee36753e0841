"""`assistant serve` for real: a server process on 127.0.0.1, clients over HTTP, the bundled model.

32 concurrent clients asking the eval's seed questions get exactly the embedded answers; an
`index update` under that load fails no request and no request mixes versions; tokens (none,
wrong, revoked, over the rate) and the request limits are refused as they should be.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from _cluster import ServerProcess, converse, copy_index, seed_questions
from _indexing import KIDDERMINSTER

pytest.importorskip("fastapi", reason="needs the cluster extra (FastAPI)")
pytest.importorskip("uvicorn", reason="needs the cluster extra (uvicorn)")

from assistant.serve.client import RemoteAssistant, ServerProblem  # noqa: E402
from assistant.serve.tokens import TokenStore  # noqa: E402

pytestmark = [pytest.mark.cluster, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 32


def _raw(url: str, path: str, token: str | None = None, body: bytes | None = None, headers: dict | None = None):
    """(status, headers, body bytes) of one request, whatever the status."""
    h = dict(headers or {})
    if token is not None:
        h["Authorization"] = f"Bearer {token}"
    if body is not None:
        h.setdefault("Content-Type", "application/json")
    req = urllib.request.Request(url + path, data=body, headers=h, method="POST" if body is not None else "GET")
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, dict(r.headers.items()), r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers.items()), exc.read()


@pytest.fixture()
def tokens(tmp_path):
    store = TokenStore(tmp_path / "tokens.json")
    return store, store.add("alice")


def test_32_clients_asking_the_seed_questions_get_the_embedded_answers(index_dir, assistant, tokens, tmp_path):
    store, token = tokens
    questions = seed_questions()
    assert len(questions) >= 100
    expected = {qid: converse(assistant, context, q) for qid, context, q in questions}
    # Each client asks its own slice, in its own order; together they ask every question at least once.
    per_client = -(-len(questions) * 2 // CLIENTS)
    plan = [[questions[(c + CLIENTS * j) % len(questions)] for j in range(per_client)] for c in range(CLIENTS)]
    with ServerProcess(copy_index(index_dir, tmp_path / "index"), store.path, "--rate", "100000") as server:
        start = threading.Barrier(CLIENTS)

        def client(mine):
            remote = RemoteAssistant(server.url, token)
            start.wait()  # all 32 at once
            return [(qid, converse(remote, context, q)) for qid, context, q in mine]

        with ThreadPoolExecutor(CLIENTS) as pool:
            results = [r for part in pool.map(client, plan) for r in part]
    assert {qid for qid, _ in results} == set(expected)
    wrong = [qid for qid, got in results if got != expected[qid]]
    assert not wrong, f"{len(wrong)} answers differ from embedded mode, e.g. {wrong[:5]}"


def test_an_index_update_under_load_fails_no_request_and_mixes_no_versions(real_embedder, tokens, tmp_path):
    from _indexing import HERTS, IRIDIUM, small_index
    from conftest import SEED_CORPUS

    from assistant.session import load_assistant

    embedder = real_embedder  # the server and the update load the bundled model: so must the expectations
    corpus, index = small_index(tmp_path, embedder, IRIDIUM, HERTS)
    store, token = tokens
    questions = ["What was Iridium's well-led score?", "How were complaints handled?",
                 "Which providers were rated good?", "Tell me about Kidderminster Hospital"]
    old = {q: load_assistant(index, embedder=embedder).ask(q).to_json() for q in questions}
    results, errors = [], []
    with ServerProcess(index, store.path, "--rate", "100000") as server:
        stop = threading.Event()

        def client(i):
            while not stop.is_set():
                q = questions[i % len(questions)]
                i += 1
                status, headers, body = _raw(server.url, "/ask", token, json.dumps({"question": q}).encode())
                if status != 200:
                    errors.append((status, body[:200]))
                else:
                    results.append((q, {k.lower(): v for k, v in headers.items()}["x-index-version"],
                                    json.loads(body)))

        threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(CLIENTS)]
        for t in threads:
            t.start()
        time.sleep(3)
        shutil.copy(SEED_CORPUS / KIDDERMINSTER, corpus / KIDDERMINSTER)  # a new report: a new version
        update = subprocess.run([sys.executable, "-c", "from assistant.cli import main; main()", "index", "update",
                                 "--corpus", str(corpus), "--index", str(index)], capture_output=True, text=True,
                                cwd=ROOT, timeout=600)
        assert update.returncode == 0, update.stderr[-2000:]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not any(v == "v000002" for _, v, _ in results[-CLIENTS:]):
            time.sleep(0.2)
        time.sleep(2)
        stop.set()
        for t in threads:
            t.join(60)
    new = {q: load_assistant(index, embedder=embedder).ask(q).to_json() for q in questions}
    assert not errors, errors[:3]
    versions = [v for _, v, _ in results]
    assert versions[0] == "v000001" and versions[-1] == "v000002" and len(results) > 100
    assert old["Tell me about Kidderminster Hospital"] != new["Tell me about Kidderminster Hospital"]
    # Every answer is the embedded answer of the version it says it came from: none mixes the two.
    mixed = [(q, v) for q, v, got in results if got != {"v000001": old, "v000002": new}[v][q]]
    assert not mixed, mixed[:3]


def test_tokens_none_wrong_revoked_and_over_the_rate_are_refused(index_dir, tokens, tmp_path):
    store, token = tokens
    bob = store.add("bob")
    ask = json.dumps({"question": "What was Iridium's well-led score?"}).encode()
    with ServerProcess(copy_index(index_dir, tmp_path / "index"), store.path, "--rate", "5") as server:
        assert _raw(server.url, "/health")[0] == 200  # the only route without a token
        refusals = [_raw(server.url, "/ask", t, ask) for t in (None, "cqc_wrong", token[:-1], "")]
        assert _raw(server.url, "/ask", bob, ask)[0] == 200
        store.revoke("bob")  # the running server reads the tokens file again
        refusals.append(_raw(server.url, "/ask", bob, ask))
        for path in ("/status", "/reports", "/source/x"):
            refusals.append(_raw(server.url, path, "cqc_wrong"))
        assert [s for s, _, _ in refusals] == [401] * len(refusals)
        assert {b for _, _, b in refusals} == {b'{"detail":"unauthorized"}'}  # nothing else said
        assert all(h.get("www-authenticate", h.get("WWW-Authenticate")) == "Bearer" for _, h, _ in refusals)
        # alice: 5 a minute; the 6th is 429 with Retry-After, and bob's refusals did not count against her.
        statuses = [_raw(server.url, "/ask", token, ask)[0] for _ in range(5)]
        status, headers, body = _raw(server.url, "/ask", token, ask)
        assert statuses == [200] * 5 and status == 429
        assert 1 <= int({k.lower(): v for k, v in headers.items()}["retry-after"]) <= 60
        with pytest.raises(ServerProblem, match=r"rate-limiting this token \(429\)"):
            RemoteAssistant(server.url, token)
        with pytest.raises(ServerProblem, match=r"refused the token \(401\)"):
            RemoteAssistant(server.url, "cqc_wrong")


def test_request_limits_and_no_cors_by_default(index_dir, tokens, tmp_path):
    store, token = tokens
    with ServerProcess(copy_index(index_dir, tmp_path / "index"), store.path, "--rate", "1000",
                       "--max-question", "200", "--max-body", "4096") as server:
        status, _, body = _raw(server.url, "/ask", token, json.dumps({"question": "x" * 5000}).encode())
        assert status == 413 and b"over 4096 bytes" in body
        status, _, body = _raw(server.url, "/ask", token, json.dumps({"question": "why " * 60}).encode())
        assert status == 422 and json.loads(body)["detail"] == "the question is 240 characters long; the limit is 200"
        for bad, said in (({"question": ""}, "the question is empty"), ({"q": "x"}, "unknown field 'q'"),
                          ({"question": "x", "mode": "magic"}, "mode must be one of hybrid, bm25, dense"),
                          ({"question": "x", "filters": {"providers": ["Nowhere Clinic"]}}, "Nowhere Clinic")):
            status, _, body = _raw(server.url, "/ask", token, json.dumps(bad).encode())
            assert status == 422 and said in json.loads(body)["detail"], body
        status, headers, _ = _raw(server.url, "/status", token, headers={"Origin": "https://evil.example"})
        assert status == 200 and not any(k.lower().startswith("access-control") for k in headers)
        status, _, body = _raw(server.url, "/source/iridium-medical-practice-2025-01-13?start=1150&end=1200", token)
        got = json.loads(body)
        assert status == 200 and got["text"] == "This service scored 50 (out of 100) for this area."
        assert got["section"] == ["Well-led", "Overview"] and got["version"] == "v000001"
        assert _raw(server.url, "/source/nothing-here", token)[0] == 404
        # Listening on 127.0.0.1 only, unless told otherwise (read from the process's sockets: no traffic).
        import psutil

        listening = {c.laddr for c in psutil.Process(server.process.pid).net_connections(kind="inet")
                     if c.status == psutil.CONN_LISTEN}
        assert listening == {("127.0.0.1", server.port)}, listening


def test_ask_and_chat_script_with_server_print_what_they_print_locally(index_dir, tokens, tmp_path):
    store, token = tokens
    turns = ("Tell me about Iridium Medical Practice\nand what was their well-led score?\n/mode bm25\n"
             "What about Kidderminster?\n/export {}\n")
    scripts = {}
    for name in ("local", "remote"):
        scripts[name] = tmp_path / f"{name}.txt"
        scripts[name].write_text(turns.format(tmp_path / f"{name}.md"), encoding="utf-8")
    local_index = copy_index(index_dir, tmp_path / "index")
    env = {k: v for k, v in os.environ.items() if k != "ASSISTANT_SERVER"}

    def run(*args):
        done = subprocess.run([sys.executable, "-c", "from assistant.cli import main; main()", *args],
                              capture_output=True, text=True, env={**env, "ASSISTANT_TOKEN": token}, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    question = ["ask", "Were staff aware of the freedom to speak up guardian at Iridium?", "--json"]
    local = [run(*question, "--index", str(local_index)),
             run("chat", "--script", str(scripts["local"]), "--json", "--index", str(local_index))]
    with ServerProcess(local_index, store.path, "--rate", "1000") as server:
        remote = [run(*question, "--server", server.url),
                  run("chat", "--script", str(scripts["remote"]), "--json", "--server", server.url)]
    assert remote == local
    assert '"focus": ["Kidderminster Hospital and Treatment Centre"]' in local[1]  # a follow-up moved it
    exported = [(tmp_path / f"{n}.md").read_text(encoding="utf-8").split("\n", 3)[3] for n in ("local", "remote")]
    assert exported[0] == exported[1] and "### Sources" in exported[0]  # the same file but for its timestamp
