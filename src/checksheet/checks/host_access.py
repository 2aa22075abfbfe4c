"""Linux host checks: SSH server, sudo, local accounts, host firewall, disk encryption, SSM agent. Pure."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from checksheet.checks.base import Check, Outcome, registry
from checksheet.inventory import Inventory
from checksheet.model import Resource, Severity, Text

CHECKS: list[Check] = []
check = registry(CHECKS)

_NO_SSHD = Text("SSH サーバーはインストールされていません", "no SSH server is installed")


def _match_overrides(a: Mapping[str, Any], key: str, allowed: set[str]) -> list[str]:
    """Match blocks that set `key` to a value outside `allowed`."""
    return [m["criteria"] for m in a["matches"] if key in m["settings"] and m["settings"][key].lower() not in allowed]


@check(
    id="host_sshd_no_root_login",
    controls=("ACC-06", "NET-04"),
    severity=Severity.HIGH,
    title=Text("sshd で root の直接ログインが禁止されている", "sshd denies root login"),
    remediation=Text(
        "/etc/ssh/sshd_config (または sshd_config.d/) で PermitRootLogin no とし、管理作業は個人アカウントから "
        "sudo で行ってください。Match ブロックで上書きしていないことも確認してください。",
        "Set PermitRootLogin no in /etc/ssh/sshd_config (or sshd_config.d/), with no Match block overriding it;"
        " administer through personal accounts and sudo.",
    ),
    needs=("host.sshd",),
)
def sshd_no_root_login(inv: Inventory) -> Iterator[Outcome]:
    for r in inv.of("host.sshd"):
        a = r.attributes
        if not a["installed"]:
            yield Outcome.of(r, True, _NO_SSHD)
            continue
        overrides = _match_overrides(a, "permitrootlogin", {"no"})
        ok = a["permit_root_login"] == "no" and not overrides
        where = f" (Match {'; '.join(overrides)})" if overrides else ""
        yield Outcome.of(r, ok, Text(
            ja="PermitRootLogin no です" if ok else f"root でログインできます: PermitRootLogin {a['permit_root_login']}"
            + where,
            en="PermitRootLogin is no" if ok else f"root can log in: PermitRootLogin {a['permit_root_login']}" + where,
        ))


def _key_only(a: Mapping[str, Any]) -> bool:
    methods = a["authentication_methods"]
    if methods != "any" and all(m.startswith("publickey") for m in methods.split()):
        return True
    kbd_off = a["kbd_interactive_authentication"] == "no" or a["use_pam"] == "no"
    return bool(a["password_authentication"] == "no" and kbd_off)  # noqa: S105 (a setting, not a secret)


@check(
    id="host_sshd_no_password_auth",
    controls=("ACC-09", "NET-04"),
    severity=Severity.HIGH,
    title=Text("sshd は公開鍵認証のみを許可している", "sshd allows key-based login only"),
    remediation=Text(
        "PasswordAuthentication no と KbdInteractiveAuthentication no を設定し (PermitEmptyPasswords no)、"
        "Match ブロックでパスワード認証を許可していないことを確認してください。",
        "Set PasswordAuthentication no and KbdInteractiveAuthentication no (and PermitEmptyPasswords no), with no"
        " Match block allowing passwords.",
    ),
    needs=("host.sshd",),
)
def sshd_no_password_auth(inv: Inventory) -> Iterator[Outcome]:
    for r in inv.of("host.sshd"):
        a = r.attributes
        if not a["installed"]:
            yield Outcome.of(r, True, _NO_SSHD)
            continue
        overrides = _match_overrides(a, "passwordauthentication", {"no"}) + _match_overrides(
            a, "kbdinteractiveauthentication", {"no"})
        ok = _key_only(a) and a["permit_empty_passwords"] == "no" and not overrides
        detail = (f"PasswordAuthentication {a['password_authentication']}, "
                  f"KbdInteractiveAuthentication {a['kbd_interactive_authentication']}"
                  + (f", Match {'; '.join(overrides)}" if overrides else ""))
        yield Outcome.of(r, ok, Text(
            ja="SSH ログインは公開鍵認証のみです" if ok else f"SSH でパスワード認証が可能です ({detail})",
            en="SSH accepts keys only" if ok else f"SSH accepts passwords ({detail})",
        ))


@check(
    id="host_sudo_no_nopasswd",
    controls=("ACC-06",),
    severity=Severity.MEDIUM,
    title=Text("sudo の実行にパスワードが必要 (NOPASSWD なし)", "sudo requires a password (no NOPASSWD)"),
    remediation=Text(
        "/etc/sudoers と /etc/sudoers.d/ から NOPASSWD と Defaults !authenticate を削除し、sudo 実行時に本人の"
        "パスワードを求めてください (クラウドイメージ既定の 90-cloud-init-users も確認してください)。",
        "Remove NOPASSWD and Defaults !authenticate from /etc/sudoers and /etc/sudoers.d/ (including cloud images'"
        " 90-cloud-init-users) so sudo asks for the user's password.",
    ),
    needs=("host.sudoers",),
)
def sudo_no_nopasswd(inv: Inventory) -> Iterator[Outcome]:
    for r in inv.of("host.sudoers"):
        a = r.attributes
        if not a["installed"]:
            yield Outcome.of(r, True, Text("sudo はインストールされていません", "sudo is not installed"))
            continue
        who = a["nopasswd_principals"] + (["Defaults !authenticate"] if a["no_authenticate_defaults"] else [])
        yield Outcome.of(r, not who, Text(
            ja="sudo は常にパスワードを要求します" if not who else f"パスワードなしで sudo できます: {', '.join(who)}",
            en="sudo always asks for a password" if not who else f"sudo without a password for: {', '.join(who)}",
        ))


@check(
    id="host_no_extra_uid0",
    controls=("ACC-06", "ACC-07"),
    severity=Severity.HIGH,
    title=Text("root 以外に UID 0 のアカウントがない", "no UID 0 account other than root"),
    remediation=Text(
        "root 以外の UID 0 アカウントを削除するか UID を変更し、特権は sudo で付与してください。",
        "Remove or renumber every UID 0 account other than root; grant privileges through sudo.",
    ),
    needs=("host.accounts",),
)
def no_extra_uid0(inv: Inventory) -> Iterator[Outcome]:
    for r in inv.of("host.accounts"):
        extra = [a["name"] for a in r.attributes["accounts"] if a["uid"] == 0 and a["name"] != "root"]
        yield Outcome.of(r, not extra, Text(
            ja="UID 0 は root だけです" if not extra else f"root 以外の UID 0 アカウント: {', '.join(extra)}",
            en="root is the only UID 0 account" if not extra else f"other UID 0 accounts: {', '.join(extra)}",
        ))


@check(
    id="host_no_empty_password",
    controls=("ACC-09",),
    severity=Severity.CRITICAL,
    title=Text("パスワードが空のアカウントがない", "no account without a password"),
    remediation=Text(
        "空パスワードのアカウントをロックしてください (passwd -l ユーザー名)。",
        "Lock every account with an empty password (passwd -l NAME).",
    ),
    needs=("host.accounts",),
)
def no_empty_password(inv: Inventory) -> Iterator[Outcome]:
    for r in inv.of("host.accounts"):
        empty = [a["name"] for a in r.attributes["accounts"] if a["password"] == "empty"]  # noqa: S105
        yield Outcome.of(r, not empty, Text(
            ja="空パスワードのアカウントはありません" if not empty else f"空パスワードのアカウント: {', '.join(empty)}",
            en="no account has an empty password" if not empty else
            f"accounts with an empty password: {', '.join(empty)}",
        ))


def firewall_active(a: Mapping[str, Any]) -> list[str]:
    """What filters traffic on the host, as short labels."""
    active = ["ufw"] if a["ufw_enabled"] else []
    active += ["firewalld"] if a["firewalld_running"] else []
    nft, ipt = a["nft"], a["iptables"]
    if nft and nft["base_chains"] and (nft["rules"] or nft["drop_policies"]):
        active.append(f"nftables ({nft['rules']} rules)")
    if ipt and (ipt["rules"] or ipt["drop_policies"]):
        active.append(f"iptables ({ipt['rules']} rules)")
    return active


@check(
    id="host_firewall_enabled",
    controls=("NET-09",),
    severity=Severity.MEDIUM,
    title=Text("ホストファイアウォールが有効", "a host firewall is active"),
    remediation=Text(
        "ufw、firewalld、または nftables で受信を必要なポートに限定するルールを読み込み、起動時に有効にしてください。"
        "クラウドではセキュリティグループと併用します。",
        "Load inbound rules that allow only the needed ports with ufw, firewalld or nftables, enabled at boot;"
        " on cloud hosts, in addition to security groups.",
    ),
    needs=("host.firewall",),
)
def firewall_enabled(inv: Inventory) -> Iterator[Outcome]:
    for r in inv.of("host.firewall"):
        active = firewall_active(r.attributes)
        yield Outcome.of(r, bool(active), Text(
            ja=f"ホストファイアウォールが有効です: {'、'.join(active)}" if active else
            "ホストファイアウォールのルールが読み込まれていません",
            en=f"host firewall active: {', '.join(active)}" if active else "no host firewall rules are loaded",
        ))


def _cloud(inv: Inventory, r: Resource) -> str | None:
    os_info = inv.get("host.os", r.id)
    return None if os_info is None else os_info.attributes.get("cloud")


@check(
    id="host_disk_encrypted",
    controls=("CRYPT-01",),
    severity=Severity.MEDIUM,
    title=Text("ローカルボリュームが暗号化されている (LUKS またはクラウド側暗号化)",
               "local volumes are encrypted (LUKS) or cloud-encrypted"),
    remediation=Text(
        "データを置くボリュームを LUKS (dm-crypt) で暗号化してください。AWS の EBS ボリュームは EBS 暗号化で"
        "保護し、そちらは AWS のスキャンで確認します。",
        "Encrypt data volumes with LUKS (dm-crypt). On AWS, protect EBS volumes with EBS encryption, which the"
        " AWS scan verifies.",
    ),
    needs=("host.disks",),
)
def disk_encrypted(inv: Inventory) -> Iterator[Outcome]:
    for r in inv.of("host.disks"):
        on_aws = _cloud(inv, r) == "aws"
        mounts = [m for m in r.attributes["mounts"]
                  if not (on_aws and "Elastic Block Store" in (m.get("model") or ""))]
        if not mounts:
            continue  # every volume is an EBS volume: ec2_ebs_volume_encrypted speaks for them
        plain = [m["mountpoint"] for m in mounts if not m["encrypted"]]
        yield Outcome.of(r, not plain, Text(
            ja="ローカルボリュームはすべて暗号化されています" if not plain else
            f"暗号化されていないボリューム: {', '.join(plain)}",
            en="every local volume is encrypted" if not plain else f"unencrypted volumes: {', '.join(plain)}",
        ))


@check(
    id="host_ssm_agent_present",
    controls=("NET-04", "PATCH-06"),
    severity=Severity.LOW,
    title=Text("SSM エージェントがインストールされ稼働している", "the SSM agent is installed and running"),
    remediation=Text(
        "amazon-ssm-agent をインストールして有効にし、"
        "Session Manager と Patch Manager で管理できるようにしてください。",
        "Install and enable amazon-ssm-agent so that Session Manager and Patch Manager can reach the host.",
    ),
    needs=("host.ssm_agent",),
)
def ssm_agent_present(inv: Inventory) -> Iterator[Outcome]:
    for r in inv.of("host.ssm_agent"):
        a = r.attributes
        ok = a["installed"] and a["running"]
        if not ok and _cloud(inv, r) != "aws" and a.get("transport") != "ssm":
            continue  # outside AWS the agent is optional (hybrid activation); say nothing
        state = Text("稼働中", "running") if ok else (
            Text("停止中", "installed but not running") if a["installed"] else Text("未導入", "not installed"))
        yield Outcome.of(r, ok, Text(ja=f"SSM エージェントは{state.ja}です", en=f"the SSM agent is {state.en}"))
