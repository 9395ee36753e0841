"""The `assistant` command. Thin: parse arguments, call the library, print."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click

from . import config

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
        from .embed import ModelMissing
        from .readers import UnreadableDocument
        from .store import IndexProblem

        try:
            return f(*args, **kwargs)
        except (IndexProblem, ModelMissing, UnreadableDocument, ValueError, OSError) as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)

    return wrapper


@click.group()
@click.version_option(package_name="cqc-assistant")
def main():
    """Ask questions of CQC inspection reports; every answer cites its evidence."""


@main.group()
def index():
    """Build and inspect the search index."""


def _progress_printer():
    """A rich progress bar for the embedding stage; returns (callback, finish)."""
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


@index.command("build")
@common
@friendly
def index_build(corpus, index, model):
    """Build the index from scratch from every report in the corpus."""
    from .embed import Embedder
    from .index import build_index

    callback, finish = _progress_printer()
    try:
        version, scan = build_index(config.corpus_dir(corpus), config.index_dir(index), Embedder(model),
                                    progress=callback)
    finally:
        finish()
    n_reports = sum(len(r) for r in scan.reports.values())
    click.echo(f"built {version}: {len(scan.reports)} files, {n_reports} reports")
    for source, notes in scan.notes.items():
        for note in notes:
            click.echo(f"note: {source}: {note}")
    for source, reason in scan.skipped.items():
        click.echo(f"skipped: {source}: {reason}", err=True)


@index.command("status")
@common
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@friendly
def index_status(corpus, index, model, as_json):
    """Show what the live index holds."""
    from .index import status

    info = status(config.index_dir(index))
    if as_json:
        click.echo(json.dumps(info, indent=1))
        return
    click.echo(f"version {info['version']} (format {info['format_version']}), built {info['created']}")
    click.echo(f"model {info['model']} ({info['dimension']}-d), FAISS {info['faiss']}")
    click.echo(f"{info['files']} files, {info['reports']} reports, {info['chunks']} chunks")
    for source, reason in info["skipped"].items():
        click.echo(f"skipped: {source}: {reason}")


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
    from .models import Filters
    from .text import parse_iso_date

    return Filters(tuple(providers), tuple(services), tuple(ratings), tuple(sections),
                   parse_iso_date(since), parse_iso_date(until), all_reports)


@main.command()
@click.argument("question")
@common
@filter_options
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON (a stable contract).")
@click.option("--mode", type=click.Choice(["hybrid", "bm25", "dense"]), default=None, help="Retrieval method.")
@click.option("--k", type=click.IntRange(1, 100), default=None, help="Passages to draw on (default 5).")
@friendly
def ask(question, corpus, index, model, providers, services, ratings, sections, since, until, all_reports,
        as_json, mode, k):
    """Answer one QUESTION, with citations."""
    from .engine import load_assistant
    from .render import answer_to_text

    filters = make_filters(providers, services, ratings, sections, since, until, all_reports)
    assistant = load_assistant(config.index_dir(index), model)
    answer = assistant.ask(question, filters, mode=mode, k=k)
    if as_json:
        click.echo(json.dumps(answer.to_json(), ensure_ascii=False, indent=1))
    else:
        click.echo(answer_to_text(answer))


@main.command()
@common
@filter_options
@click.option("--mode", type=click.Choice(["hybrid", "bm25", "dense"]), default=None, help="Retrieval method.")
@click.option("--k", type=click.IntRange(1, 100), default=None, help="Passages to draw on (default 5).")
@click.option("--script", "script_file", type=click.File("r", encoding="utf-8"), default=None,
              help="Answer one user turn per line of FILE ('-' for stdin) instead of opening the window.")
@click.option("--json", "as_json", is_flag=True, help="With --script: one `ask --json` answer per line.")
@friendly
def chat(corpus, index, model, providers, services, ratings, sections, since, until, all_reports, mode, k,
         script_file, as_json):
    """Open the chat window (or, with --script, run a conversation from a file)."""
    filters = make_filters(providers, services, ratings, sections, since, until, all_reports)
    if script_file is None:
        if as_json:
            raise click.UsageError("--json needs --script FILE")
        from .tui.app import ChatApp

        ChatApp(corpus_dir=corpus, index_dir=index, model_dir=model, filters=filters, mode=mode, k=k).run()
        return
    from .conversation import Conversation
    from .engine import load_assistant
    from .render import answer_to_text
    from .script import Note, answer_json, run

    conversation = Conversation(load_assistant(config.index_dir(index), model), filters, mode, k)
    for item in run(script_file, conversation):
        if isinstance(item, Note):
            click.echo(f"line {item.line}: {item.text}", err=True)
        elif as_json:
            click.echo(json.dumps(answer_json(item), ensure_ascii=False))
        else:
            click.echo(f"> {item.question}\n{answer_to_text(item)}\n")


from .evaluate.cli import eval_group  # noqa: E402  (registers `assistant eval`; imports cli's helpers)

main.add_command(eval_group)

from .cli_index import index_add, index_update  # noqa: E402  (needs common/friendly above)

index.add_command(index_update)
index.add_command(index_add)

from .bench.cli import bench  # noqa: E402
main.add_command(bench)

if __name__ == "__main__":  # pragma: no cover
    main()
