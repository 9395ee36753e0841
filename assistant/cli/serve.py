"""`assistant serve`: the team server; `assistant serve token add|revoke|list`: its users' tokens."""

from __future__ import annotations

from pathlib import Path

import click

from assistant import config
from assistant.cli.common import friendly

_TOKENS = click.option("--tokens", "tokens", type=click.Path(dir_okay=False, path_type=Path), default=None,
                       help="The tokens file (default: <data folder>/serve/tokens.json).")


def _need_extra():
    from assistant.cluster import EXTRA_HINT, ClusterProblem

    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        raise ClusterProblem(f"`assistant serve` needs FastAPI and uvicorn, which are not installed: {EXTRA_HINT}") \
            from None


@click.group(invoke_without_command=True)
@click.option("--index", "index", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Index folder (default: index/, or $ASSISTANT_INDEX).")
@click.option("--model", "model", default=None, help="Embedding model folder (default: the bundled one).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but 127.0.0.1 opens the server to the network.")
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True)
@_TOKENS
@click.option("--rate", type=click.IntRange(min=1), default=60, show_default=True,
              help="Requests per token per minute.")
@click.option("--max-question", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Longest question, in characters.")
@click.option("--max-body", type=click.IntRange(min=1024), default=64 * 1024, show_default=True,
              help="Largest request body, in bytes.")
@click.option("--cors", multiple=True, help="Allow browsers on this origin (repeatable); none by default.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Answers computed at once (default: the cores); the rest queue.")
@click.option("--ray", "ray_address", is_flag=False, flag_value="local", default=None, metavar="[ADDRESS]",
              help="Run under Ray Serve on the cluster at ADDRESS (without ADDRESS: a local Ray).")
@click.option("--replicas", type=click.IntRange(min=1), default=None, help="With --ray: replicas (default 2).")
@click.pass_context
@friendly
def serve(ctx, index, model, host, port, tokens, rate, max_question, max_body, cors, workers, ray_address, replicas):
    """Answer questions over HTTP for a team: POST /ask, GET /status, /reports, /source/REPORT, /health.

    Every request but /health needs a user's token (`assistant serve token add NAME`).
    """
    if ctx.invoked_subcommand is not None:
        return
    if replicas is not None and ray_address is None:
        raise click.UsageError("--replicas needs --ray")
    _need_extra()
    from assistant.indexing.load import load_reports
    from assistant.serve.limits import Limits

    index_dir = config.index_dir(index)
    load_reports(index_dir)  # no index: say so now, in one line, not from inside the server
    limits = Limits(max_body=max_body, max_question=max_question, per_minute=rate)
    options = dict(host=host, port=port, tokens=tokens, limits=limits, cors=tuple(cors), workers=workers)
    where = f"http://{host}:{port}"
    if ray_address is not None:
        from assistant.serve.server import run_ray

        click.echo(f"serving {index_dir} at {where} under Ray Serve ({replicas or 2} replicas); Ctrl+C stops",
                   err=True)
        run_ray(ray_address, index_dir, model, replicas=replicas or 2, **options)
        return
    from assistant.serve.server import run

    click.echo(f"serving {index_dir} at {where}; Ctrl+C stops", err=True)
    run(index_dir, model, **options)


@serve.group()
def token():
    """Make, revoke and list the users' tokens (only a hash of each is kept)."""


@token.command("add")
@click.argument("name")
@_TOKENS
@friendly
def token_add(name, tokens):
    """Make a token for user NAME (replacing any they had) and print it: it is shown only now."""
    from assistant.serve.tokens import TokenStore

    store = TokenStore(tokens)
    click.echo(store.add(name))
    click.echo(f"token for {name} saved (as a hash) in {store.path}; give it to them: ASSISTANT_TOKEN=... or a "
               "file of mode 0600", err=True)


@token.command("revoke")
@click.argument("name")
@_TOKENS
@friendly
def token_revoke(name, tokens):
    """Revoke user NAME's token (a running server stops accepting it at once)."""
    from assistant.serve.tokens import TokenStore

    TokenStore(tokens).revoke(name)
    click.echo(f"revoked {name}")


@token.command("list")
@_TOKENS
@friendly
def token_list(tokens):
    """The users who have a token, and when it was made."""
    from assistant.serve.tokens import TokenStore

    for name, created in TokenStore(tokens).users().items():
        click.echo(f"{name}\t{created}")


def register(main: click.Group) -> None:
    """Add `serve` to the command group."""
    main.add_command(serve)
