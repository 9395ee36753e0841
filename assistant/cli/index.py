"""`assistant index build|status|update|add|optimize`: make and keep the search index.

Exit codes for update and add: 0 done, 1 error (one line), 3 done but some files were
skipped (each listed with its reason; documentation files such as SOURCES.md are listed
but do not make the exit code 3). Under --json stdout is one JSON object and progress
goes to stderr as plain lines.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import click

from assistant import config
from assistant.chat.display import json_text
from assistant.cli.common import STEP, common, friendly, progress_printer, step
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


def _size_text(n: int) -> str:
    for unit, size in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n >= size and n % size == 0:
            return f"{n // size}{unit}"
    return f"{n} bytes"


_DEFAULTS = config.IngestSettings()
_MAX_SIZE = click.option(
    "--max-size", type=Size(), default=None,
    help=f"Skip corpus files holding more text than this (default {_size_text(_DEFAULTS.max_bytes)}; a PDF or "
         f"HTML file may be {_DEFAULTS.container_factor} times larger, its text not); e.g. --max-size 5MB.")
_MAX_CHUNKS = click.option("--max-chunks", type=click.IntRange(min=1), default=None,
                           help=f"Skip corpus files that make more chunks than this (default {_DEFAULTS.max_chunks}).")
_REPAIR = click.option("--repair", is_flag=True,
                       help="Re-derive what is damaged from the corpus: make the newest intact commit point live "
                            "and index the files of damaged segments again.")
_RAY = click.option("--ray", "ray_address", is_flag=False, flag_value="local", default=None, metavar="[ADDRESS]",
                    help="Embed on the Ray cluster at ADDRESS (host:port, or 'auto'); without ADDRESS, on a Ray "
                         "started for this run. Needs the cluster extra.")
_SHARD_SIZE = click.option("--shard-size", type=click.IntRange(min=1), default=None,
                           help="With --ray: texts per shard, a multiple of 32 (default 512).")
_ALLOW_REMOVALS = click.option("--allow-removals", is_flag=True,
                               help="Allow an update that removes every indexed report, or more than half of them.")


def _ingest(max_size: int | None, max_chunks: int | None = None) -> config.IngestSettings:
    defaults = config.IngestSettings()
    return config.IngestSettings(max_bytes=max_size or defaults.max_bytes, max_chunks=max_chunks or defaults.max_chunks)


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
        STEP["stage"] = stage
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
        click.echo(json_text(summary.to_json()))  # undecodable file names as \udcXX escapes
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
@_JSON
@_MAX_SIZE
@_MAX_CHUNKS
@_WAIT
@_RAY
@_SHARD_SIZE
@friendly
def build(corpus, index, model, as_json, max_size, max_chunks, wait, ray_address, shard_size):
    """Build the index from scratch from every report in the corpus."""
    from assistant.indexing.scan import safe_name

    step("index build")
    _shards_need_ray(ray_address, shard_size)
    if as_json and ray_address is None:  # the update's summary (every file "added") and its progress lines on stderr
        from assistant.indexing.build import refresh
        from assistant.search.embed import Embedder

        _run(lambda progress: refresh(config.corpus_dir(corpus), config.index_dir(index), Embedder(model), progress,
                                      ingest=_ingest(max_size, max_chunks), rebuild=True, wait=wait,
                                      allow_removals=True)[0], as_json=True)
        return
    callback, finish = progress_printer()
    ray_line = None
    try:
        if ray_address is not None:
            done = _ray_run(corpus, index, model, ray_address, shard_size, callback, max_size, max_chunks, wait,
                            rebuild=True)
            version, scan, ray_line = config.index_dir(index) / done.summary.version, done.scan, done.stats.line()
        else:
            from assistant.indexing.build import build_index
            from assistant.search.embed import Embedder

            version, scan = build_index(config.corpus_dir(corpus), config.index_dir(index), Embedder(model),
                                        progress=callback, ingest=_ingest(max_size, max_chunks), wait=wait)
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
@_MAX_CHUNKS
@_ALLOW_REMOVALS
@_REPAIR
@_RAY
@_SHARD_SIZE
@friendly
def update(corpus, index, model, as_json, wait, max_size, max_chunks, allow_removals, repair, ray_address, shard_size):
    """Index new and changed corpus files and drop removed ones; unchanged reports are not re-embedded."""
    _shards_need_ray(ray_address, shard_size)
    if repair and ray_address is not None:
        raise click.UsageError("--repair runs in this process: leave out --ray")
    if ray_address is not None:
        lines = []

        def work(progress):
            done = _ray_run(corpus, index, model, ray_address, shard_size, progress, max_size, max_chunks, wait,
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

    step("index update")
    _run(lambda progress: update_index(config.corpus_dir(corpus), config.index_dir(index), Embedder(model),
                                       progress, wait=wait, ingest=_ingest(max_size, max_chunks),
                                       allow_removals=allow_removals, repair=repair), as_json)


def _shards_need_ray(ray_address, shard_size) -> None:
    if shard_size is not None and ray_address is None:
        raise click.UsageError("--shard-size needs --ray")
    if shard_size is not None and shard_size % 32:
        raise click.UsageError(f"--shard-size must be a multiple of 32, the embedding batch (got {shard_size})")


def _ray_run(corpus, index, model, address, shard_size, progress, max_size, max_chunks, wait, *, rebuild=False,
             allow_removals=False):
    """An index build (``rebuild``) or update embedding on Ray (``assistant.cluster``)."""
    from assistant.cluster.build import run
    from assistant.cluster.shards import DEFAULT_SHARD_TEXTS

    return run(config.corpus_dir(corpus), config.index_dir(index), address=address, rebuild=rebuild,
               model_dir=model, shard_texts=shard_size or DEFAULT_SHARD_TEXTS, progress=progress,
               ingest=_ingest(max_size, max_chunks), wait=wait, allow_removals=allow_removals)


@index.command("add")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@common
@_JSON
@_WAIT
@_MAX_SIZE
@_MAX_CHUNKS
@friendly
def add(files, corpus, index, model, as_json, wait, max_size, max_chunks):
    """Copy report FILES into the corpus and update the index."""
    from dataclasses import replace

    from assistant.chat.display import shown
    from assistant.indexing.add import add_files
    from assistant.search.embed import Embedder

    step("index add")
    folders = [f for f in files if f.is_dir()]
    reports = [f for f in files if not f.is_dir()]
    if not reports:  # nothing but folders: say so, change nothing
        raise ValueError(f"{shown(folders[0])} is a folder; give the report files in it, e.g. "
                         f"`assistant index add {shown(folders[0] / '*.txt')}`")

    def work(progress):
        summary = add_files(reports, config.corpus_dir(corpus), config.index_dir(index), Embedder(model), progress,
                            wait=wait, ingest=_ingest(max_size, max_chunks))
        skipped = {str(f): "a folder, not a report file: give the report files in it" for f in folders}
        return replace(summary, skipped={**skipped, **summary.skipped})

    _run(work, as_json)


@index.command("optimize")
@common
@_JSON
@_WAIT
@friendly
def optimize(corpus, index, model, as_json, wait):
    """Merge the index's segments into one, dropping deleted chunks (nothing is re-embedded)."""
    from assistant.indexing.build import optimize_index
    from assistant.search.embed import Embedder

    step("index optimize")
    _run(lambda progress: optimize_index(config.index_dir(index), Embedder(model), progress, wait=wait), as_json)


index.add_command(status)


def register(main: click.Group) -> None:
    """Add the `index` group to the command group."""
    main.add_command(index)
