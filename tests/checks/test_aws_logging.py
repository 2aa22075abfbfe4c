"""CloudTrail, log retention, GuardDuty, Security Hub and AWS Config."""

from __future__ import annotations

from typing import Any

import pytest

from checksheet.checks.base import GLOBAL
from checksheet.model import Resource, Status
from tests.checks.aws_builders import ACCOUNT, fault, inventory, only, res, run, verdicts

FAIL, PASS, ERROR, MANUAL = Status.FAIL, Status.PASS, Status.ERROR, Status.MANUAL
ARN = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/main"
GROUP_ARN = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:cloudtrail:*"
ALL_ON = {"block_public_acls": True, "ignore_public_acls": True, "block_public_policy": True,
          "restrict_public_buckets": True}


def trail(arn: str = ARN, **overrides: Any) -> Resource:
    attributes: dict[str, Any] = {
        "name": arn.rsplit("/", 1)[-1], "home_region": "us-east-1", "multi_region": True, "organization": False,
        "logging": True, "log_file_validation": True, "s3_bucket": "trail-bucket", "kms_key_id": "arn:kms/1",
        "cloudwatch_log_group_arn": GROUP_ARN, "latest_delivery_time": None, "management_events": True,
    }
    attributes.update(overrides)
    return res("aws.cloudtrail.trail", arn, **attributes)


def bucket(name: str = "trail-bucket", **overrides: Any) -> Resource:
    attributes: dict[str, Any] = {
        "arn": f"arn:aws:s3:::{name}", "public_access_block": dict(ALL_ON), "encryption": {"algorithm": "aws:kms"},
        "versioning": "Enabled", "mfa_delete": False, "object_lock": {"enabled": True, "mode": "COMPLIANCE"},
        "policy": None, "logging_target": None, "public_acl": False,
    }
    attributes.update(overrides)
    return res("aws.s3.bucket", name, **attributes)


def account_block(on: bool) -> Resource:
    return res("aws.s3.account_public_access_block", ACCOUNT, region=GLOBAL, **{k: on for k in ALL_ON})


@pytest.mark.parametrize(
    ("trails", "expected", "words"),
    [
        ((trail(),), PASS, "main"),
        ((trail(multi_region=False),), FAIL, "1 single-region"),
        ((trail(logging=False),), FAIL, "not logging"),
        ((trail(management_events=False),), FAIL, "not logging management events"),
        ((trail(management_read_write="WriteOnly"),), FAIL, "both read and write"),
        ((trail(management_read_write="All"),), PASS, "main"),
        ((), FAIL, "0 single-region"),
    ],
)
def test_multi_region_trail(trails: tuple[Resource, ...], expected: Status, words: str) -> None:
    finding = only("cloudtrail_multi_region_enabled", inventory(*trails))
    assert (finding.status, finding.region) == (expected, GLOBAL)
    assert words in finding.message.en


def test_a_trail_listed_from_two_regions_counts_once() -> None:
    shadow = res("aws.cloudtrail.trail", ARN, region="eu-west-1", **trail().attributes)
    inv = inventory(trail(), shadow, regions=("us-east-1", "eu-west-1"))
    assert len(run("cloudtrail_log_file_validation_enabled", inv)) == 1


def test_trail_fault_gives_an_error_and_no_account_verdict() -> None:
    # The trail list of eu-west-1 could not be read: neither "no trail" nor a pass may be reported.
    inv = inventory(regions=("us-east-1", "eu-west-1"), faults=(fault("aws.cloudtrail.trail", "eu-west-1"),))
    for check_id in ("cloudtrail_multi_region_enabled", "cloudtrail_kms_encrypted"):
        assert verdicts(check_id, inv) == {"error:eu-west-1": ERROR}
    with_trail = inventory(trail(), regions=("us-east-1", "eu-west-1"),
                           faults=(fault("aws.cloudtrail.trail", "eu-west-1"),))
    assert PASS not in verdicts("cloudtrail_multi_region_enabled", with_trail).values()


@pytest.mark.parametrize(
    ("check_id", "good", "bad", "words"),
    [
        ("cloudtrail_log_file_validation_enabled", {}, {"log_file_validation": False}, "does not validate"),
        ("cloudtrail_cloudwatch_logs_integrated", {}, {"cloudwatch_log_group_arn": None}, "does not deliver"),
        ("cloudtrail_kms_encrypted", {}, {"kms_key_id": None}, "does not encrypt"),
    ],
)
def test_trail_settings(check_id: str, good: dict[str, Any], bad: dict[str, Any], words: str) -> None:
    assert verdicts(check_id, inventory(trail(**good))) == {ARN: PASS}
    finding = only(check_id, inventory(trail(**bad)))
    assert finding.status is FAIL and words in finding.message.en and "main" in finding.message.ja


@pytest.mark.parametrize(
    "check_id",
    ["cloudtrail_log_file_validation_enabled", "cloudtrail_s3_bucket_not_public", "cloudtrail_s3_bucket_protected",
     "cloudtrail_cloudwatch_logs_integrated", "cloudtrail_kms_encrypted"],
)
def test_no_trail_at_all_fails_the_account(check_id: str) -> None:
    finding = only(check_id, inventory())
    assert (finding.status, finding.resource_type, finding.region) == (FAIL, "aws.account", GLOBAL)
    assert "no CloudTrail trail" in finding.message.en


