"""`assistant index status`: what the live index holds, and whether its files are intact.

Exit code 0 when healthy, 1 when a segment file is missing or does not match its
recorded checksum (each problem printed), or when the index cannot be read at all.
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
@friendly
def status(corpus, index, model, as_json, list_reports):
    """Show what the live index holds and check its files against their checksums."""
    if list_reports:
        step("index status")
        _reports(config.index_dir(index), as_json)
        return
    from assistant.chat.display import build_command, json_text
    from assistant.indexing.load import status as index_status
    from assistant.indexing.scan import safe_name

    step("index status")
    info = index_status(config.index_dir(index))
    info["corpus"] = str(config.corpus_dir(corpus))
    info["pending"] = pending_changes(config.corpus_dir(corpus), config.index_dir(index))
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
        click.echo("healthy: every segment file matches its checksum" if info["healthy"] else
                   "DAMAGED: rebuild with `assistant index build`")
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


def pending_changes(corpus_dir, index_dir) -> dict[str, list[str]]:
    """What ``index update`` would add, re-index and remove: corpus files new since the last update, changed
    (their bytes differ from those indexed), and gone. Read-only; a file is hashed only when its size or
    modification time differs from the recorded ones."""
    from assistant.indexing import versions
    from assistant.indexing.manifest import Manifest
    from assistant.indexing.plan import hashes, no_progress
    from assistant.indexing.scan import list_corpus

    manifest = Manifest.load(versions.current_version(index_dir))
    listing = list_corpus(corpus_dir, must_exist=False)
    sha = hashes(listing, manifest, config.IngestSettings(), no_progress)
    indexed = manifest.files
    return {
        "added": sorted(s for s in listing.files if s not in indexed and s not in manifest.skipped),
        "changed": sorted(s for s in listing.files if s in indexed and sha[s] != indexed[s].sha256),
        "removed": sorted(s for s in indexed if s not in listing.files),
    }


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
        "warnings": list(report.warnings),
    }


def _reports(index_dir, as_json: bool) -> None:
    from assistant.chat.display import json_text, plain
    from assistant.indexing.load import load_reports

    rows = [report_summary(r) for r in sorted(load_reports(index_dir).values(), key=lambda r: (r.provider, r.date or ""))]
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
        for warning in row["warnings"]:
            click.echo(plain(f"  warning: {warning}"))
    click.echo(f"{len(rows)} reports")
