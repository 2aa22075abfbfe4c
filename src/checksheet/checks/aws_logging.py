"""Audit logging and detection: CloudTrail, log retention, GuardDuty, Security Hub, AWS Config."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from checksheet.checks.aws_s3 import ACCOUNT_PAB, PAB_FLAGS, effective_block, policy_is_public
from checksheet.checks.aws_scope import (
    PROVIDER,
    accounts,
    all_true,
    complete,
    in_account,
    in_region,
    listing,
    region_subject,
    regions,
    scoped,
)
from checksheet.checks.base import Check, Outcome, account_subject, registry
from checksheet.inventory import Inventory
from checksheet.model import Resource, Severity, Status, Text

CHECKS: list[Check] = []
check = registry(CHECKS)

TRAIL = "aws.cloudtrail.trail"
RETENTION_MIN_DAYS = 365


def _trails(inv: Inventory, account: str) -> list[Resource]:
    """The account's trails, once each (a multi-region trail may be listed from every region)."""
    return list({t.id: t for t in in_account(inv, TRAIL, account)}.values())


def _name(trail: Resource) -> str:
    return str(trail.attributes.get("name") or trail.id)


def _no_trail(account: str) -> Outcome:
    return Outcome.of(account_subject(PROVIDER, account), False, Text(
        ja=f"アカウント {account} に CloudTrail の証跡がありません。",
        en=f"Account {account} has no CloudTrail trail.",
    ))


#: None when the verdict cannot be drawn because data it depends on was not collected.
TrailVerdict = Callable[[Inventory, Resource], Outcome | None]


def _per_trail(verdict: TrailVerdict, needs: tuple[str, ...] = (TRAIL,)) -> Callable[[Inventory], Iterator[Outcome]]:
    """One outcome per trail; an account without any trail fails (unless trails were not all collected)."""

    def evaluate(inv: Inventory) -> Iterator[Outcome]:
        for account in accounts(inv):
            trails = _trails(inv, account.id)
            if trails:
                yield from (o for t in trails if (o := verdict(inv, t)) is not None)
            elif complete(inv, account.id, needs):
                yield _no_trail(account.id)

    return evaluate


def _all_management_events(trail: Resource) -> bool:
    """Read and write management events (CIS 3.1); an unknown read/write split is not held against it."""
    a = trail.attributes
    return a.get("management_events") is not False and a.get("management_read_write") in (None, "All")


def _why_not_logging(trail: Resource) -> Text:
    a, name = trail.attributes, _name(trail)
    if not a.get("logging"):
        return Text(f"{name} は記録を停止しています", f"{name} is not logging")
    if a.get("management_events") is False:
        return Text(f"{name} は管理イベントを記録していません", f"{name} is not logging management events")
    only = a.get("management_read_write")
    return Text(f"{name} は管理イベントの {only} のみを記録しています", f"{name} records {only} management events only")


@check(
    id="cloudtrail_multi_region_enabled",
    controls=("LOG-01",),
    severity=Severity.CRITICAL,
    title=Text(
        "全リージョンを対象とする CloudTrail 証跡が記録を行っている",
        "A multi-region CloudTrail trail is logging",
    ),
    remediation=Text(
        ja="全リージョンに適用する証跡 (IsMultiRegionTrail) を作成し、管理イベントの読み書き両方を記録して"
        "ロギングを開始してください。AWS Organizations を使う場合は組織の証跡を推奨します。",
        en="Create a trail that applies to all regions (IsMultiRegionTrail), record read and write management "
        "events, and start logging; with AWS Organizations, prefer an organization trail.",
    ),
    needs=(TRAIL,),
)
def _multi_region(inv: Inventory) -> Iterator[Outcome]:
    for account in accounts(inv):
        if not complete(inv, account.id, (TRAIL,)):
            continue
        trails = _trails(inv, account.id)
        subject = account_subject(PROVIDER, account.id)
        multi = [t for t in trails if t.attributes.get("multi_region")]
        live = [t for t in multi if t.attributes.get("logging") and _all_management_events(t)]
        if live:
            yield Outcome.of(subject, True, Text(
                ja=f"全リージョン対象の証跡 {listing(_name(t) for t in live)} が管理イベントを記録しています。",
                en=f"Multi-region trail {listing(_name(t) for t in live)} is logging management events.",
            ))
        elif multi:
            why = [_why_not_logging(t) for t in sorted(multi, key=_name)]
            yield Outcome.of(subject, False, Text(
                ja=f"全リージョン対象の証跡はありますが、管理イベントの読み取りと書き込みの両方を記録しているものは"
                f"ありません ({'、'.join(w.ja for w in why)})。",
                en="No multi-region trail logs management events (both read and write): "
                f"{'; '.join(w.en for w in why)}.",
            ))
        else:
            yield Outcome.of(subject, False, Text(
                ja=f"全リージョン対象の証跡がありません (単一リージョンの証跡 {len(trails)} 件)。",
                en=f"No trail covers all regions ({len(trails)} single-region trails).",
            ))