@pytest.mark.parametrize(
    ("resources", "expected", "words"),
    [
        ((bucket(),), PASS, "bucket-level"),
        ((bucket(public_access_block=None), account_block(True)), PASS, "account-level"),
        ((bucket(public_access_block={**ALL_ON, "restrict_public_buckets": False}), account_block(False)), FAIL,
         "not protected"),
        ((bucket(public_access_block=None, public_acl=True),), FAIL, "is public"),
        ((bucket(public_access_block=None,
                 policy={"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}]}),),
         FAIL, "is public"),
        ((), MANUAL, "not in the scanned inventory"),
    ],
)
def test_trail_bucket_not_public(resources: tuple[Resource, ...], expected: Status, words: str) -> None:
    finding = only("cloudtrail_s3_bucket_not_public", inventory(trail(), *resources))
    assert finding.status is expected and words in finding.message.en


def test_trail_bucket_in_another_scanned_account_is_found() -> None:
    other = res("aws.s3.bucket", "trail-bucket", account="222222222222", **bucket().attributes)
    assert verdicts("cloudtrail_s3_bucket_protected", inventory(trail(), other)) == {ARN: PASS}


@pytest.mark.parametrize(
    ("changes", "expected", "words"),
    [
        ({}, PASS, "Object Lock"),
        ({"object_lock": None, "mfa_delete": True}, PASS, "MFA Delete"),
        ({"object_lock": {"enabled": "Enabled"}}, PASS, "Object Lock"),
        ({"object_lock": None}, FAIL, "lacks Object Lock or MFA Delete"),
        ({"versioning": "Suspended"}, FAIL, "lacks versioning"),
        ({"versioning": None, "object_lock": None}, FAIL, "versioning and Object Lock"),
    ],
)
def test_trail_bucket_protected(changes: dict[str, Any], expected: Status, words: str) -> None:
    finding = only("cloudtrail_s3_bucket_protected", inventory(trail(), bucket(**changes)))
    assert finding.status is expected and words in finding.message.en


def test_trail_bucket_missing_needs_manual_evidence() -> None:
    assert verdicts("cloudtrail_s3_bucket_protected", inventory(trail())) == {ARN: MANUAL}


def group(name: str, days: int | None) -> Resource:
    return res("aws.logs.log_group", name, arn=f"arn:{name}", retention_days=days, kms_key_id=None)


def test_log_group_retention() -> None:
    inv = inventory(group("forever", None), group("year", 365), group("long", 3653), group("short", 30))
    assert verdicts("logs_log_group_retention_365_days", inv) == {
        "forever": PASS, "year": PASS, "long": PASS, "short": FAIL,
    }
    assert "30 days" in only("logs_log_group_retention_365_days", inventory(group("s", 30))).message.en


REGIONS = ("us-east-1", "eu-west-1", "ap-northeast-1")


@pytest.mark.parametrize(
    ("check_id", "enabled", "disabled"),
    [
        ("guardduty_enabled_all_regions",
         lambda r: res("aws.guardduty.detector", f"det-{r}", region=r, status="ENABLED"),
         lambda r: res("aws.guardduty.detector", f"det-{r}", region=r, status="DISABLED")),
        ("securityhub_enabled_all_regions",
         lambda r: res("aws.securityhub.hub", f"hub-{r}", region=r, subscribed_at="2025-01-01T00:00:00Z"),
         None),
        ("config_recorder_enabled_all_regions",
         lambda r: res("aws.config.recorder", "default", region=r, recording=True, all_supported=True,
                       include_global=r == "us-east-1"),
         lambda r: res("aws.config.recorder", "default", region=r, recording=True, all_supported=False,
                       include_global=False)),
    ],
)
def test_services_in_every_region(check_id: str, enabled: Any, disabled: Any) -> None:
    resources = [enabled("us-east-1")] + ([disabled("eu-west-1")] if disabled else [])
    inv = inventory(*resources, regions=REGIONS)
    assert verdicts(check_id, inv) == {"us-east-1": PASS, "eu-west-1": FAIL, "ap-northeast-1": FAIL}
    tokyo = [f for f in run(check_id, inv) if f.region == "ap-northeast-1"]
    assert "ap-northeast-1" in tokyo[0].message.en and "ap-northeast-1" in tokyo[0].message.ja


def test_region_fault_is_an_error_for_that_region_only() -> None:
    det = res("aws.guardduty.detector", "det", region="us-east-1", status="ENABLED")
    inv = inventory(det, regions=("us-east-1", "eu-west-1"), faults=(fault("aws.guardduty.detector", "eu-west-1"),))
    assert verdicts("guardduty_enabled_all_regions", inv) == {"us-east-1": PASS, "error:eu-west-1": ERROR}


def test_regions_not_opted_in_are_skipped() -> None:
    optout = res("aws.region", "me-south-1", region="me-south-1", opt_in_status="not-opted-in")
    inv = inventory(optout, regions=("us-east-1",))
    assert set(verdicts("securityhub_enabled_all_regions", inv)) == {"us-east-1"}


def test_config_recorder_states() -> None:
    stopped = res("aws.config.recorder", "default", recording=False, all_supported=True, include_global=True)
    finding = only("config_recorder_enabled_all_regions", inventory(stopped))
    assert finding.status is FAIL and "not recording" in finding.message.en


def test_unknown_account_setting_withholds_a_trail_bucket_failure() -> None:
    inv = inventory(trail(), bucket(public_access_block=None), faults=(fault("aws.s3.account_public_access_block",
                                                                               GLOBAL),))
    assert verdicts("cloudtrail_s3_bucket_not_public", inv) == {f"error:{GLOBAL}": ERROR}
