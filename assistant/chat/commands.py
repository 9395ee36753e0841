"""What a line typed into the chat means: a question, or a slash command.

``parse`` turns a line into a plain dataclass; ``apply`` carries out the
commands that only change the conversation (filters, mode, a fresh start).
``chat.dispatch`` runs a parsed line for the chat window and ``chat --script``
alike. Mistakes raise ``CommandError`` with one line fit to show the user.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, replace
from pathlib import Path

from assistant.chat.display import flat
from assistant.errors import CommandError
from assistant.models import Filters
from assistant.text import parse_iso_date

RATINGS = ("Outstanding", "Good", "Requires improvement", "Inadequate")

HELP = """\
Type a question and press Enter. A follow-up that names no provider ("and what was their
well-led score?") is about the provider(s) of the answer before; the line under it shows
what was searched.

| command | what it does |
|---|---|
| `/filter provider=… service=… rating=… section=… since=YYYY-MM-DD until=…` | narrow the search (adds to the active filters) |
| `/filter reports=all` | search older reports too, not only each provider's latest |
| `/filter clear` | remove every filter |
| `/mode hybrid\\|bm25\\|dense` | how passages are retrieved |
| `/source N` | open citation N of the last answer in its report section |
| `/export FILE.md` | write the questions (with their mode and filters), answers and cited passages to FILE.md; asks before replacing a file (`/export --force FILE.md` replaces it) |
| `/new` | start a fresh conversation (nothing inherited) |
| `/history` | past conversations: search, reopen, rename, delete |
| `/reindex` | bring the index up to date with the corpus; answers continue meanwhile (asks before removing most reports) |
| `/help` | this text |

Values with spaces: `provider=Heartbeat Alliance` or `provider="Heartbeat Alliance"`;
several values: `rating=Good|Outstanding`.

Keys: Enter sends · Ctrl+J (or Alt+Enter) starts a new line; a paste keeps its lines · F1 help
· F2 show/hide the sources pane · F3 pick a source · F5 history · Ctrl+N new conversation ·
Ctrl+P command palette · Ctrl+Q quit · Up/Down earlier inputs · PageUp/PageDown scroll the
conversation · Tab to the newest answer (Up/Down move between answers) · Ctrl+C copies the
focused answer or citation as Markdown · Esc back to the prompt. Typing anywhere goes to the
prompt.
"""


@dataclass(frozen=True)
class QuestionLine:
    question: str


@dataclass(frozen=True)
class Filter:
    """``/filter``: fields left None keep their current value; ``clear`` empties every filter first."""

    clear: bool = False
    providers: tuple[str, ...] | None = None
    service_types: tuple[str, ...] | None = None
    ratings: tuple[str, ...] | None = None
    sections: tuple[str, ...] | None = None
    since: str | None = None
    until: str | None = None
    all_reports: bool | None = None
    unset: tuple[str, ...] = ()  # fields given with no value ("since="), which reset them


@dataclass(frozen=True)
class Mode:
    mode: str


@dataclass(frozen=True)
class Export:
    path: Path
    force: bool = False  # replace an existing file without asking


@dataclass(frozen=True)
class OpenSource:
    n: int


@dataclass(frozen=True)
class New:
    pass


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class Reindex:
    pass


@dataclass(frozen=True)
class History:
    pass


Command = QuestionLine | Filter | Mode | Export | OpenSource | New | Help | Reindex | History

_FIELDS = {
    "provider": "providers", "providers": "providers",
    "service": "service_types", "services": "service_types",
    "rating": "ratings", "ratings": "ratings",
    "section": "sections", "sections": "sections",
    "since": "since", "until": "until",
    "reports": "all_reports",
}
_NO_ARGS = {"/new": New, "/help": Help, "/reindex": Reindex, "/history": History}


def parse(line: str) -> Command:
    """What ``line`` asks for. An empty line is an error; anything not starting with "/" is a question."""
    line = line.strip()
    if not line:
        raise CommandError("type a question, or /help for the commands")
    if not line.startswith("/"):
        return QuestionLine(line)
    name, _, rest = line.partition(" ")
    name, rest = name.lower(), rest.strip()
    if name in _NO_ARGS:
        if rest:
            raise CommandError(f"{name} takes no arguments")
        return _NO_ARGS[name]()
    if name == "/filter":
        return _parse_filter(rest)
    if name == "/mode":
        from assistant.search.retrieve import MODES  # here, not at the top: the chat window must paint before numpy/scipy load

        if rest.lower() not in MODES:
            raise CommandError(f"/mode takes one of: {', '.join(MODES)}")
        return Mode(rest.lower())
    if name == "/export":
        force = rest.split(" ", 1)[0] == "--force"
        if force:
            rest = rest[len("--force"):].strip()
        if not rest:
            raise CommandError("/export needs a file name, e.g. /export findings.md")
        return Export(Path(_unquote(rest)).expanduser(), force)
    if name == "/source":
        if not rest.isdigit() or int(rest) < 1:
            raise CommandError("/source takes a citation number, e.g. /source 2")
        return OpenSource(int(rest))
    raise CommandError(f"unknown command {name}; /help lists the commands")


def _unquote(text: str) -> str:
    try:
        parts = shlex.split(text)
    except ValueError as exc:
        raise CommandError(f"cannot read '{text}': {exc}") from None
    return " ".join(parts)


def _parse_filter(rest: str) -> Filter:
    if not rest:
        raise CommandError("/filter needs key=value pairs (provider, service, rating, section, since, until) "
                           "or 'clear'")
    try:
        tokens = shlex.split(rest)
    except ValueError as exc:
        raise CommandError(f"cannot read the filter: {exc}") from None
    clear = False
    pairs: list[list[str]] = []
    for token in tokens:
        if token.lower() == "clear" and not pairs:
            clear = True
        elif "=" in token:
            key, value = token.split("=", 1)
            pairs.append([key.strip().lower(), value.strip()])
        elif pairs:
            # An unquoted value with spaces: "provider=Heartbeat Alliance".
            pairs[-1][1] = f"{pairs[-1][1]} {token}".strip()
        else:
            raise CommandError(f"'{token}' is not key=value; try provider=Iridium")
    values: dict[str, object] = {}
    unset: list[str] = []
    for key, value in pairs:
        field = _FIELDS.get(key)
        if field is None:
            raise CommandError(f"unknown filter '{key}'; use provider, service, rating, section, since, until "
                               "or reports")
        if not value or value.lower() == "none":
            unset.append(field)
        elif field in ("since", "until"):
            try:
                values[field] = parse_iso_date(value)
            except ValueError as exc:
                raise CommandError(str(exc)) from None
        elif field == "all_reports":
            if value.lower() not in ("all", "latest"):
                raise CommandError("reports= takes 'all' or 'latest'")
            values[field] = value.lower() == "all"
        elif field == "ratings":
            values[field] = tuple(_rating(v) for v in _split(value))
        else:
            values[field] = tuple(_split(value))
    return Filter(clear=clear, unset=tuple(unset), **values)


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split("|") if v.strip()]


def _rating(value: str) -> str:
    for rating in RATINGS:
        if value.lower() == rating.lower():
            return rating
    raise CommandError(f"'{value}' is not a rating; use one of: {', '.join(RATINGS)}")


def apply_filter(current: Filters, command: Filter, catalog=None) -> Filters:
    """The filters after ``command``. With a catalog, provider names resolve to its display names."""
    filters = Filters() if command.clear else current
    changes = {}
    for field in ("providers", "service_types", "ratings", "sections", "since", "until", "all_reports"):
        value = getattr(command, field)
        if value is not None:
            changes[field] = value
    for field in command.unset:
        changes[field] = getattr(Filters(), field)
    if catalog is not None and changes.get("providers"):
        changes["providers"] = _resolve_providers(changes["providers"], catalog)
    return replace(filters, **changes)


def _resolve_providers(names: tuple[str, ...], catalog) -> tuple[str, ...]:
    resolved: list[str] = []
    for name in names:
        matches = catalog.resolve(name)
        if not matches:
            raise CommandError(unknown_provider(name, catalog))
        resolved.extend(m for m in matches if m not in resolved)
    return tuple(resolved)


def unknown_provider(name: str, catalog, shown: int = 8) -> str:
    """The message for a provider name that matches no provider, listing some that exist."""
    known = catalog.providers()
    listed = ", ".join(known[:shown]) + (f", … ({len(known)} in all)" if len(known) > shown else "")
    return f"no provider matches '{flat(name)}'; known: {flat(listed) or 'none (the index is empty)'}"


def check_providers(filters: Filters, catalog) -> None:
    """Raise ``CommandError`` if a provider filter matches no provider of ``catalog``.

    A misspelt ``--provider`` would otherwise filter out every report and read as
    "no evidence"; this says the filter matched nothing.
    """
    for name in filters.providers:
        if not catalog.resolve(name):
            raise CommandError(unknown_provider(name, catalog))


def apply(command: Command, conversation, catalog=None) -> str:
    """Carry out a command that changes only ``conversation``; returns a one-line note for the user.

    Questions and the commands that need the chat window (export, reindex,
    history, help, opening a source) are the caller's.
    """
    if isinstance(command, Filter):
        conversation.filters = apply_filter(conversation.filters, command, catalog)
        return f"filters: {conversation.filters.describe() or 'none'}"
    if isinstance(command, Mode):
        conversation.mode = command.mode
        return f"retrieval mode: {command.mode}"
    if isinstance(command, New):
        conversation.reset()
        return "new conversation: nothing is inherited from earlier questions"
    raise CommandError(f"{type(command).__name__.lower()} is not a conversation command")
