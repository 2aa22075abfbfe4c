"""CIS AWS Foundations 3.0 section 4: metric filters and alarms on the CloudTrail log group.

For each scanned account: a multi-region, logging trail delivers to a CloudWatch Logs group;
that group has a metric filter whose pattern covers the CIS intent; an alarm watches the
filter's metric (same namespace and name, same region) and has at least one action.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from checksheet.checks.aws_filter_pattern import Intent, covers
from checksheet.checks.aws_scope import PROVIDER, accounts, complete, in_account, in_region, listing, regions
from checksheet.checks.base import Check, Evaluate, Outcome, account_subject, registry
from checksheet.inventory import Inventory
from checksheet.model import Resource, Severity, Status, Text

CHECKS: list[Check] = []
check = registry(CHECKS)

NEEDS = ("aws.cloudtrail.trail", "aws.logs.metric_filter", "aws.cloudwatch.alarm")


@dataclass(frozen=True, slots=True)
class _Target:
    """A log group a multi-region trail sends to."""

    region: str
    group: str


def _eventnames(*names: str) -> str:
    return "{ " + " || ".join(f'($.eventName = "{n}")' for n in names) + " }"


def _log_group(arn: str) -> _Target | None:
    # arn:aws:logs:REGION:ACCOUNT:log-group:NAME[:*]
    parts = arn.split(":")
    if len(parts) < 7 or parts[5] != "log-group":
        return None
    return _Target(parts[3], parts[6])


def _targets(inv: Inventory, account: str) -> list[_Target]:
    found = []
    for trail in in_account(inv, "aws.cloudtrail.trail", account):
        a = trail.attributes
        target = _log_group(str(a.get("cloudwatch_log_group_arn") or ""))
        if a.get("multi_region") and a.get("logging") and target is not None:
            found.append(target)
    return found


def _alarm_for(inv: Inventory, account: str, region: str, f: Resource) -> tuple[Resource | None, bool]:
    """An alarm with actions on one of the filter's metrics; else any alarm on it (without actions)."""
    metrics = {(str(m.get("namespace")), str(m.get("name"))) for m in f.attributes.get("metrics") or []}
    watching = [
        a
        for a in in_region(inv, "aws.cloudwatch.alarm", account, region)
        if (a.attributes.get("namespace"), a.attributes.get("metric_name")) in metrics
    ]
    for alarm in watching:
        if alarm.attributes.get("actions") and alarm.attributes.get("enabled") is not False:
            return alarm, True
    return (watching[0] if watching else None), False


def _verdict(inv: Inventory, account: str, intent: Intent, what: Text) -> Outcome:
    subject = account_subject(PROVIDER, account)
    targets = _targets(inv, account)
    if not targets:
        return Outcome.of(subject, False, Text(
            ja=f"マルチリージョンで記録中の CloudTrail 証跡が CloudWatch Logs に配信されていないため、"
            f"{what.ja}を検知するメトリクスフィルターとアラームを設定できません。",
            en=f"No multi-region, logging CloudTrail trail delivers to CloudWatch Logs, so there is "
            f"no metric filter and alarm for {what.en}.",
        ))
    groups = ", ".join(sorted({t.group for t in targets}))
    scanned = {r.id for r in regions(inv) if r.account == account}
    unseen = sorted({f"{t.group} ({t.region})" for t in targets if t.region not in scanned})
    silent: list[str] = []
    for target in (t for t in targets if t.region in scanned):
        filters = [
            f
            for f in in_region(inv, "aws.logs.metric_filter", account, target.region)
            if f.attributes.get("log_group") == target.group
            and covers(str(f.attributes.get("pattern") or ""), intent)
        ]
        for f in filters:
            alarm, acting = _alarm_for(inv, account, target.region, f)
            name = str(f.attributes.get("name") or f.id)
            if alarm is not None and acting:
                return Outcome.of(subject, True, Text(
                    ja=f"{what.ja}を検知するメトリクスフィルター「{name}」(ロググループ {target.group}) と"
                    f"通知先のあるアラーム「{alarm.id}」が設定されています。",
                    en=f"Metric filter '{name}' on log group {target.group} detects {what.en}, and alarm "
                    f"'{alarm.id}' notifies on it.",
                ))
            silent.append(f"{name} → {alarm.id}" if alarm is not None else name)
    if unseen:  # its filters and alarms live in a region this scan did not read: neither pass nor fail
        return Outcome(subject, Status.MANUAL, Text(
            ja=f"CloudTrail のロググループ {listing(unseen)} のリージョンはスキャン対象外のため、{what.ja}を"
            "検知するメトリクスフィルターとアラームを確認できません。そのリージョンを含めてスキャンしてください。",
            en=f"The CloudTrail log group {listing(unseen)} is in a region this scan did not cover, so the metric "
            f"filter and alarm for {what.en} cannot be checked; include that region in the scan.",
        ))
    if silent:
        return Outcome.of(subject, False, Text(
            ja=f"{what.ja}を検知するメトリクスフィルター ({', '.join(silent)}) はありますが、"
            "通知アクションのある有効なアラームが設定されていません。",
            en=f"A metric filter for {what.en} exists ({', '.join(silent)}) but no enabled alarm with "
            "an action watches its metric.",
        ))
    return Outcome.of(subject, False, Text(
        ja=f"CloudTrail のロググループ {groups} に、{what.ja}を検知するメトリクスフィルターがありません。",
        en=f"No metric filter on the CloudTrail log group {groups} matches {what.en}.",
    ))


