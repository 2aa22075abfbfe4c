"""IAM: root user, MFA, keys, stale credentials, password policy, administrators, Access Analyzer."""

from __future__ import annotations

import json
from typing import Any

import pytest

from checksheet.checks.base import GLOBAL
from checksheet.model import Resource, Status
from tests.checks.aws_builders import ACCOUNT, ago, fault, inventory, only, res, run, verdicts

FAIL, PASS, ERROR = Status.FAIL, Status.PASS, Status.ERROR


def root(**overrides: Any) -> Resource:
    attributes: dict[str, Any] = {"mfa_active": True, "active_access_keys": 0, "password_last_used": None,
                                  "access_key_last_used": None}
    attributes.update(overrides)
    return res("aws.iam.root", ACCOUNT, region=GLOBAL, **attributes)


@pytest.mark.parametrize(
    ("check_id", "changes", "expected", "words"),
    [
        ("iam_root_mfa_enabled", {}, PASS, "has MFA"),
        ("iam_root_mfa_enabled", {"mfa_active": False}, FAIL, "no MFA"),
        ("iam_root_no_access_keys", {}, PASS, "no active access key"),
        ("iam_root_no_access_keys", {"active_access_keys": 2}, FAIL, "2 active access keys"),
        ("iam_root_no_access_keys", {"active_access_keys": True}, FAIL, "1 active access keys"),
        ("iam_root_not_used_recently", {}, PASS, "no recorded use"),
        ("iam_root_not_used_recently", {"password_last_used": ago(days=200)}, PASS, "200 days ago"),
        ("iam_root_not_used_recently", {"password_last_used": ago(days=200), "access_key_last_used": ago(days=3)},
         FAIL, "3 days ago"),
        ("iam_root_not_used_recently", {"password_last_used": ago(days=90)}, FAIL, "90 days ago"),
    ],
)
def test_root_user(check_id: str, changes: dict[str, Any], expected: Status, words: str) -> None:
    finding = only(check_id, inventory(root(**changes)))
    assert (finding.status, finding.resource_type, finding.region) == (expected, "aws.account", GLOBAL)
    assert words in finding.message.en and ACCOUNT in finding.message.ja


def test_root_not_collected_means_no_verdict() -> None:
    assert run("iam_root_mfa_enabled", inventory()) == []
    inv = inventory(root(), faults=(fault("aws.iam.root", GLOBAL),))
    assert verdicts("iam_root_mfa_enabled", inv) == {f"error:{GLOBAL}": ERROR}


def user(name: str, **overrides: Any) -> Resource:
    attributes: dict[str, Any] = {
        "arn": f"arn:aws:iam::{ACCOUNT}:user/{name}", "created": ago(days=400), "password_enabled": False,
        "password_last_used": None, "mfa_active": False, "access_keys": [], "attached_policy_arns": [],
        "inline_policies": [], "group_names": [], "group_policy_arns": [],
    }
    attributes.update(overrides)
    return res("aws.iam.user", name, region=GLOBAL, **attributes)


def key(suffix: str, created_days: float, last_used_days: float | None = 1, active: bool = True) -> dict[str, Any]:
    return {"suffix": suffix, "active": active, "created": ago(days=created_days),
            "last_used": None if last_used_days is None else ago(days=last_used_days)}


def test_console_mfa() -> None:
    inv = inventory(user("alice", password_enabled=True, mfa_active=True),
                    user("bob", password_enabled=True, mfa_active=False),
                    user("ci", access_keys=[key("ABCD", 10)]))
    assert verdicts("iam_user_console_mfa_enabled", inv) == {"alice": PASS, "bob": FAIL}


def test_access_key_age() -> None:
    inv = inventory(user("fresh", access_keys=[key("AAAA", 89)]),
                    user("old", access_keys=[key("BBBB", 120), key("CCCC", 5)]),
                    user("inactive", access_keys=[key("DDDD", 500, active=False)]),
                    user("none"))
    assert verdicts("iam_access_keys_rotated_90_days", inv) == {"fresh": PASS, "old": FAIL}
    finding = only("iam_access_keys_rotated_90_days", inventory(user("old", access_keys=[key("BBBB", 120)])))
    assert "…BBBB (120 days)" in finding.message.en and "…BBBB (120 日)" in finding.message.ja


