"""Every command the host collectors run, declared in one place.

A command is a fixed `sh -c SCRIPT` generated from a list of specs (files to read, paths to
stat, the process names, read-only probes). The script is constant: the same text runs locally,
over SSH and through SSM, and `checksheet host commands` prints it for review or allow-listing.
Output is framed by marker lines (see `bundle.py`), so one round-trip returns a whole area.

Locally with `--root DIR` (a mounted image or chroot), the script receives DIR as `$1` and
reads every path below it; commands with probes of the running system are then skipped.
"""

from __future__ import annotations

import fnmatch
import posixpath
import shlex
from dataclasses import dataclass

from checksheet.model import Text

MARKER = "@@checksheet-7c1e"  # longer than a process name (15 chars), so /proc/*/comm cannot forge it

_PRELUDE = f"""r="${{1:-}}"; m={MARKER}
[ -d "$r/." ] || {{ echo "cannot enter the root directory $r" >&2; exit 2; }}
rd() {{ for f in "$@"; do p="${{f#"$r"}}"; if [ -f "$f" ]; then if [ -r "$f" ]; then echo "$m file $p"; \
cat "$f"; echo; echo "$m end"; else echo "$m denied $p"; fi; elif [ -e "$f" ]; then echo "$m other $p"; \
else echo "$m missing $p"; fi; done; }}
st() {{ for f in "$@"; do p="${{f#"$r"}}"; if [ -e "$f" ] || [ -L "$f" ]; then \
echo "$m stat $(stat -L -c '%a %u %g %Y' "$f" 2>/dev/null || stat -c '%a %u %g %Y' "$f") $p"; \
else echo "$m missing $p"; fi; done; }}
dr() {{ for d in "$@"; do p="${{d#"$r"}}"; if [ -d "$d" ] && [ -r "$d" ] && [ -x "$d" ]; then echo "$m dir ok $p"; \
elif [ -d "$d" ]; then echo "$m dir denied $p"; else echo "$m dir missing $p"; fi; done; }}"""


@dataclass(frozen=True, slots=True)
class Read:
    """Print the content of the files matching a path or glob."""

    pattern: str
    required: bool = True  # False: a permission problem leaves the value unknown instead of failing the command


@dataclass(frozen=True, slots=True)
class Stat:
    """Print mode, owner, group and mtime of the paths matching a path or glob (not their content)."""

    pattern: str


@dataclass(frozen=True, slots=True)
class Procs:
    """Print the name of every running process (/proc/*/comm)."""


@dataclass(frozen=True, slots=True)
class Probe:
    """Run a read-only command of the running system when `binary` is on PATH; print its output and exit code."""

    name: str
    binary: str
    command: str
    ok: tuple[int, ...] = (0,)  # exit codes that mean an answer, not a failure


Spec = Read | Stat | Procs | Probe


@dataclass(frozen=True, slots=True)
class Command:
    id: str
    purpose: Text
    specs: tuple[Spec, ...]
    #: Needs root to read everything (shadow, sudoers, audit rules, firewall rules); run with sudo -n when allowed.
    needs_sudo: bool = False

    def optional(self, path: str) -> bool:
        """A path whose denial is tolerated (see `Read.required`)."""
        return any(isinstance(s, Read) and not s.required and fnmatch.fnmatchcase(path, s.pattern) for s in self.specs)

    @property
    def live(self) -> bool:
        """It probes the running system, so it means nothing for a directory scanned with --root."""
        return any(isinstance(s, Probe) for s in self.specs)

    @property
    def script(self) -> str:
        return _script(self.specs)

    @property
    def argv(self) -> tuple[str, ...]:
        return ("sh", "-c", self.script)

    @property
    def command_line(self) -> str:
        """The string sent to a remote shell (ssh, SSM): the argv, quoted for a POSIX shell."""
        return shlex.join(self.argv)


def _glob_dir(pattern: str) -> str:
    """The directory that must be listable for a pattern to match anything."""
    head = pattern
    while any(ch in head for ch in "*?["):
        head = posixpath.dirname(head)
    return head if head != pattern else posixpath.dirname(pattern)


