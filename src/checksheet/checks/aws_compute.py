"""Instances and the edge: public IPs, SSM management and patching, IMDSv2, load balancers, certificates."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from checksheet.checks.aws_scope import (
    age_days,
    in_region,
    is_entry_point,
    listing,
    parse_time,
    region_subject,
    regions,
    scoped,
)
from checksheet.checks.base import Check, Outcome, registry
from checksheet.inventory import Inventory
from checksheet.model import Severity, Text

CHECKS: list[Check] = []
check = registry(CHECKS)

#: Policies whose minimum protocol is TLS 1.2 or later.
CURRENT_TLS_POLICY = re.compile(r"^ELBSecurityPolicy-(TLS13-1-[23]|TLS-1-2|FS-1-2)")
PATCH_SCAN_MAX_DAYS = 30
CERT_MIN_DAYS = 30
_GONE = frozenset({"terminated", "shutting-down"})


@check(
    id="ec2_instance_no_public_ip",
    controls=("NET-01",),
    severity=Severity.HIGH,
    title=Text(
        "宣言された入口以外のインスタンスにパブリック IP アドレスがない",
        "Instances have no public IP address unless declared as an entry point",
    ),
    remediation=Text(
        ja="インスタンスをプライベートサブネットに移し、公開はロードバランサー経由にしてください。"
        "意図した踏み台には Role=bastion タグ (または checksheet:entry-point=true) を付けてください。",
        en="Move the instance to a private subnet and publish through a load balancer; tag a deliberate "
        "bastion with Role=bastion (or checksheet:entry-point=true).",
    ),
    needs=("aws.ec2.instance",),
)
def _public_ip(inv: Inventory) -> Iterator[Outcome]:
    for i in scoped(inv, "aws.ec2.instance"):
        if i.attributes.get("state") != "running":
            continue
        ip = i.attributes.get("public_ip")
        if not ip:
            yield Outcome.of(i, True, Text(
                ja=f"インスタンス {i.id} にパブリック IP アドレスはありません。",
                en=f"Instance {i.id} has no public IP address.",
            ))
        elif is_entry_point(i):
            yield Outcome.of(i, True, Text(
                ja=f"インスタンス {i.id} はパブリック IP {ip} を持ちますが、タグで宣言された入口 (踏み台) です。",
                en=f"Instance {i.id} has public IP {ip}, and is a declared entry point (bastion) by its tags.",
            ))
        else:
            yield Outcome.of(i, False, Text(
                ja=f"インスタンス {i.id} がパブリック IP {ip} でインターネットから到達可能です。",
                en=f"Instance {i.id} is reachable from the internet at public IP {ip}.",
            ))


@check(
    id="ec2_instance_managed_by_ssm",
    controls=("NET-04", "PATCH-02", "PATCH-06", "VULN-06"),
    severity=Severity.MEDIUM,
    title=Text(
        "稼働中のインスタンスが SSM マネージドインスタンスとして管理されている",
        "Running instances are SSM managed instances",
    ),
    remediation=Text(
        ja="SSM Agent を導入し、AmazonSSMManagedInstanceCore を含むインスタンスプロファイルを付与して、"
        "Systems Manager への接続 (VPC エンドポイントまたは NAT 経由) を確保してください。",
        en="Install the SSM Agent, attach an instance profile with AmazonSSMManagedInstanceCore, and give the "
        "instance a path to Systems Manager (VPC endpoints or NAT).",
    ),
    needs=("aws.ec2.instance", "aws.ssm.managed_instance"),
)
def _managed_by_ssm(inv: Inventory) -> Iterator[Outcome]:
    managed = {(m.account, m.region, m.id): m for m in scoped(inv, "aws.ssm.managed_instance")}
    for i in scoped(inv, "aws.ec2.instance"):
        if i.attributes.get("state") != "running":
            continue
        m = managed.get((i.account, i.region, i.id))
        if m is None:
            yield Outcome.of(i, False, Text(
                ja=f"インスタンス {i.id} は SSM のマネージドインスタンスではありません。",
                en=f"Instance {i.id} is not an SSM managed instance.",
            ))
            continue
        ping, agent = m.attributes.get("ping_status"), m.attributes.get("agent_version")
        yield Outcome.of(i, ping == "Online", Text(
            ja=f"インスタンス {i.id} は SSM に接続しています (エージェント {agent})。",
            en=f"Instance {i.id} is online in SSM (agent {agent}).",
        ) if ping == "Online" else Text(
            ja=f"インスタンス {i.id} は SSM に登録されていますが、状態が {ping} です。",
            en=f"Instance {i.id} is registered in SSM but its status is {ping}.",
        ))


@check(
    id="ec2_imdsv2_required",
    controls=("ACC-08",),
    severity=Severity.MEDIUM,
    title=Text("インスタンスが IMDSv2 を必須にしている", "Instances require IMDSv2"),
    remediation=Text(
        ja="インスタンスメタデータオプションで HttpTokens を required に設定し、起動テンプレートの既定値も"
        "IMDSv2 必須にしてください。",
        en="Set the instance metadata option HttpTokens to required, and make IMDSv2 the default in launch templates.",
    ),
    needs=("aws.ec2.instance",),
)
def _imdsv2(inv: Inventory) -> Iterator[Outcome]:
    for i in scoped(inv, "aws.ec2.instance"):
        if i.attributes.get("state") in _GONE:
            continue
        if i.attributes.get("imds_enabled") is False:  # no metadata endpoint: no IMDSv1 to abuse
            yield Outcome.of(i, True, Text(
                ja=f"インスタンス {i.id} はインスタンスメタデータのエンドポイントを無効にしています。",
                en=f"Instance {i.id} has its instance metadata endpoint turned off.",
            ))
            continue
        required = bool(i.attributes.get("imds_v2_required"))
        yield Outcome.of(i, required, Text(
            ja=f"インスタンス {i.id} は IMDSv2 を必須にしています。",
            en=f"Instance {i.id} requires IMDSv2.",
        ) if required else Text(
            ja=f"インスタンス {i.id} は IMDSv1 (トークンなしのメタデータ取得) を許可しています。",
            en=f"Instance {i.id} still allows IMDSv1 (metadata without a session token).",
        ))


@check(
    id="ssm_managed_instance_patch_compliant",
    controls=("PATCH-05", "PATCH-06", "PATCH-08", "VULN-06"),
    severity=Severity.HIGH,
    title=Text(
        "SSM マネージドインスタンスがパッチベースラインに準拠している",
        "SSM managed instances comply with their patch baseline",
    ),
    remediation=Text(
        ja="Patch Manager のメンテナンスウィンドウまたは Quick Setup で定期的なスキャンとインストールを設定し、"
        "未適用の重要・セキュリティ更新を適用してください。",
        en="Schedule Patch Manager scans and installs (maintenance window or Quick Setup) and apply the "
        "missing critical and security updates.",
    ),
    needs=("aws.ssm.patch_compliance",),
)
def _patch_compliant(inv: Inventory) -> Iterator[Outcome]:
    now = inv.collected_at
    for p in scoped(inv, "aws.ssm.patch_compliance"):
        a = p.attributes
        critical, security = int(a.get("critical_missing") or 0), int(a.get("security_missing") or 0)
        scanned = age_days(a.get("last_scan"), now)
        if critical or security:
            yield Outcome.of(p, False, Text(
                ja=f"インスタンス {p.id} に未適用の更新があります (重要 {critical} 件、セキュリティ {security} 件)。",
                en=f"Instance {p.id} is missing {critical} critical and {security} security updates.",
            ))
        elif not a.get("compliant"):
            yield Outcome.of(p, False, Text(
                ja=f"インスタンス {p.id} はパッチベースラインに準拠していません。",
                en=f"Instance {p.id} does not comply with its patch baseline.",
            ))
        elif scanned is None or scanned > PATCH_SCAN_MAX_DAYS:
            when = "記録がありません" if scanned is None else f"{scanned} 日前です"
            when_en = "is not recorded" if scanned is None else f"was {scanned} days ago"
            yield Outcome.of(p, False, Text(
                ja=f"インスタンス {p.id} の最後のパッチスキャンは{when} ({PATCH_SCAN_MAX_DAYS} 日以内が必要です)。",
                en=f"Instance {p.id}'s last patch scan {when_en} (must be within {PATCH_SCAN_MAX_DAYS} days).",
            ))
        else:
            yield Outcome.of(p, True, Text(
                ja=f"インスタンス {p.id} はパッチベースラインに準拠しています ({scanned} 日前にスキャン)。",
                en=f"Instance {p.id} complies with its patch baseline (scanned {scanned} days ago).",
            ))


@check(
    id="ssm_session_manager_logging_enabled",
    controls=("LOG-07", "NET-04"),
    severity=Severity.MEDIUM,
    title=Text(
        "Session Manager のセッションが S3 または CloudWatch Logs に記録されている",
        "Session Manager sessions are logged to S3 or CloudWatch Logs",
    ),
    remediation=Text(
        ja="Session Manager の設定 (SSM-SessionManagerRunShell) でセッションログの出力先に S3 バケットまたは "
        "CloudWatch Logs を指定してください。",
        en="In the Session Manager preferences (SSM-SessionManagerRunShell), send session logs to an S3 "
        "bucket or CloudWatch Logs.",
    ),
    needs=("aws.ssm.session_preferences", "aws.ssm.managed_instance"),
)
def _session_logging(inv: Inventory) -> Iterator[Outcome]:
    for region in regions(inv):
        instances = in_region(inv, "aws.ssm.managed_instance", region.account, region.id)
        if not instances:
            continue
        prefs = in_region(inv, "aws.ssm.session_preferences", region.account, region.id)
        targets = [
            str(v)
            for p in prefs
            for v in (p.attributes.get("s3_bucket"), p.attributes.get("cloudwatch_log_group"))
            if v
        ]
        yield Outcome.of(region_subject(region), bool(targets), Text(
            ja=f"{region.id} の Session Manager のセッションログは {', '.join(targets)} に記録されています。",
            en=f"Session Manager in {region.id} logs sessions to {', '.join(targets)}.",
        ) if targets else Text(
            ja=f"{region.id} の Session Manager にセッションログの出力先がありません "
            f"(マネージドインスタンス {len(instances)} 台)。",
            en=f"Session Manager in {region.id} has no session log destination ({len(instances)} managed instances).",
        ))


def _listener_problem(listener: Mapping[str, Any]) -> str | None:
    protocol = str(listener.get("protocol") or "").upper()
    port = listener.get("port")
    if protocol in ("HTTPS", "TLS"):
        policy = str(listener.get("ssl_policy") or "")
        return None if CURRENT_TLS_POLICY.match(policy) else f"{protocol} {port}: {policy or '-'}"
    if protocol == "HTTP" and not listener.get("redirects_to_https"):
        return f"HTTP {port}"
    return None


@check(
    id="elbv2_listener_tls",
    controls=("CRYPT-06", "NET-06"),
    severity=Severity.HIGH,
    title=Text(
        "インターネット向けロードバランサーのリスナーが TLS 1.2 以上で暗号化されている",
        "Internet-facing load balancer listeners use TLS 1.2 or later",
    ),
    remediation=Text(
        ja="HTTP リスナーは HTTPS へのリダイレクトのみにし、HTTPS/TLS リスナーには "
        "ELBSecurityPolicy-TLS13-1-2-2021-06 など TLS 1.2 以上のセキュリティポリシーを設定してください。",
        en="Make HTTP listeners redirect to HTTPS only, and give HTTPS/TLS listeners a TLS 1.2+ security "
        "policy such as ELBSecurityPolicy-TLS13-1-2-2021-06.",
    ),
    needs=("aws.elbv2.load_balancer",),
)
def _listener_tls(inv: Inventory) -> Iterator[Outcome]:
    for lb in scoped(inv, "aws.elbv2.load_balancer"):
        a = lb.attributes
        if a.get("scheme") != "internet-facing" or a.get("lb_type") == "gateway":
            continue
        listeners = a.get("listeners") or []
        # TCP/UDP listeners of a network load balancer pass traffic through; they are not judged here.
        judged = [x for x in listeners if str(x.get("protocol") or "").upper() in ("HTTP", "HTTPS", "TLS")]
        if not judged:
            continue
        problems = [p for x in judged if (p := _listener_problem(x)) is not None]
        name = a.get("name") or lb.id
        if problems:
            yield Outcome.of(lb, False, Text(
                ja=f"ロードバランサー {name} に平文または旧式 TLS のリスナーがあります: {listing(problems)}。",
                en=f"Load balancer {name} has plaintext or outdated-TLS listeners: {listing(problems)}.",
            ))
        else:
            yield Outcome.of(lb, True, Text(
                ja=f"ロードバランサー {name} のリスナー {len(judged)} 件はすべて TLS 1.2 以上か HTTPS への"
                "リダイレクトです。",
                en=f"All {len(judged)} listeners of load balancer {name} use TLS 1.2+ or redirect to HTTPS.",
            ))


@check(
    id="elbv2_waf_associated",
    controls=("NET-05",),
    severity=Severity.MEDIUM,
    title=Text(
        "インターネット向け Application Load Balancer に WAF が関連付けられている",
        "Internet-facing application load balancers have a WAF web ACL",
    ),
    remediation=Text(
        ja="AWS WAF の Web ACL (AWS マネージドルールの Core rule set など) を作成し、ロードバランサーに"
        "関連付けてください。",
        en="Create an AWS WAF web ACL (e.g. with the AWS managed core rule set) and associate it with the load "
        "balancer.",
    ),
    needs=("aws.elbv2.load_balancer",),
)
def _waf(inv: Inventory) -> Iterator[Outcome]:
    for lb in scoped(inv, "aws.elbv2.load_balancer"):
        a = lb.attributes
        if a.get("scheme") != "internet-facing" or a.get("lb_type") != "application":
            continue
        acl, name = a.get("web_acl_arn"), a.get("name") or lb.id
        yield Outcome.of(lb, bool(acl), Text(
            ja=f"ロードバランサー {name} に Web ACL {acl} が関連付けられています。",
            en=f"Load balancer {name} is protected by web ACL {acl}.",
        ) if acl else Text(
            ja=f"インターネット向けロードバランサー {name} に WAF の Web ACL が関連付けられていません。",
            en=f"Internet-facing load balancer {name} has no WAF web ACL.",
        ))


@check(
    id="acm_certificate_not_expiring_30_days",
    controls=("CRYPT-06", "NET-06"),
    severity=Severity.HIGH,
    title=Text(
        "使用中の ACM 証明書の有効期限まで 30 日以上ある",
        "ACM certificates in use do not expire within 30 days",
    ),
    remediation=Text(
        ja="証明書を更新してください。DNS 検証の Amazon 発行証明書は自動更新されます。インポートした証明書は"
        "期限前に再インポートし、更新の担当と手順を決めておいてください。",
        en="Renew the certificate: Amazon-issued certificates with DNS validation renew automatically; "
        "re-import imported certificates before expiry and assign an owner for renewals.",
    ),
    needs=("aws.acm.certificate",),
)
def _acm_expiry(inv: Inventory) -> Iterator[Outcome]:
    now = inv.collected_at
    for cert in scoped(inv, "aws.acm.certificate"):
        a = cert.attributes
        if not a.get("in_use_by"):
            continue
        expires = parse_time(a.get("not_after"))
        domain = a.get("domain") or cert.id
        if expires is None:
            continue
        left = (expires - now).days
        if a.get("status") == "EXPIRED" or expires <= now:
            yield Outcome.of(cert, False, Text(
                ja=f"使用中の証明書 {domain} は有効期限が切れています ({expires:%Y-%m-%d})。",
                en=f"Certificate {domain} is in use and expired on {expires:%Y-%m-%d}.",
            ))
        else:
            ok = left >= CERT_MIN_DAYS
            yield Outcome.of(cert, ok, Text(
                ja=f"使用中の証明書 {domain} の有効期限まであと {left} 日です (基準 {CERT_MIN_DAYS} 日以上)。",
                en=f"Certificate {domain} is in use and expires in {left} days (minimum {CERT_MIN_DAYS}).",
            ))
