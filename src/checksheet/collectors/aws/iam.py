"""IAM: users (credential report + authorization details), the root user, roles, the password policy.

One paginated GetAccountAuthorizationDetails replaces the per-user policy and group calls;
access keys are listed only for users the credential report shows with a key, and only the
last four characters of a key id are kept. The report's secrets-free CSV is parsed in memory.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from checksheet.collectors.aws.context import GLOBAL, Ctx
from checksheet.collectors.aws.normalise import iso, key_suffix
from checksheet.collectors.aws.registry import Collector, Scope, registry
from checksheet.model import Resource

COLLECTORS: list[Collector] = []
collector = registry(COLLECTORS)

USER = "aws.iam.user"
ROOT = "aws.iam.root"
ROLE = "aws.iam.role"
PASSWORD_POLICY = "aws.iam.password_policy"  # noqa: S105 (a resource type)
_ROOT_ROW = "<root_account>"
_REPORT_WAIT_SECONDS = 60.0


def _document(value: Any) -> Any:
    """Policy documents arrive decoded from boto3, or URL-encoded JSON from some endpoints."""
    if isinstance(value, str):
        try:
            return json.loads(unquote(value))
        except ValueError:
            return value
    return value


def _when(value: str | None) -> str | None:
    """A report timestamp, or None for "N/A", "no_information", "not_supported"."""
    return value if value and value[:1].isdigit() else None


def _flag(value: str | None) -> bool | None:
    return {"true": True, "false": False}.get(value or "")


def _second(value: Any) -> str | None:
    """A time to the second in UTC, to match report slots with ListAccessKeys dates."""
    text = iso(value)
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def credential_report(ctx: Ctx, started: dict[str, Any] | None = None) -> dict[str, dict[str, str]] | None:
    """The credential report by user name (root as "<root_account>"), generated when needed.

    `started`: the answer of a GenerateCredentialReport sent earlier, so that AWS made the report
    while the caller did other work; when it was not complete then, ask again without waiting.
    """
    deadline = time.monotonic() + _REPORT_WAIT_SECONDS
    delay = 0.1  # a report often completes within a second of its first request; then back off up to 4 s
    state = started
    while True:
        state = state or ctx.call("iam", "generate_credential_report")
        if state is None:
            return None
        if state.get("State") == "COMPLETE":
            break
        if time.monotonic() > deadline:
            ctx.fail("iam", "iam:GenerateCredentialReport",
                     f"the credential report was not ready after {_REPORT_WAIT_SECONDS:.0f} s")
            return None
        if state is not started:
            time.sleep(delay)
            delay = min(delay * 2, 4.0)
        state = None
    answer = ctx.call("iam", "get_credential_report")
    if answer is None:
        return None
    content = answer.get("Content") or b""
    text = content.decode("utf-8") if isinstance(content, bytes) else str(content)
    return {row["user"]: row for row in csv.DictReader(io.StringIO(text))}


def _slots(row: Mapping[str, str] | None) -> list[dict[str, Any]]:
    """The report's two access-key slots that hold a key."""
    found = []
    for n in (1, 2):
        created = _when((row or {}).get(f"access_key_{n}_last_rotated"))
        if created:
            found.append({"created": created, "active": _flag((row or {}).get(f"access_key_{n}_active")),
                          "last_used": _when((row or {}).get(f"access_key_{n}_last_used_date"))})
    return found


def _access_keys(ctx: Ctx, user: str, row: Mapping[str, str] | None) -> list[dict[str, Any]]:
    slots = _slots(row)
    if row is not None and not slots:
        return []
    listed = sorted(ctx.pages("iam", "list_access_keys", "AccessKeyMetadata", UserName=user),
                    key=lambda k: iso(k.get("CreateDate")) or "")
    by_second = {_second(s["created"]): s for s in slots}
    keys = []
    for index, k in enumerate(listed):
        slot = by_second.get(_second(k.get("CreateDate"))) or (slots[index] if index < len(slots) else {})
        keys.append({
            "suffix": key_suffix(str(k.get("AccessKeyId", ""))),
            "active": k.get("Status") == "Active",
            "created": iso(k.get("CreateDate")),
            "last_used": slot.get("last_used"),
        })
    return keys


def _root(ctx: Ctx, row: Mapping[str, str] | None) -> Resource | None:
    attributes: dict[str, Any]
    if row is not None:
        slots = _slots(row)
        used = sorted(s["last_used"] for s in slots if s["last_used"])
        attributes = {
            "mfa_active": _flag(row.get("mfa_active")),
            "active_access_keys": sum(1 for s in slots if s["active"]),
            "password_last_used": _when(row.get("password_last_used")),
            "access_key_last_used": used[-1] if used else None,
        }
    else:  # some endpoints leave the root out of the report: the account summary still knows
        summary = ctx.call("iam", "get_account_summary")
        if summary is None:
            return None
        figures = summary.get("SummaryMap") or {}
        attributes = {
            "mfa_active": bool(figures.get("AccountMFAEnabled")),
            "active_access_keys": int(figures.get("AccountAccessKeysPresent") or 0),
            "password_last_used": None,
            "access_key_last_used": None,
        }
    return ctx.resource(ROOT, ctx.account, attributes, region=GLOBAL)


