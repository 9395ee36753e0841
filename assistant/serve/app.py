"""The FastAPI app: the same one under uvicorn (``server.run``) and under Ray Serve (``server.run_ray``).

    POST /ask                      the ask --json object (``wire`` says what the body holds)
    GET  /status                   the version answered from, its size, the limits
    GET  /reports                  every report's header facts (no text): what clients list and resolve names by
    GET  /source/{report}?start&end  the text a citation points at, in its section; without start/end the whole
                                   report (text and sections), for a client's source viewer
    GET  /health                   {"status": "ok"} once an index is loaded (no token needed)

Every other route needs ``Authorization: Bearer <token>``; no token, a wrong one and a revoked one
get the same bare 401. Then the token's rate (429 with Retry-After), the body size (413) and the
request itself (422, one line) are checked. Answers are read-only on the live version; at most
``workers`` are computed at once (the rest queue), so a burst of clients queues instead of
thrashing the cores. No CORS headers unless origins are given.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import asdict
from pathlib import Path

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from assistant.errors import AssistantError
from assistant.serve.limits import Limits, RateLimiter
from assistant.serve.live import LiveIndex
from assistant.serve.tokens import TokenProblem, TokenStore
from assistant.serve.wire import BadRequest, answer_to_wire, parse_ask

VERSION_HEADER = "X-Index-Version"
_REPORT_FIELDS = ("report_id", "source", "title", "provider", "layout", "aliases", "registered_provider", "address",
                  "postcode", "service_type", "service", "date", "date_text", "key_question", "score", "rating",
                  "previous_rating", "ratings")


class BodyLimit:
    """ASGI middleware: a request body over ``max_body`` bytes is refused with 413 before it is read
    whole (by its Content-Length, or by counting a body sent without one)."""

    def __init__(self, app, max_body: int):
        self.app, self.max_body = app, max_body

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        too_big = JSONResponse({"detail": f"the request body is over {self.max_body} bytes"}, status_code=413)
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            return await too_big(scope, receive, send)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise _TooBig()
            return message

        try:
            await self.app(scope, counted, send)
        except _TooBig:
            await too_big(scope, receive, send)


class _TooBig(Exception):
    pass


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def create_app(index_dir: Path, model_dir: str | None = None, *, tokens: Path | None = None,
               limits: Limits = Limits(), cors: tuple[str, ...] = (), workers: int | None = None,
               limiter=None, poll: float = 1.0, live: LiveIndex | None = None) -> FastAPI:
    """The app answering from the live index at ``index_dir``.

    ``limiter``: anything with ``allow(name) -> (bool, retry_after_s)`` (default: this process's own
    ``RateLimiter``; Ray Serve replicas share one). ``workers``: answers computed at once (default:
    the cores). The index loads when the app starts; a new version is picked up every ``poll`` s.
    """
    from contextlib import asynccontextmanager

    live = live or LiveIndex(Path(index_dir), model_dir, poll=poll)
    store = TokenStore(tokens)
    limiter = limiter or RateLimiter(limits.per_minute)
    slots = threading.BoundedSemaphore(workers or max(1, len(os.sched_getaffinity(0))))

    @asynccontextmanager
    async def lifespan(app):
        import anyio

        await anyio.to_thread.run_sync(live.current)  # loaded and warm before the first request
        live.start()
        yield
        live.stop()

    app = FastAPI(title="CQC report assistant", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.live = live
    if cors:
        app.add_middleware(CORSMiddleware, allow_origins=list(cors), allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type"])
    app.add_middleware(BodyLimit, max_body=limits.max_body)
    bearer = HTTPBearer(auto_error=False)

    def user(credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> str:
        """The caller's name; 401 (nothing more said) for no token, a wrong one or a revoked one; 429 over the rate."""
        try:
            name = store.check(credentials.credentials if credentials else None)
        except TokenProblem as exc:
            raise HTTPException(500, f"the server's tokens file is not usable: {_one_line(exc)}") from None
        if name is None:
            raise HTTPException(401, "unauthorized", headers={"WWW-Authenticate": "Bearer"})
        allowed, wait = limiter.allow(name)
        if not allowed:
            raise HTTPException(429, f"over {limits.per_minute} requests a minute for this token",
                                headers={"Retry-After": str(max(1, int(wait + 0.999)))})
        return name

    def answered(loaded, body: dict) -> JSONResponse:
        return JSONResponse(body, headers={VERSION_HEADER: loaded.version})

    @app.get("/health")
    def health():
        return {"status": "ok"}

    @app.post("/ask")
    async def ask(request: Request, name: str = Depends(user)):
        import anyio

        raw = await request.body()
        try:
            body = json.loads(raw)
        except ValueError:
            raise HTTPException(422, "the body is not JSON") from None
        try:
            asked = parse_ask(body, limits.max_question, limits.max_turns)
        except BadRequest as exc:
            raise HTTPException(422, _one_line(exc)) from None
        return await anyio.to_thread.run_sync(_answer, asked)

    def _answer(asked) -> JSONResponse:
        from assistant.chat.backend import LocalBackend
        from assistant.chat.commands import check_providers
        from assistant.chat.conversation import Conversation, Turn

        loaded = live.current()  # this request's version, to its end
        assistant = LocalBackend(loaded.assistant)
        with slots:
            try:
                check_providers(asked.filters, assistant)
                conversation = Conversation(assistant, asked.filters, asked.mode, asked.k)
                for turn in asked.turns:
                    if turn.answer is not None:
                        conversation.turns.append(Turn(turn.question, turn.answer, asked.mode, asked.filters))
                    else:
                        conversation.ask(turn.question)  # asked again, as the chat asked it
                context = conversation.turns[-1].answer if conversation.turns else None
                answer = assistant.ask(asked.question, asked.filters, mode=asked.mode, k=asked.k, context=context)
            except (AssistantError, ValueError) as exc:
                raise HTTPException(422, _one_line(exc)) from None
        body = answer.to_json()
        if asked.detail:
            body["turn"] = answer_to_wire(answer)
        return answered(loaded, body)

    @app.get("/status")
    def status(name: str = Depends(user)):
        import psutil

        loaded = live.current()
        data = loaded.assistant.data
        return answered(loaded, {
            "version": loaded.version, "model": data.model_name, "reports": len(data.reports),
            "providers": len(loaded.assistant.catalog.providers()), "chunks": len(data.chunks),
            "mode": loaded.assistant.retriever.settings.mode, "loaded_at": loaded.loaded_at,
            "limits": asdict(limits), "user": name,
            "process": {"pid": os.getpid(), "rss_mb": round(psutil.Process().memory_info().rss / 2**20, 1)},
        })

    @app.get("/reports")
    def reports(name: str = Depends(user)):
        loaded = live.current()
        rows = [{k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(r).items() if k in _REPORT_FIELDS}
                for r in loaded.assistant.data.reports.values()]
        for row in rows:
            row["ratings"] = [list(x) for x in row["ratings"]]
        return answered(loaded, {"version": loaded.version, "reports": rows})

    @app.get("/source/{report_id:path}")
    def source(report_id: str, start: int | None = None, end: int | None = None, name: str = Depends(user)):
        from assistant.chat.sources import section_at

        loaded = live.current()
        report = loaded.assistant.data.reports.get(report_id)
        if report is None:
            raise HTTPException(404, f"no report {report_id!r} in index version {loaded.version}")
        head = {"version": loaded.version, "report": report.report_id, "provider": report.provider,
                "source": report.source, "date_text": report.date_text}
        if start is None and end is None:
            return answered(loaded, {**head, "text": report.text,
                                     "sections": [{"path": list(s.path), "start": s.start, "end": s.end}
                                                  for s in report.sections]})
        if start is None or end is None or not 0 <= start <= end <= len(report.text):
            raise HTTPException(422, f"start and end must both be given, with 0 <= start <= end <= {len(report.text)}")
        section = section_at(report, start)
        return answered(loaded, {**head, "start": start, "end": end, "text": report.text[start:end],
                                 "section": list(section.path), "section_start": section.start,
                                 "section_end": section.end, "section_text": report.text[section.start:section.end]})

    return app
