"""Fit how sentences are scored and when the assistant declines, on the dev split only.

``python -m assistant.evaluate.answerability [--questions eval/questions.jsonl] [--index seeds=index/ …]``

Each dev question is asked of its corpus's index (``seeds``, ``real``: cached as ``assistant eval run``
caches them, or given with ``--index``). For every dev question that gets a passage answer, the candidate sentences (those of the retrieved
chunks) are collected with their features (``evidence.Candidate.features``: cosine to the question,
lexical coverage, heading coverage, chunk rank, meaning: the lower of the cosines to the question and to
its content words alone) and whether each quotes expected evidence. Then:

1. the sentence score's weights are chosen on a grid to put expected evidence first (mean
   reciprocal rank of the first evidence sentence, then hit@3: the answer quotes up to three);
2. the answerability of each question's best sentence is computed for each gate weighting on a
   grid; the weighting that best separates answerable from unanswerable questions (area under the
   curve) is kept, and its threshold is the point on the curve with the largest gap between the
   share of unanswerable questions declined and the share of answerable ones declined (both are
   defects: a weak match dressed up as an answer, and a good answer withheld), each share taken of
   all the question set's questions of its kind (``choose``), ties going to fewer false abstentions. The issue's bars (``TARGET_DECLINED``, ``TARGET_FALSE``) are reported beside it;
3. how far below the best sentence further sentences may score and still be quoted (``keep_within``), and
   how many may be quoted (``max_sentences``): the smallest margin and count that quote expected evidence
   for the most answerable questions.

It writes the curve (threshold, share of unanswerable questions declined, false abstention rate) and
the chosen point as JSON (``--out``, default ``eval/answerability.json``) and prints the
``AnswerSettings`` values to put in ``assistant/config.py``. Re-run it when the question set grows.
"""

from __future__ import annotations

from typing import Any

import argparse
import itertools
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from assistant.config import AnswerSettings
from assistant.evaluate import dataset, metrics

TARGET_DECLINED = 0.90  # the bars: unanswerable questions declined, and answerable ones declined
TARGET_FALSE = 0.05
SCORE_GRID = {"w_lexical": (0.0, 0.3, 0.6, 1.0), "w_heading": (0.0, 0.15, 0.3), "w_rank": (0.0, 0.05, 0.1, 0.2)}
GATE_GRID = {"gate_lexical": (0.0, 0.25, 0.5, 0.75, 1.0), "gate_heading": (0.0, 0.25)}
KEEP_GRID = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6)
# How many sentences an answer may quote: up to the five citations a reader (and the evaluation's hit@5) reads.
MOST_GRID = (3, 4, 5)


@dataclass(frozen=True)
class Sample:
    """One dev question's passage candidates."""

    id: str
    answerable: bool
    features: np.ndarray  # (candidates, 5): dense, lexical, heading, 1 / rank, meaning (Candidate.features)
    relevant: np.ndarray  # (candidates,) bool: quotes expected evidence
    has_evidence: bool  # the question lists expected evidence
    declined: bool = False  # declined whatever the gate: "how many" with no figure about the thing asked


def collect(assistant, questions: Sequence[dataset.Question]) -> list[Sample]:
    """The candidates of every question whose answer is a passage (the gate applies to those alone)."""
    from assistant.answer import evidence, passage
    from assistant.answer.base import Ask
    from assistant.chat.conversation import Conversation
    from assistant.models import Filters

    samples = []
    for q in questions:
        chat = Conversation(assistant)
        for turn in q.context:
            chat.ask(turn)
        a = assistant.analyse(q.question, chat.turns[-1].answer if chat.turns else None)
        if a.kind not in ("passage", "premise"):
            continue
        filters = Filters(providers=a.providers)
        ask = Ask(a, filters, assistant)
        if not ask.reports:
            continue
        found = evidence.candidates(assistant.sentences, assistant.data.reports, ask.hits, a.terms, ask.vector,
                                    assistant.settings, a.count, a.alternatives, a.frequency, ask.content_vector)
        if not found:
            continue
        texts = [c.report.text[c.start:c.end] for c in found]
        relevant = np.asarray([g > 0 for g in metrics.gains(texts, q.expected_evidence)], dtype=bool) \
            if q.expected_evidence else np.zeros(len(found), dtype=bool)
        figureless = a.figure and not passage.stating(a, found, {c.chunk.chunk_id for c in found})
        samples.append(Sample(q.id, q.answerable, np.asarray([c.features() for c in found], dtype=np.float64),
                              relevant, bool(q.expected_evidence), figureless))
    return samples