def _validation(inv: Inventory, trail: Resource) -> Outcome:
    ok = bool(trail.attributes.get("log_file_validation"))
    return Outcome.of(trail, ok, Text(
        ja=f"証跡 {_name(trail)} はログファイルの整合性検証 (ダイジェスト) が有効です。",
        en=f"Trail {_name(trail)} has log file integrity validation (digest files) enabled.",
    ) if ok else Text(
        ja=f"証跡 {_name(trail)} のログファイルの整合性検証が無効です。",
        en=f"Trail {_name(trail)} does not validate log file integrity.",
    ))


check(
    id="cloudtrail_log_file_validation_enabled",
    controls=("LOG-02",),
    severity=Severity.MEDIUM,
    title=Text("CloudTrail のログファイル整合性検証が有効になっている", "CloudTrail log file validation is enabled"),
    remediation=Text(
        ja="証跡の設定でログファイルの検証を有効にしてください。ダイジェストファイルで改ざんの有無を検証できます。",
        en="Enable log file validation on the trail, so digest files can prove the logs were not altered.",
    ),
    needs=(TRAIL,),
)(_per_trail(_validation))


def _bucket(inv: Inventory, trail: Resource) -> Resource | None:
    name = trail.attributes.get("s3_bucket")
    return inv.get("aws.s3.bucket", str(name)) if name else None


def _bucket_unknown(trail: Resource) -> Outcome:
    name = trail.attributes.get("s3_bucket")
    return Outcome(trail, Status.MANUAL, Text(
        ja=f"証跡 {_name(trail)} のバケット {name} はスキャン対象に含まれていません。バケットを所有するアカウントを"
        "スキャンするか、設定の証跡を提出してください。",
        en=f"Trail {_name(trail)} delivers to bucket {name}, which is not in the scanned inventory; scan the "
        "account that owns it or provide evidence of its settings.",
    ))


def _not_public(inv: Inventory, trail: Resource) -> Outcome | None:
    bucket = _bucket(inv, trail)
    if bucket is None:
        return _bucket_unknown(trail)
    a = bucket.attributes
    account_block = inv.get(ACCOUNT_PAB, bucket.account)
    if all_true(a.get("public_access_block"), PAB_FLAGS):
        where = Text("バケットのブロックパブリックアクセス", "bucket-level Block Public Access")
    elif account_block is not None and all_true(account_block.attributes, PAB_FLAGS):
        where = Text("アカウントのブロックパブリックアクセス", "account-level Block Public Access")
    elif account_block is not None and all_true(
        effective_block(a.get("public_access_block"), account_block.attributes), PAB_FLAGS
    ):
        where = Text(
            "バケットとアカウントの設定を合わせたブロックパブリックアクセス",
            "bucket- and account-level Block Public Access together",
        )
    elif account_block is None and not complete(inv, bucket.account, (ACCOUNT_PAB,)):
        return None  # the account-level setting, which may protect it, was not collected
    else:
        # A public ACL or policy that the (bucket or account) block neutralises exposes nothing.
        block = effective_block(a.get("public_access_block"), account_block.attributes if account_block else None)
        exposed = (bool(a.get("public_acl")) and not block["ignore_public_acls"]) or (
            policy_is_public(a.get("policy")) and not block["restrict_public_buckets"]
        )
        return Outcome.of(trail, False, Text(
            ja=f"証跡 {_name(trail)} のバケット {bucket.id} は公開されています (ACL またはバケットポリシー)。",
            en=f"Trail {_name(trail)}'s bucket {bucket.id} is public (ACL or bucket policy).",
        ) if exposed else Text(
            ja=f"証跡 {_name(trail)} のバケット {bucket.id} はブロックパブリックアクセスで保護されていません。",
            en=f"Trail {_name(trail)}'s bucket {bucket.id} is not protected by S3 Block Public Access.",
        ))
    return Outcome.of(trail, True, Text(
        ja=f"証跡 {_name(trail)} のバケット {bucket.id} は{where.ja}で非公開です。",
        en=f"Trail {_name(trail)}'s bucket {bucket.id} is kept private by {where.en}.",
    ))


