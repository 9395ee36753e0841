"""Enforcement action a report states: warning notices, conditions, special measures, notices of
proposal or decision, cancellation, suspension, fixed penalties.

    "We have taken urgent enforcement action by imposing a condition on …'s registration on 14 July 2025"
        -> enforcement = "conditions; 2025-07-14"
    "A warning notice was served for regulation 17 Good governance."
        -> enforcement = "warning notice; ; Regulation 17" (one fact per regulation named)
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
from assistant.ingest.parse.lines import marked, sentences
from assistant.vocabulary import (REGULATIONS, enforcement_actions, enforcement_phrases, regulation_numbers,
                                  regulation_phrases, stated)


@dataclass(frozen=True)
class _Mention:
    action: str
    date: str
    close: bool  # the date is said with the action ("served the warning notice on 1 July 2021")
    regulation: str  # one regulation's number, or ""
    start: int
    end: int

    @property
    def value(self) -> str:
        return "; ".join((self.action, self.date, f"Regulation {self.regulation}" if self.regulation else "")).rstrip("; ")

    def weight(self) -> int:
        return bool(self.date) * 2 + self.close * 2 + bool(self.regulation)


def enforcement_in(text: str, start: int, end: int) -> Iterator[Fact]:
    """One ``enforcement`` fact per action (and regulation) the text says was taken, in the order first
    stated. Its date is the one said with it ("issued in July 2017", "served … on 1 July 2021"), else the one
    its sentence gives ("In July 2016 we served …"), else that of the inspection the paragraph is telling of
    ("We had previously inspected the practice in March 2019 … We issued a warning notice …"); a date by
    which to comply is not its date."""
    mentions: list[_Mention] = []
    hits = [m.start + start for m in enforcement_phrases().find(text[start:end])]
    if not hits:
        return
    spans = sentences(text, start, end)
    wanted = set(marked(spans, hits))
    dated: tuple[int, int] | None = None  # the last sentence of this line that has a digit (a date, perhaps)
    line_end = -1
    for s, e in spans:
        if s > line_end:
            newline = text.find("\n", s)
            dated, line_end = None, len(text) if newline == -1 else newline
        if (s, e) not in wanted:
            if _DIGIT.search(text, s, e):
                dated = (s, e)
            continue
        sentence = text[s:e]
        told = ("", s)
        if dated is not None and (found := _dates(text, *dated)):
            told = (str(found[-1].range), dated[0])
        own = _dates(text, s, e) if _DIGIT.search(sentence) else []
        named = enforcement_phrases().find(sentence)
        actions = [m for m in named if m.value in enforcement_actions() and not _ended(sentence, m.start)]
        if actions and stated("action_taken").find(sentence):
            for n, m in enumerate(actions):
                if any(a.value == m.value for a in actions[:n]):
                    continue  # "warning notices … the warning notice": one action
                # The words of this action: up to the next action named in the sentence, or a turn.
                # Its regulations are named before the next thing named ("… warning notices in respect of
                # regulation 12 and requirement notices for regulation 16"); its date may be said after things
                # named with it ("the warning notice and requirement notice, which had been issued … in April 2021").
                stop = next((a.start for a in named if a.start > m.start and a.value != m.value), len(sentence))
                clause = _clause(sentence, m.start, stop)
                next_action = next((a.start for a in actions if a.start > m.start and a.value != m.value), len(sentence))
                said_with = _clause(sentence, m.start, next_action)
                close = [d for d in own if s + m.start <= d.start < s + m.start + len(said_with)]
                # A state that went on ("remained in special measures") is not dated by the sentence's date.
                ongoing = re.search(r"\b(?:remain(?:s|ed)?|still)\s+(?:in|under|subject\s+to)\s*$", sentence[: m.start])
                earlier = [d for d in own if d.end <= s + m.start] if not ongoing else []
                cited = s
                if close:
                    date, is_close = str(close[0].range), True
                elif earlier:
                    date, is_close = str(earlier[-1].range), False
                else:  # the paragraph's account, unless the sentence dates itself by a year alone
                    date, is_close = ("" if ongoing or _YEAR.search(sentence) else told[0]), False
                    cited = told[1] if date else s  # cite from the sentence that dates the account
                for regulation in _regulations(clause) or ("",):
                    mentions.append(_Mention(m.value, date, is_close, regulation, cited, e))
        if own:
            dated = (s, e)
    for mention in _folded(mentions):
        yield Fact("enforcement", mention.value, mention.start, mention.end)


def _dates(text: str, s: int, e: int):
    """The days and months a sentence gives, in order, left out those by which something is to be done
    ("to be compliant by March 2017")."""
    days = find_dates(text, s, e)
    months = [m for m in find_months(text, s, e) if not any(d.start <= m.start < d.end for d in days)]
    return [d for d in sorted(days + months, key=lambda d: d.start) if not _deadline(text[max(s, d.start - 30) : d.start])]


def _deadline(before: str) -> bool:
    before = before.rstrip()
    return any(m.end == len(before) for m in stated("deadline").find(before))


_DIGIT = re.compile(r"\d")
_YEAR = re.compile(r"(?<!Act )(?<!Regulations )\b(?:19|20)\d\d\b")  # a year alone, not an Act's
_TURN = re.compile(r";|\bbut\b|\bhowever\b|\bwhile\b|\bwhereas\b", re.I)


def _clause(sentence: str, at: int, stop: int) -> str:
    """The words of the action at ``at``: up to ``stop`` (the next action), a semicolon or a "but" that
    turns to something else ("… the warning notice issued in February 2023 but identified additional
    regulatory breaches relating to … (Regulation 12)")."""
    turn = _TURN.search(sentence, at, stop)
    return sentence[at : turn.start() if turn else stop]


def _ended(sentence: str, at: int) -> bool:
    """Whether the words right before an action say it ended ("take the practice out of special measures")."""
    before = sentence[max(0, at - 20) : at].rstrip()
    return any(before.endswith(m.said) for m in stated("action_ended").find(before))


def _regulations(words: str) -> tuple[str, ...]:
    """The regulations the words name, by number ("regulation 17") or by name ("in respect of good governance")."""
    numbers = regulation_numbers(words)
    if not numbers:
        numbers = [m.value for m in regulation_phrases().find(words)]
    return tuple(n for n in dict.fromkeys(numbers) if n in REGULATIONS)


def _folded(mentions: list[_Mention]) -> list[_Mention]:
    """One mention per action, regulation and date: a mention whose date is not said with the action folds
    into one whose date is (the warning notice "served to the practice" at a review on 22 September 2021 is
    the one "served on 1 July 2021"), an undated one into a dated one; the mention that states most of the
    action is kept (it cites its own sentence)."""
    groups: dict[tuple[str, str], list[list[_Mention]]] = {}
    for m in mentions:
        regulation = m.regulation or next((x.regulation for x in mentions if x.action == m.action and x.regulation), "")
        groups.setdefault((m.action, regulation), []).append([m])
    out = []
    for lists in groups.values():
        flat = [m for group in lists for m in group]
        closes = [m for m in flat if m.close]
        if closes:
            keep: list[list[_Mention]] = []
            for m in closes:
                same = next((g for g in keep if _same_time(g[0].date, m.date)), None)
                same.append(m) if same else keep.append([m])
        else:
            dates = list(dict.fromkeys(m.date for m in flat if m.date))
            keep = [[m for m in flat if m.date and _same_time(m.date, d)] for d in dates] or [flat]
            keep = [g for g in keep if g] or [flat]
        out += [max(group, key=lambda m: (m.weight(), -m.start)) for group in keep]
    return sorted(out, key=lambda m: m.start)


def _same_time(a: str, b: str) -> bool:
    """Two dates of one action: one the other's month ("February 2023" and "14 February 2023")."""
    return a.startswith(b) or b.startswith(a)

