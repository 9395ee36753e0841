"""The tuning sweep, on the dev split only: `python -m assistant.evaluate.tune [--out eval/out/tuning.md]`.

Stages run in order and each carries its winner forward (coordinate descent):
fusion and weights, candidate depth, chunk size and overlap (re-indexing the
corpus into temporary folders with the one loaded model), whether set questions
scan every provider, and the answerability threshold (``AnswerSettings``, passed in; the
answerability score itself is fitted by ``assistant.evaluate.answerability``). A setting wins
only by more than ``TIE``; otherwise the current default (the simpler choice) stays.
"""

from __future__ import annotations


import argparse
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from assistant.config import AnswerSettings, ChunkSettings, RetrievalSettings
from assistant.evaluate import dataset, metrics, report, runner

TIE = 0.01  # differences this small on ~36 questions are noise
COLUMNS = ("answer_hit@k", "answer_ndcg@10", "retrieval_hit@k", "retrieval_mrr", "retrieval_ndcg@10",
           "provider_f1", "abstention_accuracy", "false_abstention")


@dataclass(frozen=True)
class Config:
    """One point of the sweep: retrieval, chunk and answer settings."""

    retrieval: RetrievalSettings = field(default_factory=RetrievalSettings)
    chunks: ChunkSettings = field(default_factory=ChunkSettings)
    answer: AnswerSettings = field(default_factory=AnswerSettings)

    def with_retrieval(self, **changes) -> Config:
        return replace(self, retrieval=replace(self.retrieval, **changes))

    def with_answer(self, **changes) -> Config:
        return replace(self, answer=replace(self.answer, **changes))


def objective(summary: dict) -> float:
    """The dev score a setting is chosen by: the mean of answer nDCG@10, retrieval nDCG@10, set-question
    provider F1 and abstention accuracy, so evidence, sets and honesty about gaps all count."""
    keys = ("answer_ndcg@10", "retrieval_ndcg@10", "provider_f1", "abstention_accuracy")
    return metrics.mean([summary[key] for key in keys if summary[key] is not None]) or 0.0


class Sweep:
    """Evaluates configurations on the dev questions; keeps one index per chunk setting."""

    def __init__(self, corpus: Path, embedder, questions: Sequence[dataset.Question], k: int, workdir: Path):
        self.corpus, self.embedder, self.questions, self.k, self.workdir = corpus, embedder, questions, k, workdir
        self._data: dict[ChunkSettings, object] = {}
        self.rows: list[tuple[str, str, dict, float]] = []  # (stage, label, summary, objective)

    def data(self, chunks: ChunkSettings):
        """The index for ``chunks``, built once into the work folder."""
        if chunks not in self._data:
            from assistant.indexing.build import build_index
            from assistant.indexing.load import load_index

            target = self.workdir / f"index-{chunks.max_tokens}-{chunks.overlap_sentences}"
            build_index(self.corpus, target, self.embedder, settings=chunks)
            self._data[chunks] = load_index(target, self.embedder.name)
        return self._data[chunks]

    def evaluate(self, stage: str, label: str, config: Config) -> float:
        """Run the dev questions (hybrid) under ``config``; record and return its objective."""
        from assistant.session import build_assistant

        assistant = build_assistant(self.data(config.chunks), self.embedder, config.retrieval, config.answer)
        outcomes = runner.run(assistant, self.questions, ("hybrid",), self.k)
        summary = report.summarise(outcomes)["hybrid"]
        score = objective(summary)
        self.rows.append((stage, label, summary, score))
        print(f"{stage:>10} {label:<34} objective {score:.3f}", flush=True)
        return score

    def measure(self, name: str, candidates: Sequence[tuple[str, Config]]) -> None:
        """Evaluate ``candidates`` for the record only; the caller decides (a policy, not a score)."""
        for label, config in candidates:
            self.evaluate(name, label, config)
        self.rows.append((name, f"→ chosen: {candidates[0][0]} (policy)", {}, float("nan")))

    def stage(self, name: str, current: Config, candidates: Sequence[tuple[str, Config]]) -> Config:
        """Evaluate ``candidates`` (the first must be ``current``) and return the winner."""
        best_label, best_config = candidates[0]
        best = self.evaluate(name, best_label, best_config)
        for label, config in candidates[1:]:
            score = self.evaluate(name, label, config)
            if score > best + TIE:
                best, best_label, best_config = score, label, config
        self.rows.append((name, f"→ chosen: {best_label}", {}, best))
        return best_config


