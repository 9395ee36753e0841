"""Report text is data: how it is made safe to put on a screen, and how a no-answer is explained.

Report pages, provider names and file names come from outside. Before any of
them reaches a terminal, ``plain`` removes terminal control sequences (an OSC
that sets the window title, a CSI that moves the cursor, a bell) and other
control characters, keeping line breaks and tabs. ``shown`` does the same for a
one-line name such as a file path, writing a newline as ``\\n`` so a summary line
stays one line. The chat window also never builds Rich markup from these
strings (it hands Textual ``Text`` objects), so "[/]" in a name is just text.
"""

from __future__ import annotations

import re

from assistant.models import Answer, Filters

# ESC-introduced sequences (ECMA-48): CSI ... final byte; OSC/DCS/SOS/PM/APC strings up to BEL or
# ST (an unterminated one runs to the end of the line); two-character escapes. Then the 8-bit
# forms (0x9b CSI, 0x9d OSC, ...) the same way.
_SEQUENCE = re.compile(
    r"""
      \x1b\[[0-?]*[\x20-/]*[@-~]?                      # CSI
    | \x1b[\]PX^_][^\x07\x1b\n]*(?:\x07|\x1b\\)?       # OSC, DCS, SOS, PM, APC
    | \x1b[\x20-/]*[0-~]?                              # two-character escapes (and a lone ESC)
    | \x9b[0-?]*[\x20-/]*[@-~]?                        # 8-bit CSI
    | [\x9d\x90\x98\x9e\x9f][^\x07\x9c\n]*[\x07\x9c]?  # 8-bit OSC, DCS, SOS, PM, APC
    """,
    re.VERBOSE,
)
# What is left that a terminal would act on: C0 controls but tab and newline, DEL, C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def plain(text: str) -> str:
    """``text`` without terminal control sequences or control characters; newlines and tabs stay.

    A carriage return becomes a newline when it ends a line on its own ("\\r"), and
    disappears before a newline ("\\r\\n"), so no line can overwrite another.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", _SEQUENCE.sub("", text))


def blanked(text: str) -> str:
    """``text`` with each control sequence and control character replaced by spaces of the same length.

    For text shown with offsets into it (a report section with the cited span
    highlighted): nothing moves, and nothing reaches the terminal.
    """
    text = _SEQUENCE.sub(lambda m: " " * len(m.group()), text.replace("\r", " "))
    return _CONTROL.sub(" ", text)


def shown(name: object) -> str:
    """A name (a file path, a title) as one printable line: control characters written as escapes."""
    text = str(name)
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", "".join(_ESCAPES.get(ch, ch) for ch in text))


def flat(text: str) -> str:
    """``text`` made plain and folded onto one line (for a status line or a list entry)."""
    return " ".join(plain(text).split())


# Why an answer has none, for each ``Answer.reason`` the answer stage sets.
_REASONS = {
    "no_passage": "nothing in the reports in scope supports an answer",
    "not_stated": "no report in scope states this value",
    "unknown_provider": "no provider of that name is in the index (`assistant index status --reports` lists them)",
    "empty_index": "the index holds no reports; add reports to the corpus, then run /reindex "
                   "(or `assistant index update`)",
}


def why_no_answer(answer: Answer, filters: Filters = Filters()) -> str:
    """One line saying why ``answer`` is a no-answer: no passage, the filters, or an empty index.

    ``filters`` are those the question was asked with; an answer whose reason is
    unknown (an older saved answer) falls back to "nothing supports an answer".
    """
    if answer.reason == "filters":
        described = filters.describe()
        return (f"no report passes the filters ({described}); /filter clear removes them" if described
                else "no report passes the filters")
    return _REASONS.get(answer.reason, _REASONS["no_passage"])