def _ancestors(path: str) -> list[str]:
    """The directory and its parents up to (not including) /: any of them may hide what lies below."""
    found = []
    while path not in ("/", ""):
        found.append(path)
        path = posixpath.dirname(path)
    return found


def _script(specs: tuple[Spec, ...]) -> str:
    lines = [_PRELUDE]
    dirs = sorted({a for s in specs if isinstance(s, Read | Stat) for a in _ancestors(_glob_dir(s.pattern))})
    lines.append("dr " + " ".join(f'"$r"{d}' for d in dirs))
    for spec in specs:
        if isinstance(spec, Read):
            lines.append(f'rd "$r"{spec.pattern}')
        elif isinstance(spec, Stat):
            lines.append(f'st "$r"{spec.pattern}')
        elif isinstance(spec, Procs):
            lines.append('echo "$m procs"; cat "$r"/proc/[0-9]*/comm 2>/dev/null; echo "$m end"')
        else:
            lines.append(
                f'if command -v {spec.binary} >/dev/null 2>&1; then echo "$m run {spec.name}"; '
                f'{spec.command} 2>&1; c=$?; echo; echo "$m rc $c"; else echo "$m absent {spec.name}"; fi'
            )
    lines.append('echo "$m done"')
    return "\n".join(lines)


def _units(*names: str) -> tuple[Stat, ...]:
    """Boot-time enablement: systemd wants-links and SysV start links."""
    return tuple(Stat(f"/etc/systemd/system/*.wants/{n}") for n in names) + tuple(
        Stat(f"/etc/rc[2-5].d/S*{n.removesuffix('.service')}") for n in names if n.endswith(".service")
    )


OS = Command(
    id="os",
    purpose=Text(
        ja="OS のリリース、ホスト名、カーネル、クラウド基盤、パッケージ管理、稼働中のプロセス名を読み取ります",
        en="Read the OS release, host name, kernel, cloud platform, package manager and running process names",
    ),
    specs=(
        Read("/etc/os-release"),
        Read("/usr/lib/os-release"),
        Read("/etc/system-release"),
        Read("/etc/hostname"),
        Read("/proc/sys/kernel/hostname"),
        Read("/proc/sys/kernel/osrelease"),
        Read("/sys/class/dmi/id/sys_vendor", required=False),
        Read("/sys/class/dmi/id/board_asset_tag", required=False),
        Read("/sys/hypervisor/uuid", required=False),
        Stat("/usr/bin/apt-get"),
        Stat("/usr/bin/dnf"),
        Stat("/usr/bin/yum"),
        Stat("/run/systemd/system"),
        Procs(),
    ),
)

AUDIT = Command(
    id="audit",
    purpose=Text(
        ja="auditd の導入・起動設定、auditd.conf、監査ルール (rules.d を含む)、監査ログの権限を読み取ります",
        en="Read auditd's installation and boot enablement, auditd.conf, the audit rules (rules.d included)"
        " and the audit log permissions",
    ),
    needs_sudo=True,
    specs=(
        Stat("/sbin/auditd"),
        Stat("/usr/sbin/auditd"),
        *_units("auditd.service"),
        Read("/etc/audit/auditd.conf"),
        Read("/etc/audit/audit.rules"),
        Read("/etc/audit/rules.d/*.rules"),
        Stat("/var/log/audit"),
        Stat("/var/log/audit/*"),
    ),
)

SSHD = Command(
    id="sshd",
    purpose=Text(
        ja="sshd の導入状況と設定 (sshd_config と sshd_config.d) を読み取ります",
        en="Read whether sshd is installed and its configuration (sshd_config and sshd_config.d)",
    ),
    needs_sudo=True,  # sshd_config is 0600 on RHEL-family systems
    specs=(
        Stat("/usr/sbin/sshd"),
        *_units("ssh.service", "sshd.service"),
        Read("/etc/ssh/sshd_config"),
        Read("/etc/ssh/sshd_config.d/*.conf"),
    ),
)

