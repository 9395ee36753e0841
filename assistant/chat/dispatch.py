"""One dispatcher for every line typed into a chat, whether in the window or in ``chat --script``.

``dispatch`` parses a line and carries it out. What only changes the
conversation (``/filter``, ``/mode``, ``/new``) and ``/export`` are done here;
the rest is handed to a ``Frontend``: asking a question (the window asks in the
background, a script in turn), showing a note, and the window-only commands,
which a script refuses by default.
"""

from __future__ import annotations

from assistant.chat import commands, export
from assistant.chat.conversation import Conversation
from assistant.chat.display import shown
from assistant.errors import CommandError, ExportExists


class Frontend:
    """What a front end does with the commands the dispatcher hands it.

    Subclasses implement ``ask`` and ``say``; the window also overrides the
    window-only commands, which otherwise raise ``CommandError``.
    """

    # What resolves provider names in /filter: a ``ChatBackend`` (providers(), resolve()); None before loading.
    catalog = None

    def ask(self, question: str) -> None:
        """Answer ``question`` (now, or once the index is loaded)."""
        raise NotImplementedError

    def say(self, text: str) -> None:
        """Show what a command did (one line)."""
        raise NotImplementedError

    def cleared(self) -> None:
        """The conversation was started afresh (``/new``)."""

    def confirm_overwrite(self, command: commands.Export, problem: ExportExists) -> None:
        """``/export`` would replace an existing file: ask, or refuse (the default)."""
        raise ExportExists(f"{problem}; use /export --force {shown(command.path)} to replace it") from None

    def open_source(self, n: int) -> None:
        """``/source N``: open citation N of the last answer."""
        raise _window_only("/source")

    def show_help(self) -> None:
        """``/help``."""
        raise _window_only("/help")

    def reindex(self) -> None:
        """``/reindex``."""
        raise _window_only("/reindex")

    def open_history(self) -> None:
        """``/history``."""
        raise _window_only("/history")


def _window_only(name: str) -> CommandError:
    return CommandError(f"{name} works only in the chat window")


def exported_note(path, n: int) -> str:
    """What ``/export`` says when done."""
    return f"exported {n} question{'s' if n != 1 else ''} with their cited passages to {shown(path)}"


def run_export(command: commands.Export, conversation: Conversation, frontend: Frontend) -> None:
    """Write the export, asking the front end before an existing file is replaced."""
    try:
        path = export.write(command.path, conversation.turns, overwrite=command.force)
    except ExportExists as problem:
        frontend.confirm_overwrite(command, problem)
        return
    frontend.say(exported_note(path, len(conversation.turns)))


def dispatch(line: str, conversation: Conversation, frontend: Frontend) -> None:
    """Carry out one line: a question or a slash command. Mistakes raise an ``AssistantError``."""
    command = commands.parse(line)
    if isinstance(command, commands.QuestionLine):
        frontend.ask(command.question)
    elif isinstance(command, (commands.Filter, commands.Mode, commands.New)):
        note = commands.apply(command, conversation, frontend.catalog)
        if isinstance(command, commands.New):
            frontend.cleared()
        frontend.say(note)
    elif isinstance(command, commands.Export):
        run_export(command, conversation, frontend)
    elif isinstance(command, commands.OpenSource):
        frontend.open_source(command.n)
    elif isinstance(command, commands.Help):
        frontend.show_help()
    elif isinstance(command, commands.Reindex):
        frontend.reindex()
    elif isinstance(command, commands.History):
        frontend.open_history()
    else:  # a new command type must be handled above
        raise CommandError(f"cannot carry out {type(command).__name__}")
