"""Evaluation metrics as pure functions of plain values: no index, no model.

Evidence metrics work on *gains*: for each ranked item (a cited sentence or a
retrieved chunk), how many expected evidence strings it newly covers. An
expected string counts once: a second item quoting the same string gains
nothing, so citing one passage three times does not look like finding three.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from assistant.text import normalise


def contains(text: str, needle: str) -> bool:
    """Whether ``needle`` occurs in ``text``, ignoring case, whitespace and curly-vs-straight quotes."""
    return normalise(needle) in normalise(text)


def gains(items: Sequence[str], expected: Sequence[str]) -> list[int]:
    """For each ranked item, the number of expected strings it covers that no earlier item covered."""
    wanted = list(dict.fromkeys(normalise(e) for e in expected))
    covered: set[str] = set()
    out = []
    for item in items:
        text = normalise(item)
        new = [e for e in wanted if e not in covered and e in text]
        covered.update(new)
        out.append(len(new))
    return out


def hit_at_k(item_gains: Sequence[int], k: int) -> float:
    """1.0 when any of the first ``k`` items covers an expected string, else 0.0."""
    return 1.0 if any(g > 0 for g in item_gains[:k]) else 0.0


def reciprocal_rank(item_gains: Sequence[int]) -> float:
    """1 / rank of the first item covering an expected string; 0.0 when none does."""
    for rank, g in enumerate(item_gains, start=1):
        if g > 0:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(item_gains: Sequence[int], n_expected: int, k: int = 10) -> float:
    """nDCG@k against the expected evidence, not against what was retrieved.

    The ideal ranking puts min(n_expected, k) relevant items (gain 1 each) at the
    top, so finding one of two expected passages scores below 1. An item that
    covers several expected strings at once gains for each; the result is capped
    at 1.0 because such an item can beat the one-string-per-item ideal.
    """
    if n_expected <= 0:
        raise ValueError("nDCG needs at least one expected evidence string")
    dcg = sum(g / math.log2(rank + 1) for rank, g in enumerate(item_gains[:k], start=1))
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(n_expected, k) + 1))
    return min(dcg / ideal, 1.0)


def provider_prf(predicted: Iterable[str], expected: Iterable[str]) -> tuple[float, float, float]:
    """Precision, recall and F1 of a provider set, names compared after normalising.

    Both empty is a perfect answer (1, 1, 1). When only one side is empty the
    empty side's measure is undefined; it scores 0, because saying "none" when
    some exist (or naming some when none do) is simply wrong.
    """
    pred = {normalise(p) for p in predicted}
    exp = {normalise(e) for e in expected}
    if not pred and not exp:
        return 1.0, 1.0, 1.0
    both = len(pred & exp)
    precision = both / len(pred) if pred else 0.0
    recall = both / len(exp) if exp else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def answer_correct(answer_text: str, expected: Sequence[str], order: Sequence[str] = ()) -> bool:
    """Whether the answer text contains every expected string and shows the ``order`` strings in that order
    (each found after the one before it), all compared normalised."""
    if not all(contains(answer_text, e) for e in expected):
        return False
    return in_order(answer_text, order)


def in_order(text: str, strings: Sequence[str]) -> bool:
    """Whether ``strings`` occur in ``text`` one after another (normalised): a ranking read left to right."""
    text = normalise(text)
    pos = 0
    for s in strings:
        found = text.find(normalise(s), pos)
        if found < 0:
            return False
        pos = found + len(normalise(s))
    return True


def label_accuracy(got: dict[str, str], expected: Sequence[tuple[str, str]], default: str) -> float:
    """Share of the expected (name, label) pairs whose label ``got`` matches; a name ``got`` lacks has
    the ``default`` label. Names are compared normalised."""
    if not expected:
        raise ValueError("label accuracy needs at least one expected label")
    seen = {normalise(name): label for name, label in got.items()}
    return sum(seen.get(normalise(name), default) == label for name, label in expected) / len(expected)


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) with linear interpolation, as numpy's default; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def mean(values: Sequence[float]) -> float | None:
    """The arithmetic mean, or None when there is nothing to average (a metric with no eligible questions)."""
    return sum(values) / len(values) if values else None
