"""Linux host checks: automatic security updates, pending updates, pending reboot, release support. Pure.

Dates are compared with the inventory's `collected_at`, never with the clock.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from checksheet.checks.base import Check, Outcome, registry
from checksheet.checks.host_releases import find_release
from checksheet.inventory import Inventory
from checksheet.model import Severity, Status, Text

CHECKS: list[Check] = []
check = registry(CHECKS)


def auto_update_method(a: Mapping[str, Any]) -> str | None:
    """The mechanism that installs security updates unattended, or None."""
    periodic = a["apt_periodic"]
    if (a["unattended_upgrades_installed"] and periodic.get("Unattended-Upgrade", "0") not in ("0", "")
            and a["unattended_security_origins"]):
        return "unattended-upgrades"
    dnf = a["dnf_automatic"]
    if dnf["install_timer_enabled"] or (dnf["timer_enabled"] and dnf["apply_updates"]):
        return f"dnf-automatic (upgrade_type={dnf['upgrade_type']})"
    yum = a["yum_cron"]
    if yum["enabled"] and yum["apply_updates"]:
        return f"yum-cron (update_cmd={yum['update_cmd']})"
    return None


@check(
    id="host_auto_security_updates",
    controls=("PATCH-02",),
    severity=Severity.MEDIUM,
    title=Text("セキュリティ更新が自動で適用される", "automatic security updates are configured"),
    remediation=Text(
        "Debian/Ubuntu では unattended-upgrades を導入し (APT::Periodic::Unattended-Upgrade \"1\" と "
        "-security の配布元)、RHEL 系では dnf-automatic (upgrade_type = security、apply_updates = yes) の"
        "タイマーを有効にしてください。",
        "On Debian/Ubuntu install unattended-upgrades (APT::Periodic::Unattended-Upgrade \"1\" with the -security"
        " origin); on RHEL-like systems enable the dnf-automatic timer (upgrade_type = security,"
        " apply_updates = yes).",
    ),
    needs=("host.auto_updates",),
)
def auto_security_updates(inv: Inventory) -> Iterator[Outcome]:
    for r in inv.of("host.auto_updates"):
        method = auto_update_method(r.attributes)
        yield Outcome.of(r, method is not None, Text(
            ja=f"{method} がセキュリティ更新を自動適用します" if method else
            "セキュリティ更新の自動適用が設定されていません",
            en=f"{method} installs security updates automatically" if method else
            "no automatic security updates are configured",
        ))


@check(
    id="host_no_pending_security_updates",
    controls=("PATCH-05", "VULN-06"),
    severity=Severity.HIGH,
    title=Text("未適用のセキュリティ更新がない", "no security updates pending"),
    remediation=Text(
        "未適用のセキュリティ更新を適用してください (apt-get upgrade / dnf upgrade --security)。結果は最後に"
        "パッケージ情報を更新した時点 (apt-get update) のものです。",
        "Apply the pending security updates (apt-get upgrade / dnf upgrade --security). The count reflects the"
        " package lists as of the last apt-get update / dnf makecache.",
    ),
    needs=("host.packages_updates",),
)
def no_pending_security_updates(inv: Inventory) -> Iterator[Outcome]:
    for r in inv.of("host.packages_updates"):
        a = r.attributes
        count = a["pending_security"]
        if count is None:
            yield Outcome(r, Status.MANUAL, Text(
                "対応するパッケージ管理 (apt、dnf、yum) がないため、未適用の更新を確認できません",
                "no supported package manager (apt, dnf, yum): pending updates cannot be listed"))
            continue
        sample = ", ".join(a["security_packages"][:10]) + (" …" if count > 10 else "")
        yield Outcome.of(r, count == 0, Text(
            ja="未適用のセキュリティ更新はありません" if count == 0 else
            f"未適用のセキュリティ更新が {count} 件あります: {sample}",
            en="no security updates are pending" if count == 0 else f"{count} security updates pending: {sample}",
        ))


@check(
    id="host_no_reboot_required",
    controls=("PATCH-08",),
    severity=Severity.LOW,
    title=Text("更新後の再起動待ちがない", "no reboot pending after updates"),
    remediation=Text(
        "保守時間内に再起動し、更新済みのカーネルとライブラリを有効にしてください。",
        "Reboot in a maintenance window so the updated kernel and libraries take effect.",
    ),
    needs=("host.packages_updates",),
)
def no_reboot_required(inv: Inventory) -> Iterator[Outcome]:
    for r in inv.of("host.packages_updates"):
        a = r.attributes
        if a["reboot_required"] is None:
            yield Outcome(r, Status.MANUAL, Text(
                "再起動要否を判定できません (needs-restarting がありません)",
                "cannot tell whether a reboot is pending (needs-restarting is not installed)"))
            continue
        packages = ", ".join(a["reboot_packages"][:5])
        suffix = f" ({packages})" if packages else ""
        yield Outcome.of(r, not a["reboot_required"], Text(
            ja="再起動待ちはありません" if not a["reboot_required"] else
            "更新を有効にするための再起動が必要です" + suffix,
            en="no reboot is pending" if not a["reboot_required"] else "a reboot is required to apply updates" + suffix,
        ))


@check(
    id="host_os_supported",
    controls=("PATCH-07",),
    severity=Severity.HIGH,
    title=Text("OS のリリースがサポート期間内", "the OS release is within its support period"),
    remediation=Text(
        "サポートが終了した、または終了間近の OS は、サポート中のリリースへ移行してください。",
        "Move hosts off releases whose security support has ended to a supported release.",
    ),
    needs=("host.os",),
)
def os_supported(inv: Inventory) -> Iterator[Outcome]:
    today = inv.collected_at.date()
    for r in inv.of("host.os"):
        a = r.attributes
        release = find_release(a["distro_id"], a["version_id"])
        label = a["pretty_name"] or f"{a['distro_id']} {a['version_id']}"
        if release is None:
            yield Outcome(r, Status.MANUAL, Text(
                f"{label} のサポート期限は checksheet の一覧にありません。ベンダーの情報で確認してください",
                f"{label} is not in checksheet's release table; check the vendor's support dates"))
            continue
        until = release.security_until.isoformat()
        ok = today <= release.security_until
        extended = release.standard_until is not None and today > release.standard_until
        note_ja = " (延長サポート期間中)" if ok and extended else ""
        note_en = " (in its extended support phase)" if ok and extended else ""
        yield Outcome.of(r, ok, Text(
            ja=f"{release.name} は {until} までセキュリティ更新が提供されます{note_ja}" if ok else
            f"{release.name} のセキュリティサポートは {until} に終了しています",
            en=f"{release.name} receives security updates until {until}{note_en}" if ok else
            f"{release.name} security support ended on {until}",
        ))