@pytest.mark.parametrize(
    ("attributes", "expected", "words"),
    [
        ({"password_enabled": True, "password_last_used": ago(days=10)}, PASS, ""),
        ({"password_enabled": True, "password_last_used": ago(days=120)}, FAIL, "password (120 days)"),
        ({"password_enabled": True, "password_last_used": None}, FAIL, "password (400 days)"),
        # a new user who has not signed in yet is not stale
        ({"created": ago(days=20), "password_enabled": True, "password_last_used": None}, PASS, ""),
        ({"access_keys": [key("EEEE", 200, last_used_days=None)]}, FAIL, "access key …EEEE (200 days)"),
        ({"access_keys": [key("FFFF", 200, last_used_days=95)]}, FAIL, "access key …FFFF (95 days)"),
        ({"access_keys": [key("GGGG", 200, last_used_days=30)]}, PASS, ""),
        ({"access_keys": [key("HHHH", 30, last_used_days=None)]}, PASS, ""),
        ({"access_keys": [key("IIII", 300, last_used_days=None, active=False)]}, None, ""),
        ({}, None, ""),
    ],
)
def test_unused_credentials(attributes: dict[str, Any], expected: Status | None, words: str) -> None:
    found = verdicts("iam_credentials_unused_90_days_disabled", inventory(user("u", **attributes)))
    assert found == ({} if expected is None else {"u": expected})
    if words:
        assert words in only("iam_credentials_unused_90_days_disabled", inventory(user("u", **attributes))).message.en


def policy(**overrides: Any) -> Resource:
    attributes: dict[str, Any] = {"exists": True, "minimum_length": 14, "require_symbols": True,
                                  "require_numbers": True, "require_uppercase": True, "require_lowercase": True,
                                  "reuse_prevention": 24, "max_age_days": None}
    attributes.update(overrides)
    return res("aws.iam.password_policy", ACCOUNT, region=GLOBAL, **attributes)


@pytest.mark.parametrize(
    ("changes", "expected", "words"),
    [
        ({}, PASS, "requires 14 characters"),
        ({"minimum_length": 16, "reuse_prevention": 24}, PASS, "16 characters"),
        ({"minimum_length": 8}, FAIL, "requires 8 characters"),
        ({"reuse_prevention": 5}, FAIL, "reuse of 5 passwords"),
        ({"reuse_prevention": None}, FAIL, "reuse of 0 passwords"),
        ({"exists": False, "minimum_length": None}, FAIL, "no IAM password policy"),
    ],
)
def test_password_policy(changes: dict[str, Any], expected: Status, words: str) -> None:
    finding = only("iam_password_policy_strong", inventory(policy(**changes)))
    assert finding.status is expected and words in finding.message.en


STAR = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


@pytest.mark.parametrize(
    ("attributes", "expected", "words"),
    [
        ({"attached_policy_arns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]}, PASS, ""),
        ({"attached_policy_arns": [ADMIN]}, FAIL, "attached: AdministratorAccess"),
        ({"group_policy_arns": ["arn:aws-cn:iam::aws:policy/AdministratorAccess"]}, FAIL, "group:"),
        ({"inline_policies": [{"name": "god", "document": STAR}]}, FAIL, "inline: god"),
        ({"inline_policies": [{"name": "god", "document": json.dumps(STAR)}]}, FAIL, "inline: god"),
        ({"inline_policies": [{"name": "list", "document": {"Statement": {"Effect": "Allow", "Action": ["*"],
                                                                         "Resource": ["*"]}}}]}, FAIL, "inline"),
        ({"inline_policies": [{"name": "s3", "document": {"Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}}]}, PASS, ""),
        ({"inline_policies": [{"name": "deny", "document": {"Statement": [
            {"Effect": "Deny", "Action": "*", "Resource": "*"}]}}]}, PASS, ""),
    ],
)
def test_no_admin_users(attributes: dict[str, Any], expected: Status, words: str) -> None:
    finding = only("iam_user_no_admin_privileges", inventory(user("u", **attributes)))
    assert finding.status is expected and words in finding.message.en


def analyzer(region: str, status: str = "ACTIVE", kind: str = "ACCOUNT") -> Resource:
    return res("aws.accessanalyzer.analyzer", f"arn:analyzer/{region}/{kind}", region=region, name="default",
               analyzer_type=kind, status=status)


def test_access_analyzer_in_every_region() -> None:
    inv = inventory(analyzer("us-east-1"), analyzer("eu-west-1", kind="ACCOUNT_UNUSED_ACCESS"),
                    analyzer("ap-northeast-1", status="DISABLED"),
                    regions=("us-east-1", "eu-west-1", "ap-northeast-1", "us-west-2"))
    assert verdicts("iam_access_analyzer_enabled", inv) == {
        "us-east-1": PASS, "eu-west-1": FAIL, "ap-northeast-1": FAIL, "us-west-2": FAIL,
    }


def test_user_fault_is_an_error_and_suppresses_user_verdicts() -> None:
    inv = inventory(user("alice", password_enabled=True, mfa_active=True), faults=(fault("aws.iam.user", GLOBAL),))
    assert verdicts("iam_user_console_mfa_enabled", inv) == {f"error:{GLOBAL}": ERROR}