def _alarm_check(intent: Intent, what: Text) -> Evaluate:
    def evaluate(inv: Inventory) -> Iterator[Outcome]:
        for account in accounts(inv):
            if complete(inv, account.id, NEEDS):
                yield _verdict(inv, account.id, intent, what)

    return evaluate


def _declare(
    check_id: str, controls: tuple[str, ...], severity: Severity, title: Text, what: Text, intent: Intent
) -> None:
    remediation = Text(
        ja=f"CloudTrail の CloudWatch Logs ロググループに、{what.ja}を検知するメトリクスフィルター "
        "(CIS AWS Foundations Benchmark 3.0 第4章のパターン) を作成し、そのメトリクスに SNS トピックへ"
        "通知するアラームを設定してください。",
        en=f"On the CloudTrail CloudWatch Logs group, create a metric filter for {what.en} (the CIS AWS "
        "Foundations Benchmark 3.0 section 4 pattern) and an alarm on its metric that notifies an SNS topic.",
    )
    declare: Callable[[Evaluate], Evaluate] = check(
        id=check_id, controls=controls, severity=severity, title=title, remediation=remediation, needs=NEEDS
    )
    declare(_alarm_check(intent, what))


_declare(
    "cloudwatch_alarm_root_usage",
    ("ACC-06", "LOG-05"),
    Severity.HIGH,
    Text("ルートユーザーの使用を検知するアラームが設定されている", "An alarm detects use of the root user"),
    Text("ルートユーザーの使用", "root user activity"),
    Intent.of(
        '{ $.userIdentity.type = "Root" }',
        tolerated='{ $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }',
    ),
)
_declare(
    "cloudwatch_alarm_console_login_without_mfa",
    ("ACC-04", "LOG-05"),
    Severity.MEDIUM,
    Text(
        "多要素認証なしのコンソールサインインを検知するアラームが設定されている",
        "An alarm detects console sign-in without MFA",
    ),
    Text("多要素認証なしのコンソールサインイン", "console sign-in without MFA"),
    Intent.of(
        '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }',
        tolerated='{ $.userIdentity.type = "IAMUser" && $.responseElements.ConsoleLogin = "Success" }',
    ),
)
_declare(
    "cloudwatch_alarm_iam_policy_changes",
    ("LOG-05",),
    Severity.MEDIUM,
    Text("IAM ポリシーの変更を検知するアラームが設定されている", "An alarm detects IAM policy changes"),
    Text("IAM ポリシーの変更", "IAM policy changes"),
    Intent.of(
        _eventnames(
            "DeleteGroupPolicy", "DeleteRolePolicy", "DeleteUserPolicy", "PutGroupPolicy",
            "PutRolePolicy", "PutUserPolicy", "CreatePolicy", "DeletePolicy", "CreatePolicyVersion",
            "DeletePolicyVersion", "AttachRolePolicy", "DetachRolePolicy", "AttachUserPolicy",
            "DetachUserPolicy", "AttachGroupPolicy", "DetachGroupPolicy",
        ),
        tolerated='{ $.eventSource = "iam.amazonaws.com" }',
    ),
)
_declare(
    "cloudwatch_alarm_security_group_changes",
    ("LOG-05", "NET-09"),
    Severity.MEDIUM,
    Text("セキュリティグループの変更を検知するアラームが設定されている", "An alarm detects security group changes"),
    Text("セキュリティグループの変更", "security group changes"),
    Intent.of(
        _eventnames(
            "AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress", "RevokeSecurityGroupIngress",
            "RevokeSecurityGroupEgress", "CreateSecurityGroup", "DeleteSecurityGroup",
        ),
        tolerated='{ $.eventSource = "ec2.amazonaws.com" }',
    ),
)
_declare(
    "cloudwatch_alarm_nacl_changes",
    ("LOG-05",),
    Severity.MEDIUM,
    Text("ネットワーク ACL の変更を検知するアラームが設定されている", "An alarm detects network ACL changes"),
    Text("ネットワーク ACL の変更", "network ACL changes"),
    Intent.of(
        _eventnames(
            "CreateNetworkAcl", "CreateNetworkAclEntry", "DeleteNetworkAcl", "DeleteNetworkAclEntry",
            "ReplaceNetworkAclEntry", "ReplaceNetworkAclAssociation",
        ),
        tolerated='{ $.eventSource = "ec2.amazonaws.com" }',
    ),
)
_declare(
    "cloudwatch_alarm_cloudtrail_changes",
    ("LOG-05",),
    Severity.HIGH,
    Text(
        "CloudTrail の設定変更を検知するアラームが設定されている",
        "An alarm detects CloudTrail configuration changes",
    ),
    Text("CloudTrail の設定変更", "CloudTrail configuration changes"),
    Intent.of(
        _eventnames("CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging"),
        tolerated='{ $.eventSource = "cloudtrail.amazonaws.com" }',
    ),
)
_declare(
    "cloudwatch_alarm_unauthorized_api_calls",
    ("LOG-05",),
    Severity.MEDIUM,
    Text("権限のない API 呼び出しを検知するアラームが設定されている", "An alarm detects unauthorized API calls"),
    Text("権限のない API 呼び出し", "unauthorized API calls"),
    Intent.of(
        '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
        tolerated='{ $.sourceIPAddress != "delivery.logs.amazonaws.com" && $.eventName != "HeadBucket" }',
    ),
)
