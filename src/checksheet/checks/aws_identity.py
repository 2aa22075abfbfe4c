"""IAM: the root user, MFA, access keys, stale credentials, password policy, administrators, Access Analyzer."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from checksheet.checks.aws_scope import (
    PROVIDER,
    accounts,
    age_days,
    in_region,
    listing,
    region_subject,
    regions,
    scoped,
)
from checksheet.checks.base import Check, Outcome, account_subject, registry
from checksheet.inventory import Inventory
from checksheet.model import Resource, Severity, Text

CHECKS: list[Check] = []
check = registry(CHECKS)

ROOT = "aws.iam.root"
USER = "aws.iam.user"
STALE_DAYS = 90
KEY_MAX_DAYS = 90
MIN_PASSWORD_LENGTH = 14
MIN_REUSE_PREVENTION = 24
ADMIN_POLICY = ":iam::aws:policy/AdministratorAccess"


def _roots(inv: Inventory) -> Iterator[tuple[str, Resource]]:
    for account in accounts(inv):
        root = inv.get(ROOT, account.id)
        if root is not None and root.account == account.id:
            yield account.id, root


def _count(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    return len(value) if isinstance(value, list) else 0


@check(
    id="iam_root_mfa_enabled",
    controls=("ACC-04", "ACC-06"),
    severity=Severity.CRITICAL,
    title=Text("ルートユーザーに多要素認証が設定されている", "The root user has MFA"),
    remediation=Text(
        ja="ルートユーザーにハードウェア MFA デバイスまたはパスキーを登録し、認証情報を金庫など管理された場所に"
        "保管してください。",
        en="Register a hardware MFA device or passkey for the root user and keep its credentials under custody.",
    ),
    needs=(ROOT,),
)
def _root_mfa(inv: Inventory) -> Iterator[Outcome]:
    for account, root in _roots(inv):
        ok = bool(root.attributes.get("mfa_active"))
        yield Outcome.of(account_subject(PROVIDER, account), ok, Text(
            ja=f"アカウント {account} のルートユーザーに多要素認証が設定されています。",
            en=f"The root user of account {account} has MFA.",
        ) if ok else Text(
            ja=f"アカウント {account} のルートユーザーに多要素認証が設定されていません。",
            en=f"The root user of account {account} has no MFA.",
        ))


@check(
    id="iam_root_no_access_keys",
    controls=("ACC-06",),
    severity=Severity.CRITICAL,
    title=Text("ルートユーザーにアクセスキーがない", "The root user has no access keys"),
    remediation=Text(
        ja="ルートユーザーのアクセスキーを削除し、プログラムからのアクセスには権限を絞った IAM ロールを"
        "使用してください。",
        en="Delete the root user's access keys; use narrowly scoped IAM roles for programmatic access.",
    ),
    needs=(ROOT,),
)
def _root_keys(inv: Inventory) -> Iterator[Outcome]:
    for account, root in _roots(inv):
        keys = _count(root.attributes.get("active_access_keys"))
        yield Outcome.of(account_subject(PROVIDER, account), keys == 0, Text(
            ja=f"アカウント {account} のルートユーザーに有効なアクセスキーはありません。",
            en=f"The root user of account {account} has no active access key.",
        ) if keys == 0 else Text(
            ja=f"アカウント {account} のルートユーザーに有効なアクセスキーが {keys} 件あります。",
            en=f"The root user of account {account} has {keys} active access keys.",
        ))


@check(
    id="iam_root_not_used_recently",
    controls=("ACC-06", "ACC-07"),
    severity=Severity.HIGH,
    title=Text(
        "ルートユーザーが過去 90 日間使用されていない",
        "The root user was not used in the last 90 days",
    ),
    remediation=Text(
        ja="日常の作業には個人の IAM Identity Center ユーザーまたは IAM ロールを使い、ルートユーザーはルートでしか"
        "できない作業に限って使用してください。使用した場合は理由を記録してください。",
        en="Use personal IAM Identity Center users or IAM roles for daily work; use the root user only for "
        "tasks that require it, and record why whenever it is used.",
    ),
    needs=(ROOT,),
)
def _root_usage(inv: Inventory) -> Iterator[Outcome]:
    now = inv.collected_at
    for account, root in _roots(inv):
        ages = [
            d
            for d in (age_days(root.attributes.get(k), now) for k in ("password_last_used", "access_key_last_used"))
            if d is not None
        ]
        subject = account_subject(PROVIDER, account)
        if not ages:
            yield Outcome.of(subject, True, Text(
                ja=f"アカウント {account} のルートユーザーの使用記録はありません。",
                en=f"The root user of account {account} has no recorded use.",
            ))
            continue
        last = min(ages)
        yield Outcome.of(subject, last > STALE_DAYS, Text(
            ja=f"アカウント {account} のルートユーザーが最後に使用されたのは {last} 日前です (基準 {STALE_DAYS} 日)。",
            en=f"The root user of account {account} was last used {last} days ago (threshold {STALE_DAYS} days).",
        ))


def _active_keys(user: Resource) -> list[Mapping[str, Any]]:
    return [k for k in user.attributes.get("access_keys") or [] if k.get("active")]


@check(
    id="iam_user_console_mfa_enabled",
    controls=("ACC-04",),
    severity=Severity.HIGH,
    title=Text(
        "コンソールパスワードを持つ IAM ユーザーに多要素認証が設定されている",
        "Every IAM user with a console password has MFA",
    ),
    remediation=Text(
        ja="コンソールを使う IAM ユーザーに MFA デバイスを登録させ、MFA なしの操作を拒否するポリシーを適用して"
        "ください。可能であれば IAM Identity Center と IdP の多要素認証へ移行してください。",
        en="Have each console user register an MFA device and deny actions without MFA by policy; preferably "
        "move people to IAM Identity Center with the IdP's MFA.",
    ),
    needs=(USER,),
)
def _console_mfa(inv: Inventory) -> Iterator[Outcome]:
    for user in scoped(inv, USER):
        if not user.attributes.get("password_enabled"):
            continue
        ok = bool(user.attributes.get("mfa_active"))
        yield Outcome.of(user, ok, Text(
            ja=f"IAM ユーザー {user.id} はコンソールパスワードと多要素認証を使用しています。",
            en=f"IAM user {user.id} has a console password and MFA.",
        ) if ok else Text(
            ja=f"IAM ユーザー {user.id} はコンソールパスワードを持っていますが、多要素認証が設定されていません。",
            en=f"IAM user {user.id} has a console password but no MFA.",
        ))


@check(
    id="iam_access_keys_rotated_90_days",
    controls=("ACC-08",),
    severity=Severity.MEDIUM,
    title=Text("有効なアクセスキーが 90 日以内に作成されている", "Active access keys are younger than 90 days"),
    remediation=Text(
        ja="新しいアクセスキーを作成して利用側を切り替え、古いキーを無効化・削除してください。"
        "長期のアクセスキーは IAM ロールや IAM Identity Center の一時認証情報に置き換えてください。",
        en="Create a new key, switch its consumers over, then deactivate and delete the old one; replace "
        "long-lived keys with IAM roles or IAM Identity Center temporary credentials.",
    ),
    needs=(USER,),
)
def _key_rotation(inv: Inventory) -> Iterator[Outcome]:
    now = inv.collected_at
    for user in scoped(inv, USER):
        keys = _active_keys(user)
        if not keys:
            continue
        ages = {f"…{k.get('suffix')}": age_days(k.get("created"), now) for k in keys}
        old = [f"{key} ({days} 日)" for key, days in ages.items() if days is not None and days > KEY_MAX_DAYS]
        old_en = [f"{key} ({days} days)" for key, days in ages.items() if days is not None and days > KEY_MAX_DAYS]
        yield Outcome.of(user, not old, Text(
            ja=f"IAM ユーザー {user.id} の有効なアクセスキー {len(keys)} 件はすべて {KEY_MAX_DAYS} 日以内に"
            "作成されています。",
            en=f"All {len(keys)} active access keys of IAM user {user.id} are younger than {KEY_MAX_DAYS} days.",
        ) if not old else Text(
            ja=f"IAM ユーザー {user.id} に {KEY_MAX_DAYS} 日を超えたアクセスキーがあります: {listing(old)}。",
            en=f"IAM user {user.id} has access keys older than {KEY_MAX_DAYS} days: {listing(old_en)}.",
        ))


def _stale(created: Any, last_used: Any, now: Any) -> int | None:
    """Days since last use (or creation, if never used) when older than STALE_DAYS; else None."""
    age = age_days(created, now)
    if age is None or age <= STALE_DAYS:
        return None
    idle = age_days(last_used, now)
    if idle is None:
        return age
    return idle if idle > STALE_DAYS else None


@check(
    id="iam_credentials_unused_90_days_disabled",
    controls=("ACC-08",),
    severity=Severity.MEDIUM,
    title=Text(
        "90 日以上使われていない認証情報が無効化されている",
        "Credentials unused for 90 days are disabled",
    ),
    remediation=Text(
        ja="90 日以上使われていないパスワードとアクセスキーを無効化し、利用者と用途を棚卸しして不要なユーザーを"
        "削除してください。",
        en="Disable passwords and access keys unused for 90 days, review who and what they belong to, and delete "
        "users no longer needed.",
    ),
    needs=(USER,),
)
def _unused_credentials(inv: Inventory) -> Iterator[Outcome]:
    now = inv.collected_at
    for user in scoped(inv, USER):
        a = user.attributes
        keys = _active_keys(user)
        if not a.get("password_enabled") and not keys:
            continue
        stale: list[Text] = []
        if a.get("password_enabled") and (d := _stale(a.get("created"), a.get("password_last_used"), now)):
            stale.append(Text(f"パスワード ({d} 日)", f"password ({d} days)"))
        for k in keys:
            if d := _stale(k.get("created"), k.get("last_used"), now):
                key = f"…{k.get('suffix')}"
                stale.append(Text(f"アクセスキー {key} ({d} 日)", f"access key {key} ({d} days)"))
        # A credential younger than STALE_DAYS may never have been used: say "none unused for long".
        yield Outcome.of(user, not stale, Text(
            ja=f"IAM ユーザー {user.id} に {STALE_DAYS} 日を超えて使われていない有効な認証情報はありません。",
            en=f"IAM user {user.id} has no enabled credential left unused for over {STALE_DAYS} days.",
        ) if not stale else Text(
            ja=f"IAM ユーザー {user.id} に {STALE_DAYS} 日以上使われていない有効な認証情報があります: "
            f"{'、'.join(s.ja for s in stale)}。",
            en=f"IAM user {user.id} has enabled credentials unused for over {STALE_DAYS} days: "
            f"{', '.join(s.en for s in stale)}.",
        ))


@check(
    id="iam_password_policy_strong",
    controls=("ACC-09",),
    severity=Severity.MEDIUM,
    title=Text(
        "パスワードポリシーが 14 文字以上と過去 24 世代の再利用禁止を要求している",
        "The password policy requires 14+ characters and prevents reuse of the last 24 passwords",
    ),
    remediation=Text(
        ja="IAM のアカウントパスワードポリシーで最小文字数を 14 以上、パスワードの再利用禁止を 24 世代に"
        "設定してください (CIS AWS Foundations 1.8, 1.9)。",
        en="Set the IAM account password policy to a minimum length of 14 and to prevent reuse of the last "
        "24 passwords (CIS AWS Foundations 1.8, 1.9).",
    ),
    needs=("aws.iam.password_policy",),
)
def _password_policy(inv: Inventory) -> Iterator[Outcome]:
    for account in accounts(inv):
        policy = inv.get("aws.iam.password_policy", account.id)
        if policy is None:
            continue
        subject = account_subject(PROVIDER, account.id)
        a = policy.attributes
        if not a.get("exists"):
            yield Outcome.of(subject, False, Text(
                ja=f"アカウント {account.id} に IAM パスワードポリシーが設定されていません。",
                en=f"Account {account.id} has no IAM password policy.",
            ))
            continue
        length, reuse = int(a.get("minimum_length") or 0), int(a.get("reuse_prevention") or 0)
        ok = length >= MIN_PASSWORD_LENGTH and reuse >= MIN_REUSE_PREVENTION
        yield Outcome.of(subject, ok, Text(
            ja=f"アカウント {account.id} のパスワードポリシーは最小 {length} 文字、再利用禁止 {reuse} 世代です "
            f"(基準 {MIN_PASSWORD_LENGTH} 文字、{MIN_REUSE_PREVENTION} 世代)。",
            en=f"Account {account.id}'s password policy requires {length} characters and prevents reuse of "
            f"{reuse} passwords (required: {MIN_PASSWORD_LENGTH} and {MIN_REUSE_PREVENTION}).",
        ))


def _statements(document: Any) -> list[Mapping[str, Any]]:
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return []
    raw = document.get("Statement", []) if isinstance(document, Mapping) else []
    return [s for s in ([raw] if isinstance(raw, Mapping) else raw) if isinstance(s, Mapping)]


def _has_star(value: Any) -> bool:
    return value == "*" or (isinstance(value, list) and "*" in value)


def _allows_everything(document: Any) -> bool:
    return any(
        s.get("Effect") == "Allow" and _has_star(s.get("Action")) and _has_star(s.get("Resource"))
        for s in _statements(document)
    )


def _admin_grants(user: Resource) -> list[Text]:
    """Where the user gets AdministratorAccess or an Allow of * on *: directly, inline, or through a group."""
    a = user.attributes
    found = [
        Text(f"{ja}: AdministratorAccess", f"{en}: AdministratorAccess")
        for ja, en, arns in (("直接付与", "attached", a.get("attached_policy_arns")),
                             ("グループ", "group", a.get("group_policy_arns")))
        if any(str(arn).endswith(ADMIN_POLICY) for arn in arns or [])
    ]
    for policy in a.get("inline_policies") or []:
        if _allows_everything(policy.get("document")):
            found.append(Text(f"インライン: {policy.get('name')}", f"inline: {policy.get('name')}"))
    # A group's inline policy binds every member as surely as the user's own.
    for policy in a.get("group_inline_policies") or []:
        if _allows_everything(policy.get("document")):
            where = f"{policy.get('group')}/{policy.get('name')}"
            found.append(Text(f"グループのインライン: {where}", f"group inline: {where}"))
    return found


@check(
    id="iam_user_no_admin_privileges",
    controls=("ACC-05",),
    severity=Severity.HIGH,
    title=Text(
        "IAM ユーザーに AdministratorAccess や *:* のインラインポリシーが付与されていない",
        "No IAM user has AdministratorAccess or an inline policy allowing * on *",
    ),
    remediation=Text(
        ja="管理者権限はユーザーに直接付与せず、IAM Identity Center の権限セットや一時的に引き受ける IAM ロールで"
        "必要なときだけ使用してください。通常業務には職務に応じた最小権限のポリシーを付与してください。",
        en="Do not grant administrator rights to users; use IAM Identity Center permission sets or roles assumed "
        "only when needed, and give everyday access least-privilege, job-based policies.",
    ),
    needs=(USER,),
)
def _no_admin(inv: Inventory) -> Iterator[Outcome]:
    for user in scoped(inv, USER):
        grants = _admin_grants(user)
        # Customer-managed policy documents are not collected, so the pass names what was examined.
        yield Outcome.of(user, not grants, Text(
            ja=f"IAM ユーザー {user.id} には AdministratorAccess も、* に * を許可するインラインポリシー "
            "(グループ経由を含む) も付与されていません。",
            en=f"IAM user {user.id} has neither AdministratorAccess nor an inline policy allowing * on * "
            "(its groups' included).",
        ) if not grants else Text(
            ja=f"IAM ユーザー {user.id} に全権限が付与されています ({'; '.join(g.ja for g in grants)})。",
            en=f"IAM user {user.id} holds full administrator rights ({'; '.join(g.en for g in grants)}).",
        ))


@check(
    id="iam_access_analyzer_enabled",
    controls=("ACC-05",),
    severity=Severity.LOW,
    title=Text(
        "IAM Access Analyzer が全リージョンで有効になっている",
        "IAM Access Analyzer is enabled in every region",
    ),
    remediation=Text(
        ja="各リージョンで、アカウント (または組織) を信頼ゾーンとする外部アクセス用の IAM Access Analyzer を"
        "作成してください。",
        en="Create an external-access IAM Access Analyzer with the account (or organization) as zone of trust "
        "in each region.",
    ),
    needs=("aws.accessanalyzer.analyzer",),
)
def _access_analyzer(inv: Inventory) -> Iterator[Outcome]:
    for region in regions(inv):
        active = [
            a
            for a in in_region(inv, "aws.accessanalyzer.analyzer", region.account, region.id)
            if a.attributes.get("status") == "ACTIVE"
            and str(a.attributes.get("analyzer_type")) in ("ACCOUNT", "ORGANIZATION")
        ]
        name = active[0].attributes.get("name") if active else None
        yield Outcome.of(region_subject(region), bool(active), Text(
            ja=f"{region.id} で IAM Access Analyzer {name} が有効です。",
            en=f"IAM Access Analyzer {name} is active in {region.id}.",
        ) if active else Text(
            ja=f"{region.id} に有効な外部アクセス用の IAM Access Analyzer がありません。",
            en=f"No active external-access IAM Access Analyzer in {region.id}.",
        ))
