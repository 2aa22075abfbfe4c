"""RDS, Aurora, DynamoDB and ElastiCache."""

from __future__ import annotations

from typing import Any

import pytest

from checksheet.inventory import Inventory
from checksheet.model import Resource, Status
from tests.checks.aws_builders import ACCOUNT, fault, inventory, only, res, run, verdicts

FAIL, PASS, ERROR, MANUAL = Status.FAIL, Status.PASS, Status.ERROR, Status.MANUAL


def db(id_: str = "orders", **overrides: Any) -> Resource:
    attributes: dict[str, Any] = {
        "arn": f"arn:aws:rds:us-east-1:{ACCOUNT}:db:{id_}", "engine": "postgres", "publicly_accessible": False,
        "storage_encrypted": True, "kms_key_id": "k", "multi_az": True, "backup_retention_days": 7,
        "deletion_protection": True, "auto_minor_version_upgrade": True, "vpc_id": "vpc-1",
        "subnet_ids": ["priv-a", "priv-b"], "cluster_id": None, "tags": {},
    }
    attributes.update(overrides)
    return res("aws.rds.instance", id_, **attributes)


def cluster(id_: str = "aurora", **overrides: Any) -> Resource:
    attributes: dict[str, Any] = {
        "arn": f"arn:aws:rds:us-east-1:{ACCOUNT}:cluster:{id_}", "engine": "aurora-postgresql",
        "storage_encrypted": True, "multi_az": True, "backup_retention_days": 7, "deletion_protection": True,
        "members": [f"{id_}-1"],
    }
    attributes.update(overrides)
    return res("aws.rds.cluster", id_, **attributes)


def subnet(id_: str, public: bool) -> Resource:
    return res("aws.ec2.subnet", id_, vpc_id="vpc-1", az="us-east-1a", cidr="10.0.0.0/24",
               map_public_ip_on_launch=public, route_table_id="rtb", public=public)


PRIVATE = (subnet("priv-a", False), subnet("priv-b", False))


def test_public_accessibility() -> None:
    inv = inventory(db("a"), db("b", publicly_accessible=True))
    assert verdicts("rds_instance_not_publicly_accessible", inv) == {"a": PASS, "b": FAIL}


@pytest.mark.parametrize(
    ("resources", "expected", "words"),
    [
        ((db(), *PRIVATE), PASS, "All 2 subnets"),
        ((db(subnet_ids=["priv-a", "pub"]), *PRIVATE, subnet("pub", True)), FAIL, "pub"),
        ((db(subnet_ids=["priv-a", "gone"]), *PRIVATE), MANUAL, "gone"),
        ((db(subnet_ids=[]),), MANUAL, "none"),
    ],
)
def test_private_subnet(resources: tuple[Resource, ...], expected: Status, words: str) -> None:
    finding = only("rds_instance_in_private_subnet", inventory(*resources))
    assert finding.status is expected and words in finding.message.en


def test_subnet_fault_is_an_error_not_a_verdict() -> None:
    inv = inventory(db(), *PRIVATE, faults=(fault("aws.ec2.subnet"),))
    assert verdicts("rds_instance_in_private_subnet", inv) == {"error:us-east-1": ERROR}


def test_storage_encryption_judges_clusters_not_their_members() -> None:
    inv = inventory(db("standalone"), db("aurora-1", cluster_id="aurora", storage_encrypted=False),
                    cluster("aurora", storage_encrypted=False), db("lonely", cluster_id="not-collected"))
    assert verdicts("rds_instance_storage_encrypted", inv) == {"standalone": PASS, "aurora": FAIL, "lonely": PASS}
    assert "aurora-postgresql cluster" in only(
        "rds_instance_storage_encrypted", inventory(cluster(storage_encrypted=False))).message.en


def snapshot(id_: str, encrypted: bool = True, public: bool = False) -> Resource:
    return res("aws.rds.snapshot", id_, encrypted=encrypted, public=public, source_id="orders", kind="instance",
               snapshot_type="manual")


def test_snapshots() -> None:
    inv = inventory(snapshot("ok"), snapshot("plain", encrypted=False), snapshot("shared", public=True))
    assert verdicts("rds_snapshot_encrypted", inv) == {"ok": PASS, "plain": FAIL, "shared": PASS}
    assert verdicts("rds_snapshot_not_public", inv) == {"ok": PASS, "plain": PASS, "shared": FAIL}


def test_auto_minor_version_upgrade() -> None:
    inv = inventory(db("a"), db("b", auto_minor_version_upgrade=False))
    assert verdicts("rds_instance_auto_minor_version_upgrade", inv) == {"a": PASS, "b": FAIL}


@pytest.mark.parametrize(
    ("sse", "pitr", "expected", "words"),
    [
        ("KMS", True, PASS, "uses KMS"),
        (None, True, FAIL, "lacks KMS encryption"),
        ("AES256", True, FAIL, "lacks KMS encryption"),
        ("KMS", False, FAIL, "lacks point-in-time recovery"),
        (None, False, FAIL, "KMS encryption and point-in-time recovery"),
    ],
)
def test_dynamodb(sse: str | None, pitr: bool, expected: Status, words: str) -> None:
    table = res("aws.dynamodb.table", "sessions", arn="arn:table/sessions", sse_type=sse, pitr=pitr)
    finding = only("dynamodb_table_kms_encrypted", inventory(table))
    assert finding.status is expected and words in finding.message.en


@pytest.mark.parametrize(
    ("rest", "transit", "expected"),
    [(True, True, PASS), (False, True, FAIL), (True, False, FAIL), (None, None, FAIL)],
)
def test_elasticache(rest: bool | None, transit: bool | None, expected: Status) -> None:
    group = res("aws.elasticache.replication_group", "cache", at_rest_encryption=rest, transit_encryption=transit,
                multi_az=True, automatic_failover=True)
    assert verdicts("elasticache_encryption_enabled", inventory(group)) == {"cache": expected}


def test_no_aws_account_means_no_database_findings() -> None:
    assert run("rds_instance_not_publicly_accessible", Inventory([db(publicly_accessible=True)])) == []