@collector(
    name="iam.users",
    service="iam",
    scope=Scope.GLOBAL,
    yields=(USER, ROOT),
    actions=("iam:GenerateCredentialReport", "iam:GetCredentialReport", "iam:GetAccountAuthorizationDetails",
             "iam:ListAccessKeys", "iam:GetAccountSummary"),
    feeds={
        "iam:GetAccountAuthorizationDetails": (USER,),
        "iam:ListAccessKeys": (USER,),
        "iam:GetAccountSummary": (ROOT,),
    },
)
def users(ctx: Ctx) -> Iterator[Resource]:
    # Ask for the report first: AWS makes it while the authorization details are read.
    started = ctx.call("iam", "generate_credential_report")
    pages = ctx.raw_pages("iam", "get_account_authorization_details", Filter=["User", "Group"])
    report = credential_report(ctx, started) if started is not None else None
    groups = {g["GroupName"]: g for p in pages for g in p.get("GroupDetailList") or []}
    listed = [u for p in pages for u in p.get("UserDetailList") or []]
    rows = [report.get(u["UserName"]) if report is not None else None for u in listed]
    keys = ctx.each(lambda pair: _access_keys(ctx, pair[0]["UserName"], pair[1]), list(zip(listed, rows, strict=True)))
    for u, row, access_keys in zip(listed, rows, keys, strict=True):
        name = u["UserName"]
        member_of = [groups.get(g, {}) for g in u.get("GroupList") or []]
        yield ctx.resource(USER, name, {
            "arn": u.get("Arn"),
            "created": iso(u.get("CreateDate")),
            "password_enabled": _flag((row or {}).get("password_enabled")),
            "password_last_used": _when((row or {}).get("password_last_used")),
            "mfa_active": _flag((row or {}).get("mfa_active")),
            "access_keys": access_keys,
            "attached_policy_arns": sorted(p["PolicyArn"] for p in u.get("AttachedManagedPolicies") or []),
            "inline_policies": [{"name": p["PolicyName"], "document": _document(p.get("PolicyDocument"))}
                                for p in u.get("UserPolicyList") or []],
            "group_names": list(u.get("GroupList") or ()),
            "group_policy_arns": sorted(
                {p["PolicyArn"] for g in member_of for p in g.get("AttachedManagedPolicies") or []}
            ),
            "group_inline_policies": [
                {"group": g["GroupName"], "name": p["PolicyName"], "document": _document(p.get("PolicyDocument"))}
                for g in member_of if g for p in g.get("GroupPolicyList") or []
            ],
        }, region=GLOBAL)
    if report is not None:
        root = _root(ctx, report.get(_ROOT_ROW))
        if root is not None:
            yield root


@collector(name="iam.roles", service="iam", scope=Scope.GLOBAL, yields=(ROLE,),
           actions=("iam:GetAccountAuthorizationDetails",))
def roles(ctx: Ctx) -> Iterator[Resource]:
    for r in ctx.pages("iam", "get_account_authorization_details", "RoleDetailList", Filter=["Role"]):
        yield ctx.resource(ROLE, r["RoleName"], {
            "arn": r.get("Arn"),
            "path": r.get("Path"),
            "created": iso(r.get("CreateDate")),
            "trust_policy": _document(r.get("AssumeRolePolicyDocument")),
            "attached_policy_arns": sorted(p["PolicyArn"] for p in r.get("AttachedManagedPolicies") or []),
            "inline_policies": [{"name": p["PolicyName"], "document": _document(p.get("PolicyDocument"))}
                                for p in r.get("RolePolicyList") or []],
            "last_used": iso((r.get("RoleLastUsed") or {}).get("LastUsedDate")),
        }, region=GLOBAL)


@collector(name="iam.password_policy", service="iam", scope=Scope.GLOBAL, yields=(PASSWORD_POLICY,),
           actions=("iam:GetAccountPasswordPolicy",))
def password_policy(ctx: Ctx) -> Iterator[Resource]:
    answer = ctx.call("iam", "get_account_password_policy", absent=("NoSuchEntity",))
    if answer is None:
        return
    p = answer.get("PasswordPolicy") or {}
    yield ctx.resource(PASSWORD_POLICY, ctx.account, {
        "exists": bool(p),
        "minimum_length": p.get("MinimumPasswordLength"),
        "require_symbols": bool(p.get("RequireSymbols")),
        "require_numbers": bool(p.get("RequireNumbers")),
        "require_uppercase": bool(p.get("RequireUppercaseCharacters")),
        "require_lowercase": bool(p.get("RequireLowercaseCharacters")),
        "reuse_prevention": p.get("PasswordReusePrevention"),
        "max_age_days": p.get("MaxPasswordAge"),
    }, region=GLOBAL)
