"""The server's client, with the standard library only: ``assistant ask --server`` and ``chat --server``.

``RemoteAssistant`` has what the chat, ``chat --script`` and ``ask`` call on a local ``Assistant``:
``ask(question, filters, mode=, k=, context=)`` returning an ``Answer``,
``catalog`` (providers and name lookup, from ``GET /reports``), ``data.path`` (the version answered
from) and ``data.reports`` (a report's text and sections, fetched from ``GET /source/{report}`` when
a citation is opened), and ``retriever.settings.mode``. Follow-ups work as locally: the turn before
goes to the server with the question (``wire``), so it reads the question exactly as a local
conversation would.

Every failure is a ``ServerProblem`` with one line: the server is down, unreachable, slow, refuses the
token, rate-limits it, or refuses the question (then its own one-line reason is shown as it is).
The token comes from ``$ASSISTANT_TOKEN``, else the file ``$ASSISTANT_TOKEN_FILE`` (default
``<data folder>/server-token``), which must not be readable by others.
"""

from __future__ import annotations

import json
import os
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import SimpleNamespace

from assistant.errors import AssistantError
from assistant.models import Answer, Filters, Report, Section

TIMEOUT_S = 120.0
VERSION_HEADER = "X-Index-Version"


class ServerProblem(AssistantError):
    """The server could not be asked, or said no; one line for the user."""


def server_url(value: str | None = None) -> str | None:
    """The server to ask: ``value``, else $ASSISTANT_SERVER, else None (answer locally)."""
    url = (value or os.environ.get("ASSISTANT_SERVER") or "").strip()
    if not url:
        return None
    if not url.startswith(("http://", "https://")):
        raise ServerProblem(f"the server address {url!r} must start with http:// or https://")
    return url.rstrip("/")


def token_file() -> Path:
    from assistant import config

    return Path(os.environ.get("ASSISTANT_TOKEN_FILE") or config.data_dir() / "server-token")


def find_token() -> str | None:
    """$ASSISTANT_TOKEN, else the token file's first line (refused if others may read it), else None."""
    from assistant.serve.tokens import TokenProblem, check_private

    token = os.environ.get("ASSISTANT_TOKEN", "").strip()
    if token:
        return token
    path = token_file()
    if not path.is_file():
        return None
    try:
        check_private(path)
        return path.read_text(encoding="utf-8").strip().splitlines()[0].strip() or None
    except TokenProblem as exc:
        raise ServerProblem(str(exc)) from None
    except (OSError, UnicodeDecodeError, IndexError):
        raise ServerProblem(f"cannot read the token file {path}") from None


class Client:
    """JSON over HTTP to one server, with the bearer token; every failure a one-line ``ServerProblem``."""

    def __init__(self, url: str, token: str | None = None, timeout: float = TIMEOUT_S):
        self.url, self.token, self.timeout = url.rstrip("/"), token, timeout

    def request(self, method: str, path: str, body: dict | None = None,
                params: dict | None = None) -> tuple[dict, dict]:
        """(JSON body, headers) of a 200 answer."""
        url = self.url + path + (("?" + urllib.parse.urlencode(params)) if params else "")
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers = {"Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return json.loads(resp.read() or b"{}"), dict(resp.headers.items())
        except urllib.error.HTTPError as exc:
            raise self._refused(exc) from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, (TimeoutError, socket.timeout)):
                raise ServerProblem(f"the server at {self.url} did not answer within {self.timeout:.0f} s") from None
            text = getattr(reason, "strerror", None) or str(reason)
            raise ServerProblem(f"cannot reach the server at {self.url}: {text}") from None
        except TimeoutError:
            raise ServerProblem(f"the server at {self.url} did not answer within {self.timeout:.0f} s") from None
        except (ConnectionError, OSError) as exc:
            raise ServerProblem(f"the connection to the server at {self.url} failed: "
                                f"{getattr(exc, 'strerror', None) or exc}") from None
        except ValueError:
            raise ServerProblem(f"the server at {self.url} sent something that is not JSON") from None

    def _refused(self, exc: urllib.error.HTTPError) -> ServerProblem:
        try:
            detail = json.loads(exc.read() or b"{}").get("detail", "")
        except (ValueError, AttributeError, OSError):
            detail = ""
        detail = " ".join(str(detail).split()) if isinstance(detail, str) else ""
        code = exc.code
        if code == 401:
            where = "$ASSISTANT_TOKEN or the token file " + str(token_file())
            said = "refused the token" if self.token else "needs a token"
            return ServerProblem(f"the server at {self.url} {said} (401): put the token its administrator made "
                                 f"(`assistant serve token add NAME`) in {where}")
        if code == 429:
            wait = exc.headers.get("Retry-After", "?") if exc.headers else "?"
            return ServerProblem(f"the server at {self.url} is rate-limiting this token (429): try again in {wait} s")
        if code in (413, 422) and detail:
            return ServerProblem(detail)  # the question's own problem, worded as a local ask words it
        if code == 404 and detail:
            return ServerProblem(detail)
        return ServerProblem(f"the server at {self.url} failed ({code}{': ' + detail if detail else ''})")

    def get(self, path: str, params: dict | None = None) -> tuple[dict, dict]:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: dict) -> tuple[dict, dict]:
        return self.request("POST", path, body)


