"""Our retrieval beside a peer's: txtai's default hybrid index over the same chunk texts and model.

``python -m assistant.evaluate.peer --questions eval/questions.jsonl --split dev --index DIR``
indexes every chunk of the loaded index with txtai (``Embeddings(path=<our model folder>,
hybrid=True)``: BM25 with its own tokeniser, scores normalised and blended 50/50 with the dense
cosine) and asks each question of both systems within the same provider scope the assistant
gives it. It reports evidence hit@k and MRR (over the top 10) side by side, and the questions
where one system finds the evidence and the other does not.

txtai is a dev-only dependency (the ``dev`` extra); nothing in the assistant imports this module.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from assistant.evaluate import dataset, metrics
from assistant.models import Filters

DEPTH = 10  # ranks looked at for MRR; hit@k uses the first k


@dataclass(frozen=True)
class PeerRow:
    """One question: the rank (1-based, 0 = not in the top DEPTH) of the first evidence chunk in each system."""

    id: str
    category: str
    ours: int  # Retriever.search on the question as asked
    peer: int  # txtai on the question as asked
    answer: int = 0  # the retrieval the answer uses: the analysed question (topic and content words)


@dataclass
class PeerResult:
    """Per-question ranks and the summary figures of both systems."""

    k: int
    rows: list[PeerRow] = field(default_factory=list)
    scoped: bool = True  # asked in the assistant's provider scope (else over the whole index)

    def summary(self) -> dict:
        """hit@k and MRR of each system over the questions with expected evidence."""
        out: dict[str, float | None] = {"questions": len(self.rows)}
        for name in ("ours", "answer", "peer"):
            ranks = [getattr(r, name) for r in self.rows]
            out[f"{name}_hit@k"] = metrics.mean([float(0 < r <= self.k) for r in ranks])
            out[f"{name}_mrr"] = metrics.mean([1.0 / r if r else 0.0 for r in ranks])
        return out


class TxtaiPeer:
    """txtai's default hybrid index over our chunk texts (the header + text that our BM25 and FAISS index)."""

    def __init__(self, data, model_dir: str):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from txtai import Embeddings

        from assistant.ingest.chunk import chunk_text

        self.chunks = data.chunks
        self.embeddings = Embeddings(path=model_dir, hybrid=True, content=False)
        self.embeddings.index([(c.chunk_id, chunk_text(c), None) for c in self.chunks])

    def search(self, query: str, allowed: set[int] | None, depth: int) -> list[int]:
        """Chunk ids, best first. With ``allowed``, the ranking over the whole index restricted to those ids
        (txtai ranks every chunk, then the others are dropped), so the scope matches ours exactly."""
        limit = len(self.chunks) if allowed is not None else depth
        ids = [int(uid) for uid, _ in self.embeddings.search(query, limit)]
        if allowed is not None:
            ids = [i for i in ids if i in allowed]
        return ids[:depth]


def first_rank(texts: Sequence[str], expected: Sequence[str]) -> int:
    """1-based rank of the first text covering an expected string, 0 when none does."""
    rr = metrics.reciprocal_rank(metrics.gains(texts, expected))
    return int(round(1 / rr)) if rr else 0


def compare(assistant, questions: Sequence[dataset.Question], k: int = 5, peer: TxtaiPeer | None = None,
            scoped: bool = True) -> PeerResult:
    """Ask each answerable question with expected evidence of both systems: in the provider scope the assistant
    gives it (``scoped``), or over the whole index."""
    from assistant.evaluate.runner import retrieval_filters

    data = assistant.data
    peer = peer or TxtaiPeer(data, assistant.retriever.embedder.model_dir)
    by_id = {c.chunk_id: c for c in data.chunks}
    result = PeerResult(k)
    for q in questions:
        if not (q.answerable and q.expected_evidence):
            continue
        context = _context(assistant, q)
        filters = retrieval_filters(assistant, q.question, context) if scoped else Filters()
        ours = assistant.retriever.search(q.question, filters, k=DEPTH)
        mask = assistant.retriever.allowed_rows(filters)
        allowed = None if mask.all() else {data.chunks[r].chunk_id for r in np.flatnonzero(mask)}
        theirs = peer.search(q.question, allowed, DEPTH)
        # The answer's retrieval leaves provider names out because its scope holds them: only when scoped.
        answer = _answer_hits(assistant, q, context, filters) if scoped else []
        result.rows.append(PeerRow(
            q.id, q.category,
            first_rank([h.chunk.text for h in ours], q.expected_evidence),
            first_rank([by_id[i].text for i in theirs], q.expected_evidence),
            first_rank([h.chunk.text for h in answer], q.expected_evidence),
        ))
    result.scoped = scoped
    return result


