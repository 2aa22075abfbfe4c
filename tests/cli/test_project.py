"""The foundation commands, through the real entry point."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from checksheet.config import Settings
from tests.cli_runner import invoke


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    result = invoke(capsys, "--version")
    assert result.code == 0 and result.out.startswith("checksheet ")


def test_loading_the_cli_loads_no_database_cloud_or_workbook_library() -> None:
    """Commands import what they need when they run: `--help` stays quick, and `scan aws` can call AWS
    while SQLAlchemy loads."""
    heavy = ("sqlalchemy", "alembic", "botocore", "boto3", "cryptography", "openpyxl", "numpy", "sudachipy",
             "pydantic", "yaml")
    code = "import sys, checksheet.cli; print(sorted({m.split('.')[0] for m in sys.modules}))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert not [m for m in heavy if f"'{m}'" in loaded], loaded


def test_the_cli_spells_the_seal_chunk_size_as_the_ledger_does() -> None:
    from checksheet.cli import ledger_cmds
    from checksheet.ledger import seal

    assert ledger_cmds.CHUNK_SIZE == seal.CHUNK_SIZE


def test_init_creates_config_and_sqlite_in_wal_mode(project: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    result = invoke(capsys, "init")
    assert result.code == 0, result.err
    assert (project.home / "checksheet.toml").is_file()
    db = project.home / ".checksheet" / "checksheet.db"
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in conn.execute("select name from sqlite_master where type='table'")}
    assert {"scans", "findings", "control_statuses", "records", "answers", "ledger_entries"} <= tables
    assert (project.home / ".checksheet").stat().st_mode & 0o077 == 0


def test_init_keeps_an_existing_config(project: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    config = project.home / "checksheet.toml"
    config.write_text('[checksheet]\nlang = "en"\n', encoding="utf-8")
    assert invoke(capsys, "init").code == 0
    assert config.read_text(encoding="utf-8") == '[checksheet]\nlang = "en"\n'


def test_init_on_postgresql(project: Settings, postgres_url: str, monkeypatch: pytest.MonkeyPatch,
                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CHECKSHEET_DATABASE_URL", postgres_url)
    result = invoke(capsys, "init")
    assert result.code == 0, result.err
    assert "PostgreSQL" in result.err
    assert not (project.home / ".checksheet" / "checksheet.db").exists()
    status = invoke(capsys, "status", "--format", "json")
    assert status.code == 0 and len(json.loads(status.out)) >= 70


def test_controls_json_lists_the_catalog(project: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    result = invoke(capsys, "controls", "--format", "json")
    assert result.code == 0
    controls = json.loads(result.out)
    assert len(controls) >= 70
    first = controls[0]
    assert {"ja", "en"} == set(first["title"]) and first["mappings"]["iso27001"]


def test_controls_filters_by_domain_and_language(project: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    result = invoke(capsys, "controls", "--domain", "net", "--lang", "en", "--format", "json")
    controls = json.loads(result.out)
    assert controls and {c["domain"] for c in controls} == {"NET"}
    assert all(isinstance(c["title"], str) for c in controls)


def test_controls_show_prints_one_control(project: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    result = invoke(capsys, "controls", "show", "net-01", "--lang", "ja")
    assert result.code == 0 and "NET-01" in result.out and "ISO/IEC 27001:2022" in result.out


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("controls", "show", "NOPE-99"), "unknown control"),
        (("controls", "--domain", "XYZ"), "unknown domain"),
        (("controls", "--format", "yaml"), "Invalid value"),
        (("status", "--bogus"), "No such option"),
        (("nope",), "No such command"),
    ],
)
def test_bad_usage_is_one_line_and_exit_2(project: Settings, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], reason: str) -> None:
    monkeypatch.setenv("CHECKSHEET_LANG", "en")
    result = invoke(capsys, *args)
    assert result.code == 2
    assert result.out == ""
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("checksheet: error:") and reason in lines[0]
    assert "Traceback" not in result.err


def test_status_before_init_tells_what_to_do(project: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    result = invoke(capsys, "status")
    assert result.code == 2 and "checksheet init" in result.err
    assert not (project.home / ".checksheet" / "checksheet.db").exists()


def test_status_json_is_only_json_and_fails_closed(project: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    invoke(capsys, "init")
    result = invoke(capsys, "status", "--format", "json")
    statuses = json.loads(result.out)
    assert statuses and all(s["state"] != "met" for s in statuses)


def test_db_upgrade_is_idempotent(project: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    invoke(capsys, "init")
    assert invoke(capsys, "db", "upgrade").code == 0
    assert invoke(capsys, "db", "upgrade").code == 0


def test_a_broken_config_is_one_line(project: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    Path(project.home / "checksheet.toml").write_text("[checksheet\n", encoding="utf-8")
    result = invoke(capsys, "status")
    assert result.code == 2 and len(result.err.strip().splitlines()) == 1 and "TOML" in result.err


def test_errors_speak_the_projects_language(project: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    result = invoke(capsys, "controls", "show", "NOPE-99")
    assert result.code == 2 and "コントロール 'NOPE-99' はありません" in result.err