def _score(f: np.ndarray, w: dict) -> np.ndarray:
    return f[:, 0] + w["w_lexical"] * f[:, 1] + w["w_heading"] * f[:, 2] + w["w_rank"] * f[:, 3]


def _gate(f: np.ndarray, g: dict) -> np.ndarray:
    meaning = f[:, 4] if f.shape[1] > 4 else f[:, 0]  # Candidate.meaning; features without it: the cosine
    return meaning + g["gate_lexical"] * f[:, 1] + g["gate_heading"] * f[:, 2]


def fit_score(samples: Sequence[Sample]) -> tuple[dict, dict]:
    """The score weights (dense weighs 1) that rank expected evidence first; and their MRR and hit@3."""
    judged = [s for s in samples if s.answerable and s.relevant.any()]
    best: dict[str, float] = {}
    best_key: tuple[float, float] | None = None
    best_stats: dict[str, float] = {}
    for values in itertools.product(*SCORE_GRID.values()):
        w = dict(zip(SCORE_GRID, values))
        ranks = [1 + int(np.flatnonzero(s.relevant[np.argsort(-_score(s.features, w), kind="stable")])[0])
                 for s in judged]
        mrr = float(np.mean([1 / r for r in ranks])) if ranks else 0.0
        hit3 = float(np.mean([r <= 3 for r in ranks])) if ranks else 0.0
        key = (round(mrr, 4), round(hit3, 4))
        if best_key is None or key > best_key:
            best, best_key, best_stats = w, key, {"mrr": mrr, "hit@3": hit3, "questions": len(judged)}
    return best, best_stats


def curve(samples: Sequence[Sample], w: dict, g: dict) -> list[dict]:
    """Each distinct threshold: the share of unanswerable questions declined and of answerable ones declined."""
    tops = []
    for s in samples:
        best = int(np.argmax(_score(s.features, w)))
        gate = -1.0 if s.declined else float(_gate(s.features[best: best + 1], g)[0])
        tops.append((gate, s.answerable, bool(s.relevant[best])))
    pos = [t for t, a, _ in tops if a]
    neg = [t for t, a, _ in tops if not a]
    # Thresholds halfway between consecutive observed scores, so the chosen one leaves room on both sides.
    seen = sorted({v for v, _, _ in tops})
    cuts = [seen[0] - 0.01] + [(a + b) / 2 for a, b in zip(seen, seen[1:])] + [seen[-1] + 0.01] if seen else [0.0]
    points = []
    for t in (round(c, 4) for c in cuts):
        points.append({"threshold": t,
                       "declined_unanswerable": float(np.mean([v < t for v in neg])) if neg else None,
                       "false_abstention": float(np.mean([v < t for v in pos])) if pos else None,
                       "answered_wrong_sentence": float(np.mean([v >= t and a and not r for v, a, r in tops if a]))
                       if pos else None})
    return points


def _auc(points: list[dict]) -> float:
    xs = [p["false_abstention"] for p in points]
    ys = [p["declined_unanswerable"] for p in points]
    if None in xs or None in ys:
        return 0.0
    order = np.argsort(xs, kind="stable")
    return float(np.trapezoid(np.asarray(ys)[order], np.asarray(xs)[order]))


def choose(points: list[dict], weights: tuple[float, float] = (1.0, 1.0)) -> dict:
    """The point with the largest gap between unanswerable questions declined and answerable ones declined
    (Youden's J); ties go to fewer false abstentions, then the lower threshold.

    ``weights`` (unanswerable, answerable) scale the two rates to the whole question set's: a passage
    question is one of all the set's unanswerable (or answerable) questions, most of which other answer
    kinds decline (or answer). With 4 unanswerable passage questions among 24 unanswerable questions and
    120 answerable ones among 230, declining one more unanswerable one is worth about 10 false abstentions
    to the rates the evaluation reports, not 30 as the passage rates alone would have it."""
    usable = [p for p in points if p["declined_unanswerable"] is not None and p["false_abstention"] is not None]
    if not usable:
        return points[0]
    wu, wa = weights
    return max(usable, key=lambda p: (round(wu * p["declined_unanswerable"] - wa * p["false_abstention"], 6),
                                      -p["false_abstention"], -p["threshold"]))


