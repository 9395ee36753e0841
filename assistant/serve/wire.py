"""The JSON that crosses the wire: the ``POST /ask`` request, and an answer in full.

Request (every field but ``question`` optional)::

    {"question": "...", "filters": {"providers": [...], "service_types": [...], "ratings": [...],
     "sections": [...], "since": "YYYY-MM-DD", "until": "YYYY-MM-DD", "all_reports": false},
     "mode": "hybrid|bm25|dense", "k": 5,
     "turns": [{"question": "...", "answer": {...}}, ...],   # earlier turns, oldest first
     "detail": false}

An earlier turn's ``answer`` is the ``turn`` object a previous ``/ask`` returned with ``"detail":
true`` (the whole ``Answer``); a turn given without one is asked again first, as the chat would have
asked it. The last turn is the question's context: a follow-up is about its providers, as in the chat.

Response: exactly the ``ask --json`` object (``Answer.to_json``), plus ``turn`` with ``detail``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, fields

from assistant.models import Answer, Citation, Filters, ProviderFinding

MODES = ("hybrid", "bm25", "dense")
_FILTER_LISTS = ("providers", "service_types", "ratings", "sections")


class BadRequest(ValueError):
    """A request the server cannot act on; ``str`` is one line for the client."""


@dataclass(frozen=True)
class EarlierTurn:
    question: str
    answer: Answer | None


@dataclass(frozen=True)
class AskRequest:
    question: str
    filters: Filters
    mode: str | None
    k: int | None
    turns: tuple[EarlierTurn, ...]
    detail: bool


def _strings(value, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadRequest(f"{what} must be a list of strings")
    return tuple(value)


def filters_from_json(obj) -> Filters:
    """``Filters`` from their JSON object (the field names of ``models.Filters``)."""
    from assistant.text import parse_iso_date

    if obj is None:
        return Filters()
    if not isinstance(obj, dict):
        raise BadRequest("filters must be an object")
    unknown = sorted(set(obj) - {*_FILTER_LISTS, "since", "until", "all_reports"})
    if unknown:
        raise BadRequest(f"unknown filter {unknown[0]!r}")
    lists = {name: _strings(obj.get(name), f"filters.{name}") for name in _FILTER_LISTS}
    dates = {}
    for name in ("since", "until"):
        value = obj.get(name)
        if value is not None and not isinstance(value, str):
            raise BadRequest(f"filters.{name} must be a date string YYYY-MM-DD")
        try:
            dates[name] = parse_iso_date(value)
        except ValueError as exc:
            raise BadRequest(f"filters.{name}: {exc}") from None
    all_reports = obj.get("all_reports", False)
    if not isinstance(all_reports, bool):
        raise BadRequest("filters.all_reports must be true or false")
    return Filters(lists["providers"], lists["service_types"], lists["ratings"], lists["sections"],
                   dates["since"], dates["until"], all_reports)


def filters_to_json(f: Filters) -> dict:
    return {"providers": list(f.providers), "service_types": list(f.service_types), "ratings": list(f.ratings),
            "sections": list(f.sections), "since": f.since, "until": f.until, "all_reports": f.all_reports}


def _question(value, what: str, max_chars: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"{what} is empty" if isinstance(value, str) or value is None else f"{what} must be a string")
    if len(value) > max_chars:
        raise BadRequest(f"{what} is {len(value)} characters long; the limit is {max_chars}")
    return value


def parse_ask(obj, max_question: int, max_turns: int) -> AskRequest:
    """The ``POST /ask`` body, checked; BadRequest (one line) for anything malformed or over a limit."""
    if not isinstance(obj, dict):
        raise BadRequest("the body must be a JSON object")
    unknown = sorted(set(obj) - {"question", "filters", "mode", "k", "turns", "detail"})
    if unknown:
        raise BadRequest(f"unknown field {unknown[0]!r}")
    question = _question(obj.get("question"), "the question", max_question)
    mode = obj.get("mode")
    if mode is not None and mode not in MODES:
        raise BadRequest(f"mode must be one of {', '.join(MODES)}")
    k = obj.get("k")
    if k is not None and (type(k) is not int or not 1 <= k <= 100):
        raise BadRequest("k must be a whole number from 1 to 100")
    turns = obj.get("turns") or []
    if not isinstance(turns, list):
        raise BadRequest("turns must be a list")
    if len(turns) > max_turns:
        raise BadRequest(f"{len(turns)} earlier turns sent; the limit is {max_turns}")
    earlier = []
    for i, turn in enumerate(turns, start=1):
        if not isinstance(turn, dict) or set(turn) - {"question", "answer"}:
            raise BadRequest(f"turn {i} must be an object with a question and, optionally, its answer")
        asked = _question(turn.get("question"), f"turn {i}'s question", max_question)
        answer = turn.get("answer")
        earlier.append(EarlierTurn(asked, None if answer is None else answer_from_wire(answer, f"turn {i}")))
    detail = obj.get("detail", False)
    if not isinstance(detail, bool):
        raise BadRequest("detail must be true or false")
    return AskRequest(question, filters_from_json(obj.get("filters")), mode, k, tuple(earlier), detail)


def ask_body(question: str, filters: Filters = Filters(), mode: str | None = None, k: int | None = None,
             turns=(), detail: bool = False) -> dict:
    """A ``POST /ask`` body (the client's side of ``parse_ask``)."""
    body: dict = {"question": question}
    if filters != Filters():
        body["filters"] = filters_to_json(filters)
    if mode:
        body["mode"] = mode
    if k:
        body["k"] = k
    if turns:
        body["turns"] = [{"question": q, **({"answer": answer_to_wire(a)} if a is not None else {})} for q, a in turns]
    if detail:
        body["detail"] = True
    return body


# -- an answer in full ---------------------------------------------------------------------------------


def _plain(value):
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def answer_to_wire(answer: Answer) -> dict:
    """Every field of an ``Answer`` (citations and findings whole), as JSON values."""
    return _plain(answer)


def _make(cls, obj, what: str):
    if not isinstance(obj, dict):
        raise BadRequest(f"{what} must be an object")
    names = {f.name for f in fields(cls)}
    values = {k: (tuple(v) if isinstance(v, list) else v) for k, v in obj.items() if k in names}
    try:
        return cls(**values)
    except TypeError as exc:
        raise BadRequest(f"{what} is not a whole {cls.__name__} ({exc})") from None


def answer_from_wire(obj, what: str = "the answer") -> Answer:
    """The ``Answer`` of ``answer_to_wire``'s JSON (fields it does not know are left out)."""
    if not isinstance(obj, dict):
        raise BadRequest(f"{what}'s answer must be an object")
    obj = dict(obj)
    citations = obj.get("citations") or []
    providers = obj.get("providers") or []
    if not isinstance(citations, list) or not isinstance(providers, list):
        raise BadRequest(f"{what}'s citations and providers must be lists")
    obj["citations"] = [_make(Citation, c, f"{what}'s citation") for c in citations]
    obj["providers"] = [_make(ProviderFinding, p, f"{what}'s provider finding") for p in providers]
    answer = _make(Answer, obj, f"{what}'s answer")
    if not isinstance(answer.question, str) or not isinstance(answer.text, str):
        raise BadRequest(f"{what}'s answer needs a question and a text")
    return answer
