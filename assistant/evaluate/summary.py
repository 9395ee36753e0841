"""Outcomes aggregated: means per mode, per corpus and split, per category; the targets; the trade-off curve.

Every figure is the mean of a per-question score over the questions it applies to (a metric that
does not apply to a question is absent from its scores, not zero).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from assistant.evaluate import metrics
from assistant.evaluate.runner import Outcome

# (key in Outcome.scores, label in the report). Order is the report's row order.
METRICS = (
    ("answer_hit@k", "answer evidence hit@{k}"),
    ("answer_mrr", "answer evidence MRR"),
    ("answer_ndcg@10", "answer evidence nDCG@10"),
    ("retrieval_hit@k", "retrieval evidence hit@{k}"),
    ("retrieval_mrr", "retrieval evidence MRR"),
    ("retrieval_ndcg@10", "retrieval evidence nDCG@10"),
    ("provider_precision", "set questions: provider precision"),
    ("provider_recall", "set questions: provider recall"),
    ("provider_f1", "set questions: provider F1"),
    ("finding_accuracy", "set questions: finding-label accuracy"),
    ("headline_recall", "set questions: headline recall"),
    ("headline_opposite", "set questions: headlines naming a provider whose evidence says the opposite"),
    ("wrong_target", "wrong target (answers about another provider, service or time)"),
    ("follow_up_accuracy", "follow-up accuracy"),
    ("answer_accuracy", "expected-answer accuracy"),
    ("abstention_accuracy", "abstention accuracy (unanswerable)"),
    ("false_abstention", "false abstention rate (answerable)"),
)
CORPUS_ORDER = ("seeds", "real")
SPLIT_ORDER = ("test", "dev")


def summary_of(rows: Sequence[Outcome]) -> dict:
    """Question count, the mean and count of each metric, and latency p50/p95 (ms) over ``rows``."""
    out: dict = {"questions": len(rows)}
    for key, _ in METRICS:
        values = [o.scores[key] for o in rows if key in o.scores]
        out[key] = metrics.mean(values)
        out[f"n_{key}"] = len(values)
    latencies = [o.latency_s * 1000 for o in rows]
    out["latency_p50_ms"] = metrics.percentile(latencies, 50)
    out["latency_p95_ms"] = metrics.percentile(latencies, 95)
    return out


def _ordered(values, order: Sequence[str]) -> list[str]:
    present = list(dict.fromkeys(values))
    return [v for v in order if v in present] + sorted(v for v in present if v not in order)


def modes_of(outcomes: Sequence[Outcome]) -> list[str]:
    return list(dict.fromkeys(o.mode for o in outcomes))


def primary_mode(outcomes: Sequence[Outcome]) -> str | None:
    """The mode the detailed tables show: hybrid (the default) when it was run, else the first."""
    modes = modes_of(outcomes)
    return "hybrid" if "hybrid" in modes else (modes[0] if modes else None)


def groups(outcomes: Sequence[Outcome]) -> list[tuple[str, str]]:
    """The (corpus, split) pairs present, seeds before real and test before dev."""
    corpora = _ordered((o.corpus for o in outcomes), CORPUS_ORDER)
    splits = _ordered((o.split for o in outcomes), SPLIT_ORDER)
    present = {(o.corpus, o.split) for o in outcomes}
    return [(c, s) for s in splits for c in corpora if (c, s) in present]


def summarise(outcomes: Sequence[Outcome]) -> dict:
    """Per mode: ``summary_of`` all its questions."""
    return {mode: summary_of([o for o in outcomes if o.mode == mode]) for mode in modes_of(outcomes)}


def by_category(outcomes: Sequence[Outcome]) -> dict:
    """Per mode and category: question count and the mean of each metric that applies."""
    table: dict = {}
    for o in outcomes:
        table.setdefault(o.mode, {}).setdefault(o.category, []).append(o)
    return {mode: {cat: _applicable(rows) for cat, rows in sorted(cats.items())} for mode, cats in table.items()}


def _applicable(rows: Sequence[Outcome]) -> dict:
    return {"questions": len(rows),
            **{key: metrics.mean([o.scores[key] for o in rows if key in o.scores])
               for key, _ in METRICS if any(key in o.scores for o in rows)}}


def by_corpus(outcomes: Sequence[Outcome]) -> dict:
    """Per mode, corpus and split: ``summary_of`` those questions."""
    return {mode: {c: {s: summary_of([o for o in outcomes if (o.mode, o.corpus, o.split) == (mode, c, s)])
                       for cc, s in groups(outcomes) if cc == c}
                   for c in _ordered((o.corpus for o in outcomes), CORPUS_ORDER)}
            for mode in modes_of(outcomes)}


def by_corpus_category(outcomes: Sequence[Outcome]) -> dict:
    """Per mode, corpus, split and category: the metrics that apply."""
    out: dict = {}
    for o in outcomes:
        out.setdefault(o.mode, {}).setdefault(o.corpus, {}).setdefault(o.split, {}).setdefault(o.category, []).append(o)
    return {m: {c: {s: {cat: _applicable(rows) for cat, rows in sorted(cats.items())} for s, cats in splits.items()}
                for c, splits in corpora.items()} for m, corpora in out.items()}


# The "done when" figures, judged on the test split of each corpus separately:
# (label, value from a summary or None, passes).
Target = tuple[str, Callable[[dict], float | None], Callable[[float], bool]]
TARGETS: tuple[Target, ...] = (
    ("answer evidence hit@{k} ≥ 0.85", lambda s: s["answer_hit@k"], lambda v: v >= 0.85),
    ("retrieval hit@{k} − answer hit@{k} ≤ 0.05",
     lambda s: None if s["answer_hit@k"] is None or s["retrieval_hit@k"] is None
     else s["retrieval_hit@k"] - s["answer_hit@k"], lambda v: v <= 0.05 + 1e-9),
    ("set questions: headline recall ≥ 0.85", lambda s: s["headline_recall"], lambda v: v >= 0.85),
    ("set questions: no headline provider whose evidence says the opposite",
     lambda s: s["headline_opposite"], lambda v: v == 0),
    ("unanswerable declined ≥ 0.90", lambda s: s["abstention_accuracy"], lambda v: v >= 0.90),
    ("false abstentions ≤ 0.05", lambda s: s["false_abstention"], lambda v: v <= 0.05),
    ("zero answers about another provider, service or time", lambda s: s["wrong_target"], lambda v: v == 0),
    ("set questions: finding labels ≥ 0.90", lambda s: s["finding_accuracy"], lambda v: v >= 0.90),
    ("follow-ups ≥ 0.90", lambda s: s["follow_up_accuracy"], lambda v: v >= 0.90),
)


def targets(summary: dict) -> list[tuple[str, float | None, bool | None]]:
    """Each target's (label, value, met); value and met are None when no question measures it."""
    rows = []
    for label, value_of, passes in TARGETS:
        value = value_of(summary)
        rows.append((label, value, None if value is None else passes(value)))
    return rows


