"""`assistant chat`: the chat window, or with --script a conversation read from a file."""

from __future__ import annotations

import click

from assistant import config
from assistant.cli.common import SERVER, common, filter_options, friendly, make_filters, remote_assistant, retrieval_options, step


@click.command()
@common
@filter_options
@retrieval_options
@click.option("--script", "script_file", type=click.File("rb"), default=None,
              help="Answer one user turn per line of FILE ('-' for stdin) instead of opening the window.")
@click.option("--json", "as_json", is_flag=True, help="With --script: one `ask --json` answer per line.")
@SERVER
@friendly
def chat(corpus, index, model, providers, services, ratings, sections, since, until, all_reports, mode, k,
         script_file, as_json, server):
    """Open the chat window (or, with --script, run a conversation from a file)."""
    from assistant.serve.client import server_url

    filters = make_filters(providers, services, ratings, sections, since, until, all_reports)
    url = server_url(server)
    if script_file is None:
        if as_json:
            raise click.UsageError("--json needs --script FILE")
        if url is not None:  # the window, asking the server (it connects in the background, as a local one loads)
            from assistant.serve.chat import run_remote_chat
            from assistant.serve.client import find_token

            raise SystemExit(run_remote_chat(url, find_token(), corpus_dir=corpus, index_dir=index, filters=filters,
                                             mode=mode, k=k))
        from assistant.tui.app import run_chat

        raise SystemExit(run_chat(corpus_dir=corpus, index_dir=index, model_dir=model, filters=filters, mode=mode,
                                  k=k))
    from assistant.chat.backend import LocalBackend
    from assistant.chat.commands import check_providers
    from assistant.chat.conversation import Conversation
    from assistant.chat.display import json_text, plain, shown
    from assistant.chat.script import Note, answer_json, run
    from assistant.cli.render import answer_to_text
    from assistant.session import load_assistant

    step("chat --script")
    name = getattr(script_file, "name", None)
    name = name if isinstance(name, str) and name not in ("-", "<stdin>") else "stdin"
    remote = remote_assistant(url)
    backend = LocalBackend(remote if remote is not None else load_assistant(config.index_dir(index), model))
    if remote is None:
        check_providers(filters, backend)  # the server checks the --provider names itself
    conversation = Conversation(backend, filters, mode, k)
    for item in run(script_file, conversation, name):
        if isinstance(item, Note):
            click.echo(f"{shown(name)}:{item.line}: {item.text}", err=True)
        elif as_json:
            click.echo(json_text(answer_json(item)))  # valid UTF-8 whatever the file names
        else:
            click.echo(f"> {plain(item.question)}\n{answer_to_text(item)}\n")


def register(main: click.Group) -> None:
    """Add `chat` to the command group."""
    main.add_command(chat)
