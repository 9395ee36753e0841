"""The evaluation file: JSONL, one question per line, validated with errors that name the line.

A line looks like::

    {"id": "fact-01", "split": "dev", "category": "fact",
     "question": "How did Heartbeat Alliance staff raise concerns?", "context": [],
     "expected_providers": ["Heartbeat Alliance"],
     "expected_evidence": ["Staff knew how to raise concerns about the service"],
     "expected_answer": [], "answerable": true}

Only ``id``, ``question`` and ``answerable`` are required. Optional fields added later keep the
old lines valid: ``corpus`` (which corpus the question is asked of, default "seeds"),
``sources`` (the report files its expected values come from, so a question over a file the
corpus lacks is skipped, not failed), ``expected_findings`` (a set question's label per
provider) and ``expected_order`` (strings a ranking must show in this order). Unknown fields
are an error, because a misspelt ``expected_evidnce`` would otherwise silently score zero.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import AssistantError

SPLITS = ("dev", "test")
# The corpora a question may be asked of; the runner maps each to a folder.
CORPORA = ("seeds", "real")
# The categories of eval/questions.jsonl; other files may use their own names.
CATEGORIES = ("fact", "value", "set", "thematic", "paraphrase", "abbreviation", "follow-up", "unanswerable",
              "overview", "compare", "dated", "count", "false-premise")
# Categories the real corpus adds: a service inside a location, a location named by its town or registered
# provider, enforcement, capacity and people, a misspelt name.
REAL_CATEGORIES = ("service", "town", "enforcement", "capacity", "misspelt")
# A set question's verdict for one provider (models.ProviderFinding.finding).
FINDINGS = ("lacking", "partly", "meets", "no evidence")

_REQUIRED = ("id", "question", "answerable")
_LISTS = ("context", "expected_providers", "expected_evidence", "expected_answer", "expected_order", "sources")
_KNOWN = frozenset(_REQUIRED + _LISTS + ("split", "category", "corpus", "expected_findings"))


class EvalFileError(AssistantError, ValueError):
    """A question file that cannot be used (or asked); the message names the file and line."""


@dataclass(frozen=True)
class Question:
    """One evaluation question and what a correct answer looks like."""

    id: str
    question: str
    answerable: bool
    context: tuple[str, ...] = ()  # earlier user turns, asked first in the same conversation
    expected_providers: tuple[str, ...] = ()
    expected_evidence: tuple[str, ...] = ()  # substrings that a correct citation contains
    expected_answer: tuple[str, ...] = ()  # strings the answer text must all contain
    split: str = "test"  # an unsplit file is all held out: tuning never sees it
    category: str = "uncategorised"
    line: int = 0  # 1-based line number in the file, for messages
    corpus: str = "seeds"
    sources: tuple[str, ...] = ()  # report files (names in the corpus folder) the expected values come from
    expected_findings: tuple[tuple[str, str], ...] = ()  # (provider, finding label), in file order
    expected_order: tuple[str, ...] = ()  # strings the answer text must show in this order

    def findings(self) -> dict[str, str]:
        """``expected_findings`` as a dict: provider -> label."""
        return dict(self.expected_findings)


def _strings(value, name: str, where: str) -> tuple[str, ...]:
    if isinstance(value, str):  # a single string is a one-item list
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise EvalFileError(f"{where}: '{name}' must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _findings(value, where: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        raise EvalFileError(f"{where}: 'expected_findings' must be an object of provider: label")
    out = []
    for provider, label in value.items():
        if not provider.strip() or label not in FINDINGS:
            raise EvalFileError(f"{where}: 'expected_findings' label for {provider!r} must be one of "
                                f"{', '.join(FINDINGS)}, got {label!r}")
        out.append((provider.strip(), label))
    return tuple(out)


def _choice(row: dict, name: str, choices: tuple[str, ...], default: str, where: str) -> str:
    value = row.get(name, default)
    if value not in choices:
        raise EvalFileError(f"{where}: '{name}' must be one of {', '.join(choices)}, got {value!r}")
    return value


def parse_line(text: str, line: int, source: str = "<questions>") -> Question:
    """One JSONL line as a ``Question``; ``EvalFileError`` naming ``source:line`` when it is malformed."""
    where = f"{source}:{line}"
    try:
        row = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EvalFileError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(row, dict):
        raise EvalFileError(f"{where}: expected a JSON object, got {type(row).__name__}")
    unknown = sorted(set(row) - _KNOWN)
    if unknown:
        raise EvalFileError(f"{where}: unknown field(s) {', '.join(unknown)} (known: {', '.join(sorted(_KNOWN))})")
    for name in _REQUIRED:
        if name not in row:
            raise EvalFileError(f"{where}: missing required field '{name}'")
    for name in ("id", "question"):
        if not isinstance(row[name], str) or not row[name].strip():
            raise EvalFileError(f"{where}: '{name}' must be a non-empty string")
    if not isinstance(row["answerable"], bool):
        raise EvalFileError(f"{where}: 'answerable' must be true or false")
    lists = {name: _strings(row.get(name, []), name, where) for name in _LISTS}
    split = _choice(row, "split", SPLITS, "test", where)
    corpus = _choice(row, "corpus", CORPORA, "seeds", where)
    category = row.get("category", "uncategorised")
    if not isinstance(category, str) or not category.strip():
        raise EvalFileError(f"{where}: 'category' must be a non-empty string")
    found = _findings(row.get("expected_findings", {}), where)
    return Question(row["id"].strip(), row["question"].strip(), row["answerable"], split=split,
                    category=category.strip(), line=line, corpus=corpus, expected_findings=found, **lists)


def load(path: str | Path, split: str = "all") -> list[Question]:
    """Read and validate a question file; keep only ``split`` ("dev", "test" or "all").

    Every line is validated (also those of the other split), so a bad file fails
    the same way whichever split is asked for. Blank lines are skipped.
    """
    if split not in (*SPLITS, "all"):
        raise EvalFileError(f"unknown split {split!r} (choose dev, test or all)")
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise EvalFileError(f"{path}: not UTF-8 text ({exc.reason})") from None
    questions: list[Question] = []
    seen: dict[str, int] = {}
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        q = parse_line(text, number, str(path))
        if q.id in seen:
            raise EvalFileError(f"{path}:{number}: duplicate id '{q.id}' (first on line {seen[q.id]})")
        seen[q.id] = number
        questions.append(q)
    if not questions:
        raise EvalFileError(f"{path}: holds no questions")
    return [q for q in questions if split == "all" or q.split == split]
