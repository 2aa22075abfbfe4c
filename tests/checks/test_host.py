"""Host checks, table-driven on inventories built in code: a compliant host, then one change per case."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from checksheet.checks import by_id, host, host_access, host_patching, run_check
from checksheet.checks.host import AUDIT_CATEGORIES, audit_coverage
from checksheet.checks.host_releases import RELEASES, find_release
from checksheet.collectors.host.parse_audit import parse_rules
from checksheet.inventory import Inventory
from checksheet.model import Fault, Resource, Status
from tests.collectors.host.roots import AUDITD

HOST = "web-1"
NOW = datetime(2026, 11, 1, tzinfo=UTC)
CIS_RULES = [r.to_json() for path in ("/etc/audit/rules.d/50-cis.rules", "/etc/audit/rules.d/99-finalize.rules")
             for r in parse_rules(AUDITD[path])]

GOOD: dict[str, dict[str, Any]] = {
    "host.os": {"hostname": HOST, "distro_id": "debian", "id_like": [], "version_id": "12", "version_codename":
                "bookworm", "pretty_name": "Debian GNU/Linux 12 (bookworm)", "kernel": "6.1.0", "cloud": "aws",
                "instance_id": "i-0abc", "package_manager": "apt", "systemd": True},
    "host.auditd": {"installed": True, "running": True, "enabled": True, "config_present": True,
                    "log_file": "/var/log/audit/audit.log", "max_log_file_action": "keep_logs", "num_logs": 5,
                    "max_log_file_mb": 8, "space_left_action": "email", "admin_space_left_action": "halt",
                    "disk_full_action": "halt", "log_group": "root",
                    "log_dir": {"path": "/var/log/audit", "mode": "0750", "uid": 0, "gid": 0},
                    "log_files": [{"path": "/var/log/audit/audit.log", "mode": "0600", "uid": 0, "gid": 0}]},
    "host.audit_rules": {"source": "rules.d", "files": [], "rules": CIS_RULES, "enabled_flag": 2},
    "host.sshd": {"installed": True, "running": True, "enabled": True, "config_present": True,
                  "permit_root_login": "no", "password_authentication": "no", "kbd_interactive_authentication": "no",
                  "pubkey_authentication": "yes", "authentication_methods": "any", "permit_empty_passwords": "no",
                  "use_pam": "yes", "allow_users": [], "allow_groups": [], "deny_users": [], "deny_groups": [],
                  "settings": {}, "matches": [], "files": [], "unresolved_includes": []},
    "host.sudoers": {"installed": True, "rules": [], "nopasswd_principals": [], "root_equivalent_principals": ["root"],
                     "no_authenticate_defaults": [], "files": ["/etc/sudoers"], "unresolved_includes": []},
    "host.accounts": {"shadow_read": True, "accounts": [
        {"name": "root", "uid": 0, "gid": 0, "home": "/root", "shell": "/bin/bash", "interactive": True,
         "password": "none", "groups": ["root"]},
        {"name": "admin", "uid": 1000, "gid": 1000, "home": "/home/admin", "shell": "/bin/bash", "interactive": True,
         "password": "locked", "groups": ["admin", "sudo"]}]},
    "host.auto_updates": {"unattended_upgrades_installed": True, "apt_periodic": {"Unattended-Upgrade": "1"},
                          "unattended_security_origins": ["origin=Debian,label=Debian-Security"],
                          "dnf_automatic": {"configured": False, "timer_enabled": False,
                                            "install_timer_enabled": False, "upgrade_type": "default",
                                            "apply_updates": False},
                          "yum_cron": {"configured": False, "enabled": False, "update_cmd": "default",
                                       "apply_updates": False}},
    "host.packages_updates": {"package_manager": "apt", "pending_total": 3, "pending_security": 0,
                              "security_packages": [], "reboot_required": False, "reboot_packages": [],
                              "lists_updated_epoch": 1_790_000_000},
    "host.time_sync": {"daemons": {
        "chrony": {"installed": True, "running": True, "enabled": True, "sources": ["169.254.169.123"]},
        "systemd-timesyncd": {"installed": False, "running": False, "enabled": False, "sources": []},
        "ntpd": {"installed": False, "running": False, "enabled": False, "sources": []}},
        "timesyncd_synchronized": False},
    "host.firewall": {"tools": ["nft"], "ufw_enabled": False, "firewalld_running": False,
                      "enabled_services": ["nftables.service"],
                      "nft": {"base_chains": 1, "drop_policies": 1, "rules": 3}, "iptables": None},
    "host.disks": {"lsblk": True, "mounts": [
        {"device": "nvme0n1p1", "type": "part", "fstype": "xfs", "mountpoint": "/", "encrypted": False,
         "model": "Amazon Elastic Block Store"},
        {"device": "data", "type": "crypt", "fstype": "ext4", "mountpoint": "/data", "encrypted": True,
         "model": "Amazon EC2 NVMe Instance Storage"}]},
    "host.ssm_agent": {"installed": True, "running": True, "enabled": True},
    "host.log_shipping": {"rsyslog": {"configured": True, "running": True, "remote_targets": []},
                          "journald_forward_to_syslog": None, "journal_upload": {"url": None, "enabled": False},
                          "audisp_plugins": [], "audit_remote": False, "audit_to_syslog": False,
                          "agents": [{"name": "cloudwatch-agent", "ships_audit_log": True, "running": True}]},
}

Change = Callable[[dict[str, dict[str, Any]]], None]


def inventory(change: Change | None = None, faults: tuple[Fault, ...] = ()) -> Inventory:
    attrs = copy.deepcopy(GOOD)
    if change is not None:
        change(attrs)
    resources = [Resource("host", HOST, "ssh", t, HOST, {**a, "transport": "ssh"}) for t, a in attrs.items()]
    return Inventory(resources, faults, NOW)


def statuses(check_id: str, inv: Inventory) -> list[Status]:
    return [f.status for f in run_check(by_id()[check_id], inv)]


def test_a_compliant_host_passes_every_host_check() -> None:
    inv = inventory()
    for c in (*host.CHECKS, *host_access.CHECKS, *host_patching.CHECKS):
        assert statuses(c.id, inv) == [Status.PASS], c.id


def _set(resource_type: str, **values: Any) -> Change:
    def change(attrs: dict[str, dict[str, Any]]) -> None:
        attrs[resource_type].update(values)
    return change


def _drop_rule(key: str) -> Change:
    def change(attrs: dict[str, dict[str, Any]]) -> None:
        attrs["host.audit_rules"]["rules"] = [r for r in attrs["host.audit_rules"]["rules"] if r["key"] != key]
    return change


def _account(**values: Any) -> Change:
    def change(attrs: dict[str, dict[str, Any]]) -> None:
        attrs["host.accounts"]["accounts"].append({"name": "x", "uid": 1001, "gid": 1001, "home": "/", "shell":
                                                   "/bin/sh", "interactive": True, "password": "set", "groups": [],
                                                   **values})
    return change


def _match(key: str, value: str) -> Change:
    return _set("host.sshd", matches=[{"criteria": "Address 10.0.0.0/8", "settings": {key: value}}])


FAILING: list[tuple[str, Change, str]] = [
    ("host_auditd_running", _set("host.auditd", installed=False), "not installed"),
    ("host_auditd_running", _set("host.auditd", running=False), "not running"),
    ("host_auditd_running", _set("host.auditd", enabled=False), "not enabled at boot"),
    ("host_auditd_rules_cis", _drop_rule("identity"), "users and groups"),
    ("host_auditd_rules_cis", _drop_rule("privileged"), "privileged"),
    ("host_auditd_rules_cis", _drop_rule("kernel_modules"), "kernel module"),
    ("host_auditd_rules_cis", _drop_rule("time-change"), "time changes"),
    ("host_auditd_rules_cis", _set("host.auditd", installed=False), "not installed"),
    ("host_auditd_immutable", _set("host.audit_rules", enabled_flag=1), "-e 1"),
    ("host_auditd_immutable", _set("host.audit_rules", enabled_flag=None), "-e None"),
    ("host_audit_log_retained", _set("host.auditd", max_log_file_action="rotate"), "rotate"),
    ("host_audit_log_retained", _set("host.auditd", log_dir={"path": "/var/log/audit", "mode": "0755", "uid": 0,
                                                             "gid": 0}), "0755"),
    ("host_audit_log_retained", _set("host.auditd", log_files=[{"path": "/var/log/audit/audit.log", "mode": "0644",
                                                                "uid": 0, "gid": 0}]), "audit.log"),
    ("host_log_shipping_configured", _set("host.log_shipping", agents=[
        {"name": "fluent-bit", "ships_audit_log": False, "running": True}]), "no configuration"),
    ("host_time_sync", _set("host.time_sync", daemons={"chrony": {"installed": True, "running": False,
                                                                 "enabled": True, "sources": ["pool"]}}), "installed"),
    ("host_sshd_no_root_login", _set("host.sshd", permit_root_login="prohibit-password"), "prohibit-password"),
    ("host_sshd_no_root_login", _match("permitrootlogin", "yes"), "Match Address"),
    ("host_sshd_no_password_auth", _set("host.sshd", password_authentication="yes"), "PasswordAuthentication yes"),
    ("host_sshd_no_password_auth", _set("host.sshd", kbd_interactive_authentication="yes"), "Kbd"),
    ("host_sshd_no_password_auth", _match("passwordauthentication", "yes"), "Match Address"),
    ("host_sshd_no_password_auth", _set("host.sshd", permit_empty_passwords="yes"), "passwords"),
    ("host_sudo_no_nopasswd", _set("host.sudoers", nopasswd_principals=["ubuntu"]), "ubuntu"),
    ("host_sudo_no_nopasswd", _set("host.sudoers", no_authenticate_defaults=["Defaults !authenticate"]),
     "!authenticate"),
    ("host_no_extra_uid0", _account(name="toor", uid=0), "toor"),
    ("host_no_empty_password", _account(name="guest", password="empty"), "guest"),
    ("host_firewall_enabled", _set("host.firewall", nft={"base_chains": 0, "drop_policies": 0, "rules": 0}),
     "no host firewall"),
    ("host_disk_encrypted", _set("host.os", cloud=None), "/"),
    ("host_ssm_agent_present", _set("host.ssm_agent", running=False), "not running"),
    ("host_auto_security_updates", _set("host.auto_updates", unattended_security_origins=[]), "no automatic"),
    ("host_auto_security_updates", _set("host.auto_updates", apt_periodic={"Unattended-Upgrade": "0"}),
     "no automatic"),
    ("host_no_pending_security_updates", _set("host.packages_updates", pending_security=12,
                                              security_packages=["openssl"]), "12 security updates"),
    ("host_no_reboot_required", _set("host.packages_updates", reboot_required=True, reboot_packages=["linux-image"]),
     "linux-image"),
    ("host_os_supported", _set("host.os", version_id="10"), "ended on 2024-06-30"),
    ("host_os_supported", _set("host.os", distro_id="amzn", version_id="2"), "ended on 2026-06-30"),
]


@pytest.mark.parametrize(("check_id", "change", "needle"), FAILING, ids=[f"{c}-{i}" for i, (c, _, _) in
                                                                         enumerate(FAILING)])
def test_one_change_fails_the_check(check_id: str, change: Change, needle: str) -> None:
    findings = list(run_check(by_id()[check_id], inventory(change)))
    assert [f.status for f in findings] == [Status.FAIL]
    assert needle in findings[0].message.en
    assert findings[0].message.ja and findings[0].message.ja != findings[0].message.en


PASSING_VARIANTS: list[tuple[str, Change]] = [
    ("host_sshd_no_root_login", _set("host.sshd", installed=False)),
    ("host_sshd_no_password_auth", _set("host.sshd", password_authentication="yes",
                                        authentication_methods="publickey publickey,password")),
    ("host_sshd_no_password_auth", _set("host.sshd", kbd_interactive_authentication="yes", use_pam="no")),
    ("host_sudo_no_nopasswd", _set("host.sudoers", installed=False, nopasswd_principals=["x"])),
    ("host_firewall_enabled", _set("host.firewall", nft=None, ufw_enabled=True)),
    ("host_log_shipping_configured", _set("host.log_shipping", agents=[], audit_to_syslog=True,
                                          rsyslog={"configured": True, "running": True,
                                                   "remote_targets": ["logs.example.com:6514"]})),
    ("host_log_shipping_configured", _set("host.log_shipping", agents=[], audit_remote=True)),
    ("host_auto_security_updates", _set("host.auto_updates", unattended_upgrades_installed=False, dnf_automatic={
        "configured": True, "timer_enabled": True, "install_timer_enabled": False, "upgrade_type": "security",
        "apply_updates": True})),
    ("host_os_supported", _set("host.os", distro_id="rocky", version_id="9.4")),
]


@pytest.mark.parametrize(("check_id", "change"), PASSING_VARIANTS)
def test_other_compliant_setups_pass(check_id: str, change: Change) -> None:
    assert statuses(check_id, inventory(change)) == [Status.PASS]


def test_outside_aws_a_missing_ssm_agent_says_nothing_and_only_local_disks_count() -> None:
    inv = inventory(lambda a: (a["host.os"].update(cloud=None), a["host.ssm_agent"].update(installed=False,
                                                                                           running=False)))
    assert statuses("host_ssm_agent_present", inv) == []
    all_ebs = _set("host.disks", mounts=[GOOD["host.disks"]["mounts"][0]])
    assert statuses("host_disk_encrypted", inventory(all_ebs)) == []  # EBS encryption is the AWS scan's job


def test_unknowns_are_manual_not_pass() -> None:
    assert statuses("host_no_pending_security_updates", inventory(_set(
        "host.packages_updates", pending_security=None, pending_total=None))) == [Status.MANUAL]
    assert statuses("host_no_reboot_required", inventory(_set("host.packages_updates", reboot_required=None))) == [
        Status.MANUAL]
    assert statuses("host_os_supported", inventory(_set("host.os", distro_id="gentoo", version_id="2.15"))) == [
        Status.MANUAL]


def test_a_fault_turns_the_verdict_into_an_error() -> None:
    fault = Fault("host", HOST, "ssh", "host", "host.sudoers", "command sudoers", "permission denied: /etc/sudoers")
    findings = list(run_check(by_id()["host_sudo_no_nopasswd"], inventory(faults=(fault,))))
    assert [f.status for f in findings] == [Status.ERROR]
    assert "permission denied" in findings[0].message.en


def test_os_support_is_judged_at_collection_time_not_now() -> None:
    old = Inventory(inventory(_set("host.os", version_id="11")).resources, (), datetime(2026, 8, 31, tzinfo=UTC))
    later = Inventory(old.resources, (), datetime(2026, 9, 1, tzinfo=UTC))
    assert statuses("host_os_supported", old) == [Status.PASS]
    assert statuses("host_os_supported", later) == [Status.FAIL]


def test_release_table_is_consistent() -> None:
    assert len({(r.distro, r.version) for r in RELEASES}) == len(RELEASES)
    assert all(r.standard_until is None or r.standard_until < r.security_until for r in RELEASES)
    assert find_release("almalinux", "9.3") is not None and find_release("ubuntu", "22.04.4") is None


def test_every_cis_category_is_named_and_detected_alone() -> None:
    assert all(audit_coverage(CIS_RULES).values())
    assert set(audit_coverage([])) == {c.id for c in AUDIT_CATEGORIES}
    assert not any(audit_coverage([]).values())
