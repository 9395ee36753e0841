"""Ask every question of an evaluation set, in each retrieval mode, of its corpus, and score each answer.

A question's ``context`` turns are asked first, in the same conversation, so a
follow-up resolves exactly as it would in the chat. Only the final turn is timed
and scored.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from assistant.chat.conversation import Conversation
from assistant.models import Answer, Filters
from assistant.evaluate import metrics
from assistant.evaluate.dataset import Question
from assistant.text import normalise

RETRIEVAL_DEPTH = 10  # chunks fetched for the retrieval view; nDCG is @10
NO_EVIDENCE = "no evidence"  # the finding of a provider a set answer does not judge
# Where an answer may carry a numeric confidence (higher = surer), for the abstention trade-off
# curve; the first attribute an Answer has is used. None of them: no curve.
CONFIDENCE_ATTRIBUTES = ("confidence", "answerability", "support")

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
    kind: str  # passage | set | value | none | …
    listed: tuple[str, ...]  # the providers the answer puts forward (see ``listed_providers``)
    retrieved: tuple[dict, ...]  # the chunks Retriever.search returned: where they are, not their text
    scores: dict  # metric name -> value; a metric that does not apply to this question is absent
    corpus: str = "seeds"
    confidence: float | None = None  # the answer's own confidence, when it states one
    answerable: bool = True

    def to_json(self) -> dict:
        """One line of results.jsonl."""
        return {
            "id": self.id, "mode": self.mode, "corpus": self.corpus, "split": self.split, "category": self.category,
            "latency_s": round(self.latency_s, 4), "kind": self.kind, "listed": list(self.listed),
            "confidence": self.confidence, "scores": self.scores, "retrieved": list(self.retrieved),
            "answer": self.answer,
        }


def listed_providers(answer: Answer) -> tuple[str, ...]:
    """The providers an answer puts forward: the listed ones of a set answer, the matching ones of a
    value answer that selects providers ("which were rated good"), else the providers it cites."""
    if answer.no_answer:
        return ()
    if answer.kind == "set":
        return tuple(p.name for p in answer.providers if p.answers) or answer.focus
    if answer.kind == "value" or answer.providers:
        # A value answer's providers are those meeting the question's condition: none may match
        # ("0 of 7 providers match"), and then it lists none, whatever values it cites.
        return tuple(p.name for p in answer.providers)
    return tuple(dict.fromkeys(c.provider for c in answer.citations))


def about(answer: Answer) -> tuple[str, ...]:
    """The providers an answer is about: its focus, else the providers it cites."""
    return answer.focus or tuple(dict.fromkeys(c.provider for c in answer.citations))


def confidence_of(answer: Answer) -> float | None:
    """The answer's stated confidence (see CONFIDENCE_ATTRIBUTES), or None."""
    for name in CONFIDENCE_ATTRIBUTES:
        value = getattr(answer, name, None)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    return None


def attributed(items: Sequence[tuple[str, str]], providers: Sequence[str]) -> list[str]:
    """The texts of (provider, text) items, with those of providers the question does not expect blanked:
    "scored 75" quoted from the wrong report is not the evidence asked for. No expected providers: all count."""
    if not providers:
        return [text for _, text in items]
    wanted = {normalise(p) for p in providers}
    return [text if normalise(provider) in wanted else "" for provider, text in items]


def score(question: Question, answer: Answer, listed: Sequence[str], retrieved: Sequence[tuple[str, str]],
          k: int, cited_sources: Sequence[str] = ()) -> dict:
    """The per-question scores (see the README's metrics). ``retrieved``: (provider, text) of the chunks
    retrieval found, best first; ``cited_sources``: the source file of each citation. A metric that does not
    apply to the question is absent."""
    out: dict[str, float] = {}
    wrong = wrong_target(question, answer, cited_sources)
    if wrong is not None:
        out["wrong_target"] = float(wrong)
    if question.answerable and question.expected_evidence:
        n = len(set(question.expected_evidence))
        cited = [] if answer.no_answer else [(c.provider, c.text) for c in answer.citations]
        for prefix, items in (("answer", cited), ("retrieval", retrieved)):
            g = metrics.gains(attributed(items, question.expected_providers), question.expected_evidence)
            out[f"{prefix}_hit@k"] = metrics.hit_at_k(g, k)
            out[f"{prefix}_mrr"] = metrics.reciprocal_rank(g)
            out[f"{prefix}_ndcg@10"] = metrics.ndcg_at_k(g, n, 10)
    if question.category == "set":
        p, r, f = metrics.provider_prf(listed, question.expected_providers)
        out.update(provider_precision=p, provider_recall=r, provider_f1=f)
        if question.answerable and question.expected_providers:
            wanted = {normalise(p) for p in question.expected_providers}
            named = {normalise(p) for p in listed}
            out["headline_recall"] = len(named & wanted) / len(wanted)
            # A provider in the headline whose evidence says the opposite of what the question asks.
            opposite = {normalise(n) for n, _ in question.expected_findings} - wanted
            out["headline_opposite"] = float(bool(named & opposite))
    if question.expected_findings:
        got = {} if answer.no_answer else {p.name: p.finding for p in answer.providers}
        out["finding_accuracy"] = metrics.label_accuracy(got, question.expected_findings, NO_EVIDENCE)
    if question.expected_answer or question.expected_order:
        out["answer_accuracy"] = float(not answer.no_answer and metrics.answer_correct(
            answer.text, question.expected_answer, question.expected_order))
    if question.answerable:
        out["false_abstention"] = float(answer.no_answer)
    else:
        out["abstention_accuracy"] = float(answer.no_answer)
    if question.category == "follow-up":
        out["follow_up_accuracy"] = float(follow_up_correct(question, answer, out))
    return out


