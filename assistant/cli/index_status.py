"""`assistant index status`: what the live index holds, and whether its files are intact.

Exit code 0 when healthy, 1 when a segment file is missing or does not match its
recorded checksum (each problem printed), or when the index cannot be read at all.
"""

from __future__ import annotations

import json
import sys

import click

from assistant import config
from assistant.cli.common import common, friendly


@click.command("status")
@common
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@friendly
def status(corpus, index, model, as_json):
    """Show what the live index holds and check its files against their checksums."""
    from assistant.indexing.load import status as index_status
    from assistant.indexing.scan import safe_name

    info = index_status(config.index_dir(index))
    if as_json:
        click.echo(json.dumps(info, indent=1))
    else:
        click.echo(f"version {info['version']} (format {info['format_version']}), built {info['created']}")
        click.echo(f"model {info['model']} ({info['dimension']}-d); {len(info['segments'])} segments "
                   f"({', '.join(s['vectors'] for s in info['segments']) or 'none'}), "
                   f"{sum(s['deleted'] for s in info['segments'])} deleted chunks not yet merged away")
        click.echo(f"{info['files']} files, {info['reports']} reports, {info['chunks']} chunks")
        for source, reason in info["skipped"].items():
            click.echo(f"skipped: {safe_name(source)}: {reason}")
        for note in info["notes"]:
            click.echo(f"note: {note}")
        click.echo("healthy: every segment file matches its checksum" if info["healthy"] else
                   "DAMAGED: rebuild with `assistant index build`")
        for problem in info["problems"]:
            click.echo(f"problem: {problem}")
    if not info["healthy"]:
        sys.exit(1)
