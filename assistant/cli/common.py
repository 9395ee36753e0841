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


def friendly(f):
    """Turn the library's expected failures into a one-line message and exit code 1."""

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        from assistant.errors import AssistantError

        try:
            return f(*args, **kwargs)
        except (AssistantError, ValueError, OSError) as exc:
            click.echo(f"error: {' '.join(str(exc).split()) or type(exc).__name__}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)

    return wrapper


def progress_printer():
    """A rich progress bar for the slow stages; returns (callback, finish)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                   transient=False, console=None)
    tasks: dict[str, int] = {}

    def callback(stage: str, done: int, total: int) -> None:
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

    return Filters(tuple(providers), tuple(services), tuple(ratings), tuple(sections),
                   parse_iso_date(since), parse_iso_date(until), all_reports)
