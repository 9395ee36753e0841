"""Turn outcomes into metrics.json, report.md and a bar chart: the modes side by side."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

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
    ("answer_accuracy", "expected-answer accuracy"),
    ("abstention_accuracy", "abstention accuracy (unanswerable)"),
    ("false_abstention", "false abstention rate (answerable)"),
)
# (key, short label): the chart's x axis has room for two short lines per bar group.
CHART_METRICS = (("answer_hit@k", "answer\nhit@{k}"), ("answer_ndcg@10", "answer\nnDCG@10"),
                 ("retrieval_hit@k", "retrieval\nhit@{k}"), ("retrieval_ndcg@10", "retrieval\nnDCG@10"),
                 ("provider_f1", "set\nprovider F1"), ("answer_accuracy", "expected\nanswer"),
                 ("abstention_accuracy", "abstention\n(unanswerable)"))
# Categories whose answers do not depend on the retrieval mode: they read parsed
# facts or scan every provider.
MODE_INDEPENDENT = ("value", "set")


def summarise(outcomes: Sequence[Outcome]) -> dict:
    """Mean of each metric over the questions it applies to, per mode; latency p50/p95; counts."""
    out = {}
    for mode in dict.fromkeys(o.mode for o in outcomes):
        rows = [o for o in outcomes if o.mode == mode]
        summary = {"questions": len(rows)}
        for key, _ in METRICS:
            values = [o.scores[key] for o in rows if key in o.scores]
            summary[key] = metrics.mean(values)
            summary[f"n_{key}"] = len(values)
        latencies = [o.latency_s * 1000 for o in rows]
        summary["latency_p50_ms"] = metrics.percentile(latencies, 50)
        summary["latency_p95_ms"] = metrics.percentile(latencies, 95)
        out[mode] = summary
    return out


def by_category(outcomes: Sequence[Outcome]) -> dict:
    """Per mode and category: question count and the mean of each metric that applies."""
    table: dict = {}
    for o in outcomes:
        table.setdefault(o.mode, {}).setdefault(o.category, []).append(o)
    return {
        mode: {
            cat: {"questions": len(rows),
                  **{key: metrics.mean([o.scores[key] for o in rows if key in o.scores])
                     for key, _ in METRICS if any(key in o.scores for o in rows)}}
            for cat, rows in sorted(cats.items())
        }
        for mode, cats in table.items()
    }


def failures(outcomes: Sequence[Outcome], mode: str) -> list[tuple[str, str, str]]:
    """(id, category, what went wrong) for every question the given mode got wrong in some way."""
    rows = []
    for o in outcomes:
        if o.mode != mode:
            continue
        s = o.scores
        problems = []
        if s.get("answer_hit@k") == 0.0:
            problems.append("no expected evidence cited" + (" (abstained)" if o.answer["no_answer"] else ""))
        if s.get("provider_f1", 1.0) < 1.0:
            problems.append(f"providers F1 {s['provider_f1']:.2f} (listed: {', '.join(o.listed) or 'none'})")
        if s.get("answer_accuracy") == 0.0:
            problems.append("expected answer text missing")
        if s.get("abstention_accuracy") == 0.0:
            problems.append("answered an unanswerable question")
        if problems:
            rows.append((o.id, o.category, "; ".join(problems)))
    return rows


def fmt(value, ms: bool = False) -> str:
    """A metric for a table: 3 decimals, whole milliseconds, or a dash when it does not apply."""
    if value is None:
        return "–"
    return f"{value:.0f}" if ms else f"{value:.3f}"


def markdown(outcomes: Sequence[Outcome], k: int, title: str, questions_file: str, split: str) -> str:
    """The report: headline metrics with the modes side by side, a per-category breakdown, and failures."""
    summary = summarise(outcomes)
    modes = list(summary)
    n = summary[modes[0]]["questions"] if modes else 0
    lines = [f"# {title}", "",
             f"`{questions_file}`, split **{split}**: {n} questions, k = {k}, modes: {', '.join(modes)}.", "",
             "| metric | n | " + " | ".join(modes) + " |", "|---|---|" + "---|" * len(modes)]
    for key, label in METRICS:
        count = summary[modes[0]][f"n_{key}"] if modes else 0
        lines.append(f"| {label.format(k=k)} | {count} | " + " | ".join(fmt(summary[m][key]) for m in modes) + " |")
    for key, label in (("latency_p50_ms", "latency p50 (ms)"), ("latency_p95_ms", "latency p95 (ms)")):
        lines.append(f"| {label} | {n} | " + " | ".join(fmt(summary[m][key], ms=True) for m in modes) + " |")
    lines += ["", "*Answer evidence* scores the sentences the answer cites (retrieval and sentence selection "
              "together); *retrieval evidence* scores the top chunks of `Retriever.search` alone. Value and set "
              "questions read parsed facts or scan every provider, so they do not depend on the retrieval mode: "
              "the mode comparison is meaningful on the passage categories (fact, thematic, paraphrase, "
              "abbreviation, follow-up) and on the retrieval rows.", ""]
    cats = by_category(outcomes)
    lines += ["## By category", "", f"Answer evidence hit@{k} / retrieval evidence hit@{k} "
              "(set: provider F1; unanswerable: abstention accuracy).", "",
              "| category | n | " + " | ".join(modes) + " |", "|---|---|" + "---|" * len(modes)]
    for cat in sorted({c for m in cats.values() for c in m}):
        cells = []
        for m in modes:
            c = cats[m].get(cat, {})
            if "answer_hit@k" in c:
                cells.append(f"{fmt(c['answer_hit@k'])} / {fmt(c['retrieval_hit@k'])}")
            elif "provider_f1" in c:
                cells.append(f"F1 {fmt(c['provider_f1'])}")
            elif "abstention_accuracy" in c:
                cells.append(f"abst. {fmt(c['abstention_accuracy'])}")
            else:
                cells.append("–")
        count = cats[modes[0]].get(cat, {}).get("questions", 0)
        lines.append(f"| {cat} | {count} | " + " | ".join(cells) + " |")
    lines.append("")
    for m in modes:
        wrong = failures(outcomes, m)
        lines += [f"## Failures: {m} ({len(wrong)})", ""]
        lines += [f"- `{qid}` ({cat}): {what}" for qid, cat, what in wrong] or ["None."]
        lines.append("")
    return "\n".join(lines)


def bar_chart(outcomes: Sequence[Outcome], k: int, path: Path) -> Path:
    """A grouped bar chart of the main metrics, one bar per mode; written to ``path`` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")  # no display in a terminal session
    import matplotlib.pyplot as plt
    import numpy as np

    summary = summarise(outcomes)
    modes = list(summary)
    labels = dict(CHART_METRICS)
    keys = [key for key, _ in CHART_METRICS if any(summary[m][key] is not None for m in modes)]
    x = np.arange(len(keys))
    width = 0.8 / max(len(modes), 1)
    fig, ax = plt.subplots(figsize=(10, 4.5))
    for i, m in enumerate(modes):
        values = [summary[m][key] or 0.0 for key in keys]
        ax.bar(x + (i - (len(modes) - 1) / 2) * width, values, width, label=m)
    ax.set_xticks(x, [labels[key].format(k=k) for key in keys], fontsize=9)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("score")
    ax.legend()
    ax.set_title("Retrieval modes side by side")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write(outcomes: Sequence[Outcome], out_dir: Path, k: int, questions_file: str, split: str) -> dict[str, Path]:
    """Write results.jsonl, metrics.json, report.md and (with more than one mode) modes.png into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"results": out_dir / "results.jsonl", "metrics": out_dir / "metrics.json", "report": out_dir / "report.md"}
    with open(paths["results"], "w", encoding="utf-8") as fh:
        for o in outcomes:
            fh.write(json.dumps(o.to_json(), ensure_ascii=False) + "\n")
    payload = {"questions_file": questions_file, "split": split, "k": k,
               "modes": summarise(outcomes), "by_category": by_category(outcomes)}
    paths["metrics"].write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    paths["report"].write_text(markdown(outcomes, k, "Evaluation report", questions_file, split) + "\n",
                               encoding="utf-8")
    if len({o.mode for o in outcomes}) > 1:
        paths["chart"] = bar_chart(outcomes, k, out_dir / "modes.png")
    return paths
