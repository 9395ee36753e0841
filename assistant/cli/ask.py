"""`assistant ask QUESTION`: one answer, as text or as the stable JSON contract."""

from __future__ import annotations

import json

import click

from assistant import config
from assistant.cli.common import SERVER, common, filter_options, friendly, make_filters, remote_assistant, retrieval_options


@click.command()
@click.argument("question")
@common
@filter_options
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON (a stable contract).")
@retrieval_options
@SERVER
@friendly
def ask(question, corpus, index, model, providers, services, ratings, sections, since, until, all_reports,
        as_json, mode, k, server):
    """Answer one QUESTION, with citations."""
    from assistant.chat.commands import check_providers
    from assistant.cli.render import answer_to_text

    filters = make_filters(providers, services, ratings, sections, since, until, all_reports)
    assistant = remote_assistant(server)  # the server checks the --provider names itself
    if assistant is None:
        from assistant.session import load_assistant

        assistant = load_assistant(config.index_dir(index), model)
        check_providers(filters, assistant.catalog)  # a misspelt --provider is an error, not "no evidence"
    answer = assistant.ask(question, filters, mode=mode, k=k)
    if as_json:
        click.echo(json.dumps(answer.to_json(), ensure_ascii=False, indent=1))
    else:
        click.echo(answer_to_text(answer))


def register(main: click.Group) -> None:
    """Add `ask` to the command group."""
    main.add_command(ask)
