"""Answers a plain emulator gives that real AWS does not: they must not turn into wrong verdicts."""

from __future__ import annotations

import os
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from checksheet.checks import by_id, run_check
from checksheet.collectors import aws
from checksheet.inventory import Inventory
from checksheet.model import Status

REGION = "ap-northeast-1"


@pytest.fixture(scope="module")
def inventory() -> Iterator[Inventory]:
    """moto in-process with its default AMI catalogue (whose snapshots belong to other accounts)."""
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith(("AWS_", "MOTO_AMIS"))}
    os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": REGION, "AWS_EC2_METADATA_DISABLED": "true",
                       "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull})
    try:
        with mock_aws():
            ec2 = boto3.client("ec2", region_name=REGION)
            volume = ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=8, Encrypted=True)
            ec2.create_snapshot(VolumeId=volume["VolumeId"])
            s3 = boto3.client("s3", region_name=REGION)
            s3.create_bucket(Bucket="trail-logs", CreateBucketConfiguration={"LocationConstraint": REGION})
            trail = boto3.client("cloudtrail", region_name=REGION)
            trail.create_trail(Name="org", S3BucketName="trail-logs", IsMultiRegionTrail=True)
            trail.start_logging(Name="org")
            yield aws.scan(aws.Access(), [REGION]).inventory
    finally:
        for k in [k for k in os.environ if k.startswith(("AWS_", "MOTO_AMIS"))]:
            del os.environ[k]
        os.environ.update(saved)


def test_only_the_accounts_own_snapshots_are_collected(inventory: Inventory) -> None:
    snapshots = inventory.of("aws.ec2.snapshot")
    assert len(snapshots) == 1 and snapshots[0].attributes["encrypted"] is True


def test_a_trail_reported_without_selectors_is_not_held_against(inventory: Inventory) -> None:
    [trail] = inventory.of("aws.cloudtrail.trail")
    assert trail.attributes["management_events"] is None
    findings = list(run_check(by_id()["cloudtrail_multi_region_enabled"], inventory))
    assert [f.status for f in findings] == [Status.PASS]
