"""Core services named in a report's prose, and the ratings stated for them.

A hospital or trust page rates its core services (maternity, surgery, urgent and emergency care …)
besides the location itself. A paragraph (or list item) that opens by saying a core service was
inspected or rated is about that service ("We inspected Critical care this inspection in March 2019
… We rated it as good because safe, effective, caring, responsive and well-led were good."): its
ratings are the service's (``service_rating:<service>:<kq or overall>``), not the location's. The
core services and their other names are the shared vocabulary's (``services.tsv``); a word of a
proper name ("The Chesser Surgery") names no service.
"""

from __future__ import annotations

import re

from assistant.text import normalise, sentence_spans
from assistant.vocabulary import Match, service_phrases

# What makes a named service the thing inspected or rated in a sentence: a verb of inspection or rating
# before it ("We inspected Critical care", "we rated surgery services as good", "Our rating of Good for
# maternity services"), or a rating after it ("Medical care has been re-rated as good", "maternity was rated").
_DONE_TO = re.compile(r"\b(?:inspected|assessed|re-?rated|rated|rating\s+(?:of|for)(?:\s+\w+){0,2}|looked\s+at|assessment\s+of|"
                      r"inspection\s+of)\s+(?:the\s+|our\s+|its\s+)?$", re.I)
_RATED_AFTER = re.compile(r"^\s*(?:services?\s+|core\s+services?\s+)?(?:\([^)]{0,60}\)\s+)?(?:service\s+)?(?:(?:was|were|is|are|has\s+been|have\s+been)\s+)?"
                          r"(?:re-?rated|rated)\b", re.I)


def services_named(sentence: str, location: str | None = None) -> list[Match]:
    """The core services a sentence names, left out those that are words of a proper name: of the location
    ("The Chesser Surgery"), or capitalised after a capitalised word ("Maternity Unit" is not a heading
    here, but "Lordship Lane Surgery" is a name)."""
    own = normalise(location or "")
    out = []
    for m in service_phrases().find(sentence):
        if own and normalise(m.said) in own.split() + [own]:
            continue
        if own and normalise(m.said) in own:
            continue
        before = sentence[: m.start].rstrip()
        word = re.search(r"([A-Za-z’']+)$", before)
        if m.said[:1].isupper() and word and word.group(1)[:1].isupper() and before[: word.start()].strip():
            continue  # "… Lordship Lane Surgery": inside a name
        out.append(m)
    return out


def service_subject(sentence: str, location: str | None = None) -> str | None:
    """The core service a sentence says was inspected or rated ("We inspected Critical care …",
    "Medical care has been re-rated as good overall"), as services.tsv names it, or None."""
    for m in services_named(sentence, location):
        if _DONE_TO.search(sentence[: m.start]) or _RATED_AFTER.match(sentence[m.end :]):
            return m.value
    return None


def paragraph_service(text: str, start: int, end: int, location: str | None = None) -> str | None:
    """The core service a paragraph (or list item) is about: the one its first sentence says was
    inspected or rated."""
    spans = sentence_spans(text, start, end)
    return service_subject(text[spans[0][0] : spans[0][1]], location) if spans else None


def same_service(a: str | None, b: str | None) -> bool:
    """Whether two names are of one core service ("maternity services" and "Maternity")."""
    if not a or not b:
        return False
    canon = lambda name: next((m.value for m in service_phrases().find(name)), normalise(name))  # noqa: E731
    return canon(a) == canon(b)


def canonical(name: str) -> str:
    """A service's name as services.tsv names it when it is one of CQC's core services, else as written."""
    m = service_phrases().first(name)
    if m is not None and len(m.said) >= len(name.strip()) - 12:
        return m.value
    name = name.strip()
    return name[:1].upper() + name[1:]
