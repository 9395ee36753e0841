"""`assistant index update` and `assistant index add`: incremental re-indexing from the terminal.

Registered on the `index` group at the bottom of ``cli.py``; import it through
``assistant.cli``. Exit codes: 0 done, 1 error (one line), 3 done but some files
were skipped (each listed with its reason).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import config
from .cli import _progress_printer, common, friendly

EXIT_SKIPPED = 3  # the index was updated with the good files, but not every file could be indexed

_JSON = click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
_WAIT = click.option("--wait", type=click.FloatRange(min=0), default=0.0, show_default=True,
                     help="Seconds to wait for another running build or update before giving up.")


def _run(work, as_json: bool):
    """Run ``work(progress)`` with a progress bar (none under --json), print its summary, set the exit code."""
    callback, finish = (None, lambda: None) if as_json else _progress_printer()
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


@click.command("update")
@common
@_JSON
@_WAIT
@friendly
def index_update(corpus, index, model, as_json, wait):
    """Index new and changed corpus files and drop removed ones; unchanged reports are not re-embedded."""
    from .embed import Embedder
    from .update import update_index

    _run(lambda progress: update_index(config.corpus_dir(corpus), config.index_dir(index), Embedder(model),
                                       progress, wait=wait), as_json)


@click.command("add")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@common
@_JSON
@_WAIT
@friendly
def index_add(files, corpus, index, model, as_json, wait):
    """Copy report FILES into the corpus and update the index."""
    from .embed import Embedder
    from .update import add_files

    _run(lambda progress: add_files(list(files), config.corpus_dir(corpus), config.index_dir(index),
                                    Embedder(model), progress, wait=wait), as_json)
