"""The `assistant` command: a click group whose subcommands register themselves.

Each module named in ``COMMANDS`` has a ``register(main)`` function that adds its
commands to the group (simonw/llm's way). Modules import shared options from
``assistant.cli.common`` only, so nothing imports this package back.
"""

from __future__ import annotations

import importlib

import click

COMMANDS = ("ask", "chat", "index", "eval", "bench", "serve")


@click.group()
@click.version_option(package_name="cqc-assistant")
def main():
    """Ask questions of CQC inspection reports; every answer cites its evidence."""


for _name in COMMANDS:
    importlib.import_module(f"assistant.cli.{_name}").register(main)

__all__ = ["main"]
