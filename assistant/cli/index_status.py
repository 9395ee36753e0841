"""`assistant index status`: what the live index holds."""

from __future__ import annotations

import json

import click

from assistant import config
from assistant.cli.common import common, friendly


@click.command("status")
@common
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@friendly
def status(corpus, index, model, as_json):
    """Show what the live index holds."""
    from assistant.indexing.index import status as index_status

    info = index_status(config.index_dir(index))
    if as_json:
        click.echo(json.dumps(info, indent=1))
        return
    click.echo(f"version {info['version']} (format {info['format_version']}), built {info['created']}")
    click.echo(f"model {info['model']} ({info['dimension']}-d), FAISS {info['faiss']}")
    click.echo(f"{info['files']} files, {info['reports']} reports, {info['chunks']} chunks")
    for source, reason in info["skipped"].items():
        click.echo(f"skipped: {source}: {reason}")