def wrong_target(question: Question, answer: Answer, cited_sources: Sequence[str]) -> bool | None:
    """Whether an answer is about a provider, service or time other than the one asked: it cites a provider
    the question does not expect, or, for a question about a service or an earlier report (whose ``sources``
    name the report files of that service or date), a report file other than those. None where it does not
    apply (no answer, no expected providers, a question over many providers)."""
    if answer.no_answer or not question.answerable or not question.expected_providers or question.category == "set":
        return None
    if answer.selection or answer.kind == "set":
        return None
    wanted = {normalise(p) for p in question.expected_providers}
    if any(normalise(c.provider) not in wanted for c in answer.citations):
        return True
    if question.category in ("dated", "service") and question.sources and cited_sources:
        return any(s and s not in question.sources for s in cited_sources)
    return False


def follow_up_correct(question: Question, answer: Answer, scores: dict) -> bool:
    """A follow-up is right when it declines an unanswerable question, or answers about the right provider
    (every provider it is about is expected) and either cites expected evidence within the first k
    citations or, for a value follow-up, contains the expected answer."""
    if not question.answerable:
        return answer.no_answer
    if answer.no_answer:
        return False
    expected = {normalise(p) for p in question.expected_providers}
    providers = {normalise(p) for p in about(answer)}
    right_provider = not expected or (bool(providers) and providers <= expected)
    cites = scores.get("answer_hit@k") == 1.0
    value = bool(question.expected_answer) and scores.get("answer_accuracy") == 1.0
    return right_provider and (cites or value)


def retrieval_filters(assistant, question: str, context: Answer | None) -> Filters:
    """The provider scope the assistant gives a question (its analysis: named providers, else a follow-up's),
    so the retrieval view searches what the answer searched."""
    return Filters(providers=assistant.analyse(question, context).providers)


def ask_one(assistant, question: Question, mode: str, k: int) -> Outcome:
    """Ask one question (its context turns first) in ``mode`` and score it."""
    conversation = Conversation(assistant, mode=mode, k=k)
    for turn in question.context:
        conversation.ask(turn)
    context = conversation.turns[-1].answer if conversation.turns else None  # what the final turn follows
    started = time.perf_counter()
    answer = conversation.ask(question.question)
    latency = time.perf_counter() - started
    hits = assistant.retriever.search(question.question, retrieval_filters(assistant, question.question, context),
                                      mode=mode, k=max(RETRIEVAL_DEPTH, k))
    listed = listed_providers(answer)
    retrieved = tuple(
        {"provider": h.chunk.provider, "report": h.chunk.report_id, "section": " > ".join(h.chunk.section),
         "start": h.chunk.start, "end": h.chunk.end, "score": round(float(h.score), 4)}
        for h in hits
    )
    reports = assistant.data.reports
    cited_sources = [reports[c.report].source if c.report in reports else "" for c in answer.citations]
    scores = score(question, answer, listed, [(h.chunk.provider, h.chunk.text) for h in hits], k, cited_sources)
    return Outcome(question.id, mode, question.split, question.category, latency, answer.to_json(), answer.kind,
                   listed, retrieved, scores, question.corpus, confidence_of(answer), question.answerable)


def run(assistants, questions: Sequence[Question], modes: Sequence[str], k: int = 5,
        progress: Progress | None = None) -> list[Outcome]:
    """Every question in every mode, in file order per mode, each asked of its corpus's assistant.

    ``assistants`` maps a corpus name to the Assistant over its index; a bare Assistant stands for the
    seeds corpus. Questions of a corpus with no assistant are left out (``corpora.runnable`` says why
    before a run). ``progress(done, total)`` after each question.
    """
    targets = dict(assistants) if isinstance(assistants, Mapping) else {"seeds": assistants}
    asked = [q for q in questions if q.corpus in targets]
    total = len(asked) * len(modes)
    # The first encode pays for lazy initialisation; keep it out of the first question's latency.
    for assistant in targets.values():
        assistant.retriever.search("warm up", mode="hybrid", k=1)
    outcomes = []
    for mode in modes:
        for question in asked:
            outcomes.append(ask_one(targets[question.corpus], question, mode, k))
            if progress:
                progress(len(outcomes), total)
    return outcomes

