"""The real collector on real files: `--root` scans of directory trees, and the framing script itself."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from checksheet.checks import by_id, run_check
from checksheet.collectors.host import LocalTransport, collect_host
from checksheet.collectors.host.bundle import State, parse_bundle
from checksheet.collectors.host.commands import ACCOUNTS, AUDIT, COMMANDS, SSHD, Command
from checksheet.collectors.host.scan import _problem
from checksheet.collectors.host.transport import Result
from checksheet.inventory import Inventory
from checksheet.model import Status
from tests.collectors.host.roots import AUDITD, AUDITD_LINKS, AUDITD_MODES, DEBIAN_12, make_root

AUDIT_CHECKS = ("host_auditd_running", "host_auditd_rules_cis", "host_auditd_immutable", "host_audit_log_retained")


def _scan(root: Path) -> Inventory:
    result = collect_host(LocalTransport(root=root))
    return Inventory(result.resources, result.faults)


def _statuses(inventory: Inventory, *check_ids: str) -> dict[str, Status]:
    return {cid: f.status for cid in check_ids for f in run_check(by_id()[cid], inventory)}


def test_installing_auditd_in_the_tree_flips_the_audit_checks(tmp_path: Path) -> None:
    bare = make_root(tmp_path / "bare", DEBIAN_12)
    before = _scan(bare)
    assert before.get("host.auditd", "bare").attributes["installed"] is False  # type: ignore[union-attr]
    assert set(_statuses(before, *AUDIT_CHECKS).values()) == {Status.FAIL}

    hardened = make_root(tmp_path / "hardened", {**DEBIAN_12, **AUDITD}, AUDITD_MODES, AUDITD_LINKS)
    after = _scan(hardened)
    auditd = after.get("host.auditd", "hardened")
    assert auditd is not None
    assert (auditd.attributes["installed"], auditd.attributes["running"], auditd.attributes["enabled"]) == (
        True, True, True)
    assert auditd.attributes["log_dir"]["mode"] == "0750"
    assert after.get("host.audit_rules", "hardened").attributes["enabled_flag"] == 2  # type: ignore[union-attr]
    assert _statuses(after, *AUDIT_CHECKS) == dict.fromkeys(AUDIT_CHECKS, Status.PASS)


def test_loose_audit_log_permissions_and_rotation_fail(tmp_path: Path) -> None:
    files = {**DEBIAN_12, **AUDITD, "/etc/audit/auditd.conf": "max_log_file_action = ROTATE\n"}
    root = make_root(tmp_path / "loose", files, {**AUDITD_MODES, "/var/log/audit/audit.log": 0o644}, AUDITD_LINKS)
    findings = list(run_check(by_id()["host_audit_log_retained"], _scan(root)))
    assert [f.status for f in findings] == [Status.FAIL]
    assert "rotate" in findings[0].message.en and "/var/log/audit/audit.log" in findings[0].message.en


def test_sshd_and_sudo_settings_from_the_tree(tmp_path: Path) -> None:
    files = {**DEBIAN_12, "/usr/sbin/sshd": "",
             "/etc/ssh/sshd_config.d/50-hardening.conf": "PermitRootLogin no\nPasswordAuthentication no\n",
             "/etc/sudoers.d/90-cloud-init-users": "admin ALL=(ALL) NOPASSWD:ALL\n", "/usr/bin/sudo": ""}
    inventory = _scan(make_root(tmp_path / "img", files))
    assert _statuses(inventory, "host_sshd_no_root_login", "host_sshd_no_password_auth", "host_sudo_no_nopasswd") == {
        "host_sshd_no_root_login": Status.PASS, "host_sshd_no_password_auth": Status.PASS,
        "host_sudo_no_nopasswd": Status.FAIL}
    sudoers = inventory.get("host.sudoers", "img")
    assert sudoers is not None and sudoers.attributes["root_equivalent_principals"] == ["%sudo", "admin", "root"]


def test_probes_of_the_running_system_are_errors_under_root(tmp_path: Path) -> None:
    inventory = _scan(make_root(tmp_path / "img", DEBIAN_12))
    faulted = {f.resource_type for f in inventory.faults}
    assert faulted == {"host.packages_updates", "host.firewall", "host.disks"}
    findings = list(run_check(by_id()["host_no_pending_security_updates"], inventory))
    assert [f.status for f in findings] == [Status.ERROR]
    assert "--root" in findings[0].message.en


def test_the_root_prefix_never_leaks_into_paths(tmp_path: Path) -> None:
    root = make_root(tmp_path / "with space", DEBIAN_12)
    done = subprocess.run([*SSHD.argv, "checksheet", str(root)], capture_output=True, text=True, check=True)
    bundle = parse_bundle(done.stdout)
    assert bundle.complete and "/etc/ssh/sshd_config" in bundle.files
    assert all(not p.startswith(str(tmp_path)) for p in [*bundle.files, *bundle.stats, *bundle.dirs])


def test_content_without_final_newline_and_marker_like_lines_survive(tmp_path: Path) -> None:
    text = "root:x:0:0:root:/root:/bin/bash\n@@checksheet-7c1e end\nlast:x:1:1::/:/bin/sh"
    root = make_root(tmp_path / "r", {"/etc/passwd": text})
    done = subprocess.run([*ACCOUNTS.argv, "checksheet", str(root)], capture_output=True, text=True, check=True)
    bundle = parse_bundle(done.stdout)
    # A file can forge the end marker; it only truncates its own content, and the file is still
    # reported as read (root-owned config files are what we read; /proc comm names are too short to forge).
    assert bundle.files["/etc/passwd"].content == "root:x:0:0:root:/root:/bin/bash\n"
    assert bundle.complete
    assert bundle.file("/etc/shadow").state is State.MISSING


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("runuser") is None, reason="needs root to switch to nobody")
def test_an_unreadable_directory_is_denied_not_missing() -> None:
    base = Path(tempfile.mkdtemp(prefix="cs-root-"))  # pytest's own tmp dirs are closed to other users
    try:
        os.chmod(base, 0o755)
        root = make_root(base / "r", {**DEBIAN_12, **AUDITD}, AUDITD_MODES)
        done = subprocess.run(["runuser", "-u", "nobody", "--", *AUDIT.argv, "checksheet", str(root)],
                              capture_output=True, text=True, check=True)
        bundle = parse_bundle(done.stdout)
        assert bundle.file("/etc/audit/auditd.conf").state is State.DENIED
        assert bundle.file("/etc/audit/rules.d/50-cis.rules").state is State.DENIED
        _, problem = _problem(AUDIT, Result(done.stdout, 0))
        assert problem is not None and "permission denied" in problem and "/etc/audit" in problem
        # A root directory the user cannot enter at all is a failed command, not an empty system.
        os.chmod(base, 0o700)
        closed = subprocess.run(["runuser", "-u", "nobody", "--", *AUDIT.argv, "checksheet", str(root)],
                                capture_output=True, text=True, check=False)
        assert closed.returncode == 2 and "cannot enter" in closed.stderr
    finally:
        shutil.rmtree(base)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.id)
def test_output_cut_anywhere_is_a_problem_not_data_nor_a_crash(command: Command) -> None:
    done = subprocess.run(list(command.argv), capture_output=True, text=True, check=True)
    assert parse_bundle(done.stdout).complete
    for end in range(0, len(done.stdout) - 1, max(1, len(done.stdout) // 97)):
        bundle, problem = _problem(command, Result(done.stdout[:end], 0))
        assert bundle is None and problem is not None and "incomplete" in problem


def test_root_must_be_a_directory(tmp_path: Path) -> None:
    from checksheet.errors import CollectionError

    with pytest.raises(CollectionError, match="not a directory"):
        LocalTransport(root=tmp_path / "absent")
