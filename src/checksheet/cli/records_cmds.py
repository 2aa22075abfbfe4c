"""`checksheet drills|assessments|attestations|evidence add|list|show|import|template`."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from checksheet.cli import context
from checksheet.cli.ledger_cmds import default_actor
from checksheet.cli.output import Format, console, print_json, say, table
from checksheet.config import Settings
from checksheet.errors import UsageError
from checksheet.model import RecordKind, Text

if TYPE_CHECKING:  # records (pydantic, SQLAlchemy) load when a record command runs
    from checksheet.records.service import Record
    from checksheet.store import Store


class TemplateFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


LABEL = {
    RecordKind.DRILL: Text("訓練", "drill"),
    RecordKind.ASSESSMENT: Text("脆弱性診断", "assessment"),
    RecordKind.ATTESTATION: Text("宣誓", "attestation"),
    RecordKind.EVIDENCE_FILE: Text("証跡ファイル", "evidence file"),
}


def _today() -> date:
    return datetime.now(UTC).date()


def _stored(store: Store, cfg: Settings, added: list[Record]) -> None:
    """After a change: statuses recomputed, the new entries signed, and a line for the person."""
    from checksheet import run
    from checksheet.ledger import checkpoint, keys

    run.refresh_statuses(store, cfg)
    checkpoint.checkpoint_if_due(store, keys.load_key(cfg), every=1)
    kind = LABEL[added[0].kind]
    say(Text(ja="{kind}を {n} 件記録しました(台帳 {seqs})", en="Recorded {n} {kind} record(s) (ledger {seqs})"),
        cfg.lang, n=len(added), kind=kind.get(cfg.lang), seqs=", ".join(str(r.ledger_seq) for r in added[:5]))


def _add(fields: dict[str, Any], kind: RecordKind, source: str) -> None:
    from checksheet.records import schemas, service

    cfg = context.settings()
    models: dict[RecordKind, type[schemas.RecordIn]] = {
        RecordKind.DRILL: schemas.DrillIn, RecordKind.ASSESSMENT: schemas.AssessmentIn,
        RecordKind.ATTESTATION: schemas.AttestationIn, RecordKind.EVIDENCE_FILE: schemas.EvidenceIn,
    }
    model = models[kind]
    item = schemas.validate(model, {k: v for k, v in fields.items() if v not in (None, [], "")}, source)
    store = context.store(cfg)
    added = service.add_records(store, [item], default_actor())
    _stored(store, cfg, added)
    sys.stdout.write(added[0].id + "\n")


def _summary(r: Record) -> str:
    d = r.data
    if r.kind is RecordKind.DRILL:
        return f"{d.get('drill_type')}: {d.get('result')} — {d.get('scenario')}"
    if r.kind is RecordKind.ASSESSMENT:
        open_ = sum(f.get("status") == "open" for f in d.get("findings", []))
        return f"{d.get('vendor')} ({d.get('assessment_type')}), {len(d.get('findings', []))} findings, {open_} open"
    if r.kind is RecordKind.ATTESTATION:
        return f"{d.get('statement')} — {d.get('owner')}, expires {d.get('expires_on')}"
    return f"{d.get('title')} ({d.get('doc_type')}, {d.get('filename')})"


def _common(app: typer.Typer, kind: RecordKind) -> None:
    """list, show, import and template: the same for every kind."""

    @app.command("list")
    def list_cmd(format: Format = typer.Option(Format.TABLE, "--format", help="table or json.")) -> None:
        """List the records, newest first."""
        from checksheet.records import service

        records = service.list_records(context.store(), kind)
        if format is Format.JSON:
            print_json([r.to_json() for r in records])
            return
        t = table("id", "date", "controls", "summary")
        for r in records:
            t.add_row(r.id[:8], r.occurred_on.isoformat(), " ".join(r.control_ids[:4]), _summary(r))
        console.print(t)

    @app.command("show")
    def show_cmd(
        record_id: str = typer.Argument(..., help="Record id (or its first 6+ characters)."),
        format: Format = typer.Option(Format.TABLE, "--format", help="table or json."),
    ) -> None:
        """Show one record in full."""
        from checksheet.records import service

        record = service.get_record(context.store(), record_id, kind)
        if format is Format.JSON:
            print_json(record.to_json())
            return
        t = table("", "")
        for key, value in record.to_json().items():
            if key != "data":
                t.add_row(key, str(value))
        for key, value in record.data.items():
            t.add_row(key, str(value))
        console.print(t)

    @app.command("import")
    def import_cmd(file: Path = typer.Argument(..., help="A filled-in template (.csv or .xlsx).")) -> None:
        """Import records from a filled-in template: every row is checked first; a bad one imports nothing."""
        from checksheet.records import service, templates

        cfg = context.settings()
        items = templates.parse(kind, templates.read_rows(file, kind), file.name)
        store = context.store(cfg)
        _stored(store, cfg, service.add_records(store, items, default_actor(), base=file.resolve().parent))

    @app.command("template")
    def template_cmd(
        format: TemplateFormat = typer.Option(TemplateFormat.CSV, "--format", help="csv or xlsx."),
        output: Path | None = typer.Option(None, "-o", "--output", help="Write here (required for xlsx)."),
    ) -> None:
        """Print the import template (the header row; xlsx adds drop-downs and a help sheet)."""
        from checksheet.records import templates

        if format is TemplateFormat.XLSX:
            if output is None:
                raise UsageError("--format xlsx needs -o FILE.xlsx", ja="--format xlsx には -o FILE.xlsx が必要です")
            output.write_bytes(templates.xlsx_template(kind))
            return
        text = templates.csv_template(kind)
        if output is None:
            sys.stdout.write(text)
        else:
            output.write_text(text, encoding="utf-8")


drills_app = typer.Typer(help="Incident-response, restore, failover and tabletop drills.", no_args_is_help=True)
assessments_app = typer.Typer(help="Third-party vulnerability assessments and their findings.", no_args_is_help=True)
attestations_app = typer.Typer(help="Signed statements for controls no API can check.", no_args_is_help=True)
evidence_app = typer.Typer(help="Policies, manuals, runbooks and reports, stored by content.", no_args_is_help=True)


@drills_app.command("add")
def add_drill(
    drill_type: str = typer.Option(..., "--type", help="incident_response, restore, failover or tabletop."),
    occurred_on: str = typer.Option(..., "--date", help="Date held, YYYY-MM-DD."),
    participants: list[str] = typer.Option(..., "--participant", help="Repeat for each participant."),
    scenario: str = typer.Option(..., "--scenario", help="The scenario played."),
    result: str = typer.Option(..., "--result", help="succeeded, partial or failed."),
    runbook: str = typer.Option("", "--runbook", help="Runbook used (URL or document)."),
    recovery_minutes: int | None = typer.Option(None, "--recovery-minutes", help="Time to recover."),
    follow_ups: list[str] = typer.Option([], "--follow-up", help="Repeat for each follow-up."),
    controls: list[str] = typer.Option([], "--control", help="Control ids (default: those that ask for drills)."),
) -> None:
    """Record a drill; prints its id."""
    _add({"drill_type": drill_type, "occurred_on": occurred_on, "participants": participants, "scenario": scenario,
          "result": result, "runbook": runbook, "recovery_minutes": recovery_minutes, "follow_ups": follow_ups,
          "control_ids": controls}, RecordKind.DRILL, "drills add")


def _finding(spec: str) -> dict[str, str]:
    parts = spec.split(":", 3)
    if len(parts) != 4:
        raise UsageError(f"--finding {spec!r}: use ID:SEVERITY:DUE:TITLE (DUE may be empty)",
                         ja=f"--finding {spec!r}: ID:重大度:期限:内容 の形式で指定してください(期限は空欄可)")
    return {k: v for k, v in zip(("id", "severity", "due_on", "title"), parts, strict=True) if v}


@assessments_app.command("add")
def add_assessment(
    vendor: str = typer.Option(..., "--vendor", help="The assessing company."),
    assessment_type: str = typer.Option(..., "--type", help="external_pentest, platform or web."),
    scope: str = typer.Option(..., "--scope", help="What was assessed."),
    started_on: str = typer.Option(..., "--started", help="First day, YYYY-MM-DD."),
    ended_on: str = typer.Option(..., "--ended", help="Last day (report date), YYYY-MM-DD."),
    report: Path | None = typer.Option(None, "--report", help="The report file (stored by content)."),
    findings: list[str] = typer.Option([], "--finding", help="ID:SEVERITY:DUE:TITLE, repeat for each."),
    controls: list[str] = typer.Option([], "--control", help="Control ids (default: those that ask for assessments)."),
) -> None:
    """Record a third-party assessment with its report and findings; prints its id."""
    _add({"vendor": vendor, "assessment_type": assessment_type, "scope": scope, "started_on": started_on,
          "ended_on": ended_on, "report_file": str(report) if report else "",
          "findings": [_finding(f) for f in findings], "control_ids": controls},
         RecordKind.ASSESSMENT, "assessments add")


@assessments_app.command("close")
def close_finding(
    record_id: str = typer.Argument(..., help="Assessment id (or its first 6+ characters)."),
    finding_id: str = typer.Argument(..., help="The finding's id."),
    status: str = typer.Option("fixed", "--status", help="fixed or accepted (risk accepted)."),
    on: str | None = typer.Option(None, "--on", help="Date closed (default today)."),
) -> None:
    """Mark a finding fixed or risk-accepted (a ledger entry of its own)."""
    from checksheet.records import service

    cfg = context.settings()
    try:
        closed_on = date.fromisoformat(on) if on else _today()
    except ValueError as err:
        raise UsageError(f"--on {on!r} is not YYYY-MM-DD", ja=f"--on {on!r} は YYYY-MM-DD ではありません") from err
    store = context.store(cfg)
    record = service.close_finding(store, record_id, finding_id, status=status, on=closed_on, actor=default_actor())
    _stored(store, cfg, [record])


@attestations_app.command("add")
def add_attestation(
    controls: list[str] = typer.Option(..., "--control", help="Control ids the statement speaks for (repeat)."),
    statement: str = typer.Option(..., "--statement", help="What is attested."),
    owner: str = typer.Option(..., "--owner", help="Who answers for it."),
    reviewed_on: str = typer.Option(..., "--reviewed", help="Date reviewed, YYYY-MM-DD."),
    expires_on: str = typer.Option(..., "--expires", help="Expiry date, YYYY-MM-DD."),
    evidence: Path | None = typer.Option(None, "--evidence", help="Supporting file (stored by content)."),
) -> None:
    """Record an attestation for controls no API can check; prints its id."""
    _add({"control_ids": controls, "statement": statement, "owner": owner, "reviewed_on": reviewed_on,
          "expires_on": expires_on, "evidence_file": str(evidence) if evidence else ""},
         RecordKind.ATTESTATION, "attestations add")


@evidence_app.command("add")
def add_evidence(
    file: Path = typer.Argument(..., help="The document."),
    title: str = typer.Option(..., "--title", help="Its title."),
    doc_type: str = typer.Option(..., "--type", help="policy, manual, runbook, procedure, report or other."),
    dated_on: str | None = typer.Option(None, "--date", help="Date of this version (default today)."),
    controls: list[str] = typer.Option([], "--control", help="Control ids it evidences (repeat)."),
) -> None:
    """Store a document by content and attach it to controls; prints its id."""
    _add({"file": str(file), "title": title, "doc_type": doc_type, "dated_on": dated_on or _today().isoformat(),
          "control_ids": controls}, RecordKind.EVIDENCE_FILE, "evidence add")


@evidence_app.command("save")
def save_evidence(
    record_id: str = typer.Argument(..., help="Evidence id (or its first 6+ characters)."),
    output: Path = typer.Option(..., "-o", "--output", help="Where to write the stored file."),
) -> None:
    """Write a stored document back out, byte for byte."""
    from checksheet.records import service

    store = context.store()
    record = service.get_record(store, record_id, RecordKind.EVIDENCE_FILE)
    output.write_bytes(service.blob(store, str(record.data["sha256"])))


APPS: dict[str, tuple[typer.Typer, RecordKind]] = {
    "drills": (drills_app, RecordKind.DRILL),
    "assessments": (assessments_app, RecordKind.ASSESSMENT),
    "attestations": (attestations_app, RecordKind.ATTESTATION),
    "evidence": (evidence_app, RecordKind.EVIDENCE_FILE),
}


def register(app: typer.Typer) -> None:
    for name, (sub, kind) in APPS.items():
        _common(sub, kind)
        app.add_typer(sub, name=name)