def _report(row: dict, text: str = "", sections: tuple[Section, ...] = ()) -> Report:
    """A ``Report`` from ``GET /reports``'s header facts (and, for the source viewer, its text)."""
    from dataclasses import fields

    names = {f.name for f in fields(Report)}
    values = {k: v for k, v in row.items() if k in names}
    values["aliases"] = tuple(values.get("aliases") or ())
    values["ratings"] = tuple(tuple(r) for r in values.get("ratings") or ())
    return Report(**{"layout": "unknown", "title": row.get("provider", ""), **values, "text": text,
                     "sections": sections})


class RemoteReports(Mapping):
    """Report id -> ``Report``: header facts known at once; text and sections fetched on first use."""

    def __init__(self, client: Client, rows: list[dict]):
        self.client = client
        self.rows = {row["report_id"]: row for row in rows}
        self._full: dict[str, Report] = {}

    def __getitem__(self, report_id: str) -> Report:
        if report_id not in self.rows:
            raise KeyError(report_id)
        if report_id not in self._full:
            body, _ = self.client.get("/source/" + urllib.parse.quote(report_id, safe=""))
            sections = tuple(Section(tuple(s["path"]), s["start"], s["end"]) for s in body["sections"])
            self._full[report_id] = _report(self.rows[report_id], body["text"], sections)
        return self._full[report_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


class RemoteAssistant:
    """An ``Assistant`` that asks the server at ``url``."""

    def __init__(self, url: str, token: str | None = None, timeout: float = TIMEOUT_S):
        self.client = Client(url, token, timeout)
        self.url = self.client.url
        status, _ = self.client.get("/status")
        self.retriever = SimpleNamespace(settings=SimpleNamespace(mode=status.get("mode")), embedder=None)
        self._load(status["version"])

    def _load(self, version: str) -> None:
        """The catalog and reports of the version the server answers from."""
        from assistant.search.catalog import Catalog

        body, _ = self.client.get("/reports")
        reports = RemoteReports(self.client, body["reports"])
        self.version = body["version"]
        self.catalog = Catalog({rid: _report(row) for rid, row in reports.rows.items()})
        self.data = SimpleNamespace(path=Path(self.version), reports=reports)

    def ask(self, question: str, filters: Filters = Filters(), mode: str | None = None, k: int | None = None,
            context: Answer | None = None) -> Answer:
        """The server's answer, as ``Assistant.ask`` gives it locally."""
        from assistant.serve.wire import BadRequest, answer_from_wire, ask_body

        body = ask_body(question, filters, mode, k, turns=[(context.question, context)] if context else (),
                        detail=True)
        got, headers = self.client.post("/ask", body)
        version = {k.lower(): v for k, v in headers.items()}.get(VERSION_HEADER.lower())
        if version and version != self.version:
            self._load(version)  # a new version went live: its reports for the sources pane
        try:
            return answer_from_wire(got["turn"])
        except (BadRequest, KeyError, TypeError) as exc:
            raise ServerProblem(f"the server at {self.url} sent an answer this client cannot read ({exc})") from None