_BUCKET_NEEDS = (TRAIL, "aws.s3.bucket", ACCOUNT_PAB)
check(
    id="cloudtrail_s3_bucket_not_public",
    controls=("LOG-02", "LOG-04"),
    severity=Severity.CRITICAL,
    title=Text("CloudTrail のログバケットが公開されていない", "The CloudTrail log bucket is not public"),
    remediation=Text(
        ja="証跡のバケット (またはアカウント全体) で S3 ブロックパブリックアクセスの 4 項目をすべて有効にし、"
        "公開 ACL とバケットポリシーの \"Principal\": \"*\" の許可を削除してください。",
        en="Turn on all four S3 Block Public Access settings for the trail's bucket (or the account) and remove "
        "public ACL grants and \"Principal\": \"*\" allows from the bucket policy.",
    ),
    needs=_BUCKET_NEEDS,
)(_per_trail(_not_public))


def _locked(lock: Any) -> bool:
    return isinstance(lock, dict) and lock.get("enabled") in (True, "Enabled")


def _protected(inv: Inventory, trail: Resource) -> Outcome:
    bucket = _bucket(inv, trail)
    if bucket is None:
        return _bucket_unknown(trail)
    a = bucket.attributes
    versioned = a.get("versioning") == "Enabled"
    locked, mfa = _locked(a.get("object_lock")), bool(a.get("mfa_delete"))
    if versioned and (locked or mfa):
        how = Text("オブジェクトロック", "Object Lock") if locked else Text("MFA Delete", "MFA Delete")
        return Outcome.of(trail, True, Text(
            ja=f"証跡 {_name(trail)} のバケット {bucket.id} はバージョニングと{how.ja}で削除から保護されています。",
            en=f"Trail {_name(trail)}'s bucket {bucket.id} is versioned and protected by {how.en}.",
        ))
    missing = ([] if versioned else [Text("バージョニング", "versioning")]) + (
        [] if locked or mfa else [Text("オブジェクトロックまたは MFA Delete", "Object Lock or MFA Delete")]
    )
    return Outcome.of(trail, False, Text(
        ja=f"証跡 {_name(trail)} のバケット {bucket.id} に{'と'.join(m.ja for m in missing)}が設定されていません。",
        en=f"Trail {_name(trail)}'s bucket {bucket.id} lacks {' and '.join(m.en for m in missing)}.",
    ))


check(
    id="cloudtrail_s3_bucket_protected",
    controls=("LOG-02",),
    severity=Severity.HIGH,
    title=Text(
        "CloudTrail のログバケットがバージョニングとオブジェクトロック (または MFA Delete) で保護されている",
        "The CloudTrail log bucket is versioned and protected by Object Lock or MFA Delete",
    ),
    remediation=Text(
        ja="ログバケットのバージョニングを有効にし、オブジェクトロック (コンプライアンスモードと保持期間) または "
        "MFA Delete を設定して、ログの削除や上書きを防いでください。",
        en="Enable versioning on the log bucket and set Object Lock (compliance mode with a retention period) "
        "or MFA Delete, so logs cannot be deleted or overwritten.",
    ),
    needs=(TRAIL, "aws.s3.bucket"),
)(_per_trail(_protected))


