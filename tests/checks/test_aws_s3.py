"""S3 Block Public Access, default encryption, TLS-only policies, versioning and access logging."""

from __future__ import annotations

from typing import Any

import pytest

from checksheet.checks.base import GLOBAL
from checksheet.model import Resource, Status
from tests.checks.aws_builders import ACCOUNT, fault, inventory, only, res, verdicts

FAIL, PASS, ERROR = Status.FAIL, Status.PASS, Status.ERROR
FLAGS = ("block_public_acls", "ignore_public_acls", "block_public_policy", "restrict_public_buckets")


def account_block(**off: bool) -> Resource:
    return res("aws.s3.account_public_access_block", ACCOUNT, region=GLOBAL, **{f: off.get(f, True) for f in FLAGS})


def bucket(name: str = "data", **overrides: Any) -> Resource:
    attributes: dict[str, Any] = {
        "arn": f"arn:aws:s3:::{name}", "public_access_block": dict.fromkeys(FLAGS, True),
        "encryption": {"algorithm": "AES256", "kms_key_id": None}, "versioning": "Enabled", "mfa_delete": False,
        "object_lock": None, "policy": None, "logging_target": "access-logs", "public_acl": False,
    }
    attributes.update(overrides)
    return res("aws.s3.bucket", name, region="ap-northeast-1", **attributes)


def test_account_public_access_block() -> None:
    assert verdicts("s3_account_public_access_block", inventory(account_block())) == {ACCOUNT: PASS}
    finding = only("s3_account_public_access_block", inventory(account_block(block_public_policy=False)))
    assert finding.status is FAIL and "block_public_policy" in finding.message.en


@pytest.mark.parametrize(
    ("resources", "expected"),
    [
        ((bucket(),), PASS),
        ((bucket(public_access_block=None), account_block()), PASS),
        ((bucket(public_access_block=None), account_block(ignore_public_acls=False)), FAIL),
        ((bucket(public_access_block={**dict.fromkeys(FLAGS, True), "ignore_public_acls": False}),), FAIL),
        ((bucket(public_access_block=None),), FAIL),
    ],
)
def test_bucket_public_access_block(resources: tuple[Resource, ...], expected: Status) -> None:
    assert verdicts("s3_bucket_public_access_block", inventory(*resources)) == {"data": expected}


def test_default_encryption() -> None:
    inv = inventory(bucket("a"), bucket("b", encryption={"algorithm": "aws:kms", "kms_key_id": "k"}),
                    bucket("c", encryption=None))
    assert verdicts("s3_bucket_default_encryption", inv) == {"a": PASS, "b": PASS, "c": FAIL}


def deny_http(value: Any = "false", action: Any = "s3:*", principal: Any = "*", op: str = "Bool") -> dict[str, Any]:
    return {"Statement": [{"Effect": "Deny", "Principal": principal, "Action": action,
                           "Resource": ["arn:aws:s3:::data", "arn:aws:s3:::data/*"],
                           "Condition": {op: {"aws:SecureTransport": value}}}]}


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (deny_http(), PASS),
        (deny_http(principal={"AWS": "*"}), PASS),
        (deny_http(value=["false"]), PASS),
        (deny_http(op="BoolIfExists"), PASS),
        ('{"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "*", '
         '"Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}', PASS),
        (deny_http(action="s3:GetObject"), FAIL),  # only part of the API
        (deny_http(value="true"), FAIL),
        (deny_http(principal={"AWS": "arn:aws:iam::1:root"}), FAIL),
        ({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}]}, FAIL),
        (None, FAIL),
        ("not json", FAIL),
    ],
)
def test_tls_only(policy: Any, expected: Status) -> None:
    assert verdicts("s3_bucket_tls_only", inventory(bucket(policy=policy))) == {"data": expected}


def test_versioning_and_logging() -> None:
    inv = inventory(bucket("a"), bucket("b", versioning="Suspended", logging_target=None),
                    bucket("c", versioning=None))
    assert verdicts("s3_bucket_versioning_enabled", inv) == {"a": PASS, "b": FAIL, "c": FAIL}
    assert verdicts("s3_bucket_access_logging_enabled", inv) == {"a": PASS, "b": FAIL, "c": PASS}
    assert "Suspended" in only("s3_bucket_versioning_enabled", inventory(bucket(versioning="Suspended"))).message.en


def test_bucket_fault_in_its_region_is_an_error() -> None:
    inv = inventory(bucket(), regions=("ap-northeast-1",), faults=(fault("aws.s3.bucket", "ap-northeast-1"),))
    assert verdicts("s3_bucket_default_encryption", inv) == {"error:ap-northeast-1": ERROR}


def test_unknown_account_setting_withholds_a_bucket_failure() -> None:
    # The account-level block could not be read: an unprotected-looking bucket may still be covered by it.
    inv = inventory(bucket(public_access_block=None), bucket("safe"), regions=("ap-northeast-1",),
                    faults=(fault("aws.s3.account_public_access_block", GLOBAL),))
    assert verdicts("s3_bucket_public_access_block", inv) == {"safe": PASS, f"error:{GLOBAL}": ERROR}
