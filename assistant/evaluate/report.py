"""Turn outcomes into results.jsonl, metrics.json, report.md and a bar chart.

The report leads with the issue's targets per corpus and split, then the modes side by side,
then per corpus and split, per category, the abstention trade-off curve (when answers state a
confidence), any extra sections (the peer comparison), and every failure.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from assistant.evaluate.corpora import Skipped
from assistant.evaluate.runner import Outcome
from assistant.evaluate.summary import (  # noqa: F401  (summarise, METRICS: the module's public names)
    METRICS, by_category, by_corpus, by_corpus_category, groups, modes_of, primary_mode, summarise, summary_of,
    targets, tradeoff,
)

# (key, short label): the chart's x axis has room for two short lines per bar group.
CHART_METRICS = (("answer_hit@k", "answer\nhit@{k}"), ("answer_ndcg@10", "answer\nnDCG@10"),
                 ("retrieval_hit@k", "retrieval\nhit@{k}"), ("retrieval_ndcg@10", "retrieval\nnDCG@10"),
                 ("provider_f1", "set\nprovider F1"), ("answer_accuracy", "expected\nanswer"),
                 ("abstention_accuracy", "abstention\n(unanswerable)"))
# The per-category table's columns: (key, header).
CATEGORY_COLUMNS = (("answer_hit@k", "answer hit@{k}"), ("retrieval_hit@k", "retrieval hit@{k}"),
                    ("answer_mrr", "answer MRR"), ("false_abstention", "false abst."),
                    ("abstention_accuracy", "declined (unans.)"), ("provider_f1", "provider F1"),
                    ("finding_accuracy", "finding labels"), ("follow_up_accuracy", "follow-up"),
                    ("answer_accuracy", "expected answer"), ("latency_p50_ms", "p50 ms"))
# Categories whose answers do not depend on the retrieval mode: they read parsed
# facts or scan every provider.
MODE_INDEPENDENT = ("value", "set")


def failures(outcomes: Sequence[Outcome], mode: str) -> list[tuple[str, str, str]]:
    """(id, "corpus/category", what went wrong) for every question the given mode got wrong in some way."""
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
        if s.get("finding_accuracy", 1.0) < 1.0:
            problems.append(f"finding labels {s['finding_accuracy']:.2f} right")
        if s.get("answer_accuracy") == 0.0:
            problems.append("expected answer text missing or out of order")
        if s.get("follow_up_accuracy") == 0.0:
            problems.append("follow-up wrong")
        if s.get("abstention_accuracy") == 0.0:
            problems.append("answered an unanswerable question")
        if problems:
            rows.append((o.id, f"{o.corpus}/{o.category}", "; ".join(problems)))
    return rows


def fmt(value, ms: bool = False) -> str:
    """A metric for a table: 3 decimals, whole milliseconds, or a dash when it does not apply."""
    if value is None or value != value:  # None, or NaN (a percentile of nothing)
        return "–"
    return f"{value:.0f}" if ms else f"{value:.3f}"


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _targets_table(outcomes: Sequence[Outcome], k: int, mode: str) -> list[str]:
    pairs = groups(outcomes)
    rows = [o for o in outcomes if o.mode == mode]
    sums = {(c, s): summary_of([o for o in rows if (o.corpus, o.split) == (c, s)]) for c, s in pairs}
    lines = [f"## Targets ({mode})", "",
             "The issue's targets hold on the **test** split, for seeds and real separately; dev is shown for "
             "reference. ✓ met, ✗ missed, – no question measures it.", "",
             _row(["target", *(f"{c} {s} ({sums[(c, s)]['questions']})" for c, s in pairs)]),
             "|---|" + "---|" * len(pairs)]
    checks = {pair: targets(sums[pair]) for pair in pairs}
    for i, (label, _, _) in enumerate(checks[pairs[0]] if pairs else ()):
        cells = []
        for pair in pairs:
            _, value, met = checks[pair][i]
            cells.append("–" if met is None else f"{fmt(value)} {'✓' if met else '✗'}")
        lines.append(_row([label.format(k=k), *cells]))
    return lines + [""]


def _modes_table(outcomes: Sequence[Outcome], k: int) -> list[str]:
    summary = summarise(outcomes)
    modes = list(summary)
    n = summary[modes[0]]["questions"]
    lines = ["## Modes side by side", "", f"All {n} questions asked, both corpora.", "",
             _row(["metric", "n", *modes]), "|---|---|" + "---|" * len(modes)]
    for key, label in METRICS:
        lines.append(_row([label.format(k=k), str(summary[modes[0]][f"n_{key}"]), *(fmt(summary[m][key]) for m in modes)]))
    for key, label in (("latency_p50_ms", "latency p50 (ms)"), ("latency_p95_ms", "latency p95 (ms)")):
        lines.append(_row([label, str(n), *(fmt(summary[m][key], ms=True) for m in modes)]))
    lines += ["", "*Answer evidence* scores the sentences the answer cites (retrieval and sentence selection "
              "together); *retrieval evidence* scores the top chunks of `Retriever.search` alone; either counts "
              "only text from an expected provider's report. Value and set questions read parsed facts or scan "
              "every provider, so they do not depend on the retrieval mode: the mode comparison is meaningful on "
              "the passage categories and on the retrieval rows.", ""]
    return lines


def _corpus_table(outcomes: Sequence[Outcome], k: int, mode: str) -> list[str]:
    pairs = groups(outcomes)
    rows = [o for o in outcomes if o.mode == mode]
    sums = {(c, s): summary_of([o for o in rows if (o.corpus, o.split) == (c, s)]) for c, s in pairs}
    lines = [f"## By corpus and split ({mode})", "",
             _row(["metric", *(f"{c} {s}" for c, s in pairs)]), "|---|" + "---|" * len(pairs),
             _row(["questions", *(str(sums[p]["questions"]) for p in pairs)])]
    for key, label in METRICS:
        lines.append(_row([label.format(k=k), *(f"{fmt(sums[p][key])} ({sums[p][f'n_{key}']})" for p in pairs)]))
    lines.append(_row(["latency p50 / p95 (ms)", *(f"{fmt(sums[p]['latency_p50_ms'], True)} / "
                                                   f"{fmt(sums[p]['latency_p95_ms'], True)}" for p in pairs)]))
    return lines + ["", "Cells: mean (questions it applies to).", ""]


def _category_tables(outcomes: Sequence[Outcome], k: int, mode: str) -> list[str]:
    lines = []
    rows = [o for o in outcomes if o.mode == mode]
    for corpus, split in groups(outcomes):
        here = [o for o in rows if (o.corpus, o.split) == (corpus, split)]
        lines += [f"## By category: {corpus}, {split} split ({mode})", "",
                  _row(["category", "n", *(h.format(k=k) for _, h in CATEGORY_COLUMNS)]),
                  "|---|---|" + "---|" * len(CATEGORY_COLUMNS)]
        for cat in sorted({o.category for o in here}):
            s = summary_of([o for o in here if o.category == cat])
            cells = [fmt(s[key], ms=key.endswith("_ms")) if key.endswith("_ms") or s.get(f"n_{key}") else "–"
                     for key, _ in CATEGORY_COLUMNS]
            lines.append(_row([cat, str(s["questions"]), *cells]))
        lines.append("")
    return lines


def _modes_by_category(outcomes: Sequence[Outcome], k: int) -> list[str]:
    modes = modes_of(outcomes)
    cats = by_category(outcomes)
    lines = ["## By category, modes side by side", "", f"Answer evidence hit@{k} / retrieval evidence hit@{k} "
             "(set: provider F1; unanswerable: abstention accuracy).", "",
             _row(["category", "n", *modes]), "|---|---|" + "---|" * len(modes)]
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
        lines.append(_row([cat, str(cats[modes[0]].get(cat, {}).get("questions", 0)), *cells]))
    return lines + [""]


def _tradeoff_section(outcomes: Sequence[Outcome], k: int, mode: str) -> list[str]:
    rows = [o for o in outcomes if o.mode == mode]
    curves = {c: tradeoff([o for o in rows if o.corpus == c]) for c in dict.fromkeys(o.corpus for o in rows)}
    if not any(curves.values()):  # no answer states a confidence: there is no curve to draw from this run
        return []
    lines = [f"## Abstention trade-off ({mode})", "",
             "From this run: declining every answer whose stated confidence is below the threshold (first row: "
             "as answered). Passage answers state their answerability (the gate's score of their best sentence); "
             "other kinds state none and are never declined by the threshold.", "",
              _row(["corpus", "threshold", "false abstentions", "unanswerable declined", f"answer hit@{k}"]),
              "|---|---|---|---|---|"]
    for corpus, curve in curves.items():
        for p in curve or ():
            lines.append(_row([corpus, "as answered" if p["threshold"] is None else f"{p['threshold']:.3f}",
                               fmt(p["false_abstention"]), fmt(p["abstention_accuracy"]), fmt(p["answer_hit@k"])]))
    return lines + [""]


def curve_section(record: dict, source: str) -> str:
    """A stored abstention trade-off curve as a table: ``record["curve"]`` is a list of points (dicts of
    figures, such as threshold, unanswerable declined, false abstentions), ``record["chosen"]`` the point
    in use. ``assistant.evaluate.answerability`` writes such a record (eval/answerability.json)."""
    points = [p for p in record.get("curve") or () if isinstance(p, dict)]
    lines = ["## Abstention trade-off (fitted)", ""]
    if not points:
        return "\n".join(lines + [f"`{source}` holds no curve.", ""])
    keys = list(dict.fromkeys(key for p in points for key in p))
    lines += [f"From `{source}`; the point in use is marked.", "",
              _row([key.replace("_", " ") for key in keys]), "|" + "---|" * len(keys)]
    for p in points:
        cells = [v if isinstance(v, str) else fmt(v) for v in (p.get(key) for key in keys)]
        if p == record.get("chosen"):
            cells[0] = f"**{cells[0]}** ← in use"
        lines.append(_row(cells))
    return "\n".join(lines + [""])


def markdown(outcomes: Sequence[Outcome], k: int, title: str, questions_file: str, split: str,
             skipped: Sequence[Skipped] = (), sections: Sequence[str] = ()) -> str:
    """The whole report. ``sections``: extra Markdown (such as the peer comparison) placed before the failures."""
    modes = modes_of(outcomes)
    main = primary_mode(outcomes)
    n = len([o for o in outcomes if o.mode == main])
    counts = ", ".join(f"{c} {sum(1 for o in outcomes if o.mode == main and o.corpus == c)}"
                       for c in dict.fromkeys(o.corpus for o in outcomes))
    lines = [f"# {title}", "",
             f"`{questions_file}`, split **{split}**: {n} questions asked ({counts or 'none'}), k = {k}, "
             f"modes: {', '.join(modes) or 'none'}.", ""]
    if skipped:
        lines += [f"{len(skipped)} questions skipped (their report files are not in the corpus):", ""]
        lines += [f"- `{s.id}` ({s.corpus}): {s.reason}" for s in skipped] + [""]
    if not outcomes:
        return "\n".join(lines + ["No question was asked.", ""])
    assert main is not None  # (there are outcomes)
    lines += _targets_table(outcomes, k, main)
    lines += _modes_table(outcomes, k)
    lines += _corpus_table(outcomes, k, main)
    lines += _category_tables(outcomes, k, main)
    if len(modes) > 1:
        lines += _modes_by_category(outcomes, k)
    lines += _tradeoff_section(outcomes, k, main)
    for section in sections:
        lines += [section.rstrip(), ""]
    for m in modes:
        wrong = failures(outcomes, m)
        lines += [f"## Failures: {m} ({len(wrong)})", ""]
        lines += [f"- `{qid}` ({where}): {what}" for qid, where, what in wrong] or ["None."]
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


def write(outcomes: Sequence[Outcome], out_dir: Path, k: int, questions_file: str, split: str,
          skipped: Sequence[Skipped] = (), sections: Sequence[str] = (), invariance: dict | None = None
          ) -> dict[str, Path]:
    """Write results.jsonl, metrics.json, report.md and (with more than one mode) modes.png into ``out_dir``.
    ``invariance``: the paraphrase invariance per corpus/split (``paraphrase.summary``), when measured."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"results": out_dir / "results.jsonl", "metrics": out_dir / "metrics.json", "report": out_dir / "report.md"}
    with open(paths["results"], "w", encoding="utf-8") as fh:
        for o in outcomes:
            fh.write(json.dumps(o.to_json(), ensure_ascii=False) + "\n")
    main = primary_mode(outcomes)
    curves = {c: tradeoff([o for o in outcomes if o.mode == main and o.corpus == c])
              for c in dict.fromkeys(o.corpus for o in outcomes)}
    payload = {"questions_file": questions_file, "split": split, "k": k,
               "skipped": [s.to_json() for s in skipped],
               "modes": summarise(outcomes), "by_category": by_category(outcomes),
               "by_corpus": by_corpus(outcomes), "by_corpus_category": by_corpus_category(outcomes),
               "targets": {f"{c}/{s}": [{"target": label.format(k=k), "value": v, "met": met}
                                        for label, v, met in targets(summary_of(
                                            [o for o in outcomes if (o.mode, o.corpus, o.split) == (main, c, s)]))]
                           for c, s in groups(outcomes)},
               "abstention_tradeoff": {c: curve for c, curve in curves.items() if curve},
               "paraphrase_invariance": invariance or {}}
    paths["metrics"].write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    paths["report"].write_text(markdown(outcomes, k, "Evaluation report", questions_file, split, skipped, sections)
                               + "\n", encoding="utf-8")
    if len(modes_of(outcomes)) > 1:
        paths["chart"] = bar_chart(outcomes, k, out_dir / "modes.png")
    return paths
