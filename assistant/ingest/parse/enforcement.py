"""Enforcement action a report states: warning notices, conditions, special measures, notices of
proposal or decision, cancellation, suspension, fixed penalties.

    "We have taken urgent enforcement action by imposing a condition on …'s registration on 14 July 2025"
        -> enforcement = "conditions; 2025-07-14"
    "A warning notice was served for regulation 17 Good governance."
        -> enforcement = "warning notice; ; Regulation 17"
    "The service has been in special measures since June 2017, …"
        -> enforcement = "special measures; 2017-06"

The actions and the verbs that say one was taken (or stands: "remained in special measures") are the
shared vocabulary's (``enforcement.tsv``, ``stated.tsv``); a sentence that names an action without
saying it was taken ("Services in special measures are inspected again within six months") states
none. A requirement notice is not enforcement. Each action is one fact (its mentions without a date
or regulation fold into the one that states them), citing the sentence that states the most of it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from assistant.ingest.dates import find_dates, find_months
from assistant.models import Fact
from assistant.text import sentence_spans
from assistant.vocabulary import (REGULATIONS, enforcement_actions, enforcement_phrases, regulation_numbers,
                                  regulation_phrases, stated)


@dataclass(frozen=True)
class _Mention:
    action: str
    date: str
    regulations: tuple[str, ...]
    start: int
    end: int

    @property
    def value(self) -> str:
        regulations = ", ".join(f"Regulation {n}" for n in self.regulations)
        return "; ".join((self.action, self.date, regulations)).rstrip("; ")

    def weight(self) -> int:
        return bool(self.date) * 2 + bool(self.regulations)


def enforcement_in(text: str, start: int, end: int) -> Iterator[Fact]:
    """One ``enforcement`` fact per action the text says was taken, in the order first stated."""
    mentions: list[_Mention] = []
    for s, e in sentence_spans(text, start, end):
        sentence = text[s:e]
        actions = [m for m in enforcement_phrases().find(sentence) if m.value in enforcement_actions()]
        if not actions or not stated("action_taken").find(sentence):
            continue
        for n, m in enumerate(actions):
            if any(a.value == m.value for a in actions[:n]):
                continue  # "warning notices … the warning notice": one action
            # The words of this action: up to the next action named in the sentence.
            stop = next((a.start for a in actions[n + 1 :] if a.value != m.value), len(sentence))
            mentions.append(_Mention(m.value, _date(text, s, e, s + m.start, s + stop),
                                     _regulations(_clause(sentence, m.start, stop)), s, e))
    for mention in _folded(mentions):
        yield Fact("enforcement", mention.value, mention.start, mention.end)


def _date(text: str, s: int, e: int, at: int, stop: int) -> str:
    """The date of an action: the first day (or month) stated after its words and before the next action's,
    else the last before them in its sentence."""
    days = find_dates(text, s, e)
    months = [m for m in find_months(text, s, e) if not any(d.start <= m.start < d.end for d in days)]
    found = sorted(days + months, key=lambda d: d.start)
    after = [d for d in found if at <= d.start < stop]
    before = [d for d in found if d.end <= at]
    chosen = after[0] if after else before[-1] if before else None
    return str(chosen.range) if chosen else ""


_TURN = re.compile(r";|\bbut\b|\bhowever\b|\bwhile\b|\bwhereas\b", re.I)


def _clause(sentence: str, at: int, stop: int) -> str:
    """The words of the action at ``at``: up to ``stop`` (the next action), a semicolon or a "but" that
    turns to something else ("… the warning notice issued in February 2023 but identified additional
    regulatory breaches relating to … (Regulation 12)")."""
    turn = _TURN.search(sentence, at, stop)
    return sentence[at : turn.start() if turn else stop]


def _regulations(words: str) -> tuple[str, ...]:
    """The regulations the words name, by number ("regulation 17") or by name ("in respect of good governance")."""
    numbers = regulation_numbers(words)
    if not numbers:
        numbers = [m.value for m in regulation_phrases().find(words)]
    return tuple(n for n in dict.fromkeys(numbers) if n in REGULATIONS)


def _folded(mentions: list[_Mention]) -> list[_Mention]:
    """One mention per action and date: mentions that state no date fold into one that does (or into the
    first), and the one that states most of the action is kept (it cites its own sentence)."""
    groups: dict[tuple[str, str], list[_Mention]] = {}
    for m in mentions:
        dated = [key for key in groups if key[0] == m.action and key[1]]
        if m.date:
            key = next((k for k in groups if k == (m.action, m.date) or k[0] == m.action and _same_time(k[1], m.date)),
                       (m.action, m.date))
        else:
            key = dated[0] if dated else (m.action, "")
        if m.date and (m.action, "") in groups and key not in groups:
            groups[key] = groups.pop((m.action, ""))  # the undated mentions before were of this one
        groups.setdefault(key, []).append(m)
    out = []
    for group in groups.values():
        out.append(max(group, key=lambda m: (m.weight(), -m.start)))
    return sorted(out, key=lambda m: m.start)


def _same_time(a: str, b: str) -> bool:
    """Two dates of one action: one the other's month ("February 2023" and "14 February 2023")."""
    return a.startswith(b) or b.startswith(a)

