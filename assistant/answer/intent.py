"""What a question's wording asks for: the patterns ``analysis`` reads a question with.

Each function looks at the words alone (no index, no model). ``classify`` is the coarse summary
(set, value or passage) that tools outside the answer stage use to scope retrieval as the answer does.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

from assistant.models import DateRange

# "Which providers …", "List the practices that …", "Are there any services where …"
_SET = re.compile(
    r"^\s*(?:(?:which|what)\s+(?:of\s+the\s+)?|(?:list|name|show)\s+(?:all\s+)?(?:the\s+)?|"
    r"(?:are|were)\s+there\s+any\s+|any\s+)"
    r"(?:providers?|practices?|services?|organi[sz]ations?|trusts?|hospitals?|locations?|homes?|surger(?:y|ies)|"
    r"systems?|icss?|case\s+stud(?:y|ies)|reports?)\b"
    r"(?:\s+(?:that|which|who|where|with|in\s+the\s+corpus))?",
    re.I,
)
# "Who lacked …" asks about every provider; "Who is the executive lead …" does not.
_SET_WHO = re.compile(r"^\s*who\s+(?=(?:lacked|lacks|had|has|have|did|didn't|failed|showed|were|was in)\b)", re.I)

_KEY_QUESTIONS = {"safe": "safe", "effective": "effective", "caring": "caring", "responsive": "responsive",
                  "well-led": "well-led", "well led": "well-led", "overall": "overall"}

# Value questions, most specific first: (fact family, pattern).
_VALUES = [
    ("previous_rating", re.compile(r"\b(previous(?:ly)?|last|prior|before|earlier)\b.*\b(rat(?:ed|ing)s?)\b|\b(rat(?:ed|ing)s?)\b.*\b(previous(?:ly)?|last (?:inspection|assessment)|prior|before)\b", re.I)),
    ("score", re.compile(r"\bscor(?:e|ed|es|ing)\b|\bout of 100\b|\bpoints?\b", re.I)),
    ("rating", re.compile(r"\brat(?:ed|ing|ings)\b|\bgraded?\b", re.I)),
    # "When was X inspected?" asks a date; "Which key questions did CQC look at when it inspected X?" does not:
    # "when" asks only where the question opens with it.
    ("date", re.compile(r"(?:^\W*(?:(?:and|so|since)\s+)?when\b|\b(?:what date|which date|date of|which (?:day|month|year))\b)"
                        r".*\b(?:assess\w*|inspect\w*|report\w*|visit\w*|rated|published)\b|\bwhat (?:was|is) the (?:\w+ )?date\b", re.I)),
    ("population", re.compile(r"\bpopulation\b|\bhow many people (?:live|are covered)\b", re.I)),
    # "When was WYAAT set up?" asks a date of establishment; "What does WYAAT's MOU set up?" asks what it sets up.
    ("established", re.compile(r"\bestablished\b|\b(?:when|what year|which year|how long ago)\b.*\b(?:set up|formed)\b", re.I)),
    ("service_type", re.compile(r"\b(?:what|which) (?:type|kind|sort) of (?:service|provider|organi[sz]ation)\b", re.I)),
    # The page header's "Provided and run by": "Who runs X?", "Which trust runs X?", "X's registered provider".
    ("provider", re.compile(r"^\W*who (?:runs|owns|operates)\b|\bregistered provider\b|\bprovided and run by\b|"
                            r"\b(?:which|what) (?:company|trust|organi[sz]ation|provider) (?:runs|owns|operates)\b", re.I)),
    # The noun only: "Did X address the concerns?" asks about action taken.
    ("address", re.compile(r"\bpostcode\b|\baddress\s*(?:\?|$|of\b|for\b)|\bwhat(?:'s| is| was) (?:the |its |their )?address\b", re.I)),
]
# Questions that mention a value word but ask for reasons, not the value.
_WHY = re.compile(r"^\s*(why|how did|how has|how have|what (?:led|caused|were the reasons))\b", re.I)
# "Why was X rated inadequate?", "Why did X score 30?": the question asserts a value.
_PREMISE_RATING = re.compile(r"\b(?:rated|rating of|rated as|graded)\s+(?:as\s+)?(outstanding|good|requires improvement|inadequate)\b", re.I)
_PREMISE_SCORE = re.compile(r"\bscor(?:e|ed)\s+(?:only\s+|just\s+)?(\d{1,3})\b", re.I)

_OVERVIEW = re.compile(
    r"^\s*(?:please\s+|can you\s+|could you\s+)?(?:tell me (?:more )?about|summari[sz]e|sum up|describe|"
    r"give (?:me )?(?:an? )?(?:summary|overview|rundown)|(?:an? )?(?:summary|overview) of|"
    r"what (?:do|does) (?:we|you|cqc|the report) (?:know|say) about|what (?:is|was) (?:the )?(?:verdict|picture) (?:on|for|at)|"
    r"(?:what|which) (?:are|were) (?:the )?(?:key|main) (?:findings|points|concerns)|"
    r"how (?:is|are|was|were|did)\b.*\b(?:doing|performing|do|perform|get on)\s*$)",
    re.I,
)
_COMPARE = re.compile(r"\b(?:compare[sd]?|comparison|versus|vs\.?|(?:better|worse) than|side by side|differ(?:ence)?s?)\b", re.I)
_MIN = re.compile(r"\b(?:lowest|worst|least|bottom|weakest|poorest)\b", re.I)
_MAX = re.compile(r"\b(?:highest|best|top|strongest|most)\b", re.I)
_RANK = re.compile(r"\b(?:rank(?:ed|ing|s)?|order(?:ed)? by|league table)\b", re.I)
_COUNT = re.compile(r"\bhow (?:many|much)\b|\bnumber of\b|\bhow often\b", re.I)
_FIGURE = re.compile(r"\bhow (?:many|much)\b|\bnumber of\b", re.I)  # answered by a figure (not "how often")
# A change over time ("How has X changed since its last inspection?").
# "What had X fixed since the last inspection?" asks for findings, not a change of values: a bare "since
# the last inspection" does not make a change question.
_CHANGE = re.compile(
    r"\bchang(?:e|ed|es)\b.*\b(?:since|over time|from|compared)\b|\bcompared (?:to|with) (?:its|their|the) "
    r"(?:last|previous|prior|earlier)\b|\b(?:improved|got worse|deteriorated)\b.*\bsince\b|\bwhat(?:'s| has) changed\b",
    re.I,
)

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
# "at the May 2022 inspection", "in 2021", "on 17 May 2023", "in the 2022 report".
_WHEN = re.compile(
    rf"\b(?:(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+)?(?P<month>{_MONTH})\.?\s+(?P<year>(?:19|20)\d\d)\b"
    rf"|\b(?:in|during|from|of|at|for)\s+(?:the\s+|its\s+|their\s+)?(?P<year2>(?:19|20)\d\d)\b"
    rf"|\b(?P<year3>(?:19|20)\d\d)\s+(?:inspection|assessment|report|visit|rating)s?\b",
    re.I,
)


@dataclass(frozen=True)
class Intent:
    """The coarse reading of a question: set, value or passage."""

    kind: str  # "set" | "value" | "passage"
    topic: str  # the question with its set frame removed ("lacked FTSU awareness")
    value: str | None = None  # fact family for value questions
    key_question: str | None = None  # "safe", "well-led", … when the question names one


def key_question_in(question: str) -> str | None:
    """The key question (or "overall") a question names, in the scheme's spelling."""
    q = question.lower()
    for word, canonical in _KEY_QUESTIONS.items():
        if re.search(rf"\b{re.escape(word)}\b", q):
            return canonical
    return None


