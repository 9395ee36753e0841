"""What a question asks for: a passage, a stated value, or a verdict for every provider."""

from __future__ import annotations

import re
from dataclasses import dataclass

# "Which providers …", "List the practices that …", "Are there any services where …"
_SET = re.compile(
    r"^\s*(?:(?:which|what)\s+(?:of\s+the\s+)?|(?:list|name|show)\s+(?:all\s+)?(?:the\s+)?|"
    r"(?:are|were)\s+there\s+any\s+|any\s+)"
    r"(?:providers?|practices?|services?|organi[sz]ations?|trusts?|hospitals?|locations?|"
    r"systems?|icss?|case\s+stud(?:y|ies)|reports?)\b"
    r"(?:\s+(?:that|which|who|where|with|in\s+the\s+corpus))?",
    re.I,
)
# "Who lacked …" asks about every provider; "Who is the executive lead …" does not.
_SET_WHO = re.compile(r"^\s*who\s+(?=(?:lacked|lacks|had|has|have|did|didn't|failed|showed|were|was in)\b)", re.I)

_KEY_QUESTIONS = {
    "safe": "safe",
    "effective": "effective",
    "caring": "caring",
    "responsive": "responsive",
    "well-led": "well-led",
    "well led": "well-led",
}

# Value questions, most specific first: (fact name, pattern).
_VALUES = [
    ("previous_rating", re.compile(r"\b(previous(?:ly)?|last|prior|before|earlier)\b.*\b(rat(?:ed|ing)s?)\b|\b(rat(?:ed|ing)s?)\b.*\b(previous(?:ly)?|last (?:inspection|assessment)|prior|before)\b", re.I)),
    ("score", re.compile(r"\bscor(?:e|ed|es|ing)\b|\bout of 100\b|\bpoints?\b", re.I)),
    ("rating", re.compile(r"\brat(?:ed|ing|ings)\b|\bgraded?\b", re.I)),
    ("date", re.compile(r"\b(?:when|what date|which date|date of|which (?:day|month|year))\b.*\b(?:assess\w*|inspect\w*|report\w*|visit\w*|rated|published)\b|\bwhat (?:was|is) the (?:\w+ )?date\b", re.I)),
    ("population", re.compile(r"\bpopulation\b|\bhow many people\b", re.I)),
    ("established", re.compile(r"\bestablished\b|\bset up\b|\bformed\b", re.I)),
    ("service_type", re.compile(r"\b(?:what|which) (?:type|kind|sort) of (?:service|provider|organi[sz]ation)\b", re.I)),
]
# Questions that mention a value word but ask for reasons, not the value.
_WHY = re.compile(r"^\s*(why|how did|how has|how have|what (?:led|caused|were the reasons))\b", re.I)


@dataclass(frozen=True)
class Intent:
    kind: str  # "set" | "value" | "passage"
    topic: str  # the question with its set frame removed ("lacked FTSU awareness")
    value: str | None = None  # fact name for value questions
    key_question: str | None = None  # "safe", "well-led", … when the question names one


def key_question_in(question: str) -> str | None:
    q = question.lower()
    for word, canonical in _KEY_QUESTIONS.items():
        if re.search(rf"\b{re.escape(word)}\b", q):
            return canonical
    return None


def value_asked(question: str) -> str | None:
    """The fact a question asks for ("score", "rating", …), or None."""
    if _WHY.search(question):
        return None
    for name, pattern in _VALUES:
        if pattern.search(question):
            return name
    return None


def classify(question: str) -> Intent:
    """Classify a question by its wording."""
    q = question.strip().rstrip("?").strip()
    kq = key_question_in(q)
    m = _SET.match(q) or _SET_WHO.match(q)
    value = value_asked(q)
    if m:
        topic = q[m.end() :].strip()
        return Intent("set", topic, value, kq)
    if value:
        return Intent("value", q, value, kq)
    return Intent("passage", q, None, kq)
