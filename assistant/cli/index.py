"""`assistant index build|status|update|add`: make and keep the search index.

Exit codes for update and add: 0 done, 1 error (one line), 3 done but some files
were skipped (each listed with its reason).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from assistant import config
from assistant.cli.common import common, friendly, progress_printer
from assistant.cli.index_status import status

EXIT_SKIPPED = 3  # the index was updated with the good files, but not every file could be indexed

_JSON = click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
_WAIT = click.option("--wait", type=click.FloatRange(min=0), default=0.0, show_default=True,
                     help="Seconds to wait for another running build or update before giving up.")


@click.group()
def index():
    """Build and inspect the search index."""


@index.command("build")
@common
@friendly
def build(corpus, index, model):
    """Build the index from scratch from every report in the corpus."""
    from assistant.indexing.index import build_index
    from assistant.search.embed import Embedder

    callback, finish = progress_printer()
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


def _run(work, as_json: bool):
    """Run ``work(progress)`` with a progress bar (none under --json), print its summary, set the exit code."""
    callback, finish = (None, lambda: None) if as_json else progress_printer()
    try:
        summary = work(callback)
    finally:
        finish()
    if as_json:
        click.echo(json.dumps(summary.to_json(), ensure_ascii=False))
        # stdout stays one JSON object; decoding notes go to stderr.
        for name, notes in summary.notes.items():
            for note in notes:
                click.echo(f"note: {name}: {note}", err=True)
    else:
        for line in summary.lines():
            click.echo(line)
    if summary.skipped:
        sys.exit(EXIT_SKIPPED)


@index.command("update")
@common
@_JSON
@_WAIT
@friendly
def update(corpus, index, model, as_json, wait):
    """Index new and changed corpus files and drop removed ones; unchanged reports are not re-embedded."""
    from assistant.indexing.update import update_index
    from assistant.search.embed import Embedder

    _run(lambda progress: update_index(config.corpus_dir(corpus), config.index_dir(index), Embedder(model),
                                       progress, wait=wait), as_json)


@index.command("add")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@common
@_JSON
@_WAIT
@friendly
def add(files, corpus, index, model, as_json, wait):
    """Copy report FILES into the corpus and update the index."""
    from assistant.indexing.update import add_files
    from assistant.search.embed import Embedder

    _run(lambda progress: add_files(list(files), config.corpus_dir(corpus), config.index_dir(index),
                                    Embedder(model), progress, wait=wait), as_json)


index.add_command(status)


def register(main: click.Group) -> None:
    """Add the `index` group to the command group."""
    main.add_command(index)
