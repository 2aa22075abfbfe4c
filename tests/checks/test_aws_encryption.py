"""EBS default encryption, volumes, snapshots, KMS rotation and EFS."""

from __future__ import annotations

import pytest

from checksheet.model import Resource, Status
from tests.checks.aws_builders import ago, fault, inventory, only, res, run, verdicts

FAIL, PASS, ERROR = Status.FAIL, Status.PASS, Status.ERROR
REGIONS = ("us-east-1", "eu-west-1", "ap-northeast-1")


def test_ebs_default_encryption_in_every_region() -> None:
    inv = inventory(
        res("aws.ec2.ebs_default_encryption", "us-east-1", region="us-east-1", enabled=True),
        res("aws.ec2.ebs_default_encryption", "eu-west-1", region="eu-west-1", enabled=False),
        regions=REGIONS,
    )
    assert verdicts("ec2_ebs_default_encryption_enabled", inv) == {
        "us-east-1": PASS, "eu-west-1": FAIL, "ap-northeast-1": FAIL,
    }


def test_ebs_default_encryption_fault_is_an_error_for_its_region() -> None:
    inv = inventory(res("aws.ec2.ebs_default_encryption", "us-east-1", enabled=True), regions=REGIONS[:2],
                    faults=(fault("aws.ec2.ebs_default_encryption", "eu-west-1"),))
    assert verdicts("ec2_ebs_default_encryption_enabled", inv) == {"us-east-1": PASS, "error:eu-west-1": ERROR}


def volume(id_: str, encrypted: bool) -> Resource:
    return res("aws.ec2.volume", id_, encrypted=encrypted, kms_key_id=None, size_gib=100, state="in-use",
               instance_ids=["i-1"])


def test_volumes() -> None:
    assert verdicts("ec2_ebs_volume_encrypted", inventory(volume("vol-a", True), volume("vol-b", False))) == {
        "vol-a": PASS, "vol-b": FAIL,
    }
    message = only("ec2_ebs_volume_encrypted", inventory(volume("vol-b", False))).message
    assert "100 GiB" in message.en and "i-1" in message.ja


def test_snapshots() -> None:
    inv = inventory(res("aws.ec2.snapshot", "snap-a", encrypted=True, volume_id="vol-a", start_time=ago(1)),
                    res("aws.ec2.snapshot", "snap-b", encrypted=False, volume_id="vol-b", start_time=ago(1)))
    assert verdicts("ec2_ebs_snapshot_encrypted", inv) == {"snap-a": PASS, "snap-b": FAIL}


def key(id_: str, rotation: bool, manager: str = "CUSTOMER", state: str = "Enabled",
        spec: str = "SYMMETRIC_DEFAULT") -> Resource:
    return res("aws.kms.key", id_, arn=f"arn:key/{id_}", manager=manager, state=state, spec=spec,
               rotation_enabled=rotation)


@pytest.mark.parametrize(
    ("k", "expected"),
    [
        (key("k", True), {"k": PASS}),
        (key("k", False), {"k": FAIL}),
        (key("k", False, manager="AWS"), {}),
        (key("k", False, state="PendingDeletion"), {}),
        (key("k", False, spec="RSA_2048"), {}),  # asymmetric keys cannot rotate
    ],
)
def test_kms_rotation(k: Resource, expected: dict[str, Status]) -> None:
    assert verdicts("kms_cmk_rotation_enabled", inventory(k)) == expected


def test_efs() -> None:
    inv = inventory(res("aws.efs.file_system", "fs-a", encrypted=True, kms_key_id="k"),
                    res("aws.efs.file_system", "fs-b", encrypted=False, kms_key_id=None))
    assert verdicts("efs_file_system_encrypted", inv) == {"fs-a": PASS, "fs-b": FAIL}
    assert run("efs_file_system_encrypted", inventory()) == []
