"""Linux host checks: auditd, audit rules, audit log retention, log shipping, time synchronisation.

Pure functions over the `host.*` resources of docs/host-resources.md. The CIS-style audit rule
set is data (`AUDIT_CATEGORIES`): each category lists requirements, each requirement a set of
alternatives, any one of which satisfies it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from checksheet.checks.base import Check, Outcome, registry
from checksheet.inventory import Inventory
from checksheet.model import Severity, Text

CHECKS: list[Check] = []
check = registry(CHECKS)

_NOT_INSTALLED = Text(ja="auditd がインストールされていません", en="auditd is not installed")


@dataclass(frozen=True, slots=True)
class AuditCategory:
    id: str
    title: Text
    #: All requirements must hold; a requirement holds when any of its alternatives does.
    #: `w:PATH` a watch (or path rule) for writes on PATH; `s:NAME` a rule on syscall NAME;
    #: `x:` an execution rule on a privileged program (perm=x with a path, or execve with euid!=uid).
    requires: tuple[tuple[str, ...], ...]


AUDIT_CATEGORIES: tuple[AuditCategory, ...] = (
    AuditCategory("identity", Text("ユーザー・グループ情報の変更", "changes to users and groups"),
                  (("w:/etc/passwd",), ("w:/etc/shadow",), ("w:/etc/group",), ("w:/etc/gshadow",))),
    AuditCategory("sudoers", Text("sudo 設定の変更", "changes to sudoers"),
                  (("w:/etc/sudoers",), ("w:/etc/sudoers.d",))),
    AuditCategory("logins", Text("ログイン・ログイン失敗の記録", "logins and failed logins"),
                  (("w:/var/log/lastlog",),
                   ("w:/var/run/faillock", "w:/run/faillock", "w:/var/log/faillog", "w:/var/log/tallylog"))),
    AuditCategory("time_change", Text("時刻の変更", "time changes"),
                  (("s:adjtimex", "s:settimeofday", "s:clock_settime"), ("w:/etc/localtime",))),
    AuditCategory("perm_mod", Text("権限・所有者・拡張属性の変更", "permission, owner and attribute changes"),
                  (("s:chmod", "s:fchmod", "s:fchmodat"), ("s:chown", "s:fchown", "s:fchownat", "s:lchown"),
                   ("s:setxattr", "s:lsetxattr", "s:fsetxattr", "s:removexattr", "s:lremovexattr",
                    "s:fremovexattr"))),
    AuditCategory("modules", Text("カーネルモジュールのロード・アンロード", "kernel module loading"),
                  (("s:init_module", "s:finit_module", "s:delete_module", "w:/sbin/insmod", "w:/usr/sbin/insmod",
                    "w:/sbin/modprobe", "w:/usr/sbin/modprobe", "w:/usr/bin/kmod"),)),
    AuditCategory("privileged", Text("特権コマンドの実行", "use of privileged commands"), (("x:",),)),
)


def _watched(rules: Sequence[Mapping[str, Any]], path: str) -> bool:
    for r in rules:
        if r["path"].rstrip("/") == path and ("w" in r["perms"] or (r["kind"] == "watch" and not r["perms"])):
            return True
        # A watch on an executable counts for "x" as well (the module tools are watched with -p x).
        if r["path"].rstrip("/") == path and path.endswith(("insmod", "modprobe", "kmod")):
            return True
    return False


def _satisfied(rules: Sequence[Mapping[str, Any]], alternative: str) -> bool:
    kind, _, arg = alternative.partition(":")
    if kind == "w":
        return _watched(rules, arg)
    syscall_rules = [r for r in rules if r["kind"] == "syscall" and not r["action"].startswith("never")]
    if kind == "s":
        return any(arg in r["syscalls"] or "all" in r["syscalls"] for r in syscall_rules)
    return any((r["path"] and "x" in r["perms"]) or
               ("execve" in r["syscalls"] and any("euid" in f for f in r["fields"])) for r in syscall_rules)


def audit_coverage(rules: Sequence[Mapping[str, Any]]) -> dict[str, bool]:
    """Which CIS-style categories the rules cover."""
    return {c.id: all(any(_satisfied(rules, alt) for alt in req) for req in c.requires) for c in AUDIT_CATEGORIES}


@check(
    id="host_auditd_running",
    controls=("LOG-07",),
    severity=Severity.HIGH,
    title=Text("auditd が稼働し、起動時に有効化されている", "auditd is installed, running and enabled at boot"),
    remediation=Text(
        "auditd をインストールし (apt install auditd / dnf install audit)、systemctl enable --now auditd で"
        "起動と自動起動を有効にしてください。",
        "Install auditd (apt install auditd / dnf install audit) and run systemctl enable --now auditd.",
    ),
    needs=("host.auditd",),
)
def auditd_running(inv: Inventory) -> Iterator[Outcome]:
    for r in inv.of("host.auditd"):
        a = r.attributes
        if not a["installed"]:
            yield Outcome.of(r, False, _NOT_INSTALLED)
            continue
        missing = [Text("稼働していません", "not running")] if not a["running"] else []
        missing += [Text("起動時に有効化されていません", "not enabled at boot")] if not a["enabled"] else []
        yield Outcome.of(r, not missing, Text(
            ja="auditd は稼働中で起動時に有効です" if not missing else "auditd は " + "、".join(m.ja for m in missing),
            en="auditd is running and enabled at boot" if not missing else
            "auditd is " + " and ".join(m.en for m in missing),
        ))


@check(
    id="host_auditd_rules_cis",
    controls=("LOG-07",),
    severity=Severity.MEDIUM,
    title=Text("監査ルールが CIS の主要項目を網羅している",
               "audit rules cover identity, sudoers, logins, time, permissions, modules, privileged commands"),
    remediation=Text(
        "/etc/audit/rules.d/ に CIS ベンチマーク相当のルール (ユーザー・グループ、sudoers、ログイン、時刻変更、"
        "権限変更、カーネルモジュール、特権コマンド) を追加し、augenrules --load で読み込んでください。",
        "Add CIS Benchmark rules to /etc/audit/rules.d/ (identity files, sudoers, logins, time changes, permission"
        " changes, kernel modules, privileged commands) and load them with augenrules --load.",
    ),
    needs=("host.auditd", "host.audit_rules"),
)
def auditd_rules(inv: Inventory) -> Iterator[Outcome]:
    for r in inv.of("host.audit_rules"):
        daemon = inv.get("host.auditd", r.id)
        if daemon is not None and not daemon.attributes["installed"]:
            yield Outcome.of(r, False, _NOT_INSTALLED)
            continue
        coverage = audit_coverage(r.attributes["rules"])
        gaps = [c for c in AUDIT_CATEGORIES if not coverage[c.id]]
        yield Outcome.of(r, not gaps, Text(
            ja="監査ルールは CIS の 7 項目すべてを網羅しています" if not gaps else
            "監査ルールに不足があります: " + "、".join(c.title.ja for c in gaps),
            en="audit rules cover all 7 CIS categories" if not gaps else
            "audit rules do not cover: " + ", ".join(c.title.en for c in gaps),
        ))


@check(
    id="host_auditd_immutable",
    controls=("LOG-07",),
    severity=Severity.MEDIUM,
    title=Text("監査ルールが変更不可 (-e 2) に設定されている", "audit rules are immutable (-e 2)"),
    remediation=Text(
        "/etc/audit/rules.d/99-finalize.rules の末尾に -e 2 を追加し、"
        "ルールを再起動まで変更できないようにしてください。",
        "Add -e 2 as the last rule (/etc/audit/rules.d/99-finalize.rules) so rules cannot change until reboot.",
    ),
    needs=("host.auditd", "host.audit_rules"),
)
def auditd_immutable(inv: Inventory) -> Iterator[Outcome]:
    for r in inv.of("host.audit_rules"):
        daemon = inv.get("host.auditd", r.id)
        if daemon is not None and not daemon.attributes["installed"]:
            yield Outcome.of(r, False, _NOT_INSTALLED)
            continue
        flag = r.attributes["enabled_flag"]
        yield Outcome.of(r, flag == 2, Text(
            ja="監査ルールは変更不可 (-e 2) です" if flag == 2 else f"監査ルールが変更不可になっていません (-e {flag})",
            en="audit rules are immutable (-e 2)" if flag == 2 else f"audit rules are not immutable (-e {flag})",
        ))


def _too_open(entry: Mapping[str, Any] | None, limit: int) -> bool:
    return entry is not None and (int(entry["mode"], 8) & ~limit & 0o777 != 0 or entry["uid"] != 0)


@check(
    id="host_audit_log_retained",
    controls=("LOG-03", "LOG-07"),
    severity=Severity.MEDIUM,
    title=Text("監査ログが保護され、消されずに保管される",
               "audit logs are protected and kept (permissions, max_log_file_action)"),
    remediation=Text(
        "auditd.conf で max_log_file_action = keep_logs とし、/var/log/audit を root 所有の 0750 以下、"
        "ログファイルを 0640 以下にしてください。保管期間はログ転送先でも確保してください。",
        "Set max_log_file_action = keep_logs in auditd.conf; make /var/log/audit root-owned 0750 or stricter and"
        " the log files 0640 or stricter; keep the retention period at the log destination too.",
    ),
    needs=("host.auditd",),
)
def audit_log_retained(inv: Inventory) -> Iterator[Outcome]:
    for r in inv.of("host.auditd"):
        a = r.attributes
        if not a["installed"]:
            yield Outcome.of(r, False, _NOT_INSTALLED)
            continue
        problems: list[Text] = []
        if a["max_log_file_action"] != "keep_logs":
            problems.append(Text(f"max_log_file_action = {a['max_log_file_action']} (古いログが削除されます)",
                                 f"max_log_file_action = {a['max_log_file_action']} (old logs are deleted)"))
        if _too_open(a["log_dir"], 0o750):
            problems.append(Text(f"{a['log_dir']['path']} の権限が緩すぎます ({a['log_dir']['mode']})",
                                 f"{a['log_dir']['path']} is too permissive ({a['log_dir']['mode']})"))
        loose = [f["path"] for f in a["log_files"] if _too_open(f, 0o640)]
        if loose:
            problems.append(Text(f"権限が緩すぎるログファイル: {', '.join(loose[:5])}",
                                 f"log files too permissive: {', '.join(loose[:5])}"))
        yield Outcome.of(r, not problems, Text(
            ja="監査ログは keep_logs で保管され、権限も適切です" if not problems else "; ".join(p.ja for p in problems),
            en="audit logs are kept (keep_logs) with strict permissions" if not problems else
            "; ".join(p.en for p in problems),
        ))


def shipping_routes(a: Mapping[str, Any]) -> list[str]:
    """How the audit log leaves the host, as short labels."""
    routes = [f"{agent['name']}" for agent in a["agents"] if agent["ships_audit_log"]]
    if a["audit_remote"]:
        routes.append("audisp-remote")
    if a["audit_to_syslog"] and a["rsyslog"]["remote_targets"]:
        routes.append("audisp syslog → rsyslog " + ", ".join(a["rsyslog"]["remote_targets"][:3]))
    return routes


@check(
    id="host_log_shipping_configured",
    controls=("LOG-07",),
    severity=Severity.MEDIUM,
    title=Text("監査ログ・システムログがリモートの保管先へ転送されている",
               "audit and system logs are shipped to a remote store"),
    remediation=Text(
        "監査ログ (/var/log/audit/audit.log) をホスト外へ転送してください: CloudWatch エージェント、Fluent Bit、"
        "Datadog Agent、Vector のいずれかで収集するか、audisp-remote または audisp の syslog プラグインと "
        "rsyslog の転送を設定します。",
        "Ship the audit log (/var/log/audit/audit.log) off the host: collect it with the CloudWatch agent, Fluent"
        " Bit, the Datadog Agent or Vector, or use audisp-remote, or the audisp syslog plugin with rsyslog forwarding.",
    ),
    needs=("host.log_shipping",),
)
def log_shipping(inv: Inventory) -> Iterator[Outcome]:
    for r in inv.of("host.log_shipping"):
        routes = shipping_routes(r.attributes)
        yield Outcome.of(r, bool(routes), Text(
            ja="監査ログは転送されています: " + "、".join(routes) if routes else
            "監査ログをホスト外へ転送する設定が見つかりません",
            en="the audit log is shipped by: " + ", ".join(routes) if routes else
            "no configuration ships the audit log off the host",
        ))


@check(
    id="host_time_sync",
    controls=("LOG-09",),
    severity=Severity.LOW,
    title=Text("時刻が同期されている (chrony または systemd-timesyncd)",
               "time is synchronised (chrony or systemd-timesyncd)"),
    remediation=Text(
        "chrony (AWS では 169.254.169.123 の Amazon Time Sync Service) または systemd-timesyncd を有効にし、"
        "起動時に開始されるようにしてください。",
        "Enable chrony (on AWS, the Amazon Time Sync Service at 169.254.169.123) or systemd-timesyncd and start it"
        " at boot.",
    ),
    needs=("host.time_sync",),
)
def time_sync(inv: Inventory) -> Iterator[Outcome]:
    for r in inv.of("host.time_sync"):
        daemons = r.attributes["daemons"]
        active = [name for name, d in daemons.items() if d["running"] and d["sources"]]
        installed = [name for name, d in daemons.items() if d["installed"]]
        yield Outcome.of(r, bool(active), Text(
            ja=f"{'、'.join(active)} が時刻を同期しています" if active else
            ("時刻同期デーモンが稼働していません" + (f" (導入済み: {'、'.join(installed)})" if installed else "")),
            en=f"{', '.join(active)} synchronises the clock" if active else
            ("no time synchronisation daemon is running" + (f" (installed: {', '.join(installed)})"
                                                           if installed else "")),
        ))
