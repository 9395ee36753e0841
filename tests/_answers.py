"""Helpers for answer tests: checks every answer must pass."""

from __future__ import annotations

import re


def grounded(answer, data) -> None:
    """Every citation quotes its report exactly, and the [n] in the text are exactly the citations, 1..N
    numbered in the order the text first uses them."""
    for c in answer.citations:
        assert data.reports[c.report].text[c.start : c.end] == c.text
    used = [int(n) for n in re.findall(r"\[(\d+)\]", answer.text)]
    assert sorted(set(used)) == [c.n for c in answer.citations]
    assert list(dict.fromkeys(used)) == sorted(set(used)), "citations are numbered in the order the text uses them"


def cited(answer, n):
    """Citation number ``n`` of an answer."""
    return answer.citations[n - 1]


def texts(answer) -> list[str]:
    """The cited sentences, in citation order."""
    return [c.text for c in answer.citations]