SUDOERS = Command(
    id="sudoers",
    purpose=Text(
        ja="sudo の設定 (/etc/sudoers と /etc/sudoers.d) を読み取ります",
        en="Read the sudo policy (/etc/sudoers and /etc/sudoers.d)",
    ),
    needs_sudo=True,
    specs=(Stat("/usr/bin/sudo"), Read("/etc/sudoers"), Read("/etc/sudoers.d/*")),
)

ACCOUNTS = Command(
    id="accounts",
    purpose=Text(
        ja="ローカルアカウント (passwd、shadow のパスワード状態、group) を読み取ります。ハッシュは保存しません",
        en="Read local accounts (passwd, password state from shadow, group); hashes are never kept",
    ),
    needs_sudo=True,
    specs=(Read("/etc/passwd"), Read("/etc/shadow"), Read("/etc/group"), Read("/etc/shells")),
)

UPDATES_CONFIG = Command(
    id="updates_config",
    purpose=Text(
        ja="自動セキュリティ更新 (unattended-upgrades、dnf-automatic、yum-cron) の設定と再起動要否を読み取ります",
        en="Read automatic security update settings (unattended-upgrades, dnf-automatic, yum-cron)"
        " and whether a reboot is pending",
    ),
    specs=(
        Stat("/usr/bin/unattended-upgrade"),
        Read("/etc/apt/apt.conf.d/*"),
        Stat("/var/lib/apt/periodic/update-success-stamp"),
        Stat("/var/lib/apt/lists/partial"),
        Read("/etc/dnf/automatic.conf"),
        Read("/etc/yum/yum-cron.conf"),
        *_units("dnf-automatic.timer", "dnf-automatic-install.timer", "yum-cron.service"),
        Stat("/var/run/reboot-required"),
        Read("/var/run/reboot-required.pkgs"),
    ),
)

UPDATES_PENDING = Command(
    id="updates_pending",
    purpose=Text(
        ja="未適用の更新を一覧します (apt list --upgradable、dnf/yum updateinfo、needs-restarting -r)。"
        "パッケージ情報の更新もインストールも行いません",
        en="List pending updates (apt list --upgradable, dnf/yum updateinfo, needs-restarting -r);"
        " nothing is refreshed or installed",
    ),
    specs=(
        Probe("apt", "apt-get", "LC_ALL=C apt list --upgradable"),
        Probe("dnf", "dnf", "LC_ALL=C dnf -q -C updateinfo list --security"),
        Probe("yum", "yum", "LC_ALL=C yum -q -C updateinfo list security"),
        Probe("needs_restarting", "needs-restarting", "needs-restarting -r", ok=(0, 1)),
    ),
)

TIME_SYNC = Command(
    id="time_sync",
    purpose=Text(
        ja="時刻同期 (chrony、systemd-timesyncd、ntpd) の導入・設定・同期状態を読み取ります",
        en="Read time synchronisation (chrony, systemd-timesyncd, ntpd): installation, sources, sync state",
    ),
    specs=(
        Stat("/usr/sbin/chronyd"),
        Stat("/lib/systemd/systemd-timesyncd"),
        Stat("/usr/lib/systemd/systemd-timesyncd"),
        Stat("/usr/sbin/ntpd"),
        *_units("chrony.service", "chronyd.service", "systemd-timesyncd.service", "ntp.service", "ntpsec.service"),
        Read("/etc/chrony/chrony.conf"),
        Read("/etc/chrony.conf"),
        Read("/etc/chrony/conf.d/*.conf"),
        Read("/etc/chrony/sources.d/*.sources"),
        Read("/etc/systemd/timesyncd.conf"),
        Read("/etc/systemd/timesyncd.conf.d/*.conf"),
        Read("/etc/ntp.conf"),
        Read("/etc/ntpsec/ntp.conf"),
        Stat("/run/systemd/timesync/synchronized"),
    ),
)

