"""`checksheet findings`: the current findings of every provider and of the kept records."""

from __future__ import annotations

import csv
import sys
from datetime import UTC, datetime
from enum import StrEnum

import typer

from checksheet.cli import context
from checksheet.cli.output import LangChoice, console, print_json, table
from checksheet.model import Finding, Status

scan_app = typer.Typer(
    help="Collect evidence (AWS accounts, Linux hosts) and evaluate the checks.", no_args_is_help=True
)


class FindingsFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    OCSF = "ocsf"


STATUS_STYLE = {Status.PASS: "green", Status.FAIL: "red", Status.ERROR: "magenta", Status.MANUAL: "yellow"}
CSV_FIELDS = ("check_id", "control_ids", "status", "severity", "provider", "account", "region",
              "resource_type", "resource_id", "message")


def findings(
    status: Status | None = typer.Option(None, "--status", help="Only pass, fail, error or manual."),
    format: FindingsFormat = typer.Option(
        FindingsFormat.TABLE, "--format", help="table, json, csv or ocsf (OCSF 1.1 Compliance Findings)."
    ),
    lang: LangChoice | None = typer.Option(None, "--lang", help="Language of messages: ja or en."),
    fail_on: Status | None = typer.Option(
        None, "--fail-on", help="Exit 1 when any finding has this status (e.g. fail)."
    ),
) -> None:
    """List the findings of the newest scans and of the kept records."""
    from checksheet import run

    cfg = context.settings()
    out_lang = context.lang(lang, cfg)
    current, observed = run.current_findings(context.store(cfg), cfg)
    selected: list[Finding] = [f for f in current if status is None or f.status is status]
    if format is FindingsFormat.JSON:
        print_json([f.to_json(out_lang) for f in selected])
    elif format is FindingsFormat.OCSF:
        from checksheet import catalog, checks
        from checksheet.report.ocsf import to_ocsf

        controls, titles, now = catalog.catalog(), checks.by_id(), datetime.now(UTC)
        print_json([
            to_ocsf(f, controls, observed.get(f.provider, now), out_lang,
                    titles[f.check_id].title.get(out_lang) if f.check_id in titles else None)
            for f in selected
        ])
    elif format is FindingsFormat.CSV:
        writer = csv.DictWriter(sys.stdout, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for f in selected:
            row = f.to_json(out_lang)
            row["control_ids"] = " ".join(row["control_ids"])
            writer.writerow(row)
    else:
        t = table("check", "status", "resource", "region", "message")
        for f in selected:
            t.add_row(f.check_id, f"[{STATUS_STYLE[f.status]}]{f.status.value}[/]",
                      f"{f.resource_type} {f.resource_id}", f.region, f.message.get(out_lang))
        console.print(t)
    if fail_on is not None and any(f.status is fail_on for f in current):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command()(findings)
    app.add_typer(scan_app, name="scan")
