"""``assistant chat --server URL``: the chat window over a ``RemoteAssistant``.

The window is the local one; only its loader (connect to the server) and its /reindex (the index is
the server's: it is updated where the server runs, and the server picks the new version up) differ.
"""

from __future__ import annotations

from assistant.errors import AssistantError


class RemoteIndex(AssistantError):
    """/reindex in a chat that asks a server."""


def run_remote_chat(url: str, token: str | None, **options) -> int:
    """Run the chat window asking the server at ``url``; returns the exit status."""
    from assistant.serve.client import RemoteAssistant
    from assistant.tui.app import run_chat

    def loader():
        return RemoteAssistant(url, token)

    def reindexer(current, progress=None, allow_removals=False):
        raise RemoteIndex(f"this chat asks the server at {url}: its index is updated where the server runs "
                          "(`assistant index update`), and the server answers from the new version by itself")

    return run_chat(loader=loader, reindexer=reindexer, **options)