def population_weights(samples: Sequence[Sample], population: tuple[int, int] | None) -> tuple[float, float]:
    """(unanswerable, answerable) weights for ``choose``: the passage questions' share of all the question
    set's unanswerable and answerable questions (``population``); (1, 1) without one."""
    if not population:
        return 1.0, 1.0
    answerable, unanswerable = population
    n_yes = sum(s.answerable for s in samples)
    n_no = len(samples) - n_yes
    return (n_no / unanswerable if unanswerable else 1.0), (n_yes / answerable if answerable else 1.0)


def quoted_hit(samples: Sequence[Sample], w: dict, g: dict, threshold: float, keep: float, most: int) -> float:
    """The share of answerable questions with evidence whose quoted sentences (the best, then those within
    ``keep`` of it that pass the gate, ``most`` in all) include expected evidence."""
    judged = [s for s in samples if s.answerable and s.has_evidence]
    hits = 0
    for s in judged:
        score, gate = _score(s.features, w), _gate(s.features, g)
        order = np.argsort(-score, kind="stable")
        if gate[order[0]] < threshold:
            continue
        quoted = [i for i in order if score[i] >= score[order[0]] - keep and gate[i] >= threshold][:most]
        hits += bool(s.relevant[quoted].any())
    return hits / len(judged) if judged else 0.0


def fit(samples: Sequence[Sample], base: AnswerSettings = AnswerSettings(),
        population: tuple[int, int] | None = None) -> tuple[AnswerSettings, dict]:
    """Fitted settings and the record of the fit (score stats, gate AUC, curve, chosen point).
    ``population``: (answerable, unanswerable) questions in the whole question set (see ``choose``)."""
    w, score_stats = fit_score(samples)
    weights = population_weights(samples, population)
    best: tuple[Any, ...] | None = None
    for values in itertools.product(*GATE_GRID.values()):
        g = dict(zip(GATE_GRID, values))
        points = curve(samples, w, g)
        point = choose(points, weights)
        key = (round(_auc(points), 4), -(point["false_abstention"] or 0.0))
        if best is None or key > best[0]:
            best = (key, g, points, point)
    assert best is not None  # (the grid is not empty)
    _, g, points, point = best
    # The point the passage questions alone would choose (every one of them weighing alike): answers between
    # the two thresholds are given, but say they answer only nearly (``AnswerSettings.hedge_threshold``).
    hedge = choose(points) if population else point
    if hedge["threshold"] < point["threshold"]:
        hedge = point
    quoted = {(m, k): quoted_hit(samples, w, g, point["threshold"], k, m) for m in MOST_GRID for k in KEEP_GRID}
    # The most evidence quoted; ties go to fewer sentences, then the smaller margin (less that is not evidence).
    most, keep = min(quoted, key=lambda mk: (-round(quoted[mk], 6), mk))
    keeps = {k: quoted[(most, k)] for k in KEEP_GRID}
    fitted: dict[str, Any] = {**w, **g}
    settings = replace(base, w_dense=1.0, gate_dense=1.0, **fitted, gate_threshold=round(point["threshold"], 3),
                       hedge_threshold=round(hedge["threshold"], 3), keep_within=keep, max_sentences=most)
    record = {"score": {**w, **score_stats}, "gate": {**g, "auc": round(best[0][0], 4)},
              "keep_within": {"chosen": keep, "quoted_evidence": {str(k): round(v, 4) for k, v in keeps.items()}},
              "max_sentences": {"chosen": most, "quoted_evidence": {str(m): round(max(quoted[(m, k)] for k in KEEP_GRID), 4)
                                                                    for m in MOST_GRID}},
              "chosen": point, "hedge": hedge, "curve": points,
              "meets_targets": bool(point["declined_unanswerable"] is not None and point["false_abstention"] is not None
                                    and point["declined_unanswerable"] >= TARGET_DECLINED
                                    and point["false_abstention"] <= TARGET_FALSE),
              "questions": {"passage": len(samples), "answerable": sum(s.answerable for s in samples),
                            "unanswerable": sum(not s.answerable for s in samples)},
              "population": {"answerable": population[0], "unanswerable": population[1],
                             "weights": [round(x, 4) for x in weights]} if population else None}
    return settings, record