def _cloudwatch(inv: Inventory, trail: Resource) -> Outcome:
    group = trail.attributes.get("cloudwatch_log_group_arn")
    return Outcome.of(trail, bool(group), Text(
        ja=f"証跡 {_name(trail)} は CloudWatch Logs ({group}) に配信されています。",
        en=f"Trail {_name(trail)} delivers to CloudWatch Logs ({group}).",
    ) if group else Text(
        ja=f"証跡 {_name(trail)} は CloudWatch Logs に配信されていないため、リアルタイムの監視ができません。",
        en=f"Trail {_name(trail)} does not deliver to CloudWatch Logs, so it cannot be monitored in real time.",
    ))


check(
    id="cloudtrail_cloudwatch_logs_integrated",
    controls=("LOG-05",),
    severity=Severity.MEDIUM,
    title=Text("CloudTrail が CloudWatch Logs に配信されている", "CloudTrail delivers to CloudWatch Logs"),
    remediation=Text(
        ja="証跡に CloudWatch Logs のロググループと配信用 IAM ロールを設定してください。",
        en="Configure a CloudWatch Logs log group and delivery IAM role on the trail.",
    ),
    needs=(TRAIL,),
)(_per_trail(_cloudwatch))


def _kms(inv: Inventory, trail: Resource) -> Outcome:
    key = trail.attributes.get("kms_key_id")
    return Outcome.of(trail, bool(key), Text(
        ja=f"証跡 {_name(trail)} のログは KMS キー {key} で暗号化されています。",
        en=f"Trail {_name(trail)} encrypts its logs with KMS key {key}.",
    ) if key else Text(
        ja=f"証跡 {_name(trail)} のログはカスタマー管理の KMS キーで暗号化されていません。",
        en=f"Trail {_name(trail)} does not encrypt its logs with a customer-managed KMS key.",
    ))


check(
    id="cloudtrail_kms_encrypted",
    controls=("LOG-02",),
    severity=Severity.MEDIUM,
    title=Text("CloudTrail のログが KMS キーで暗号化されている", "CloudTrail logs are encrypted with a KMS key"),
    remediation=Text(
        ja="カスタマー管理の KMS キーを作成し (CloudTrail による利用をキーポリシーで許可)、証跡の SSE-KMS "
        "暗号化に指定してください。",
        en="Create a customer-managed KMS key whose policy lets CloudTrail use it, and set it as the trail's "
        "SSE-KMS key.",
    ),
    needs=(TRAIL,),
)(_per_trail(_kms))


@check(
    id="logs_log_group_retention_365_days",
    controls=("LOG-03",),
    severity=Severity.MEDIUM,
    title=Text("ロググループの保持期間が 365 日以上である", "Log groups keep events for at least 365 days"),
    remediation=Text(
        ja="ロググループの保持期間を 365 日以上 (または失効しない) に設定してください。長期保管は S3 への"
        "エクスポートとライフサイクルでも構いません。",
        en="Set the log group's retention to 365 days or more (or never expire); long-term copies may also be "
        "exported to S3 with a lifecycle policy.",
    ),
    needs=("aws.logs.log_group",),
)
def _retention(inv: Inventory) -> Iterator[Outcome]:
    for group in scoped(inv, "aws.logs.log_group"):
        days = group.attributes.get("retention_days")
        if days is None:
            yield Outcome.of(group, True, Text(
                ja=f"ロググループ {group.id} のイベントは失効しません。",
                en=f"Log group {group.id} keeps events indefinitely.",
            ))
            continue
        yield Outcome.of(group, int(days) >= RETENTION_MIN_DAYS, Text(
            ja=f"ロググループ {group.id} の保持期間は {days} 日です (基準 {RETENTION_MIN_DAYS} 日)。",
            en=f"Log group {group.id} keeps events for {days} days (minimum {RETENTION_MIN_DAYS}).",
        ))


def _per_region(
    resource_type: str, judge: Callable[[Resource, list[Resource]], tuple[bool, Text]]
) -> Callable[[Inventory], Iterator[Outcome]]:
    def evaluate(inv: Inventory) -> Iterator[Outcome]:
        for region in regions(inv):
            ok, message = judge(region, in_region(inv, resource_type, region.account, region.id))
            yield Outcome.of(region_subject(region), ok, message)

    return evaluate


