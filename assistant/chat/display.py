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
from collections.abc import Callable, Sequence

from assistant.models import Answer, Citation, Filters
from assistant.text import markdown_literal, strip_markup

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
# What is left that a terminal would act on: C0 controls but tab and newline, DEL, C1 controls; and the
# bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), which make a terminal
# show text in an order other than its own ("Trojan Source").
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")  # a byte of a file name that was not UTF-8
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def plain(text: str) -> str:
    """``text`` without terminal control sequences or control characters; newlines and tabs stay.

    A carriage return becomes a newline when it ends a line on its own ("\\r"), and
    disappears before a newline ("\\r\\n"), so no line can overwrite another.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _SURROGATE.sub("\ufffd", _CONTROL.sub("", _SEQUENCE.sub("", text)))


def blanked(text: str) -> str:
    """``text`` with each control sequence and control character replaced by spaces of the same length.

    For text shown with offsets into it (a report section with the cited span
    highlighted): nothing moves, and nothing reaches the terminal.
    """
    text = _SEQUENCE.sub(lambda m: " " * len(m.group()), text.replace("\r", " "))
    return _SURROGATE.sub("\ufffd", _CONTROL.sub(" ", text))


def shown(name: object) -> str:
    """A name (a file path, a title) as one printable line: control characters written as escapes
    (``\\x1b``, ``\\u202e``), an undecodable byte of a file name as ``\\xe9``."""
    text = "".join(_ESCAPES.get(ch, ch) for ch in str(name))
    text = _SURROGATE.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}" if ord(m.group()) >= 0xDC80
                          else f"\\u{ord(m.group()):04x}", text)
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                        else f"\\u{ord(m.group()):04x}", text)


def build_command(corpus_dir, index_dir) -> str:
    """The command that builds the index of these folders, as the user would type it (the options given
    kept, the defaults left out)."""
    import shlex

    from assistant import config

    parts = ["assistant index build"]
    if corpus_dir is not None and str(corpus_dir) != str(config.corpus_dir(None)):
        parts.append(f"--corpus {shlex.quote(shown(corpus_dir))}")
    if index_dir is not None and str(index_dir) != str(config.index_dir(None)):
        parts.append(f"--index {shlex.quote(shown(index_dir))}")
    return " ".join(parts)


_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def json_text(value, indent: int | None = None) -> str:
    """``value`` as JSON that is valid UTF-8 and safe on a terminal: every character kept (``json.loads``
    gives it back), but a byte of a file name that was not UTF-8 (a lone surrogate), a C1 control and a
    bidirectional override written as ``\\uXXXX`` escapes rather than raw."""
    import json

    text = json.dumps(value, ensure_ascii=False, indent=indent)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


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


# -- the answer's Markdown and the report's words ------------------------------------------------


def _quote_forms(sentence: str) -> set[str]:
    """The ways an answer may write a quoted sentence: as the answer layer quotes it (one line, Markdown
    emphasis and a bullet mark dropped) and exactly (one line)."""
    exact = " ".join(plain(sentence).split())
    return {f for f in (exact, strip_markup(exact)) if f}


def quote_spans(text: str, citations: Sequence[Citation]) -> list[tuple[int, int, str]]:
    """Where ``text`` (an answer, made ``plain``) quotes a cited sentence between “ and ”: (start, end,
    the sentence exactly as the report has it, on one line), in order, never overlapping."""
    found = []
    for c in citations:
        exact = " ".join(plain(c.text).split())
        for form in _quote_forms(c.text):
            needle, at = f"“{form}”", 0
            while (i := text.find(needle, at)) != -1:
                found.append((i + 1, i + 1 + len(form), exact))
                at = i + len(needle)
    found.sort(key=lambda s: (s[0], s[0] - s[1]))
    spans, end = [], 0
    for start, stop, exact in found:
        if start >= end:
            spans.append((start, stop, exact))
            end = stop
    return spans


def _by_parts(text: str, citations: Sequence[Citation], own: Callable[[str], str],
              quoted: Callable[[str], str]) -> str:
    out, at = [], 0
    for start, stop, exact in quote_spans(text, citations):
        out += [own(text[at:start]), quoted(exact)]
        at = stop
    out.append(own(text[at:]))
    return "".join(out)


def answer_markdown(answer: Answer) -> str:
    """An answer as Markdown to render: its own Markdown kept, every quoted report sentence made literal
    (``*``, ``_``, backticks, links, HTML and entities in a report show as the report writes them), and
    each line of its own a paragraph (an answer writes one statement per line)."""
    text = _by_parts(plain(answer.text), answer.citations, lambda part: part, markdown_literal)
    return paragraphs(text)


def answer_plain(answer: Answer) -> str:
    """An answer as plain text: its own bold marks dropped, every quoted sentence exactly as the report has it."""
    return _by_parts(plain(answer.text), answer.citations, lambda part: part.replace("**", ""), lambda q: q)


_LIST_ITEM = re.compile(r"\s*(?:[-*+]|\d+[.)])\s")


def _line_kind(line: str) -> str:
    if _LIST_ITEM.match(line):
        return "item"
    return "row" if line.lstrip().startswith("|") else "text"


def paragraphs(markdown: str) -> str:
    """``markdown`` with a blank line between two lines that Markdown would otherwise run together into
    one paragraph ("…for Well-led [2]" then "Only one report of …"); the items of a list and the rows of
    a table stay together."""
    out: list[str] = []
    for line in markdown.split("\n"):
        if out and line.strip() and out[-1].strip():
            kinds = (_line_kind(out[-1]), _line_kind(line))
            if kinds not in (("item", "item"), ("row", "row")):
                out.append("")
        out.append(line)
    return "\n".join(out)
