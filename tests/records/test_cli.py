"""`checksheet drills|assessments|attestations|evidence` end to end, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

TODAY = datetime.now(UTC).date()


def status_of(cli, control_id: str) -> str:  # type: ignore[no-untyped-def]
    return next(s["state"] for s in json.loads(cli("status", "--format", "json").out) if s["control_id"] == control_id)


def test_add_list_show_a_drill_and_its_control_turns_met(cli) -> None:  # type: ignore[no-untyped-def]
    assert status_of(cli, "IR-03") == "needs_evidence"
    added = cli("drills", "add", "--type", "incident_response", "--date", (TODAY - timedelta(days=3)).isoformat(),
                "--participant", "alice", "--participant", "bob", "--scenario", "leaked API key",
                "--result", "succeeded", "--recovery-minutes", "25", "--runbook", "https://wiki/ir/keys")
    assert added.code == 0
    record_id = added.out.strip()
    listed = json.loads(cli("drills", "list", "--format", "json").out)
    assert [r["id"] for r in listed] == [record_id]
    shown = json.loads(cli("drills", "show", record_id[:8], "--format", "json").out)
    assert shown["data"]["participants"] == ["alice", "bob"] and shown["control_ids"] == ["IR-03", "IR-05", "IR-07"]
    assert status_of(cli, "IR-03") == "met"
    assert status_of(cli, "IR-05") == "not_met"  # no restore drill yet
    assert json.loads(cli("ledger", "verify", "--format", "json").out)["entries"] == 1


def test_import_from_the_printed_template(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    template = cli("drills", "template")
    assert template.code == 0
    header = next(csv.reader(io.StringIO(template.out)))
    rows = [{"drill_type": "restore", "occurred_on": (TODAY - timedelta(days=10)).isoformat(),
             "participants": "sato; suzuki", "scenario": "restore RDS from snapshot", "result": "succeeded",
             "recovery_minutes": "48"},
            {"drill_type": "tabletop", "occurred_on": (TODAY - timedelta(days=20)).isoformat(),
             "participants": "sato", "scenario": "DDoS", "result": "partial", "follow_ups": "add WAF rate rule"}]
    path = tmp_path / "drills.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    assert cli("drills", "import", str(path)).code == 0
    assert len(json.loads(cli("drills", "list", "--format", "json").out)) == 2
    assert status_of(cli, "IR-05") == "met"


def test_a_bad_csv_is_one_line_exit_2_and_stores_nothing(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "drills.csv"
    path.write_text(cli("drills", "template").out
                    + f"restore,{TODAY.isoformat()},sato,restore,,succeeded,,,\n"
                    + "restore,last tuesday,sato,restore,,succeeded,,,\n", encoding="utf-8")
    result = cli("drills", "import", str(path))
    assert result.code == 2
    lines = [ln for ln in result.err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "drills.csv row 3: occurred_on" in lines[0]
    assert json.loads(cli("drills", "list", "--format", "json").out) == []
    assert json.loads(cli("ledger", "verify", "--format", "json").out)["entries"] == 0
    missing = cli("drills", "import", str(tmp_path / "nope.csv"))
    assert missing.code == 2 and "cannot read" in missing.err


def test_bad_options_are_one_line_exit_2(cli) -> None:  # type: ignore[no-untyped-def]
    bad = cli("drills", "add", "--type", "fire", "--date", "2026-01-01", "--participant", "a", "--scenario", "s",
              "--result", "succeeded")
    assert bad.code == 2 and "drill_type" in bad.err and len(bad.err.strip().splitlines()) == 1
    unknown = cli("attestations", "add", "--control", "XX-99", "--statement", "s", "--owner", "o",
                  "--reviewed", "2026-01-01", "--expires", "2027-01-01")
    assert unknown.code == 2 and "unknown control XX-99" in unknown.err
    assert cli("drills", "template", "--format", "xlsx").code == 2


def test_assessment_with_report_and_findings_then_closed(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    report = tmp_path / "report.pdf"
    report.write_bytes(b"%PDF- report")
    due = (TODAY - timedelta(days=2)).isoformat()
    added = cli("assessments", "add", "--vendor", "Acme Security", "--type", "external_pentest", "--scope", "app",
                "--started", (TODAY - timedelta(days=30)).isoformat(),
                "--ended", (TODAY - timedelta(days=20)).isoformat(),
                "--report", str(report), "--finding", f"F-1:high:{due}:SQL injection: /search",
                "--finding", "F-2:low::cookie flags")
    assert added.code == 0, added.err
    assert status_of(cli, "VULN-05") == "not_met"
    record_id = added.out.strip()
    shown = json.loads(cli("assessments", "show", record_id, "--format", "json").out)
    assert shown["data"]["findings"][0]["title"] == "SQL injection: /search"
    assert shown["data"]["report"]["filename"] == "report.pdf"
    assert cli("assessments", "close", record_id[:8], "F-1").code == 0
    assert status_of(cli, "VULN-05") == "met"


def test_evidence_is_stored_by_content_and_saved_back(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    doc = tmp_path / "runbook.md"
    doc.write_text("# Restore runbook\n1. ...\n", encoding="utf-8")
    added = cli("evidence", "add", str(doc), "--title", "Restore runbook", "--type", "runbook", "--control", "IR-05")
    assert added.code == 0
    out = tmp_path / "copy.md"
    assert cli("evidence", "save", added.out.strip()[:8], "-o", str(out)).code == 0
    assert out.read_bytes() == doc.read_bytes()
    xlsx = tmp_path / "evidence.xlsx"
    assert cli("evidence", "template", "--format", "xlsx", "-o", str(xlsx)).code == 0 and xlsx.stat().st_size > 0


def test_attestation_makes_controls_met_then_stale_when_expired(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("attestations", "add", "--control", "HR-02", "--statement", "Confidentiality agreements signed",
               "--owner", "HR lead", "--reviewed", (TODAY - timedelta(days=10)).isoformat(),
               "--expires", (TODAY + timedelta(days=355)).isoformat()).code == 0
    assert status_of(cli, "HR-02") == "met"
    assert cli("attestations", "add", "--control", "HR-03", "--statement", "Security training",
               "--owner", "HR lead", "--reviewed", (TODAY - timedelta(days=400)).isoformat(),
               "--expires", (TODAY - timedelta(days=35)).isoformat()).code == 0
    assert status_of(cli, "HR-03") == "stale"