def value_asked(question: str) -> str | None:
    """The fact family a question asks for ("score", "rating", …), or None."""
    if _WHY.search(question):
        return None
    for name, pattern in _VALUES:
        if pattern.search(question):
            # "How many of X's services were rated inadequate?" counts things rated: a passage answers it.
            if name in ("rating", "previous_rating") and asks_figure(question):
                return None
            return name
    return None


def set_frame(question: str) -> re.Match | None:
    """The "Which providers …" frame of a set question, or None."""
    q = question.strip()
    return _SET.match(q) or _SET_WHO.match(q)


def premise_in(question: str) -> tuple[str, str] | None:
    """(family, value) that a why-question takes for granted: ("rating", "inadequate"), ("score", "30")."""
    if not _WHY.search(question):
        return None
    m = _PREMISE_RATING.search(question)
    if m:
        return "rating", m.group(1).lower()
    m = _PREMISE_SCORE.search(question)
    return ("score", m.group(1)) if m else None


def asks_overview(question: str) -> bool:
    """Whether the wording asks for a summary ("Tell me about X", "Summarise X's well-led findings")."""
    return bool(_OVERVIEW.search(question))


def order_asked(question: str) -> str | None:
    """"min", "max", "rank" or "compare" when the wording asks for a comparison, else None."""
    if _MIN.search(question):
        return "min"
    if _MAX.search(question):
        return "max"
    if _RANK.search(question):
        return "rank"
    if _COMPARE.search(question):
        return "compare"
    return None


