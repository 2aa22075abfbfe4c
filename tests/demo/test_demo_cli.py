"""`checksheet demo` end to end: emulated AWS, seed, the real scan, statuses stored, the sample sheet answered."""

from __future__ import annotations

import contextlib
import io
import json
import os
from pathlib import Path

import pytest
from openpyxl import load_workbook

from checksheet.cli import main
from checksheet.demo.workspace import MARKER
from tests.cli_runner import Result, invoke


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Result, dict[str, str]]:
    """One demo run for the module, with a caller environment that must neither leak in nor be lost."""
    folder = tmp_path_factory.mktemp("demo") / "acme"
    hostile = {
        # A team database and a real AWS profile: the demo must use neither.
        "CHECKSHEET_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/not_here",
        "AWS_PROFILE": "production-admin",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:1",
    }
    saved = {k: os.environ.get(k) for k in hostile}
    moto_before = {k: v for k, v in os.environ.items() if k.startswith("MOTO_")}
    os.environ.update(hostile)
    try:
        result = _run_cli("demo", "--dir", str(folder), "--lang", "en")
        after = {k: os.environ.get(k, "") for k in hostile}
        after["moto_unchanged"] = str(moto_before == {k: v for k, v in os.environ.items() if k.startswith("MOTO_")})
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return folder, result, after


def _run_cli(*args: str) -> Result:
    """capsys is function-scoped, so the module's single demo run captures its output itself."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return Result(code, out.getvalue(), err.getvalue())


def _cli_in(folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> Result:
    monkeypatch.chdir(folder)
    monkeypatch.delenv("CHECKSHEET_DATABASE_URL", raising=False)
    monkeypatch.setenv("CHECKSHEET_HOME", str(folder))
    return invoke(capsys, *args)


def test_demo_exits_0_and_leaves_a_normal_project(demo_run: tuple[Path, Result, dict[str, str]]) -> None:
    folder, result, _ = demo_run
    assert result.code == 0, result.err
    assert (folder / MARKER).is_file()
    assert (folder / "checksheet.toml").is_file()
    assert (folder / ".checksheet" / "checksheet.db").is_file()  # SQLite, despite CHECKSHEET_DATABASE_URL
    assert "controls evaluated from AWS evidence" in result.out


def test_the_callers_environment_is_put_back(demo_run: tuple[Path, Result, dict[str, str]]) -> None:
    _, _, after = demo_run
    assert after == {
        "CHECKSHEET_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/not_here",
        "AWS_PROFILE": "production-admin",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:1",
        "moto_unchanged": "True",
    }


def test_statuses_are_stored_with_a_mix_of_states(
    demo_run: tuple[Path, Result, dict[str, str]], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, _, _ = demo_run
    status = _cli_in(folder, monkeypatch, capsys, "status", "--format", "json")
    assert status.code == 0, status.err
    states = {s["state"] for s in json.loads(status.out) if s["passed"] or s["failed"] or s["errors"]}
    assert {"met", "partial", "not_met"} <= states


def test_planted_mistakes_fail_and_good_configuration_passes(
    demo_run: tuple[Path, Result, dict[str, str]], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, _, _ = demo_run
    listed = _cli_in(folder, monkeypatch, capsys, "findings", "--format", "json", "--lang", "en")
    assert listed.code == 0, listed.err
    findings = json.loads(listed.out)
    failing = {f["resource_id"] for f in findings if f["status"] == "fail"}
    passing = {f["resource_id"] for f in findings if f["status"] == "pass"}
    assert {"acme-analytics-db", "k.takahashi", "svc-ci-deploy", "acme-saas-marketing-site"} <= failing
    assert "acme-prod-db" in passing and "acme-prod-db" not in failing
    # moto lacks some APIs (SSM inventory, Access Analyzer): those are errors, never passes.
    errors = [f for f in findings if f["status"] == "error"]
    assert errors and all(f["resource_id"] == "*" for f in errors)


def test_the_sample_sheet_is_answered_into_the_folder(demo_run: tuple[Path, Result, dict[str, str]]) -> None:
    folder, result, _ = demo_run
    answered = folder / "sample_checksheet_ja.answered.xlsx"
    assert answered.is_file() and str(answered) in result.out.replace("\n", "")
    sheet = load_workbook(answered)["セキュリティチェックシート"]
    answers = [sheet.cell(r, 3).value for r in range(8, sheet.max_row + 1) if sheet.cell(r, 2).value]
    assert sum(1 for a in answers if a in ("はい", "いいえ", "一部対応")) >= 10


def test_rerun_refreshes_the_same_demo_folder(
    demo_run: tuple[Path, Result, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, _, _ = demo_run
    again = invoke(capsys, "demo", "--dir", str(folder), "--lang", "en", "--no-answer")
    assert again.code == 0, again.err
    assert "Answered" not in again.out


def test_refuses_a_folder_that_is_not_a_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CHECKSHEET_LANG", "en")
    work = tmp_path / "my-project"
    work.mkdir()
    (work / "notes.txt").write_text("keep me", encoding="utf-8")
    result = invoke(capsys, "demo", "--dir", str(work))
    assert result.code == 2
    assert result.err.count("\n") == 1 and "not created by `checksheet demo`" in result.err
    assert sorted(p.name for p in work.iterdir()) == ["notes.txt"]
    assert (work / "notes.txt").read_text(encoding="utf-8") == "keep me"
