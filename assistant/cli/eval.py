"""`assistant eval run`: ask an evaluation set of each corpus it uses and write the report."""

from __future__ import annotations

from pathlib import Path

import click

from assistant import config
from assistant.cli.common import common, friendly, progress_printer

MODES = ("hybrid", "bm25", "dense")
TRADEOFF_FILE = Path("eval/answerability.json")  # written by `python -m assistant.evaluate.answerability`


@click.group("eval")
def eval_group():
    """Measure the assistant on a question set."""


@eval_group.command("run")
@click.argument("questions_file", metavar="FILE", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@common
@click.option("--real-corpus", "real_corpus", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder of the real report pages that questions with \"corpus\": \"real\" ask about "
                   "(default: tests/data/real).")
@click.option("--mode", type=click.Choice([*MODES, "all"]), default="hybrid", show_default=True,
              help="Retrieval mode; 'all' runs every mode side by side.")
@click.option("--k", type=click.IntRange(1, 100), default=5, show_default=True,
              help="Passages an answer draws on; also the k of hit@k.")
@click.option("--split", type=click.Choice(["dev", "test", "all"]), default="all", show_default=True,
              help="Which questions of the file to ask.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("eval/out"),
              show_default=True, help="Folder for results.jsonl, metrics.json, report.md (and modes.png); "
                                      "each corpus's index is cached under it, in index-cache/.")
@click.option("--peer", is_flag=True, help="Add the side-by-side table of assistant.evaluate.peer (needs txtai).")
@click.option("--tradeoff", "tradeoff_file", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="A fitted abstention trade-off curve (JSON with a \"curve\" list) to add to the report "
                   f"(default: {TRADEOFF_FILE} when it exists).")
@click.option("--paraphrases", "paraphrase_file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              default=None, help="A paraphrase file (JSONL: a question and its variants) whose invariance is "
                                 "measured and added to the report.")
@friendly
def run(questions_file, corpus, index, model, real_corpus, mode, k, split, out_dir, peer, tradeoff_file,
        paraphrase_file):
    """Ask every question in FILE (JSONL) of its corpus and report evidence, provider, finding, follow-up,
    answer and abstention metrics per corpus, split and category.

    Each corpus the file uses is indexed into OUT/index-cache/ and reused while its files, the
    indexing code and the model are unchanged; --index uses an existing index for the seeds corpus instead.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from assistant.evaluate import corpora, dataset, paraphrase, report, runner
    from assistant.search.embed import Embedder
    from assistant.session import load_assistant

    questions = dataset.load(questions_file, split)  # validate before the slow model load
    paraphrases = paraphrase.load(paraphrase_file, split) if paraphrase_file else []
    if not questions:
        raise dataset.EvalFileError(f"{questions_file} has no questions in split '{split}'")
    folders = {corpora.SEEDS: config.corpus_dir(corpus), corpora.REAL: real_corpus or corpora.REAL_FOLDER}
    asked, skipped = corpora.runnable(questions, folders)
    if not asked:
        raise dataset.EvalFileError(f"none of the {len(questions)} questions can be asked: {skipped[0].reason}")
    peer_module = load_peer() if peer else None  # fail before the slow part, not after it
    curve_file = tradeoff_file or (TRADEOFF_FILE if TRADEOFF_FILE.is_file() else None)
    curve = read_json(curve_file) if curve_file else None
    embedder = Embedder(model).load()
    assistants = {name: load_assistant(index_for(name, folders[name], index, out_dir, embedder), embedder=embedder)
                  for name in dict.fromkeys([*(q.corpus for q in asked), *(p.corpus for p in paraphrases)])}
    modes = MODES if mode == "all" else (mode,)
    with Progress(TextColumn("asking"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()) as bar:
        task = bar.add_task("ask", total=len(asked) * len(modes))
        outcomes = runner.run(assistants, asked, modes, k, progress=lambda done, total: bar.update(task, completed=done))
    sections = peer_sections(peer_module, assistants, asked, k, split) if peer_module else []
    if curve is not None:
        sections.append(report.curve_section(curve, str(curve_file)))
    invariance = None
    if paraphrases:
        rows = paraphrase.run(assistants, paraphrases)
        sections.append(paraphrase.markdown(rows))
        invariance = paraphrase.summary(rows)
        for key, held in sorted(invariance.items()):
            click.echo(f"paraphrase invariance {key}: {held['invariant']}/{held['variants']} = {held['invariance']:.3f}")
    paths = report.write(outcomes, out_dir, k, str(questions_file), split, skipped, sections, invariance)
    for (c, s) in report.groups(outcomes):
        for m in modes:
            rows = [o for o in outcomes if (o.mode, o.corpus, o.split) == (m, c, s)]
            x = report.summary_of(rows)
            click.echo(f"{c:>5} {s:>4} {m:>6}: {x['questions']:>3} q  answer hit@{k} {report.fmt(x['answer_hit@k'])}  "
                       f"retrieval hit@{k} {report.fmt(x['retrieval_hit@k'])}  "
                       f"F1 {report.fmt(x['provider_f1'])}  declined {report.fmt(x['abstention_accuracy'])}  "
                       f"false abst. {report.fmt(x['false_abstention'])}  "
                       f"p50 {report.fmt(x['latency_p50_ms'], ms=True)} ms")
    if skipped:
        click.echo(f"skipped {len(skipped)} questions whose report files are not in the corpus (see report.md)")
    click.echo("wrote " + ", ".join(str(p) for p in paths.values()))


def index_for(name: str, folder: Path, index: Path | None, out_dir: Path, embedder) -> Path:
    """The index to ask corpus ``name``'s questions of: ``--index`` for the seeds when given, else the
    corpus's cached index under OUT/index-cache/ (built, with a progress bar, when it is missing or stale)."""
    from assistant.evaluate import corpora

    if name == corpora.SEEDS and index is not None:
        return index
    callback, finish = progress_printer()
    try:
        return corpora.cached_index(name, folder, out_dir / "index-cache", embedder, callback)
    finally:
        finish()


def read_json(path: Path) -> dict:
    """A JSON object from ``path``; ValueError naming the file when it is not one."""
    import json

    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not a JSON file ({exc})") from None
    if not isinstance(value, dict):
        raise ValueError(f"{path}: expected a JSON object")
    return value


def load_peer():
    """``assistant.evaluate.peer``, or a ValueError saying what is missing (the module, or txtai)."""
    import importlib

    try:
        module = importlib.import_module("assistant.evaluate.peer")
        importlib.import_module("txtai")
    except ImportError as exc:
        raise ValueError(f"--peer needs assistant/evaluate/peer.py and txtai ({exc})") from None
    return module


def peer_sections(peer, assistants: dict, questions, k: int, split: str) -> list[str]:
    """The peer comparison's side-by-side table, one per corpus: the ``peer`` module provides
    ``compare(assistant, questions, k)`` and ``markdown(result, title)``."""
    out = []
    for name, assistant in assistants.items():
        asked = [q for q in questions if q.corpus == name]
        out.append(peer.markdown(peer.compare(assistant, asked, k), f"Peer comparison: {name}, split {split}"))
    return out


def register(main: click.Group) -> None:
    """Add the `eval` group to the command group."""
    main.add_command(eval_group)
