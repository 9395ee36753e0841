"""`assistant eval run`: ask an evaluation set and write the side-by-side report."""

from __future__ import annotations

from pathlib import Path

import click

from assistant import config
from assistant.cli.common import common, friendly

MODES = ("hybrid", "bm25", "dense")


@click.group("eval")
def eval_group():
    """Measure the assistant on a question set."""


@eval_group.command("run")
@click.argument("questions_file", metavar="FILE", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@common
@click.option("--mode", type=click.Choice([*MODES, "all"]), default="hybrid", show_default=True,
              help="Retrieval mode; 'all' runs every mode side by side.")
@click.option("--k", type=click.IntRange(1, 100), default=5, show_default=True,
              help="Passages an answer draws on; also the k of hit@k.")
@click.option("--split", type=click.Choice(["dev", "test", "all"]), default="all", show_default=True,
              help="Which questions of the file to ask.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("eval/out"),
              show_default=True, help="Folder for results.jsonl, metrics.json, report.md (and modes.png).")
@friendly
def run(questions_file, corpus, index, model, mode, k, split, out_dir):
    """Ask every question in FILE (JSONL) and report evidence, provider, answer and abstention metrics."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from assistant.session import load_assistant
    from assistant.evaluate import dataset, report, runner

    questions = dataset.load(questions_file, split)  # validate before the slow model load
    if not questions:
        raise ValueError(f"{questions_file} has no questions in split '{split}'")
    assistant = load_assistant(config.index_dir(index), model)
    modes = MODES if mode == "all" else (mode,)
    with Progress(TextColumn("asking"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()) as bar:
        task = bar.add_task("ask", total=len(questions) * len(modes))
        outcomes = runner.run(assistant, questions, modes, k,
                              progress=lambda done, total: bar.update(task, completed=done))
    paths = report.write(outcomes, out_dir, k, str(questions_file), split)
    summary = report.summarise(outcomes)
    for m in modes:
        s = summary[m]
        click.echo(f"{m:>6}: answer hit@{k} {report.fmt(s['answer_hit@k'])}  "
                   f"retrieval hit@{k} {report.fmt(s['retrieval_hit@k'])}  "
                   f"provider F1 {report.fmt(s['provider_f1'])}  abstention {report.fmt(s['abstention_accuracy'])}  "
                   f"p50 {report.fmt(s['latency_p50_ms'], ms=True)} ms")
    click.echo("wrote " + ", ".join(str(p) for p in paths.values()))


def register(main: click.Group) -> None:
    """Add the `eval` group to the command group."""
    main.add_command(eval_group)
