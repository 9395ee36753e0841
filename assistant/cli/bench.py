"""`assistant bench`: run the benchmark and print its table and JSON."""

from __future__ import annotations

import json
from pathlib import Path

import click

from assistant.cli.common import common, friendly


def _sizes(value: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(float(s.strip().lower().replace("k", "e3").replace("m", "e6"))) for s in value.split(","))
    except ValueError:
        raise click.BadParameter(f"sizes are chunk counts separated by commas (1000,10k,1m), not {value!r}") from None
    if not sizes or min(sizes) < 1:
        raise click.BadParameter("every size must be at least 1 chunk")
    return sizes


@click.command("bench")
@common
@click.option("--sizes", default="1000,10000", show_default=True,
              help="Corpus sizes in chunks, comma separated (10k, 1m allowed). Above 200k: retrieval alone.")
@click.option("--embed-limit", type=click.IntRange(0), default=1000, show_default=True,
              help="Embed every chunk for real up to this size; above it, embed a sample and synthesise the rest.")
@click.option("--repeats", type=click.IntRange(1), default=3, show_default=True, help="Times each query is timed.")
@click.option("--backend", type=click.Choice(["onnx", "onnx-int8", "torch"]), default=None,  # search.embed.BACKENDS
              help="Embedding backend (default: $ASSISTANT_BACKEND, else the default backend).")
@click.option("--json-out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the JSON figures to this file.")
@click.option("--work", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the generated corpora and indexes (default: a temporary folder, removed after).")
@click.option("--cold-start", is_flag=True,
              help="Instead: time fresh processes answering a value and a passage question, and the chat window "
                   "until ready, against importing sentence-transformers (on a seed index built first).")
@click.option("--embedding", is_flag=True,
              help="Instead: embedding throughput per backend on real-length chunks (corpus/, tests/data/real/).")
@click.option("--chunks", type=click.IntRange(1), default=512, show_default=True,
              help="With --embedding: chunks embedded per run.")
@click.option("--fuzz", "fuzz_examples", type=click.IntRange(1), default=None, metavar="N",
              help="Instead: fuzz the readers and the parser with N random inputs per property (needs hypothesis).")
@friendly
def bench(corpus, index, model, sizes, embed_limit, repeats, backend, json_out, work, cold_start, embedding, chunks,
          fuzz_examples):
    """Benchmark build, update and query at scale on a generated corpus; print a table and JSON."""
    if fuzz_examples:
        from assistant.bench import fuzz

        result = fuzz.run(fuzz_examples, log=lambda line: click.echo(line, err=True))
        click.echo(json.dumps(result, indent=1))
        return
    if cold_start or embedding:
        _speed(cold_start, embedding, backend, chunks, repeats, json_out)
        return
    from assistant.bench.report import emit_json, markdown
    from assistant.bench.run import Options, run

    opts = Options(sizes=_sizes(sizes), embed_limit=embed_limit, repeats=repeats, backend=backend, work=work,
                   log=lambda line: click.echo(line, err=True))
    result = run(opts)
    click.echo(markdown(result))
    emit_json(result, json_out, click.echo)


def _speed(cold_start: bool, embedding: bool, backend: str | None, chunks: int, repeats: int, json_out) -> None:
    """The start-up and embedding benchmarks (``bench.startup``, ``bench.throughput``)."""
    from assistant.bench import startup, throughput
    from assistant.bench.report import emit_json

    log = lambda line: click.echo(line, err=True)  # noqa: E731
    result, tables = {}, []
    if embedding:
        backends = (backend,) if backend else ("torch", "onnx", "onnx-int8")
        result["embedding"] = throughput.run(backends, chunks, repeats, log=log)
        tables.append(throughput.markdown(result["embedding"]))
    if cold_start:
        result["cold_start"] = startup.run(repeats=max(repeats, 5), log=log)
        tables.append(startup.markdown(result["cold_start"]))
    click.echo("\n\n".join(tables))
    emit_json(result, json_out, click.echo)


def register(main: click.Group) -> None:
    """Add `bench` to the command group."""
    main.add_command(bench)
