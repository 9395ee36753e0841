"""`assistant index status`: what the live index holds, and whether its files are intact.

Exit code 0 when healthy, 1 on every problem it reports (each printed): CURRENT not naming
the newest intact commit point, a segment file missing, not matching its recorded checksum
or not fitting the others, a changed tokenizer or parser, or an index that cannot be read.
With ``--reports`` it lists what was read from each report instead, so an inspector
can check the parse: names, service, date, ratings and scores, and the warnings.

It also compares the corpus folder with what the index holds and says what changed since
the last update (files added, changed, removed) and that ``index update`` applies it; an
index that is out of date is still healthy (exit code 0).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from assistant import config
from assistant.chat.display import shown
from assistant.cli.common import common, friendly, step


@click.command("status")
@common
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@click.option("--reports", "list_reports", is_flag=True,
              help="List each indexed report: location, provider, service, date, ratings, scores, warnings.")
@click.option("--version", "version", default=None, metavar="vNNNNNN", help="Check this commit point instead.")
@friendly
def status(corpus, index, model, as_json, list_reports, version):
    """Show what the live index holds and check every file of it."""
    if list_reports:
        step("index status")
        _reports(config.index_dir(index), as_json, version)
        return
    from assistant.chat.display import build_command, json_text
    from assistant.indexing.load import status as index_status
    from assistant.indexing.scan import safe_name

    step("index status")
    info = index_status(config.index_dir(index), version)
    info["corpus"] = str(config.corpus_dir(corpus))
    from assistant.indexing.plan import pending_changes

    info["pending"] = pending_changes(config.corpus_dir(corpus), config.index_dir(index), version)
    if as_json:
        click.echo(json_text(info, indent=1))
    else:
        click.echo(f"version {info['version']} (format {info['format_version']}), built {info['created']}")
        click.echo(f"model {info['model']} ({info['dimension']}-d); {len(info['segments'])} segments "
                   f"({', '.join(s['vectors'] for s in info['segments']) or 'none'}), "
                   f"{sum(s['deleted'] for s in info['segments'])} deleted chunks not yet merged away")
        click.echo(f"{info['files']} files, {info['reports']} reports, {info['chunks']} chunks")
        for source, reason in info["skipped"].items():
            click.echo(f"skipped: {safe_name(source)}: {reason}")
        for note in info["notes"]:
            click.echo(f"note: {note}")
        click.echo("healthy: every file matches its checksum and fits the others" if info["healthy"] else
                   "NOT HEALTHY: each problem below says its fix")
        for problem in info["problems"]:
            click.echo(f"problem: {problem}")
        pending = info["pending"]
        if not Path(info["corpus"]).is_dir():
            click.echo(f"corpus folder {shown(info['corpus'])} does not exist: an update would remove every report "
                       "(it refuses without --allow-removals)")
        elif any(pending.values()):
            counts = ", ".join(f"{len(pending[k])} {k}" for k in ("added", "changed", "removed") if pending[k])
            update = build_command(corpus, index).replace("index build", "index update")
            click.echo(f"out of date: since the last update, {counts} in {shown(info['corpus'])}; "
                       f"`{update}` applies {'them' if sum(map(len, pending.values())) > 1 else 'it'}")
            for kind in ("added", "changed", "removed"):
                for name in pending[kind]:
                    click.echo(f"{kind}: {safe_name(name)}")
        else:
            click.echo(f"up to date with {shown(info['corpus'])}")
    if not info["healthy"]:
        sys.exit(1)


def report_summary(report) -> dict:
    """What was read from one report, as plain data (the ``--reports --json`` rows)."""
    from assistant.models import KEY_QUESTIONS

    ratings = dict(report.ratings)
    scores = dict(report.scores)
    main = next((report.dates[k] for k in ("report", "assessment", "inspection") if k in report.dates), None)
    return {
        "report": report.report_id,
        "source": report.source,
        "location": report.provider,
        "provider": report.registered_provider,
        "aliases": list(report.aliases),
        "postcode": report.postcode,
        "service_type": report.service_type,
        "service": report.service,
        "layout": report.layout,
        "date": str(main) if main else report.date,
        "overall": ratings.get("overall"),
        "key_questions": {kq: {"rating": ratings.get(kq), "score": scores.get(kq)}
                          for kq in KEY_QUESTIONS if kq in ratings or kq in scores},
        "facts": stated_facts(report),
        "warnings": list(report.warnings),
    }


def stated_facts(report) -> dict:
    """The report's other stated values, by kind (those it states only): towns, dates, previous ratings and
    changes, core services' ratings, breaches, enforcement, capacity, people, registered manager, population."""
    one = lambda name: (f.value if (f := report.fact(name)) else None)  # noqa: E731
    services: dict[str, dict[str, str]] = {}
    for service, target, value in report.service_ratings:
        services.setdefault(service, {})[target] = value
    for f in report.facts_named("service_score:"):
        service, _, target = f.name.split(":", 1)[1].rpartition(":")
        services.setdefault(service, {})[f"{target} score"] = f.value
    out = {
        "towns": list(report.towns),
        "dates": {kind: str(d) for kind, d in report.dates.items()},
        "previous_ratings": dict(report.previous_ratings),
        "rating_changes": dict(report.rating_changes),
        "services": services,
        "breaches": list(report.breaches) + [f"{f.value} (topic)" for f in report.facts_named("breach_topic")],
        "enforcement": [f.value for f in report.facts_named("enforcement")],
        "capacity": one("capacity"), "people_using_service": one("people_using_service"),
        "registered_manager": one("registered_manager"), "population": one("population"),
    }
    return {k: v for k, v in out.items() if v}


def _reports(index_dir, as_json: bool, version: str | None = None) -> None:
    from assistant.chat.display import json_text, plain
    from assistant.indexing.load import load_reports

    rows = [report_summary(r) for r in sorted(load_reports(index_dir, version).values(), key=lambda r: (r.provider, r.date or ""))]
    if as_json:
        click.echo(json_text(rows, indent=1))
        return
    for row in rows:
        names = row["location"] + (f" (provided by {row['provider']})" if row["provider"] and row["provider"] != row["location"] else "")
        service = " · ".join(s for s in (row["service_type"], row["service"]) if s) or "service type not found"
        click.echo(plain(f"{names} — {row['report']}"))
        click.echo(plain(f"  {service}; {row['layout']} layout; dated {row['date'] or 'not found'}; "
                         f"overall {row['overall'] or 'not stated'}"))
        kqs = [f"{kq} {v['rating'] or '–'}" + (f" {v['score']}" if v["score"] is not None else "")
               for kq, v in row["key_questions"].items()]
        click.echo(plain("  key questions: " + ("; ".join(kqs) or "none stated")))
        for label, value in row["facts"].items():
            if isinstance(value, dict):
                value = "; ".join(f"{k} {', '.join(f'{t} {v}' for t, v in x.items())}" if isinstance(x, dict)
                                  else f"{k} {x}" for k, x in value.items())
            elif isinstance(value, list):
                value = "; ".join(value)
            click.echo(plain(f"  {label.replace('_', ' ')}: {value}"))
        for warning in row["warnings"]:
            click.echo(plain(f"  warning: {warning}"))
    click.echo(f"{len(rows)} reports")