def asks_count(question: str) -> bool:
    """Whether the question asks for a number ("how many", "how often")."""
    return bool(_COUNT.search(question))


def asks_frequency(question: str) -> bool:
    """Whether the question asks how often: a sentence stating a frequency answers it best."""
    return bool(re.search(r"\bhow often\b|\bhow frequently\b", question, re.I))


def asks_figure(question: str) -> bool:
    """Whether the answer must state a figure ("how many …"): a sentence without a number does not answer it."""
    return bool(_FIGURE.search(question))


def asks_change(question: str) -> bool:
    """Whether a question asks how a provider changed over time."""
    return bool(_CHANGE.search(question))


def when_in(question: str) -> tuple[DateRange, str] | None:
    """The time a question is qualified by ("at the May 2022 inspection" -> May 2022) and its words."""
    m = _WHEN.search(question)
    if not m:
        return None
    year = int(m.group("year") or m.group("year2") or m.group("year3"))
    month = m.group("month")
    if not month:
        return DateRange(f"{year}-01-01", f"{year}-12-31"), str(year)
    number = MONTHS[month.lower().rstrip(".")]
    last = calendar.monthrange(year, number)[1]
    if m.group("day"):
        day = min(int(m.group("day")), last)
        iso = f"{year}-{number:02d}-{day:02d}"
        return DateRange(iso, iso), m.group(0).strip()
    return DateRange(f"{year}-{number:02d}-01", f"{year}-{number:02d}-{last:02d}"), m.group(0).strip()


def classify(question: str) -> Intent:
    """Classify a question by its wording."""
    q = question.strip().rstrip("?").strip()
    kq = key_question_in(q)
    kq = None if kq == "overall" else kq
    m = set_frame(q)
    value = value_asked(q)
    if m:
        return Intent("set", q[m.end():].strip(), value, kq)
    if value:
        return Intent("value", q, value, kq)
    return Intent("passage", q, None, kq)


_MENTION = re.compile(
    rf"\b(?:(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+)?(?P<month>{_MONTH})\.?\s+(?P<year>(?:19|20)\d\d)\b"
    rf"|\b(?P<year2>(?:19|20)\d\d)\b",
    re.I,
)


def dates_in(text: str) -> list[tuple[DateRange, int, int]]:
    """Every date, month or year ``text`` mentions, as (range, start, end) offsets into ``text``."""
    out = []
    for m in _MENTION.finditer(text):
        year = int(m.group("year") or m.group("year2"))
        month = m.group("month")
        if not month:
            out.append((DateRange(f"{year}-01-01", f"{year}-12-31"), m.start(), m.end()))
            continue
        number = MONTHS[month.lower().rstrip(".")]
        last = calendar.monthrange(year, number)[1]
        if m.group("day"):
            iso = f"{year}-{number:02d}-{min(int(m.group('day')), last):02d}"
            out.append((DateRange(iso, iso), m.start(), m.end()))
        else:
            out.append((DateRange(f"{year}-{number:02d}-01", f"{year}-{number:02d}-{last:02d}"), m.start(), m.end()))
    return out


def _first_day(iso: str) -> str:
    return iso + "-01-01"[len(iso) - 4:] if len(iso) < 10 else iso  # "2014-03" -> "2014-03-01", "2014" -> "2014-01-01"


def _last_day(iso: str) -> str:
    if len(iso) == 4:
        return iso + "-12-31"
    if len(iso) == 7:
        return f"{iso}-{calendar.monthrange(int(iso[:4]), int(iso[5:7]))[1]:02d}"
    return iso


def overlaps(a: DateRange, b: DateRange) -> bool:
    """Whether two ranges share a day (a date stated to the month or year covers all of it)."""
    return _first_day(a.start) <= _last_day(b.end) and _first_day(b.start) <= _last_day(a.end)
