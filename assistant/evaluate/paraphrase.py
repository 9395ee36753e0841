"""Paraphrase invariance: the same question in other words gets the same answer.

A paraphrase file (JSONL) holds canonical questions, each with variants written by other hands
(``{"id", "corpus", "split", "question", "variants": [...], ...}``; other fields are the writer's notes and
are kept). Each question and each variant is asked afresh (no conversation), and a variant is invariant
when its answer has the same kind, is about the same providers, and cites the same sentence first (or,
declined, declines for the same reason). The figure is the share of variants that are invariant, per
corpus and split.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.answer.protocol import Answerer
from assistant.evaluate.dataset import EvalFileError
from assistant.models import Answer


@dataclass(frozen=True)
class ParaphraseSet:
    id: str
    corpus: str
    split: str
    question: str
    variants: tuple[str, ...]


def load(path: Path, split: str = "all") -> list[ParaphraseSet]:
    """The sets of a paraphrase file (one split, or all); EvalFileError naming the line on a bad one."""
    out = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            item = ParaphraseSet(str(row["id"]), row.get("corpus", "seeds"), row.get("split", "test"),
                                 str(row["question"]), tuple(str(v) for v in row["variants"]))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise EvalFileError(f"{path}:{n}: not a paraphrase set ({exc})") from None
        if not item.variants:
            raise EvalFileError(f"{path}:{n}: {item.id} has no variants")
        if split in ("all", item.split):
            out.append(item)
    return out


def signature(answer: Answer) -> tuple:
    """What must not change under paraphrase: the kind, the providers, the first citation (or the decline)."""
    providers = tuple(sorted(answer.focus or {c.provider for c in answer.citations}))
    if answer.no_answer:
        return ("declined", answer.reason, providers)
    top = answer.citations[0] if answer.citations else None
    return (answer.kind, providers, (top.report, top.start, top.end) if top else None)


def differences(a: tuple, b: tuple) -> list[str]:
    """Which parts of two signatures differ ("kind", "providers", "top citation")."""
    if a[0] == "declined" or b[0] == "declined":
        return [] if a == b else ["answered / declined" if (a[0] == "declined") != (b[0] == "declined") else "reason"]
    return [name for name, x, y in zip(("kind", "providers", "top citation"), a, b) if x != y]


def run(assistants: Mapping[str, Answerer], sets: Sequence[ParaphraseSet]) -> list[dict]:
    """Ask every canonical question and its variants of its corpus's assistant; one row per variant."""
    rows = []
    for item in sets:
        assistant = assistants.get(item.corpus)
        if assistant is None:
            continue
        canonical = signature(assistant.ask(item.question))
        for variant in item.variants:
            got = signature(assistant.ask(variant))
            rows.append({"id": item.id, "corpus": item.corpus, "split": item.split, "question": item.question,
                         "variant": variant, "invariant": got == canonical, "differs": differences(canonical, got)})
    return rows


def summary(rows: Sequence[dict]) -> dict:
    """Per (corpus, split): variants asked and the share invariant."""
    out: dict = {}
    for row in rows:
        key = f"{row['corpus']}/{row['split']}"
        held = out.setdefault(key, {"variants": 0, "invariant": 0})
        held["variants"] += 1
        held["invariant"] += row["invariant"]
    for held in out.values():
        held["invariance"] = held["invariant"] / held["variants"] if held["variants"] else None
    return out


def markdown(rows: Sequence[dict], title: str = "Paraphrase invariance") -> str:
    """The section for report.md: the figure per corpus and split, then every variant that changed."""
    lines = [f"## {title}", "", "Each variant is asked afresh; it is invariant when its answer has the same kind, "
             "the same providers and the same first citation as the canonical question's (or is declined for "
             "the same reason). Target ≥ 0.90.", "", "| corpus / split | variants | invariant | share |",
             "|---|---|---|---|"]
    for key, held in sorted(summary(rows).items()):
        lines.append(f"| {key} | {held['variants']} | {held['invariant']} | {held['invariance']:.3f} |")
    changed = [r for r in rows if not r["invariant"]]
    if changed:
        lines += ["", "Variants whose answer changed:", ""]
        lines += [f"- `{r['id']}` ({r['corpus']}/{r['split']}) {', '.join(r['differs'])}: “{r['variant']}”"
                  for r in changed]
    return "\n".join(lines) + "\n"