def _guardduty(region: Resource, detectors: list[Resource]) -> tuple[bool, Text]:
    enabled = [d for d in detectors if d.attributes.get("status") == "ENABLED"]
    if enabled:
        return True, Text(f"{region.id} で GuardDuty (ディテクター {enabled[0].id}) が有効です。",
                          f"GuardDuty is enabled in {region.id} (detector {enabled[0].id}).")
    if detectors:
        return False, Text(f"{region.id} の GuardDuty ディテクター {detectors[0].id} は停止しています。",
                           f"GuardDuty detector {detectors[0].id} in {region.id} is suspended.")
    return False, Text(f"{region.id} で GuardDuty が有効になっていません。",
                       f"GuardDuty is not enabled in {region.id}.")


check(
    id="guardduty_enabled_all_regions",
    controls=("LOG-06", "MAL-01"),
    severity=Severity.HIGH,
    title=Text("GuardDuty が全リージョンで有効になっている", "GuardDuty is enabled in every region"),
    remediation=Text(
        ja="使用していないリージョンも含め、すべてのリージョンで GuardDuty を有効にしてください。"
        "Organizations では委任管理者から全アカウントに自動で有効化できます。",
        en="Enable GuardDuty in every region, including unused ones; with Organizations, auto-enable it for all "
        "accounts from the delegated administrator.",
    ),
    needs=("aws.guardduty.detector",),
)(_per_region("aws.guardduty.detector", _guardduty))


def _securityhub(region: Resource, hubs: list[Resource]) -> tuple[bool, Text]:
    if hubs:
        since = hubs[0].attributes.get("subscribed_at") or "-"
        return True, Text(f"{region.id} で Security Hub が有効です ({since} から)。",
                          f"Security Hub is enabled in {region.id} (since {since}).")
    return False, Text(f"{region.id} で Security Hub が有効になっていません。",
                       f"Security Hub is not enabled in {region.id}.")


check(
    id="securityhub_enabled_all_regions",
    controls=("LOG-06",),
    severity=Severity.MEDIUM,
    title=Text("Security Hub が全リージョンで有効になっている", "Security Hub is enabled in every region"),
    remediation=Text(
        ja="すべてのリージョンで Security Hub を有効にし、AWS 基礎セキュリティのベストプラクティスと CIS の"
        "標準を有効化してください。",
        en="Enable Security Hub in every region with the AWS Foundational Security Best Practices and CIS standards.",
    ),
    needs=("aws.securityhub.hub",),
)(_per_region("aws.securityhub.hub", _securityhub))


def _config(region: Resource, recorders: list[Resource]) -> tuple[bool, Text]:
    recording = [r for r in recorders if r.attributes.get("recording")]
    complete_ = [r for r in recording if r.attributes.get("all_supported")]
    if complete_:
        return True, Text(f"{region.id} で AWS Config (レコーダー {complete_[0].id}) が全リソースを記録しています。",
                          f"AWS Config recorder {complete_[0].id} records all resource types in {region.id}.")
    if recording:
        return False, Text(f"{region.id} の AWS Config レコーダー {recording[0].id} は一部のリソースタイプだけを"
                           "記録しています。",
                           f"AWS Config recorder {recording[0].id} in {region.id} records only selected types.")
    if recorders:
        return False, Text(f"{region.id} の AWS Config レコーダー {recorders[0].id} は記録を停止しています。",
                           f"AWS Config recorder {recorders[0].id} in {region.id} is not recording.")
    return False, Text(f"{region.id} に AWS Config レコーダーがありません。",
                       f"AWS Config has no recorder in {region.id}.")


check(
    id="config_recorder_enabled_all_regions",
    controls=("DEV-06", "LOG-01"),
    severity=Severity.MEDIUM,
    title=Text("AWS Config が全リージョンで記録している", "AWS Config records in every region"),
    remediation=Text(
        ja="すべてのリージョンで AWS Config の設定レコーダーを作成し、サポートされる全リソースタイプの記録を"
        "開始してください (グローバルリソースは 1 リージョンで記録すれば足ります)。",
        en="Create an AWS Config recorder in every region that records all supported resource types, and start "
        "it (global resources need recording in one region only).",
    ),
    needs=("aws.config.recorder",),
)(_per_region("aws.config.recorder", _config))
