"""Ask every question of an evaluation set, in each retrieval mode, and score each answer.

A question's ``context`` turns are asked first, in the same conversation, so a
follow-up resolves exactly as it would in the chat. Only the final turn is timed
and scored.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from assistant.chat.conversation import Conversation
from assistant.answer.intent import classify
from assistant.models import Answer, Filters
from assistant.evaluate import metrics
from assistant.evaluate.dataset import Question

RETRIEVAL_DEPTH = 10  # chunks fetched for the retrieval view; nDCG is @10

Progress = Callable[[int, int], None]  # (done, total)


@dataclass(frozen=True)
class Outcome:
    """One question asked in one mode: the answer, what retrieval found, and the per-question scores."""

    id: str
    mode: str
    split: str
    category: str
    latency_s: float
    answer: dict  # Answer.to_json(), the stable contract
    kind: str  # passage | set | value | none
    listed: tuple[str, ...]  # the providers the answer puts forward (see ``listed_providers``)
    retrieved: tuple[dict, ...]  # the chunks Retriever.search returned: where they are, not their text
    scores: dict  # metric name -> value; a metric that does not apply to this question is absent

    def to_json(self) -> dict:
        """One line of results.jsonl."""
        return {
            "id": self.id, "mode": self.mode, "split": self.split, "category": self.category,
            "latency_s": round(self.latency_s, 4), "kind": self.kind, "listed": list(self.listed),
            "scores": self.scores, "retrieved": list(self.retrieved), "answer": self.answer,
        }


def listed_providers(answer: Answer) -> tuple[str, ...]:
    """The providers an answer puts forward: the listed ones of a set answer, the matching ones of a
    value answer that selects providers ("which were rated good"), else the providers it cites."""
    if answer.no_answer:
        return ()
    if answer.kind == "set":
        return answer.focus
    if answer.providers:
        return tuple(p.name for p in answer.providers)
    return tuple(dict.fromkeys(c.provider for c in answer.citations))


def score(question: Question, answer: Answer, listed: Sequence[str], chunk_texts: Sequence[str], k: int) -> dict:
    """The per-question scores. Evidence metrics only for answerable questions with expected evidence;
    provider metrics only for set questions; abstention for every question (right or wrong to abstain)."""
    out: dict[str, float] = {}
    if question.answerable and question.expected_evidence:
        n = len(set(question.expected_evidence))
        cited = [] if answer.no_answer else [c.text for c in answer.citations]
        for prefix, items in (("answer", cited), ("retrieval", chunk_texts)):
            g = metrics.gains(items, question.expected_evidence)
            out[f"{prefix}_hit@k"] = metrics.hit_at_k(g, k)
            out[f"{prefix}_mrr"] = metrics.reciprocal_rank(g)
            out[f"{prefix}_ndcg@10"] = metrics.ndcg_at_k(g, n, 10)
    if question.category == "set":
        p, r, f = metrics.provider_prf(listed, question.expected_providers)
        out.update(provider_precision=p, provider_recall=r, provider_f1=f)
    if question.expected_answer:
        out["answer_accuracy"] = float(not answer.no_answer and metrics.answer_correct(answer.text, question.expected_answer))
    if question.answerable:
        out["false_abstention"] = float(answer.no_answer)
    else:
        out["abstention_accuracy"] = float(answer.no_answer)
    return out


def retrieval_filters(assistant, question: str, inherited: Sequence[str]) -> Filters:
    """The provider scope the assistant gives a question (named providers, else a follow-up's inherited
    ones; set questions never inherit), so the retrieval view searches what the answer searched."""
    named = tuple(assistant.catalog.mentioned(question))
    providers = named or (() if classify(question).kind == "set" else tuple(inherited))
    return Filters(providers=providers)


def ask_one(assistant, question: Question, mode: str, k: int) -> Outcome:
    """Ask one question (its context turns first) in ``mode`` and score it."""
    conversation = Conversation(assistant, mode=mode, k=k)
    inherited: tuple[str, ...] = ()
    for turn in question.context:
        earlier = conversation.ask(turn)
        inherited = earlier.focus or inherited  # the conversation's focus is the last non-empty one
    started = time.perf_counter()
    answer = conversation.ask(question.question)
    latency = time.perf_counter() - started
    hits = assistant.retriever.search(question.question, retrieval_filters(assistant, question.question, inherited),
                                      mode=mode, k=max(RETRIEVAL_DEPTH, k))
    listed = listed_providers(answer)
    retrieved = tuple(
        {"provider": h.chunk.provider, "report": h.chunk.report_id, "section": " > ".join(h.chunk.section),
         "start": h.chunk.start, "end": h.chunk.end, "score": round(float(h.score), 4)}
        for h in hits
    )
    scores = score(question, answer, listed, [h.chunk.text for h in hits], k)
    return Outcome(question.id, mode, question.split, question.category, latency, answer.to_json(), answer.kind,
                   listed, retrieved, scores)


def run(assistant, questions: Sequence[Question], modes: Sequence[str], k: int = 5,
        progress: Progress | None = None) -> list[Outcome]:
    """Every question in every mode, in file order per mode. ``progress(done, total)`` after each."""
    total = len(questions) * len(modes)
    # The first encode pays for lazy initialisation; keep it out of the first question's latency.
    assistant.retriever.search("warm up", mode="hybrid", k=1)
    outcomes = []
    for mode in modes:
        for question in questions:
            outcomes.append(ask_one(assistant, question, mode, k))
            if progress:
                progress(len(outcomes), total)
    return outcomes


def with_settings(assistant, **changes):
    """A copy of ``assistant`` whose retriever uses changed RetrievalSettings (for tuning sweeps)."""
    from assistant.session import build_assistant

    retriever = assistant.retriever
    settings = replace(retriever.settings, **changes)
    return build_assistant(retriever.data, retriever.embedder, settings)
