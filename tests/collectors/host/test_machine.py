"""Scans of this very machine, locally and over a real sshd, checked against what the machine really has."""

from __future__ import annotations

import glob
import os
import platform
import pwd
import shutil
import socket
from pathlib import Path
from typing import Any

import pytest

from checksheet.checks import ALL, by_id, run_check, run_checks
from checksheet.collectors.host import LocalTransport, SshControlDir, SshOptions, SshTransport, collect_host
from checksheet.collectors.host.areas import AREAS
from checksheet.inventory import Inventory
from checksheet.model import Finding, Status
from tests.collectors.host.sshd import SshServer

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="reads /etc/shadow and sudoers: run as root")


def _procs() -> set[str]:
    names = set()
    for path in glob.glob("/proc/[0-9]*/comm"):
        try:
            names.add(Path(path).read_text().strip())
        except OSError:
            continue  # the process ended meanwhile
    return names


def _attributes(inventory: Inventory, resource_type: str) -> dict[str, Any]:
    found = inventory.of(resource_type)
    assert len(found) == 1, resource_type
    return dict(found[0].attributes)


def _comparable(findings: list[Finding]) -> set[tuple[str, str, str, str]]:
    return {(f.check_id, f.status.value, f.resource_type, f.message.en) for f in findings}


@pytest.fixture(scope="module")
def local() -> Inventory:
    result = collect_host(LocalTransport())
    return Inventory(result.resources, result.faults)


def test_local_scan_collects_every_type_without_faults(local: Inventory) -> None:
    assert not local.faults, local.faults
    assert {r.type for r in local} == {a.type for a in AREAS}


def test_local_scan_agrees_with_the_machine(local: Inventory) -> None:
    os_info = _attributes(local, "host.os")
    release = platform.freedesktop_os_release()
    assert (os_info["distro_id"], os_info["version_id"]) == (release["ID"], release.get("VERSION_ID", ""))
    assert os_info["hostname"] == socket.gethostname()
    assert os_info["package_manager"] == ("apt" if shutil.which("apt-get") else os_info["package_manager"])

    auditd_binary = any(Path(p).exists() for p in ("/sbin/auditd", "/usr/sbin/auditd"))
    auditd = _attributes(local, "host.auditd")
    assert auditd["installed"] is auditd_binary is (shutil.which("auditd", path="/usr/sbin:/sbin") is not None)
    assert auditd["running"] is ("auditd" in _procs())
    assert auditd["config_present"] is Path("/etc/audit/auditd.conf").exists()

    sshd = _attributes(local, "host.sshd")
    assert sshd["installed"] is Path("/usr/sbin/sshd").exists()
    assert sshd["config_present"] is Path("/etc/ssh/sshd_config").exists()

    sudoers = _attributes(local, "host.sudoers")
    assert sudoers["installed"] is (Path("/usr/bin/sudo").exists() or Path("/etc/sudoers").exists())

    accounts = _attributes(local, "host.accounts")
    local_users = {p.pw_name: p.pw_uid for p in pwd.getpwall()}
    assert {a["name"]: a["uid"] for a in accounts["accounts"]} == local_users
    assert accounts["shadow_read"] is Path("/etc/shadow").exists()

    updates = _attributes(local, "host.packages_updates")
    if shutil.which("apt-get"):
        assert updates["package_manager"] == "apt"
        assert 0 <= updates["pending_security"] <= updates["pending_total"]
    assert updates["reboot_required"] is Path("/var/run/reboot-required").exists()

    time_sync = _attributes(local, "host.time_sync")
    running = {name for name, d in time_sync["daemons"].items() if d["running"]}
    expected = {n for n, comm in (("chrony", "chronyd"), ("systemd-timesyncd", "systemd-timesyn"), ("ntpd", "ntpd"))
                if comm in _procs()}
    assert running == expected


def test_local_findings_follow_what_is_installed(local: Inventory) -> None:
    findings = {f.check_id: f for f in run_checks(ALL, local) if f.provider == "host"}
    auditd_binary = any(Path(p).exists() for p in ("/sbin/auditd", "/usr/sbin/auditd"))
    if not auditd_binary:
        assert findings["host_auditd_running"].status is Status.FAIL
        assert findings["host_auditd_running"].message.en == "auditd is not installed"
    updates = _attributes(local, "host.packages_updates")
    expected = Status.PASS if updates["pending_security"] == 0 else Status.FAIL
    assert findings["host_no_pending_security_updates"].status is expected
    if not Path("/usr/sbin/sshd").exists():
        assert findings["host_sshd_no_root_login"].status is Status.PASS


def test_installing_auditd_with_apt_flips_installed(apt_auditd: None) -> None:
    result = collect_host(LocalTransport())
    inventory = Inventory(result.resources, result.faults)
    auditd = _attributes(inventory, "host.auditd")
    assert auditd["installed"] and auditd["config_present"]
    finding = next(iter(run_check(by_id()["host_auditd_running"], inventory)))
    assert finding.message.en != "auditd is not installed"


def test_scanning_itself_over_ssh_gives_the_local_results(sshd_server: SshServer) -> None:
    control = SshControlDir()
    try:
        over_ssh = collect_host(SshTransport(sshd_server.aliases[0], SshOptions(config_file=sshd_server.config_file),
                                             control, host="self-over-ssh"))
        here = collect_host(LocalTransport(host="self-local"))
    finally:
        control.remove()
    assert not over_ssh.faults, over_ssh.faults
    ssh_inv, local_inv = Inventory(over_ssh.resources), Inventory(here.resources)
    assert {r.region for r in ssh_inv} == {"ssh"} and {r.account for r in ssh_inv} == {"self-over-ssh"}
    for area in AREAS:
        remote, mine = _attributes(ssh_inv, area.type), _attributes(local_inv, area.type)
        remote.pop("transport"), mine.pop("transport")
        assert remote == mine, area.type
    assert _comparable(run_checks(ALL, ssh_inv)) == _comparable(run_checks(ALL, local_inv))


def test_an_unreachable_host_is_an_error_for_every_check(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens once the socket is closed
    config = tmp_path / "ssh_config"
    config.write_text(f"Host down\n  HostName 127.0.0.1\n  Port {port}\n  User root\n")
    control = SshControlDir()
    try:
        result = collect_host(SshTransport("down", SshOptions(config_file=config, timeout=10), control))
    finally:
        control.remove()
    assert not result.resources
    assert {f.resource_type for f in result.faults} == {a.type for a in AREAS}
    assert all("ssh failed" in f.message for f in result.faults)
    findings = [f for f in run_checks(ALL, Inventory(result.resources, result.faults)) if f.provider == "host"]
    assert findings and {f.status for f in findings} == {Status.ERROR}
