"""`assistant index build|status|update|add|optimize`: make and keep the search index.

Exit codes for update and add: 0 done, 1 error (one line), 3 done but some files were
skipped (each listed with its reason; documentation files such as SOURCES.md are listed
but do not make the exit code 3). Under --json stdout is one JSON object and progress
goes to stderr as plain lines.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

import click

from assistant import config
from assistant.cli.common import common, friendly, progress_printer
from assistant.cli.index_status import status

EXIT_SKIPPED = 3  # the index was updated with the good files, but not every file could be indexed
DOCUMENTATION = "documentation file"  # how scan.py's reason for README/SOURCES/LICENSE starts


class Size(click.ParamType):
    """A size in bytes, written as 50MB, 1.5GB, 800k or 20000000."""

    name = "size"
    _UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "m": 1024**2, "mb": 1024**2, "g": 1024**3, "gb": 1024**3}

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", str(value))
        unit = m.group(2).lower() if m else None
        if not m or unit not in self._UNITS or float(m.group(1)) <= 0:
            self.fail(f"{value!r} is not a size (write it like 50MB, 1.5GB or 800KB)", param, ctx)
        return int(float(m.group(1)) * self._UNITS[unit])


_JSON = click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
_WAIT = click.option("--wait", type=click.FloatRange(min=0), default=0.0, show_default=True,
                     help="Seconds to wait for another running build or update before giving up.")
_MAX_SIZE = click.option("--max-size", type=Size(), default=None,
                         help="Skip corpus files larger than this (default 20MB); e.g. --max-size 50MB.")
_RAY = click.option("--ray", "ray_address", is_flag=False, flag_value="local", default=None, metavar="[ADDRESS]",
                    help="Embed on the Ray cluster at ADDRESS (host:port, or 'auto'); without ADDRESS, on a Ray "
                         "started for this run. Needs the cluster extra.")
_SHARD_SIZE = click.option("--shard-size", type=click.IntRange(min=1), default=None,
                           help="With --ray: texts per shard, a multiple of 32 (default 512).")
_ALLOW_REMOVALS = click.option("--allow-removals", is_flag=True,
                               help="Allow an update that removes every indexed report, or more than half of them.")


def _ingest(max_size: int | None):
    return config.IngestSettings() if max_size is None else config.IngestSettings(max_bytes=max_size)


def stderr_progress(min_interval: float = 1.0):
    """Progress as plain stderr lines ("embed 64/300"): at each new stage, at its end, and at most
    once per ``min_interval`` seconds in between. Returns (callback, finish)."""
    last: dict[str, float] = {}

    def callback(stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if stage in last and done < total and now - last[stage] < min_interval:
            return
        if done >= total and last.get(stage) == float("inf"):
            return  # its end was printed already
        last[stage] = float("inf") if done >= total else now
        click.echo(f"{stage} {done}/{total}", err=True)

    return callback, lambda: None


def _run(work, as_json: bool):
    """Run ``work(progress)`` with progress (a bar, or stderr lines under --json), print its summary,
    set the exit code."""
    callback, finish = stderr_progress() if as_json else progress_printer()
    try:
        summary = work(callback)
    finally:
        finish()
    if as_json:
        text = json.dumps(summary.to_json(), ensure_ascii=False)
        click.echo(text.encode("utf-8", "backslashreplace").decode("utf-8"))  # undecodable file names
        for line in summary.lines()[1:]:  # stdout stays one JSON object; notes go to stderr
            if line.startswith("note: "):
                click.echo(line, err=True)
    else:
        for line in summary.lines():
            click.echo(line)
    if any(not reason.startswith(DOCUMENTATION) for reason in summary.skipped.values()):
        sys.exit(EXIT_SKIPPED)


@click.group()
def index():
    """Build and inspect the search index."""


@index.command("build")
@common
@_MAX_SIZE
@_WAIT
@_RAY
@_SHARD_SIZE
@friendly
def build(corpus, index, model, max_size, wait, ray_address, shard_size):
    """Build the index from scratch from every report in the corpus."""
    from assistant.indexing.scan import safe_name

    _shards_need_ray(ray_address, shard_size)
    callback, finish = progress_printer()
    ray_line = None
    try:
        if ray_address is not None:
            done = _ray_run(corpus, index, model, ray_address, shard_size, callback, max_size, wait, rebuild=True)
            version, scan, ray_line = config.index_dir(index) / done.summary.version, done.scan, done.stats.line()
        else:
            from assistant.indexing.build import build_index
            from assistant.search.embed import Embedder

            version, scan = build_index(config.corpus_dir(corpus), config.index_dir(index), Embedder(model),
                                        progress=callback, ingest=_ingest(max_size), wait=wait)
    finally:
        finish()
    if ray_line:
        click.echo(ray_line, err=True)
    n_reports = sum(len(r) for r in scan.reports.values())
    click.echo(f"built {version.name}: {len(scan.reports)} files, {n_reports} reports")
    for source, notes in scan.notes.items():
        for note in notes:
            click.echo(f"note: {safe_name(source)}: {note}")
    for source, reason in scan.skipped.items():
        click.echo(f"skipped: {safe_name(source)}: {reason}", err=True)


@index.command("update")
@common
@_JSON
@_WAIT
@_MAX_SIZE
@_ALLOW_REMOVALS
@_RAY
@_SHARD_SIZE
@friendly
def update(corpus, index, model, as_json, wait, max_size, allow_removals, ray_address, shard_size):
    """Index new and changed corpus files and drop removed ones; unchanged reports are not re-embedded."""
    _shards_need_ray(ray_address, shard_size)
    if ray_address is not None:
        lines = []

        def work(progress):
            done = _ray_run(corpus, index, model, ray_address, shard_size, progress, max_size, wait,
                            allow_removals=allow_removals)
            lines.append(done.stats.line())
            return done.summary

        try:
            _run(work, as_json)
        finally:
            for line in lines:
                click.echo(line, err=True)
        return
    from assistant.indexing.build import update_index
    from assistant.search.embed import Embedder

    _run(lambda progress: update_index(config.corpus_dir(corpus), config.index_dir(index), Embedder(model),
                                       progress, wait=wait, ingest=_ingest(max_size),
                                       allow_removals=allow_removals), as_json)


def _shards_need_ray(ray_address, shard_size) -> None:
    if shard_size is not None and ray_address is None:
        raise click.UsageError("--shard-size needs --ray")
    if shard_size is not None and shard_size % 32:
        raise click.UsageError(f"--shard-size must be a multiple of 32, the embedding batch (got {shard_size})")


def _ray_run(corpus, index, model, address, shard_size, progress, max_size, wait, *, rebuild=False,
             allow_removals=False):
    """An index build (``rebuild``) or update embedding on Ray (``assistant.cluster``)."""
    from assistant.cluster.build import run
    from assistant.cluster.shards import DEFAULT_SHARD_TEXTS

    return run(config.corpus_dir(corpus), config.index_dir(index), address=address, rebuild=rebuild,
               model_dir=model, shard_texts=shard_size or DEFAULT_SHARD_TEXTS, progress=progress,
               ingest=_ingest(max_size), wait=wait, allow_removals=allow_removals)


@index.command("add")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@common
@_JSON
@_WAIT
@_MAX_SIZE
@friendly
def add(files, corpus, index, model, as_json, wait, max_size):
    """Copy report FILES into the corpus and update the index."""
    from assistant.indexing.add import add_files
    from assistant.search.embed import Embedder

    _run(lambda progress: add_files(list(files), config.corpus_dir(corpus), config.index_dir(index),
                                    Embedder(model), progress, wait=wait, ingest=_ingest(max_size)), as_json)


@index.command("optimize")
@common
@_JSON
@_WAIT
@friendly
def optimize(corpus, index, model, as_json, wait):
    """Merge the index's segments into one, dropping deleted chunks (nothing is re-embedded)."""
    from assistant.indexing.build import optimize_index
    from assistant.search.embed import Embedder

    _run(lambda progress: optimize_index(config.index_dir(index), Embedder(model), progress, wait=wait), as_json)


index.add_command(status)


def register(main: click.Group) -> None:
    """Add the `index` group to the command group."""
    main.add_command(index)