def markdown(record: dict) -> str:
    """The curve as a table for eval/RESULTS.md, the chosen point marked."""
    q, c = record["questions"], record["chosen"]
    lines = [f"{q['passage']} dev questions answered by passage ({q['answerable']} answerable, "
             f"{q['unanswerable']} unanswerable). Sentence score: dense + {record['score']['w_lexical']:g} × lexical + "
             f"{record['score']['w_heading']:g} × heading + {record['score']['w_rank']:g} / chunk rank "
             f"(evidence MRR {record['score']['mrr']:.3f}, hit@3 {record['score']['hit@3']:.3f}). Answerability: "
             f"dense + {record['gate']['gate_lexical']:g} × lexical + {record['gate']['gate_heading']:g} × heading "
             f"(area under the curve {record['gate']['auc']:.3f}), where dense is the lower of the cosines to the "
             f"question and to its content words. Chosen point: the largest gap between the two decline rates"
             f"{_population(record)}; it {'meets' if record['meets_targets'] else 'misses'} the bars of ≥ {TARGET_DECLINED:.0%} "
             f"unanswerable declined and ≤ {TARGET_FALSE:.0%} false abstentions. Further sentences are quoted within "
             f"{record['keep_within']['chosen']:g} of the best, {_most(record)} at most (quoted evidence for "
             f"{record['keep_within']['quoted_evidence'][str(record['keep_within']['chosen'])]:.3f} of answerable "
             "questions with evidence)." + _hedge(record), "",
             "| threshold | unanswerable declined | false abstentions | answered, wrong sentence |", "|---|---|---|---|"]
    h = record.get("hedge")
    for p in record["curve"]:
        mark = " ← chosen" if p is c or p == c else " ← answers below say they answer only nearly" \
            if h is not None and h != c and p == h else ""
        fmt = lambda v: "–" if v is None else f"{v:.3f}"  # noqa: E731
        lines.append(f"| {p['threshold']:.3f}{mark} | {fmt(p['declined_unanswerable'])} | {fmt(p['false_abstention'])} | "
                     f"{fmt(p['answered_wrong_sentence'])} |")
    return "\n".join(lines) + "\n"


def _most(record: dict) -> str:
    m = record.get("max_sentences")
    return f"{m['chosen']} sentences" if m else "the settings' count of sentences"


def _hedge(record: dict) -> str:
    h, c = record.get("hedge"), record["chosen"]
    if not h or h == c:
        return ""
    return (f" Answers scoring below {h['threshold']:.3f}, the point the passage questions alone would choose, "
            f"are given but open by saying that no sentence answers the question directly.")


def _population(record: dict) -> str:
    p = record.get("population")
    if not p:
        return ""
    return (f", each taken of all the set's dev questions of its kind ({p['unanswerable']} unanswerable, "
            f"{p['answerable']} answerable)")


def main(argv: Sequence[str] | None = None) -> None:
    """Fit on the dev split of a question file, each question asked of its corpus's index; write the record
    and print the settings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", default="eval/questions.jsonl", help="the question file (its dev split is used)")
    parser.add_argument("--index", action="append", default=[], metavar="CORPUS=INDEX",
                        help="an existing index for a corpus (\"seeds=index/\"); other corpora are indexed "
                             "into --cache as `assistant eval run` does")
    parser.add_argument("--cache", default="eval/out/index-cache", help="where corpus indexes are cached")
    parser.add_argument("--corpus", default=None, help="the seeds corpus folder (default: as `assistant` finds it)")
    parser.add_argument("--model", default=None)
    parser.add_argument("--out", default="eval/answerability.json")
    args = parser.parse_args(argv)
    from assistant import config
    from assistant.evaluate import corpora
    from assistant.search.embed import Embedder
    from assistant.session import load_assistant

    embedder = Embedder(args.model).load()
    questions = dataset.load(args.questions, "dev")
    folders = {corpora.SEEDS: config.corpus_dir(args.corpus), corpora.REAL: corpora.REAL_FOLDER}
    asked, _ = corpora.runnable(questions, folders)
    given = dict(pair.partition("=")[::2] for pair in args.index)
    samples: list[Sample] = []
    for name in dict.fromkeys(q.corpus for q in asked):
        index = Path(given[name]) if name in given else corpora.cached_index(name, folders[name], Path(args.cache),
                                                                             embedder)
        assistant = load_assistant(index, embedder=embedder)
        samples += collect(assistant, [q for q in asked if q.corpus == name])
    population = (sum(q.answerable for q in asked), sum(not q.answerable for q in asked))
    settings, record = fit(samples, population=population)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    record["settings"] = {k: v for k, v in asdict(settings).items() if k.startswith(("w_", "gate_", "hedge_", "keep_", "max_sentences"))}
    out.write_text(json.dumps(record, indent=1), encoding="utf-8")
    out.with_suffix(".md").write_text(markdown(record), encoding="utf-8")
    print(markdown(record))
    print("AnswerSettings:", ", ".join(f"{k}={v:g}" for k, v in record["settings"].items()))


if __name__ == "__main__":
    main()