def tradeoff(outcomes: Sequence[Outcome], points: int = 11) -> list[dict] | None:
    """The abstention trade-off curve: declining every answer whose confidence is below a threshold, at
    ``points`` thresholds spread over the stated confidences, what happens to false abstentions,
    abstention accuracy and answer evidence hit@k. None when the answers state no confidence."""
    stated = sorted({o.confidence for o in outcomes if o.confidence is not None and not o.answer["no_answer"]})
    if not stated:
        return None
    picks = sorted({stated[round(i * (len(stated) - 1) / max(points - 1, 1))] for i in range(points)})
    curve = []
    for threshold in [float("-inf"), *picks]:
        def declined(o: Outcome) -> bool:
            # An answer that states no confidence is never declined by the threshold.
            return o.answer["no_answer"] or (o.confidence is not None and o.confidence < threshold)  # noqa: B023

        answerable = [o for o in outcomes if o.answerable]
        unanswerable = [o for o in outcomes if not o.answerable]
        with_evidence = [o for o in answerable if "answer_hit@k" in o.scores]
        curve.append({
            "threshold": None if threshold == float("-inf") else threshold,
            "false_abstention": metrics.mean([float(declined(o)) for o in answerable]),
            "abstention_accuracy": metrics.mean([float(declined(o)) for o in unanswerable]),
            "answer_hit@k": metrics.mean([0.0 if declined(o) else o.scores["answer_hit@k"] for o in with_evidence]),
        })
    return curve