FIREWALL_CONFIG = Command(
    id="firewall_config",
    purpose=Text(
        ja="ホストファイアウォール (ufw、firewalld、nftables、iptables) の導入と起動設定を読み取ります",
        en="Read the host firewall tools (ufw, firewalld, nftables, iptables) and their boot enablement",
    ),
    specs=(
        Stat("/usr/sbin/nft"),
        Stat("/usr/sbin/iptables"),
        Stat("/usr/sbin/ufw"),
        Stat("/usr/sbin/firewalld"),
        Read("/etc/ufw/ufw.conf"),
        *_units("nftables.service", "firewalld.service", "ufw.service", "netfilter-persistent.service",
                "iptables.service"),
    ),
)

FIREWALL_RULES = Command(
    id="firewall_rules",
    purpose=Text(
        ja="読み込まれているパケットフィルタのルールを一覧します (nft list ruleset、iptables-save)",
        en="List the loaded packet filter rules (nft list ruleset, iptables-save)",
    ),
    needs_sudo=True,
    specs=(Probe("nft", "nft", "nft list ruleset"), Probe("iptables", "iptables-save", "iptables-save")),
)

DISKS = Command(
    id="disks",
    purpose=Text(
        ja="ブロックデバイスとマウント、暗号化 (LUKS/dm-crypt) の有無を一覧します (lsblk)",
        en="List block devices, their mounts and dm-crypt (LUKS) layers (lsblk)",
    ),
    specs=(Probe("lsblk", "lsblk", "lsblk -J -o NAME,TYPE,FSTYPE,MOUNTPOINT,MODEL"),),
)

SSM_AGENT = Command(
    id="ssm_agent",
    purpose=Text(
        ja="AWS Systems Manager エージェントの導入と起動設定を読み取ります",
        en="Read whether the AWS Systems Manager agent is installed and enabled at boot",
    ),
    specs=(
        Stat("/usr/bin/amazon-ssm-agent"),
        Stat("/usr/sbin/amazon-ssm-agent"),
        Stat("/snap/amazon-ssm-agent/current/amazon-ssm-agent"),
        *_units("amazon-ssm-agent.service", "snap.amazon-ssm-agent.amazon-ssm-agent.service"),
    ),
)

LOG_SHIPPING = Command(
    id="log_shipping",
    purpose=Text(
        ja="ログ転送の設定 (rsyslog、journald、audisp、Fluent Bit、Datadog Agent、CloudWatch エージェント、Vector)"
        " を読み取ります。転送先と対象ファイルだけを記録し、認証情報は保存しません",
        en="Read log forwarding settings (rsyslog, journald, audisp, Fluent Bit, Datadog Agent, CloudWatch agent,"
        " Vector); only targets and shipped files are kept, never credentials",
    ),
    needs_sudo=True,  # /etc/audit/plugins.d is readable by root only
    specs=(
        Read("/etc/rsyslog.conf"),
        Read("/etc/rsyslog.d/*.conf"),
        Read("/etc/systemd/journald.conf"),
        Read("/etc/systemd/journald.conf.d/*.conf"),
        Read("/etc/systemd/journal-upload.conf"),
        *_units("systemd-journal-upload.service"),
        Read("/etc/audit/plugins.d/*.conf"),
        Read("/etc/audisp/plugins.d/*.conf"),
        Read("/etc/fluent-bit/*.conf"),
        Read("/etc/fluent-bit/*.yaml"),
        Read("/etc/td-agent-bit/*.conf"),
        Read("/etc/datadog-agent/conf.d/*.d/*.yaml"),
        Read("/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json"),
        Read("/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.d/*"),
        Read("/etc/vector/*.toml"),
        Read("/etc/vector/*.yaml"),
    ),
)

#: The registry: every command any host collector may run, in the order they run.
COMMANDS: tuple[Command, ...] = (
    OS, AUDIT, SSHD, SUDOERS, ACCOUNTS, UPDATES_CONFIG, UPDATES_PENDING, TIME_SYNC,
    FIREWALL_CONFIG, FIREWALL_RULES, DISKS, SSM_AGENT, LOG_SHIPPING,
)


def by_id() -> dict[str, Command]:
    return {c.id: c for c in COMMANDS}
