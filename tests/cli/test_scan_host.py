"""`checksheet scan host` and `checksheet host commands` through the real entry point."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from checksheet import run
from checksheet.collectors.host.commands import COMMANDS
from checksheet.config import Settings
from checksheet.inventory import Inventory
from checksheet.model import Resource
from checksheet.store import open_store
from tests.cli_runner import invoke
from tests.collectors.host.conftest import sshd_server  # noqa: F401 (fixture)
from tests.collectors.host.roots import AUDITD, AUDITD_LINKS, AUDITD_MODES, DEBIAN_12, make_root
from tests.collectors.host.sshd import SshServer


@pytest.fixture
def initialised(project: Settings, capsys: pytest.CaptureFixture[str]) -> Settings:
    assert invoke(capsys, "init").code == 0
    return project


def _findings(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    result = invoke(capsys, "findings", "--format", "json", "--lang", "en")
    assert result.code == 0, result.err
    return [f for f in json.loads(result.out) if f["provider"] == "host"]


def test_host_commands_lists_every_declared_command(capsys: pytest.CaptureFixture[str]) -> None:
    result = invoke(capsys, "host", "commands", "--format", "json", "--lang", "en")
    assert result.code == 0, result.err
    rows = json.loads(result.out)
    assert [r["id"] for r in rows] == [c.id for c in COMMANDS]
    assert all(r["command"].startswith("sh -c ") and r["purpose"] and r["feeds"] for r in rows)
    assert {r["id"] for r in rows if r["needs_sudo"]} == {"audit", "sshd", "sudoers", "accounts", "firewall_rules",
                                                          "log_shipping"}
    table = invoke(capsys, "host", "commands", "--lang", "ja")
    assert table.code == 0 and "updates_pending" in table.out


def test_scan_of_a_root_tree_is_recorded(initialised: Settings, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    root = make_root(tmp_path / "golden-image", {**DEBIAN_12, **AUDITD}, AUDITD_MODES, AUDITD_LINKS)
    result = invoke(capsys, "scan", "host", "--root", str(root), "--format", "json", "--lang", "en")
    assert result.code == 0, result.err
    printed = json.loads(result.out)
    by_check = {f["check_id"]: f for f in printed}
    assert by_check["host_auditd_running"]["status"] == "pass"
    assert by_check["host_auditd_running"]["account"] == "golden-image"
    assert by_check["host_auditd_running"]["region"] == "local"
    assert by_check["host_no_pending_security_updates"]["status"] == "error"  # a tree has no running apt
    assert "Scanned 1 hosts" in result.err
    assert sorted(json.dumps(f, sort_keys=True) for f in _findings(capsys)) == sorted(
        json.dumps(f, sort_keys=True) for f in printed)


def test_fail_on_exits_1(initialised: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_root(tmp_path / "bare", DEBIAN_12)
    assert invoke(capsys, "scan", "host", "--root", str(root), "--fail-on", "fail").code == 1


@pytest.mark.parametrize(("content", "message"), [
    ("hosts: []\n", "hosts: List should have at least 1 item"),
    ("hosts:\n  - ssh: a@b\n    ssm: i-0123456789abcdef0\n", "exactly one of ssh, ssm or local"),
    ("hosts:\n  - ssm: not-an-instance\n", "hosts.0.ssm"),
    ("hosts: [unclosed\n", "not valid YAML"),
])
def test_a_bad_inventory_file_is_one_line_and_records_nothing(
        initialised: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        content: str, message: str) -> None:
    monkeypatch.setenv("CHECKSHEET_LANG", "en")  # errors speak the project's language
    bad = tmp_path / "hosts.yaml"
    bad.write_text(content, encoding="utf-8")
    result = invoke(capsys, "scan", "host", "--inventory", str(bad), "--lang", "en")
    assert result.code == 2
    assert result.err.count("\n") == 1 and message in result.err and str(bad) in result.err
    assert _findings(capsys) == []


@pytest.mark.parametrize("args", [
    ("--ssh", "alice@db", "--ssh", "bob@db"),
    ("--root", "/", "--ssh", "alice@db"),
    ("--ssh", "-oProxyCommand=touch /tmp/x"),
    ("--ssh-config", "/nonexistent/ssh_config", "--ssh", "db"),
    ("--from-aws",),  # no AWS scan yet
])
def test_bad_targets_are_usage_errors(initialised: Settings, capsys: pytest.CaptureFixture[str],
                                      args: tuple[str, ...]) -> None:
    result = invoke(capsys, "scan", "host", *args)
    assert result.code == 2 and result.err.count("\n") == 1, result.err
    assert any("\u3040" <= ch <= "\u30ff" for ch in result.err)  # the default project language is Japanese
    assert _findings(capsys) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="the local half reads /etc/shadow")
def test_scan_over_ssh_and_locally_in_one_run(initialised: Settings, sshd_server: SshServer,  # noqa: F811
                                              capsys: pytest.CaptureFixture[str]) -> None:
    a, b = sshd_server.aliases[:2]
    inventory = initialised.home / "hosts.yaml"
    inventory.write_text(f"hosts:\n  - name: second\n    ssh: {b}\n", encoding="utf-8")
    result = invoke(capsys, "scan", "host", "--ssh", a, "--inventory", str(inventory), "--local", "--name", "here",
                    "--ssh-config", str(sshd_server.config_file), "--format", "json", "--concurrency", "3")
    assert result.code == 0, result.err
    findings = json.loads(result.out)
    by_host: dict[str, set[tuple[str, str]]] = {}
    for f in findings:
        by_host.setdefault(f["account"], set()).add((f["check_id"], f["status"]))
    assert set(by_host) == {a, "second", "here"}
    assert by_host[a] == by_host["second"] == by_host["here"]
    assert "error" not in {status for _, status in by_host[a]}


def test_from_aws_scans_the_online_linux_managed_instances_through_ssm(
        initialised: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "ap-northeast-1"}.items():
        monkeypatch.setenv(key, value)
    managed = [("i-0aaaaaaaaaaaaaaaa", "Online", "Linux"), ("i-0bbbbbbbbbbbbbbbb", "ConnectionLost", "Linux"),
               ("i-0cccccccccccccccc", "Online", "Windows")]
    aws = Inventory([Resource("aws", "111111111111", "ap-northeast-1", "aws.ssm.managed_instance", i,
                              {"ping_status": ping, "platform": platform, "agent_version": "3.3"})
                     for i, ping, platform in managed])
    store = open_store(initialised.database_url)
    run.record_scan(store, initialised, "aws", aws, scope={}, started_at=datetime.now(UTC))
    store.dispose()
    with mock_aws():
        result = invoke(capsys, "scan", "host", "--from-aws", "--format", "json")
        sent = boto3.client("ssm", region_name="ap-northeast-1").list_commands()["Commands"]
    assert result.code == 0, result.err
    assert {c["InstanceIds"][0] for c in sent} == {"i-0aaaaaaaaaaaaaaaa"}
    findings = json.loads(result.out)
    # moto runs nothing: every host check is an error for that instance, none passes.
    assert {(f["account"], f["region"], f["status"]) for f in findings} == {("i-0aaaaaaaaaaaaaaaa", "ssm", "error")}