def _answer_hits(assistant, q: dataset.Question, context, filters):
    """The chunks the answer retrieves for ``q``: the analysed question (its topic without provider names for
    the dense search, its content words for BM25), in the same scope."""
    from assistant.answer.base import Ask

    a = assistant.analyse(q.question, context)
    ask = Ask(a, filters, assistant, k=DEPTH)
    return assistant.retriever.search(a.topic.strip() or a.text, filters, k=DEPTH, vector=ask.vector,
                                      lexical=a.search_text)


def _context(assistant, q: dataset.Question):
    """The answer of the turn before the question (its context turns asked through a conversation), or None."""
    if not q.context:
        return None
    from assistant.chat.conversation import Conversation

    chat = Conversation(assistant)
    for turn in q.context:
        chat.ask(turn)
    return chat.turns[-1].answer


def markdown(result: PeerResult, title: str) -> str:
    """The side-by-side table and the questions where the two differ."""
    s = result.summary()
    k = result.k
    scope = "in the provider scope the assistant gives each question" if result.scoped else "over the whole index"
    lines = [f"### {title}", "", f"{s['questions']} answerable questions with expected evidence, {scope}; "
             f"MRR over the top {DEPTH}.",
             "", f"| system | evidence hit@{k} | evidence MRR |", "|---|---|---|",
             f"| ours: `Retriever.search`, hybrid, the question as asked | {metrics_fmt(s['ours_hit@k'])} | "
             f"{metrics_fmt(s['ours_mrr'])} |",
             *([f"| ours: the answer's retrieval, the analysed question | {metrics_fmt(s['answer_hit@k'])} | "
                f"{metrics_fmt(s['answer_mrr'])} |"] if result.scoped else []),
             f"| txtai default hybrid, the question as asked | {metrics_fmt(s['peer_hit@k'])} | "
             f"{metrics_fmt(s['peer_mrr'])} |", ""]
    better = [r for r in result.rows if _wins(r.ours, r.peer, k)]
    worse = [r for r in result.rows if _wins(r.peer, r.ours, k)]
    lines.append(f"Ours in the top {k} where txtai is not: {', '.join(f'`{r.id}`' for r in better) or 'none'}. "
                 f"txtai in the top {k} where ours is not: {', '.join(f'`{r.id}`' for r in worse) or 'none'}.")
    return "\n".join(lines) + "\n"


def _wins(a: int, b: int, k: int) -> bool:
    return 0 < a <= k and not 0 < b <= k


def metrics_fmt(value) -> str:
    return "–" if value is None else f"{value:.3f}"


def main(argv: Sequence[str] | None = None) -> None:
    """Compare on one question file and split; print the table and write it (and the per-question ranks)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", default="eval/questions.jsonl")
    parser.add_argument("--split", default="dev", choices=["dev", "test", "all"])
    parser.add_argument("--index", default=None)
    parser.add_argument("--model", default=None)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--scope", choices=["assistant", "none"], default="assistant",
                        help="assistant: the provider scope the answer searches; none: the whole index")
    parser.add_argument("--title", default=None)
    parser.add_argument("--out", default=None, help="write the table here (and the ranks as .json beside it)")
    args = parser.parse_args(argv)
    from assistant import config
    from assistant.session import load_assistant

    questions = dataset.load(args.questions, args.split)
    assistant = load_assistant(config.index_dir(args.index), args.model)
    result = compare(assistant, questions, args.k, scoped=args.scope == "assistant")
    text = markdown(result, args.title or f"{args.questions}, split {args.split}")
    print(text)
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        rows = [r.__dict__ for r in result.rows]
        out.with_suffix(".json").write_text(json.dumps({"summary": result.summary(), "rows": rows}, indent=1),
                                            encoding="utf-8")


if __name__ == "__main__":
    main()
