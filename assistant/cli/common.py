"""What every subcommand shares: the --corpus/--index/--model options, filters, errors, progress.

Subcommand modules import from here, never from ``assistant.cli`` itself, so the
package registers them without an import cycle.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click

_CORPUS = click.option("--corpus", "corpus", type=click.Path(file_okay=False, path_type=Path), default=None,
                       help="Folder of source reports (default: corpus/, or $ASSISTANT_CORPUS).")
_INDEX = click.option("--index", "index", type=click.Path(file_okay=False, path_type=Path), default=None,
                      help="Index folder (default: index/, or $ASSISTANT_INDEX).")
_MODEL = click.option("--model", "model", default=None,
                      help="Embedding model folder (default: the bundled all-MiniLM-L6-v2, or $ASSISTANT_MODEL).")


def common(f):
    """--corpus, --index and --model on every command."""
    return _CORPUS(_INDEX(_MODEL(f)))


EXIT_BROKEN_PIPE = 128 + 13  # as a process ended by SIGPIPE: `assistant index status --reports | head`

# What a long command is doing now ("index update", its stage "write"), for a one-line error such as a full disk.
STEP: dict[str, str] = {}


def friendly(f):
    """Turn the library's expected failures into one line on stderr and exit code 1.

    A reader that stops reading (``| head``) ends the command quietly; a missing index names
    the command that builds it with the folders given; an operating-system error says which
    command, at which stage, on which path.
    """

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        from assistant.errors import AssistantError, IndexMissing

        STEP.clear()
        try:
            return f(*args, **kwargs)
        except BrokenPipeError:
            _quiet_stdout()
            sys.exit(EXIT_BROKEN_PIPE)
        except IndexMissing as exc:
            _fail(_missing_index(exc, kwargs.get("corpus"), kwargs.get("index")))
        except (AssistantError, ValueError) as exc:
            _fail(" ".join(str(exc).split()) or type(exc).__name__)
        except OSError as exc:
            _fail(_os_error(exc, kwargs.get("index")))
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)

    return wrapper


def _fail(message: str) -> None:
    try:
        click.echo(f"error: {message}", err=True)
    except BrokenPipeError:
        pass
    sys.exit(1)


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush cannot complain about the closed pipe."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _missing_index(exc: Exception, corpus, index) -> str:
    """"no index at X; build it with `assistant index build --corpus C --index X`" (the folders as given)."""
    from assistant import config
    from assistant.chat.display import build_command, shown

    text = " ".join(str(exc).split())
    if not text.startswith("no index at"):
        return text  # a missing corpus folder, said as the library says it
    index_dir = config.index_dir(index)
    return f"no index at {shown(index_dir)}; build it with `{build_command(corpus, index_dir)}`"


def _os_error(exc: OSError, index) -> str:
    """An operating-system error as one line: the command and stage it stopped at, the reason, the path."""
    from assistant import config
    from assistant.chat.display import shown

    reason = exc.strerror or " ".join(str(exc).split()) or type(exc).__name__
    command, stage = STEP.get("command"), STEP.get("stage")
    where = f" ({shown(exc.filename)})" if exc.filename else ""
    if command is None:
        return f"{reason}{where}"
    at = f" at the '{stage}' stage" if stage else ""
    if command.startswith("index") and command != "index status":
        folder = shown(config.index_dir(index))
        return (f"{command} stopped{at}: {reason}{where or f' (writing the index at {folder})'}; "
                "the index in use is unchanged")
    return f"{command} stopped{at}: {reason}{where}"


def step(command: str, stage: str | None = None) -> None:
    """Record what is being done, for ``friendly``'s message if it fails."""
    STEP["command"] = command
    if stage is not None:
        STEP["stage"] = stage


def progress_printer():
    """A rich progress bar for the slow stages; returns (callback, finish)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                   transient=False, console=None)
    tasks: dict[str, int] = {}

    def callback(stage: str, done: int, total: int) -> None:
        STEP["stage"] = stage
        if stage not in tasks:
            if not tasks:
                bar.start()
            tasks[stage] = bar.add_task(stage, total=total or 1)
        bar.update(tasks[stage], completed=done, total=total or 1)

    return callback, bar.stop


MODES = ("hybrid", "bm25", "dense")

SERVER = click.option("--server", "server", default=None, metavar="URL",
                      help="Ask the team server at URL instead of a local index (default: $ASSISTANT_SERVER); "
                           "the token comes from $ASSISTANT_TOKEN or a file of mode 0600 ($ASSISTANT_TOKEN_FILE).")


def remote_assistant(server: str | None):
    """A ``RemoteAssistant`` when --server or $ASSISTANT_SERVER names a server, else None (ask locally)."""
    from assistant.serve.client import server_url

    url = server_url(server)
    if url is None:
        return None
    from assistant.serve.client import RemoteAssistant, find_token

    return RemoteAssistant(url, find_token())


def retrieval_options(f):
    """--mode and --k, shared by `ask` and `chat`."""
    f = click.option("--k", type=click.IntRange(1, 100), default=None, help="Passages to draw on (default 5).")(f)
    return click.option("--mode", type=click.Choice(MODES), default=None, help="Retrieval method.")(f)


def filter_options(f):
    """The retrieval filters shared by `ask` and `chat`."""
    options = [
        click.option("--provider", "providers", multiple=True, help="Only this provider (repeatable)."),
        click.option("--service", "services", multiple=True, help="Only this service type (repeatable)."),
        click.option("--rating", "ratings", multiple=True, help="Only providers with this rating."),
        click.option("--section", "sections", multiple=True, help="Only sections whose heading contains this."),
        click.option("--since", default=None, help="Only reports dated on or after YYYY-MM-DD."),
        click.option("--until", default=None, help="Only reports dated on or before YYYY-MM-DD."),
        click.option("--all-reports", is_flag=True, help="Include older reports, not only each provider's latest."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def make_filters(providers, services, ratings, sections, since, until, all_reports):
    """The ``Filters`` value for the filter options."""
    from assistant.models import Filters
    from assistant.text import parse_iso_date

    for option, values, what in (("--provider", providers, "provider"), ("--service", services, "service type"),
                                 ("--section", sections, "section")):
        if any(not v.strip() for v in values):
            raise ValueError(f"{option} needs a name; an empty one would match every {what}")
    return Filters(tuple(providers), tuple(services), tuple(ratings), tuple(sections),
                   parse_iso_date(since), parse_iso_date(until), all_reports)
