"""The server's clients without a server, and what a cold `ask` imports. No extra needed: these run in
every `make test`."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from _cluster import free_port

from assistant.serve.client import RemoteAssistant, ServerProblem, find_token, server_url
from assistant.serve.tokens import TokenStore

CLUSTER_MODULES = ("ray", "fastapi", "uvicorn", "starlette", "torch")
REPORT = ("\nimport json, sys\nprint(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & set("
          + repr(CLUSTER_MODULES) + "))))\n")


def _cli(*args, env=None):
    code = ("import sys\nfrom click.testing import CliRunner\nfrom assistant.cli import main\n"
            f"r = CliRunner().invoke(main, {list(args)!r})\nprint(json.dumps([r.exit_code, r.output]))\n")
    out = subprocess.run([sys.executable, "-c", "import json\n" + code + REPORT], capture_output=True, text=True,
                         env={**os.environ, **(env or {})}, timeout=300)
    assert out.returncode == 0, out.stderr
    first, last = out.stdout.strip().splitlines()[-2:]
    return (*json.loads(first), set(json.loads(last)))


def test_a_cold_ask_imports_no_ray_fastapi_uvicorn_or_torch(index_dir):
    code, output, loaded = _cli("ask", "--index", str(index_dir), "--json",
                                "Were staff aware of the freedom to speak up guardian at Iridium?")
    assert code == 0 and json.loads(output)["citations"], output
    assert loaded == set(), loaded


def test_ask_with_a_server_that_is_down_says_why_in_one_line():
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    code, output, loaded = _cli("ask", "--server", url, "What was Iridium's well-led score?",
                                env={"ASSISTANT_TOKEN": "cqc_x"})
    assert code == 1 and output == f"error: cannot reach the server at {url}: Connection refused\n"
    assert loaded == set()  # the client is the standard library: no FastAPI, Ray or torch
    code, output, _ = _cli("ask", "What was Iridium's well-led score?", env={"ASSISTANT_SERVER": url})
    assert code == 1 and output.startswith(f"error: cannot reach the server at {url}")  # $ASSISTANT_SERVER


def test_server_address_and_token_file_rules(tmp_path, monkeypatch):
    with pytest.raises(ServerProblem, match="must start with http"):
        server_url("127.0.0.1:8765")
    monkeypatch.delenv("ASSISTANT_SERVER", raising=False)
    assert server_url(None) is None and server_url("http://h:1/") == "http://h:1"
    monkeypatch.delenv("ASSISTANT_TOKEN", raising=False)
    token_file = tmp_path / "token"
    monkeypatch.setenv("ASSISTANT_TOKEN_FILE", str(token_file))
    assert find_token() is None
    token_file.write_text("cqc_secret\n")
    token_file.chmod(0o644)
    with pytest.raises(ServerProblem, match=r"may be read by others \(mode 0644\): run `chmod 600"):
        find_token()
    token_file.chmod(0o600)
    assert find_token() == "cqc_secret"
    monkeypatch.setenv("ASSISTANT_TOKEN", "cqc_env")
    assert find_token() == "cqc_env"
    with pytest.raises(ServerProblem, match="cannot reach the server"):
        RemoteAssistant(f"http://127.0.0.1:{free_port()}", "t")


def test_tokens_are_stored_as_hashes_in_a_private_file(tmp_path):
    store = TokenStore(tmp_path / "serve" / "tokens.json")
    token = store.add("alice")
    assert token.startswith("cqc_") and len(token) > 40
    raw = store.path.read_text()
    assert token not in raw and "alice" in raw
    assert (store.path.stat().st_mode & 0o777) == 0o600
    assert store.check(token) == "alice" and store.check(token + "x") is None and store.check(None) is None
    again = store.add("alice")  # a new token replaces the old one
    assert store.check(token) is None and store.check(again) == "alice"
    store.revoke("alice")
    assert store.check(again) is None and store.users() == {}
    with pytest.raises(Exception, match="no user called 'bob'"):
        store.revoke("bob")
    with pytest.raises(Exception, match="a user name is"):
        store.add("bad name")
