"""A document as a list of lines: offsets into the text, plus the words without markup."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from assistant.models import Fact, Section
from assistant.text import bullet_mark, clean_line, line_spans, normalise, sentence_spans


@dataclass(frozen=True, slots=True)
class Line:
    """One non-blank line. ``start``/``end`` index the text with surrounding spaces left out."""

    start: int
    end: int
    raw: str  # text[start:end]
    text: str  # the words, markup and bullet mark removed ("• Safe" -> "Safe", "# X" -> "X")
    bullet: bool  # it started with a list bullet
    indent: int  # spaces before it
    blank_before: bool  # a blank line (or the document start) precedes it
    key: str  # the words normalised, for comparing short lines ("" for a line of 200 characters or more)


def lines_of(text: str, start: int = 0, end: int | None = None) -> list[Line]:
    """The non-blank lines of ``text[start:end]``."""
    out: list[Line] = []
    prev_end = start
    for s, e in line_spans(text, start, end):
        raw = text[s:e]
        line_start = text.rfind("\n", 0, s) + 1
        blank = not out or text.count("\n", prev_end, s) > 1
        words = clean_line(raw)
        out.append(Line(s, e, raw, words, bullet_mark(raw), s - line_start, blank, normalise(words) if len(words) < 200 else ""))
        prev_end = e
    return out


def line_fact(name: str, value: str, first: Line, last: Line | None = None) -> Fact:
    """A fact stated by a line (or by the lines from ``first`` to ``last``)."""
    return Fact(name, value, first.start, (last or first).end)


def section(path: tuple[str, ...], body: list[Line]) -> Section:
    """The section spanning ``body``'s lines."""
    return Section(path, body[0].start, body[-1].end)


_END_PUNCTUATION = ".;,!?"


def title_like(line: Line, max_words: int = 12) -> bool:
    """A short line that reads as a heading: capitalised, not a bullet, no sentence ending."""
    text = line.text
    return (bool(text) and not line.bullet and len(text) <= 100 and len(text.split()) <= max_words
            and (text[0].isupper() or text[0].isdigit()) and text[-1] not in _END_PUNCTUATION
            and "\t" not in text and any(c.isalpha() for c in text))



@lru_cache(maxsize=16)
def sentences(text: str, start: int, end: int) -> tuple[tuple[int, int], ...]:
    """``sentence_spans`` of ``text[start:end]``, kept for the several readers of one report's body."""
    return tuple(sentence_spans(text, start, end))


def marked(spans: tuple[tuple[int, int], ...], positions: list[int]) -> list[tuple[int, int]]:
    """The spans holding one of ``positions`` (sorted), in order: the sentences a whole-text search found
    something in."""
    out, i = [], 0
    for s, e in spans:
        while i < len(positions) and positions[i] < s:
            i += 1
        if i < len(positions) and positions[i] < e:
            out.append((s, e))
    return out
