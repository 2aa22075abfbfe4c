"""From parsed command output to the attributes of each host resource type (docs/host-resources.md).

One `Area` per resource type names the commands it reads; when any of them failed the type
gets a Fault instead of a resource, so a check can never pass on what was not read.
Describing only: no pass or fail is decided here.
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from checksheet.collectors.host.bundle import Bundle, Entry
from checksheet.collectors.host.parse_accounts import parse_accounts
from checksheet.collectors.host.parse_audit import enabled_flag, parse_auditd_conf, parse_rules
from checksheet.collectors.host.parse_packages import (
    apt_periodic,
    ini_commands,
    parse_apt_upgradable,
    parse_updateinfo,
    unattended_security_origins,
)
from checksheet.collectors.host.parse_sshd import parse_sshd_config
from checksheet.collectors.host.parse_sudoers import parse_sudoers
from checksheet.collectors.host.parse_system import (
    audisp_plugins,
    chrony_sources,
    ini_value,
    iptables_summary,
    mentions_audit_log,
    nft_summary,
    ntp_sources,
    parse_lsblk,
    parse_os_release,
    rsyslog_targets,
    timesyncd_sources,
)

Snapshot = Mapping[str, Bundle]  # command id -> its parsed output (successful commands only)
Attributes = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Area:
    type: str
    commands: tuple[str, ...]
    build: Callable[[Snapshot], Attributes]


def _texts(bundle: Bundle, prefix: str, suffix: str = "") -> dict[str, str]:
    return {e.path: e.content or "" for e in bundle.matching(prefix, suffix) if e.content is not None}


def _any_exists(bundle: Bundle, *paths: str) -> bool:
    return any(bundle.exists(p) for p in paths)


def _enabled(bundle: Bundle, *units: str) -> bool:
    """A wants-link or SysV start link for any of the units exists."""
    patterns = [f"/etc/systemd/system/*.wants/{u}" for u in units]
    patterns += [f"/etc/rc[2-5].d/S*{u.removesuffix('.service')}" for u in units if u.endswith(".service")]
    return any(fnmatch.fnmatchcase(path, pat) for path in bundle.stats for pat in patterns)


def _running(snapshot: Snapshot, *names: str) -> bool:
    """A process of that name runs (/proc/*/comm keeps the first 15 characters)."""
    procs = set(snapshot["os"].procs)
    return any(n[:15] in procs for n in names)


def _mode(entry: Entry) -> dict[str, Any]:
    return {"path": entry.path, "mode": f"{entry.mode or 0:04o}", "uid": entry.uid, "gid": entry.gid}


def os_info(s: Snapshot) -> Attributes:
    b = s["os"]
    release = parse_os_release(b.text("/etc/os-release") or b.text("/usr/lib/os-release") or "")
    vendor = (b.text("/sys/class/dmi/id/sys_vendor") or "").strip()
    xen_uuid = (b.text("/sys/hypervisor/uuid") or "").strip().lower()
    asset = (b.text("/sys/class/dmi/id/board_asset_tag") or "").strip()
    managers = [m for m, p in (("apt", "/usr/bin/apt-get"), ("dnf", "/usr/bin/dnf"), ("yum", "/usr/bin/yum"))
                if b.exists(p)]
    return {
        "hostname": (b.text("/proc/sys/kernel/hostname") or b.text("/etc/hostname") or "").strip(),
        "distro_id": release.get("id", ""),
        "id_like": release.get("id_like", "").split(),
        "version_id": release.get("version_id", ""),
        "version_codename": release.get("version_codename", ""),
        "pretty_name": release.get("pretty_name", "") or (b.text("/etc/system-release") or "").strip(),
        "kernel": (b.text("/proc/sys/kernel/osrelease") or "").strip() or None,
        "cloud": "aws" if vendor == "Amazon EC2" or xen_uuid.startswith("ec2") else None,
        "instance_id": asset if asset.startswith("i-") else None,
        "package_manager": managers[0] if managers else None,
        "systemd": b.exists("/run/systemd/system"),
    }


def auditd(s: Snapshot) -> Attributes:
    b = s["audit"]
    conf = parse_auditd_conf(b.text("/etc/audit/auditd.conf") or "")
    log_file = conf.get("log_file", "/var/log/audit/audit.log")
    log_dir = posixpath.dirname(log_file)
    dir_entry = b.stats.get(log_dir)
    return {
        "installed": _any_exists(b, "/sbin/auditd", "/usr/sbin/auditd"),
        "running": _running(s, "auditd"),
        "enabled": _enabled(b, "auditd.service"),
        "config_present": b.exists("/etc/audit/auditd.conf"),
        "log_file": log_file,
        "max_log_file_action": conf.get("max_log_file_action", "rotate").lower(),
        "num_logs": int(conf["num_logs"]) if conf.get("num_logs", "").isdigit() else None,
        "max_log_file_mb": int(conf["max_log_file"]) if conf.get("max_log_file", "").isdigit() else None,
        "space_left_action": conf.get("space_left_action", "").lower() or None,
        "admin_space_left_action": conf.get("admin_space_left_action", "").lower() or None,
        "disk_full_action": conf.get("disk_full_action", "").lower() or None,
        "log_group": conf.get("log_group", "root"),
        "log_dir": _mode(dir_entry) if dir_entry else None,
        "log_files": [_mode(e) for e in b.matching(log_dir + "/") if posixpath.dirname(e.path) == log_dir],
    }


def audit_rules(s: Snapshot) -> Attributes:
    b = s["audit"]
    rules_d = _texts(b, "/etc/audit/rules.d/", ".rules")
    # augenrules compiles rules.d into audit.rules; where rules.d has files, it is the source.
    sources = rules_d or ({"/etc/audit/audit.rules": b.text("/etc/audit/audit.rules") or ""}
                          if b.exists("/etc/audit/audit.rules") else {})
    rules = [r for path in sorted(sources) for r in parse_rules(sources[path])]
    return {
        "source": "rules.d" if rules_d else ("audit.rules" if sources else None),
        "files": sorted(sources),
        "rules": [r.to_json() for r in rules],
        "enabled_flag": enabled_flag(rules),
    }


def sshd(s: Snapshot) -> Attributes:
    b = s["sshd"]
    config = parse_sshd_config(_texts(b, "/etc/ssh/"))
    st = config.settings
    kbd = st.get("kbdinteractiveauthentication", st.get("challengeresponseauthentication", "yes"))
    return {
        "installed": b.exists("/usr/sbin/sshd"),
        "running": _running(s, "sshd"),
        "enabled": _enabled(b, "ssh.service", "sshd.service"),
        "config_present": b.exists("/etc/ssh/sshd_config"),
        # Effective global values, with OpenSSH's defaults where the files say nothing.
        "permit_root_login": st.get("permitrootlogin", "prohibit-password").lower(),
        "password_authentication": st.get("passwordauthentication", "yes").lower(),
        "kbd_interactive_authentication": kbd.lower(),
        "pubkey_authentication": st.get("pubkeyauthentication", "yes").lower(),
        "authentication_methods": st.get("authenticationmethods", "any"),
        "permit_empty_passwords": st.get("permitemptypasswords", "no").lower(),
        "use_pam": st.get("usepam", "no").lower(),
        "allow_users": config.lists.get("allowusers", []),
        "allow_groups": config.lists.get("allowgroups", []),
        "deny_users": config.lists.get("denyusers", []),
        "deny_groups": config.lists.get("denygroups", []),
        "settings": st,
        "matches": [{"criteria": m.criteria, "settings": m.settings} for m in config.matches],
        "files": config.files,
        "unresolved_includes": config.unresolved_includes,
    }


def sudoers(s: Snapshot) -> Attributes:
    b = s["sudoers"]
    files = {p: t for p, t in _texts(b, "/etc/sudoers").items()}
    policy = parse_sudoers(files)
    root_equivalent = sorted({u for r in policy.rules if policy.root_equivalent(r) for u in policy.expand(r.users)})
    nopasswd = sorted({u for r in policy.rules if r.nopasswd for u in policy.expand(r.users)})
    return {
        "installed": b.exists("/usr/bin/sudo") or b.exists("/etc/sudoers"),
        "rules": [r.to_json() for r in policy.rules],
        "nopasswd_principals": nopasswd,
        "root_equivalent_principals": root_equivalent,
        "no_authenticate_defaults": policy.no_authenticate,
        "files": policy.files,
        "unresolved_includes": policy.unresolved_includes,
    }


def accounts(s: Snapshot) -> Attributes:
    b = s["accounts"]
    shadow = b.text("/etc/shadow")
    found = parse_accounts(b.text("/etc/passwd") or "", shadow, b.text("/etc/group"))
    return {"accounts": [a.to_json() for a in found], "shadow_read": shadow is not None}


def auto_updates(s: Snapshot) -> Attributes:
    b = s["updates_config"]
    apt_files = _texts(b, "/etc/apt/apt.conf.d/")
    periodic = apt_periodic(apt_files)
    dnf = ini_commands(b.text("/etc/dnf/automatic.conf"))
    yum = ini_commands(b.text("/etc/yum/yum-cron.conf"))
    return {
        "unattended_upgrades_installed": b.exists("/usr/bin/unattended-upgrade"),
        "apt_periodic": periodic,
        "unattended_security_origins": unattended_security_origins(apt_files),
        "dnf_automatic": {
            "configured": b.exists("/etc/dnf/automatic.conf"),
            "timer_enabled": _enabled(b, "dnf-automatic.timer"),
            "install_timer_enabled": _enabled(b, "dnf-automatic-install.timer"),
            "upgrade_type": dnf.get("upgrade_type", "default"),
            "apply_updates": dnf.get("apply_updates", "no").lower() in ("yes", "true", "1"),
        },
        "yum_cron": {
            "configured": b.exists("/etc/yum/yum-cron.conf"),
            "enabled": _enabled(b, "yum-cron.service"),
            "update_cmd": yum.get("update_cmd", "default"),
            "apply_updates": yum.get("apply_updates", "no").lower() in ("yes", "true", "1"),
        },
    }


def packages_updates(s: Snapshot) -> Attributes:
    config, pending = s["updates_config"], s["updates_pending"]
    apt, dnf, yum = (pending.probes.get(n) for n in ("apt", "dnf", "yum"))
    updates = None
    manager = None
    if apt is not None and apt.present:
        manager, updates = "apt", parse_apt_upgradable(apt.output)
    elif dnf is not None and dnf.present:
        manager, updates = "dnf", parse_updateinfo(dnf.output)
    elif yum is not None and yum.present:
        manager, updates = "yum", parse_updateinfo(yum.output)
    security = sorted(u.package for u in updates or () if u.security)
    restart = pending.probes.get("needs_restarting")
    if config.exists("/var/run/reboot-required"):
        reboot: bool | None = True
    elif restart is not None and restart.present:
        reboot = restart.rc == 1
    else:
        reboot = False if manager == "apt" else None  # Debian-family tools write the flag file
    stamp = config.stats.get("/var/lib/apt/periodic/update-success-stamp") or config.stats.get(
        "/var/lib/apt/lists/partial")
    return {
        "package_manager": manager,
        "pending_total": None if updates is None else len(updates),
        "pending_security": None if updates is None else len(security),
        "security_packages": security[:100],
        "reboot_required": reboot,
        "reboot_packages": (config.text("/var/run/reboot-required.pkgs") or "").split()[:50],
        "lists_updated_epoch": stamp.mtime if stamp else None,
    }


def time_sync(s: Snapshot) -> Attributes:
    b = s["time_sync"]
    chrony = list(_texts(b, "/etc/chrony").values())  # chrony.conf, chrony/conf.d, chrony/sources.d
    timesyncd = list(_texts(b, "/etc/systemd/timesyncd.conf").values())
    ntp = [b.text("/etc/ntp.conf") or "", b.text("/etc/ntpsec/ntp.conf") or ""]
    timesyncd_installed = _any_exists(b, "/lib/systemd/systemd-timesyncd", "/usr/lib/systemd/systemd-timesyncd")
    return {
        "daemons": {
            "chrony": {"installed": b.exists("/usr/sbin/chronyd"), "running": _running(s, "chronyd"),
                       "enabled": _enabled(b, "chrony.service", "chronyd.service"), "sources": chrony_sources(chrony)},
            "systemd-timesyncd": {
                "installed": timesyncd_installed, "running": _running(s, "systemd-timesyncd"),
                "enabled": _enabled(b, "systemd-timesyncd.service"),
                # timesyncd has compiled-in fallback servers when none is configured.
                "sources": timesyncd_sources(timesyncd) or (["(built-in fallback)"] if timesyncd_installed else []),
            },
            "ntpd": {"installed": b.exists("/usr/sbin/ntpd"), "running": _running(s, "ntpd"),
                     "enabled": _enabled(b, "ntp.service", "ntpsec.service"), "sources": ntp_sources(ntp)},
        },
        "timesyncd_synchronized": b.exists("/run/systemd/timesync/synchronized"),
    }


def firewall(s: Snapshot) -> Attributes:
    b, rules = s["firewall_config"], s["firewall_rules"]
    nft, ipt = rules.probes.get("nft"), rules.probes.get("iptables")
    ufw_conf = b.text("/etc/ufw/ufw.conf") or ""
    return {
        "tools": [t for t, p in (("nft", "/usr/sbin/nft"), ("iptables", "/usr/sbin/iptables"),
                                 ("ufw", "/usr/sbin/ufw"), ("firewalld", "/usr/sbin/firewalld")) if b.exists(p)],
        "ufw_enabled": any(line.strip().lower() == "enabled=yes" for line in ufw_conf.splitlines()),
        "firewalld_running": _running(s, "firewalld"),
        "enabled_services": [u for u in ("nftables.service", "firewalld.service", "ufw.service",
                                         "netfilter-persistent.service", "iptables.service") if _enabled(b, u)],
        "nft": nft_summary(nft.output) if nft is not None and nft.present else None,
        "iptables": iptables_summary(ipt.output) if ipt is not None and ipt.present else None,
    }


def disks(s: Snapshot) -> Attributes:
    probe = s["disks"].probes.get("lsblk")
    return {"lsblk": probe is not None and probe.present,
            "mounts": parse_lsblk(probe.output) if probe is not None and probe.present else []}


def ssm_agent(s: Snapshot) -> Attributes:
    b = s["ssm_agent"]
    return {
        "installed": _any_exists(b, "/usr/bin/amazon-ssm-agent", "/usr/sbin/amazon-ssm-agent",
                                 "/snap/amazon-ssm-agent/current/amazon-ssm-agent"),
        "running": _running(s, "amazon-ssm-agent"),
        "enabled": _enabled(b, "amazon-ssm-agent.service", "snap.amazon-ssm-agent.amazon-ssm-agent.service"),
    }


_AGENTS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("fluent-bit", ("/etc/fluent-bit/", "/etc/td-agent-bit/"), ("fluent-bit", "td-agent-bit")),
    ("datadog-agent", ("/etc/datadog-agent/",), ("agent",)),
    ("cloudwatch-agent", ("/opt/aws/amazon-cloudwatch-agent/",), ("amazon-cloudwatch-agent",)),
    ("vector", ("/etc/vector/",), ("vector",)),
)


def _agents(s: Snapshot, b: Bundle) -> Iterable[dict[str, Any]]:
    for name, prefixes, procs in _AGENTS:
        texts = [t for p in prefixes for t in _texts(b, p).values()]
        if texts:
            yield {"name": name, "ships_audit_log": any(mentions_audit_log(t) for t in texts),
                   "running": _running(s, *procs)}


def log_shipping(s: Snapshot) -> Attributes:
    b = s["log_shipping"]
    rsyslog = list(_texts(b, "/etc/rsyslog").values())
    journald = list(_texts(b, "/etc/systemd/journald.conf").values())
    plugins = audisp_plugins({**_texts(b, "/etc/audit/plugins.d/"), **_texts(b, "/etc/audisp/plugins.d/")})
    return {
        "rsyslog": {"configured": bool(rsyslog), "running": _running(s, "rsyslogd"),
                    "remote_targets": rsyslog_targets(rsyslog)},
        "journald_forward_to_syslog": ini_value(journald, "ForwardToSyslog"),
        "journal_upload": {"url": ini_value([b.text("/etc/systemd/journal-upload.conf") or ""], "URL"),
                           "enabled": _enabled(b, "systemd-journal-upload.service")},
        "audisp_plugins": plugins,
        "audit_remote": any(p["path"].endswith("audisp-remote") for p in plugins),
        "audit_to_syslog": any("syslog" in p["path"] for p in plugins),
        "agents": list(_agents(s, b)),
    }


#: The registry: resource type -> the commands it reads and how its attributes are built.
AREAS: tuple[Area, ...] = (
    Area("host.os", ("os",), os_info),
    Area("host.auditd", ("os", "audit"), auditd),
    Area("host.audit_rules", ("audit",), audit_rules),
    Area("host.sshd", ("os", "sshd"), sshd),
    Area("host.sudoers", ("sudoers",), sudoers),
    Area("host.accounts", ("accounts",), accounts),
    Area("host.auto_updates", ("updates_config",), auto_updates),
    Area("host.packages_updates", ("updates_config", "updates_pending"), packages_updates),
    Area("host.time_sync", ("os", "time_sync"), time_sync),
    Area("host.firewall", ("os", "firewall_config", "firewall_rules"), firewall),
    Area("host.disks", ("disks",), disks),
    Area("host.ssm_agent", ("os", "ssm_agent"), ssm_agent),
    Area("host.log_shipping", ("os", "log_shipping"), log_shipping),
)
