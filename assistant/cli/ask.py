"""`assistant ask QUESTION`: one answer, as text or as the stable JSON contract."""

from __future__ import annotations

import click

from assistant import config
from assistant.cli.common import SERVER, common, filter_options, friendly, make_filters, remote_assistant, retrieval_options, step


@click.command()
@click.argument("question")
@common
@filter_options
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON (a stable contract).")
@retrieval_options
@click.option("--version", "version", default=None, metavar="vNNNNNN",
              help="Answer from this commit point instead of the live one (an older one only when named).")
@SERVER
@friendly
def ask(question, corpus, index, model, providers, services, ratings, sections, since, until, all_reports,
        as_json, mode, k, version, server):
    """Answer one QUESTION, with citations."""
    from assistant.chat.backend import LocalBackend
    from assistant.chat.commands import check_providers
    from assistant.chat.display import json_text
    from assistant.cli.render import answer_to_text

    step("ask")
    filters = make_filters(providers, services, ratings, sections, since, until, all_reports)
    remote = remote_assistant(server)  # the server checks the --provider names itself
    if remote is not None:
        answer = remote.ask(question, filters, mode=mode, k=k)
    else:
        from assistant.session import load_assistant

        backend = LocalBackend(load_assistant(config.index_dir(index), model, version=version))
        check_providers(filters, backend)  # a misspelt --provider is an error, not "no evidence"
        answer = backend.ask(question, filters, mode=mode, k=k)
    if as_json:
        click.echo(json_text(answer.to_json(), indent=1))  # valid UTF-8 whatever the file names
    else:
        click.echo(answer_to_text(answer))


def register(main: click.Group) -> None:
    """Add `ask` to the command group."""
    main.add_command(ask)
