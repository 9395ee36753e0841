"""Every failure the assistant expects, under one base class.

The CLI and the chat window catch ``AssistantError`` and show its message: each
message is one line written for the user, saying what went wrong and, where
there is one, the fix. Anything else that escapes is a bug.
"""

from __future__ import annotations


class AssistantError(Exception):
    """Base of the expected failures; ``str(exc)`` is one line fit to show a user."""


# -- input --------------------------------------------------------------------------------------


class UnreadableDocument(AssistantError):
    """A file that cannot be turned into report text."""


class UnsupportedFormat(UnreadableDocument):
    """A file whose suffix no reader handles."""


class CommandError(AssistantError, ValueError):
    """A chat line or script line the assistant cannot act on."""


# -- the index ----------------------------------------------------------------------------------


class IndexProblem(AssistantError):
    """Base for index problems."""


class IndexMissing(IndexProblem):
    """There is no index (or no corpus) where one was asked for."""


class IndexCorrupt(IndexProblem):
    """The index on disk is damaged; rebuilding fixes it."""


class IndexMismatch(IndexProblem):
    """The index was built with another model, chunker, tokenizer or format."""


class IndexBusy(IndexProblem):
    """Another build or update holds the writer lock."""


class RemovalRefused(IndexProblem):
    """An update would remove most (or all) of the indexed reports without being told to."""


# -- the model ----------------------------------------------------------------------------------


class ModelMissing(AssistantError):
    """The configured embedding model cannot be found or loaded."""


# -- the chat's own files -----------------------------------------------------------------------


class ExportProblem(AssistantError, ValueError):
    """An export that cannot be written (nothing to export, a folder, a disk error)."""


class ExportExists(ExportProblem):
    """The export's target file exists and overwriting it was not asked for."""


class HistoryProblem(AssistantError, ValueError):
    """A saved conversation that is missing or cannot be read, renamed or deleted."""
