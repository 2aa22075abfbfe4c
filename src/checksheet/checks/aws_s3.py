"""S3: Block Public Access, default encryption, TLS-only policies, versioning, access logging."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from checksheet.checks.aws_scope import PROVIDER, accounts, all_true, complete, scoped
from checksheet.checks.base import Check, Outcome, account_subject, registry
from checksheet.inventory import Inventory
from checksheet.model import Resource, Severity, Text

CHECKS: list[Check] = []
check = registry(CHECKS)

PAB_FLAGS = ("block_public_acls", "ignore_public_acls", "block_public_policy", "restrict_public_buckets")
ACCOUNT_PAB = "aws.s3.account_public_access_block"
BUCKET = "aws.s3.bucket"


def _statements(policy: Any) -> list[Mapping[str, Any]]:
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except ValueError:
            return []
    if not isinstance(policy, Mapping):
        return []
    raw = policy.get("Statement") or []
    return [s for s in ([raw] if isinstance(raw, Mapping) else raw) if isinstance(s, Mapping)]


def _values(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _anyone(principal: Any) -> bool:
    if principal == "*":
        return True
    return isinstance(principal, Mapping) and "*" in _values(principal.get("AWS", []))


def policy_is_public(policy: Any) -> bool:
    """An Allow to everyone without conditions (what S3 itself treats as public, roughly)."""
    return any(
        s.get("Effect") == "Allow" and _anyone(s.get("Principal")) and not s.get("Condition")
        for s in _statements(policy)
    )


def _denies_plain_http(statement: Mapping[str, Any]) -> bool:
    if statement.get("Effect") != "Deny" or not _anyone(statement.get("Principal")):
        return False
    if not {"s3:*", "*"} & set(_values(statement.get("Action", []))):
        return False
    condition = statement.get("Condition") or {}
    for operator in ("Bool", "BoolIfExists"):
        keys = {str(k).lower(): v for k, v in (condition.get(operator) or {}).items()}
        if "false" in [v.lower() for v in _values(keys.get("aws:securetransport", []))]:
            return True
    return False


def _flags_off(flags: Mapping[str, Any] | None) -> list[str]:
    return [f for f in PAB_FLAGS if not (flags or {}).get(f)]


def effective_block(bucket: Mapping[str, Any] | None, account: Mapping[str, Any] | None) -> dict[str, bool]:
    """The Block Public Access S3 applies to a bucket: each flag on when the bucket or the account sets it."""
    return {f: bool((bucket or {}).get(f)) or bool((account or {}).get(f)) for f in PAB_FLAGS}


@check(
    id="s3_account_public_access_block",
    controls=("ACC-05",),
    severity=Severity.HIGH,
    title=Text(
        "アカウント全体で S3 ブロックパブリックアクセスが有効になっている",
        "S3 Block Public Access is on for the whole account",
    ),
    remediation=Text(
        ja="S3 のアカウント設定でブロックパブリックアクセスの 4 項目をすべて有効にしてください。公開が必要な"
        "静的コンテンツは CloudFront のオリジンアクセスコントロール経由で配信してください。",
        en="Turn on all four Block Public Access settings at the S3 account level; serve public static content "
        "through CloudFront with origin access control.",
    ),
    needs=(ACCOUNT_PAB,),
)
def _account_pab(inv: Inventory) -> Iterator[Outcome]:
    for account in accounts(inv):
        block = inv.get(ACCOUNT_PAB, account.id)
        if block is None:
            continue
        off = _flags_off(block.attributes)
        yield Outcome.of(account_subject(PROVIDER, account.id), not off, Text(
            ja=f"アカウント {account.id} の S3 ブロックパブリックアクセスは 4 項目すべて有効です。",
            en=f"All four S3 Block Public Access settings are on for account {account.id}.",
        ) if not off else Text(
            ja=f"アカウント {account.id} の S3 ブロックパブリックアクセスで無効な項目があります: {', '.join(off)}。",
            en=f"Account {account.id} leaves S3 Block Public Access settings off: {', '.join(off)}.",
        ))


def _buckets(inv: Inventory) -> Iterator[Resource]:
    return scoped(inv, BUCKET)


@check(
    id="s3_bucket_public_access_block",
    controls=("ACC-05",),
    severity=Severity.HIGH,
    title=Text(
        "すべてのバケットでパブリックアクセスがブロックされている",
        "Every bucket blocks public access",
    ),
    remediation=Text(
        ja="バケット (またはアカウント全体) でブロックパブリックアクセスの 4 項目をすべて有効にしてください。",
        en="Turn on all four Block Public Access settings on the bucket (or for the whole account).",
    ),
    needs=(BUCKET, ACCOUNT_PAB),
)
def _bucket_pab(inv: Inventory) -> Iterator[Outcome]:
    for bucket in _buckets(inv):
        account_block = inv.get(ACCOUNT_PAB, bucket.account)
        if account_block is not None and all_true(account_block.attributes, PAB_FLAGS):
            yield Outcome.of(bucket, True, Text(
                ja=f"バケット {bucket.id} はアカウント全体のブロックパブリックアクセスで保護されています。",
                en=f"Bucket {bucket.id} is covered by the account-level Block Public Access.",
            ))
            continue
        own = bucket.attributes.get("public_access_block")
        # S3 applies a flag when either the bucket or the account sets it.
        off = _flags_off(effective_block(own, account_block.attributes if account_block else None))
        if off and account_block is None and not complete(inv, bucket.account, (ACCOUNT_PAB,)):
            continue  # the account-level setting, which may cover the bucket, was not collected
        yield Outcome.of(bucket, not off, Text(
            ja=f"バケット {bucket.id} はブロックパブリックアクセスの 4 項目すべてが有効です。",
            en=f"Bucket {bucket.id} has all four Block Public Access settings on.",
        ) if not off and all_true(own, PAB_FLAGS) else Text(
            ja=f"バケット {bucket.id} はバケットとアカウントの設定を合わせてブロックパブリックアクセスの 4 項目すべてが"
            "有効です。",
            en=f"Bucket {bucket.id} has all four Block Public Access settings on, between its own and the "
            "account's settings.",
        ) if not off else Text(
            ja=f"バケット {bucket.id} のブロックパブリックアクセス (アカウントの設定を含む) で無効な項目があります: "
            f"{', '.join(off)}。",
            en=f"Bucket {bucket.id} leaves Block Public Access settings off (account settings included): "
            f"{', '.join(off)}.",
        ))


@check(
    id="s3_bucket_default_encryption",
    controls=("CRYPT-03",),
    severity=Severity.MEDIUM,
    title=Text("すべてのバケットでデフォルト暗号化が設定されている", "Every bucket has default encryption"),
    remediation=Text(
        ja="バケットのデフォルト暗号化に SSE-S3 または SSE-KMS を設定してください。機密データには"
        "カスタマー管理の KMS キーを推奨します。",
        en="Set SSE-S3 or SSE-KMS as the bucket's default encryption; prefer a customer-managed KMS key for "
        "sensitive data.",
    ),
    needs=(BUCKET,),
)
def _default_encryption(inv: Inventory) -> Iterator[Outcome]:
    for bucket in _buckets(inv):
        enc = bucket.attributes.get("encryption") or {}
        algorithm = enc.get("algorithm")
        yield Outcome.of(bucket, bool(algorithm), Text(
            ja=f"バケット {bucket.id} はデフォルトで {algorithm} により暗号化されます。",
            en=f"Bucket {bucket.id} encrypts objects by default with {algorithm}.",
        ) if algorithm else Text(
            ja=f"バケット {bucket.id} にデフォルト暗号化が設定されていません。",
            en=f"Bucket {bucket.id} has no default encryption.",
        ))


@check(
    id="s3_bucket_tls_only",
    controls=("CRYPT-06", "NET-06"),
    severity=Severity.MEDIUM,
    title=Text(
        "バケットポリシーが TLS を使わないリクエストを拒否している",
        "Bucket policies deny requests that do not use TLS",
    ),
    remediation=Text(
        ja="バケットポリシーに、条件 \"Bool\": {\"aws:SecureTransport\": \"false\"} で全プリンシパルの "
        "s3:* を拒否するステートメントを追加してください。",
        en="Add a bucket policy statement that denies s3:* to every principal under the condition "
        "\"Bool\": {\"aws:SecureTransport\": \"false\"}.",
    ),
    needs=(BUCKET,),
)
def _tls_only(inv: Inventory) -> Iterator[Outcome]:
    for bucket in _buckets(inv):
        enforced = any(_denies_plain_http(s) for s in _statements(bucket.attributes.get("policy")))
        yield Outcome.of(bucket, enforced, Text(
            ja=f"バケット {bucket.id} のポリシーは TLS を使わないリクエストを拒否しています。",
            en=f"Bucket {bucket.id}'s policy denies requests without TLS.",
        ) if enforced else Text(
            ja=f"バケット {bucket.id} のポリシーに aws:SecureTransport=false を拒否するステートメントがありません。",
            en=f"Bucket {bucket.id}'s policy has no statement denying aws:SecureTransport=false.",
        ))


@check(
    id="s3_bucket_versioning_enabled",
    controls=("IR-04",),
    severity=Severity.LOW,
    title=Text("バケットのバージョニングが有効になっている", "Buckets are versioned"),
    remediation=Text(
        ja="バケットのバージョニングを有効にし、古いバージョンはライフサイクルルールで期限を設けて削除してください。",
        en="Enable versioning on the bucket and expire old versions with a lifecycle rule.",
    ),
    needs=(BUCKET,),
)
def _versioning(inv: Inventory) -> Iterator[Outcome]:
    for bucket in _buckets(inv):
        state = bucket.attributes.get("versioning")
        yield Outcome.of(bucket, state == "Enabled", Text(
            ja=f"バケット {bucket.id} のバージョニングは有効です。",
            en=f"Bucket {bucket.id} is versioned.",
        ) if state == "Enabled" else Text(
            ja=f"バケット {bucket.id} のバージョニングは {state or '未設定'} です。",
            en=f"Bucket {bucket.id} versioning is {state or 'not enabled'}.",
        ))


@check(
    id="s3_bucket_access_logging_enabled",
    controls=("LOG-04",),
    severity=Severity.LOW,
    title=Text("バケットのサーバーアクセスログが有効になっている", "Buckets have server access logging"),
    remediation=Text(
        ja="バケットのサーバーアクセスログを有効にし、出力先には専用のログバケットを指定してください。",
        en="Enable server access logging on the bucket, delivered to a dedicated log bucket.",
    ),
    needs=(BUCKET,),
)
def _access_logging(inv: Inventory) -> Iterator[Outcome]:
    for bucket in _buckets(inv):
        target = bucket.attributes.get("logging_target")
        yield Outcome.of(bucket, bool(target), Text(
            ja=f"バケット {bucket.id} のアクセスログは {target} に出力されています。",
            en=f"Bucket {bucket.id} logs access to {target}.",
        ) if target else Text(
            ja=f"バケット {bucket.id} のサーバーアクセスログが無効です。",
            en=f"Bucket {bucket.id} has no server access logging.",
        ))