def sweep(sw: Sweep) -> Config:
    """All stages in order; returns the chosen configuration."""
    cfg = Config()
    weights = {"1:1": (1.0, 1.0), "1:2": (1.0, 2.0), "2:1": (2.0, 1.0), "1:3": (1.0, 3.0)}
    fusion: list[tuple[str, Config]] = []
    for kind, rrf_k in (("rrf", 60), ("rrf", 10), ("convex", cfg.retrieval.rrf_k)):
        for name, (b, d) in weights.items():
            label = f"rrf k={rrf_k} w={name}" if kind == "rrf" else f"convex w={name}"
            option = cfg.with_retrieval(fusion=kind, rrf_k=rrf_k, weights={"bm25": b, "dense": d})
            # The current defaults go first: a challenger must beat them by more than TIE.
            fusion.insert(0 if option.retrieval == cfg.retrieval else len(fusion), (label, option))
    cfg = sw.stage("fusion", cfg, fusion)
    cfg = sw.stage("depth", cfg, [(f"depth {d}", cfg.with_retrieval(depth=d))
                                  for d in (cfg.retrieval.depth, *[d for d in (20, 50, 100) if d != cfg.retrieval.depth])])
    chunk_options = [(256, 0), (256, 1), (128, 0), (128, 1)]
    cfg = sw.stage("chunks", cfg, [(f"max_tokens {t}, overlap {o}", replace(cfg, chunks=ChunkSettings(t, o)))
                                   for t, o in chunk_options])
    # Measured, not chosen by the objective: with top-k only, a provider outside the top passages can
    # never be listed, so recall falls as the corpus grows; scanning every provider stays.
    sw.measure("sets", [("scan all providers", cfg.with_retrieval(scan_all_providers=True)),
                        ("only top-k providers", cfg.with_retrieval(scan_all_providers=False))])
    cfg = cfg.with_retrieval(scan_all_providers=True)
    current = cfg.answer.gate_threshold
    cfg = sw.stage("abstention", cfg, [("as is", cfg)] + [
        (f"gate_threshold {v:g}", cfg.with_answer(gate_threshold=v))
        for v in (current - 0.04, current - 0.02, current + 0.02, current + 0.04)])
    return cfg


def markdown(sw: Sweep, chosen: Config, n_questions: int) -> str:
    """The sweep table and the chosen defaults, for eval/RESULTS.md."""
    k = sw.k
    head = ["stage", "setting", "objective"] + [dict(report.METRICS)[c].format(k=k) for c in COLUMNS]
    lines = ["## Tuning (dev split)", "",
             f"{n_questions} dev questions, hybrid mode, k = {k}. Objective = mean of answer nDCG@10, retrieval "
             "nDCG@10, set-question provider F1 and abstention accuracy. Stages run in order, each keeping its "
             f"winner; a setting replaces the current one only when it beats it by more than {TIE}.", "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for stage, label, summary, score in sw.rows:
        if not summary:
            chosen_score = "" if score != score else f"{score:.3f}"  # NaN: chosen by policy
            lines.append(f"| {stage} | **{label.removeprefix('→ chosen: ')}** ← chosen | {chosen_score} |"
                         + " |" * len(COLUMNS))
            continue
        cells = [report.fmt(summary[c]) for c in COLUMNS]
        lines.append(f"| {stage} | {label} | {score:.3f} | " + " | ".join(cells) + " |")
    r, c = chosen.retrieval, chosen.chunks
    lines += ["", "Chosen defaults:", "",
              f"- fusion `{r.fusion}`" + (f", rrf_k {r.rrf_k}" if r.fusion == "rrf" else "")
              + f", weights bm25 {r.weights['bm25']:g} : dense {r.weights['dense']:g}",
              f"- depth {r.depth}",
              f"- chunks: max_tokens {c.max_tokens}, overlap_sentences {c.overlap_sentences}",
              f"- scan_all_providers {r.scan_all_providers}",
              f"- gate_threshold {chosen.answer.gate_threshold:g}", ""]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the sweep on the dev split and write the table (default eval/out/tuning.md)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", default="eval/questions.jsonl")
    parser.add_argument("--corpus", default=None)
    parser.add_argument("--model", default=None)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--out", default="eval/out/tuning.md")
    args = parser.parse_args(argv)
    from assistant import config
    from assistant.search.embed import Embedder

    # The sweep re-indexes one corpus (--corpus, the seeds by default), so it asks only the seed questions.
    questions = [q for q in dataset.load(args.questions, "dev") if q.corpus == "seeds"]
    embedder = Embedder(args.model).load()
    with tempfile.TemporaryDirectory(prefix="assistant-tune-") as tmp:
        sw = Sweep(config.corpus_dir(args.corpus), embedder, questions, args.k, Path(tmp))
        chosen = sweep(sw)
    text = markdown(sw, chosen, len(questions))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
