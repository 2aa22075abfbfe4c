"""RDS backups, Multi-AZ and deletion protection, load balancer AZs, AWS Backup coverage, freshness and locks."""

from __future__ import annotations

from typing import Any

import pytest

from checksheet.model import Resource, Status
from tests.checks.aws_builders import ACCOUNT, ago, fault, inventory, only, res, verdicts

FAIL, PASS, ERROR, MANUAL = Status.FAIL, Status.PASS, Status.ERROR, Status.MANUAL
DB_ARN = f"arn:aws:rds:us-east-1:{ACCOUNT}:db:orders"
CLUSTER_ARN = f"arn:aws:rds:us-east-1:{ACCOUNT}:cluster:aurora"
TABLE_ARN = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/sessions"


def db(id_: str = "orders", **overrides: Any) -> Resource:
    attributes: dict[str, Any] = {
        "arn": f"arn:aws:rds:us-east-1:{ACCOUNT}:db:{id_}", "engine": "mysql", "multi_az": True,
        "backup_retention_days": 7, "deletion_protection": True, "cluster_id": None, "tags": {},
    }
    attributes.update(overrides)
    return res("aws.rds.instance", id_, **attributes)


def cluster(id_: str = "aurora", **overrides: Any) -> Resource:
    attributes: dict[str, Any] = {"arn": CLUSTER_ARN, "engine": "aurora-mysql", "storage_encrypted": True,
                                  "multi_az": True, "backup_retention_days": 7, "deletion_protection": True,
                                  "members": ["aurora-1"]}
    attributes.update(overrides)
    return res("aws.rds.cluster", id_, **attributes)


def table() -> Resource:
    return res("aws.dynamodb.table", "sessions", arn=TABLE_ARN, sse_type="KMS", pitr=True)


def test_backup_retention() -> None:
    inv = inventory(db("a"), db("b", backup_retention_days=1), db("m", cluster_id="aurora", backup_retention_days=0),
                    cluster(backup_retention_days=14))
    assert verdicts("rds_instance_backup_retention_7_days", inv) == {"a": PASS, "b": FAIL, "aurora": PASS}
    assert "1 days" in only("rds_instance_backup_retention_7_days", inventory(db(backup_retention_days=1))).message.en


@pytest.mark.parametrize(
    ("resources", "expected", "words"),
    [
        ((db(),), PASS, "is Multi-AZ"),
        ((db(multi_az=False),), FAIL, "single availability zone"),
        ((db(multi_az=False, tags={"Environment": "Staging"}),), PASS, "non-production (Environment=Staging)"),
        ((db(multi_az=False, tags={"environment": "dev"}),), PASS, "non-production"),
        ((db(multi_az=False, tags={"Environment": "prod"}),), FAIL, "single availability zone"),
        ((db(multi_az=False, cluster_id="aurora"), cluster()), PASS, "cluster aurora"),
        ((db(multi_az=True, cluster_id="aurora"), cluster(multi_az=False)), FAIL, "cluster aurora"),
    ],
)
def test_multi_az(resources: tuple[Resource, ...], expected: Status, words: str) -> None:
    finding = only("rds_instance_multi_az", inventory(*resources))
    assert finding.status is expected and words in finding.message.en


def test_deletion_protection() -> None:
    inv = inventory(db("a"), db("b", deletion_protection=False), cluster(deletion_protection=False))
    assert verdicts("rds_instance_deletion_protection", inv) == {"a": PASS, "b": FAIL, "aurora": FAIL}


def test_load_balancer_zones() -> None:
    def lb(id_: str, azs: list[str]) -> Resource:
        return res("aws.elbv2.load_balancer", id_, name=id_, scheme="internal", lb_type="application", azs=azs,
                   listeners=[])

    inv = inventory(lb("two", ["us-east-1a", "us-east-1c"]), lb("one", ["us-east-1a"]))
    assert verdicts("elbv2_multi_az", inv) == {"two": PASS, "one": FAIL}
    single = only("elbv2_multi_az", inventory(lb("one", ["us-east-1a"])))
    assert "1 availability zones (us-east-1a)" in single.message.en


def plan(*selections: dict[str, Any], region: str = "us-east-1", vault: str = "main") -> Resource:
    return res("aws.backup.plan", f"plan-{region}", region=region, name="daily",
               rules=[{"schedule": "cron(0 3 * * ? *)", "vault": vault, "delete_after_days": 35}],
               selections=list(selections))


def selection(*resources: str, conditions: Any = None) -> dict[str, Any]:
    return {"resources": list(resources), "conditions": conditions}


EMPTY_CONDITIONS = {"StringEquals": [], "StringNotEquals": [], "StringLike": [], "StringNotLike": []}


@pytest.mark.parametrize(
    ("backup", "expected"),
    [
        (plan(selection(DB_ARN, CLUSTER_ARN, TABLE_ARN)), {"orders": PASS, "aurora": PASS, "sessions": PASS}),
        (plan(selection("*")), {"orders": PASS, "aurora": PASS, "sessions": PASS}),
        (plan(selection("arn:aws:rds:*:*:db:*")), {"orders": PASS, "aurora": FAIL, "sessions": FAIL}),
        (plan(selection("arn:aws:rds:*:*:cluster:*", "arn:aws:dynamodb:*:*:table/*", conditions=EMPTY_CONDITIONS)),
         {"orders": FAIL, "aurora": PASS, "sessions": PASS}),
        (plan(selection("*", conditions={"StringEquals": [{"ConditionKey": "aws:ResourceTag/backup",
                                                           "ConditionValue": "yes"}]})),
         {"orders": MANUAL, "aurora": MANUAL, "sessions": MANUAL}),
        (plan(selection(DB_ARN), region="eu-west-1"), {"orders": FAIL, "aurora": FAIL, "sessions": FAIL}),
        (plan(), {"orders": FAIL, "aurora": FAIL, "sessions": FAIL}),
    ],
)
def test_backup_plan_coverage(backup: Resource, expected: dict[str, Status]) -> None:
    inv = inventory(db(), db("aurora-1", cluster_id="aurora"), cluster(), table(), backup,
                    regions=("us-east-1", "eu-west-1"))
    assert verdicts("backup_plan_covers_databases", inv) == expected


def point(arn: str, hours: float, status: str = "COMPLETED") -> Resource:
    return res("aws.backup.recovery_point", f"rp-{arn}-{hours}", resource_arn=arn, resource_type="RDS",
               created=ago(hours=hours), vault="main", status=status)


@pytest.mark.parametrize(
    ("points", "expected", "words"),
    [
        ((point(DB_ARN, 20), point(DB_ARN, 70)), PASS, "20 hours old"),
        ((point(DB_ARN, 47.5),), PASS, "47 hours old"),
        ((point(DB_ARN, 49),), FAIL, "49 hours old"),
        ((point(DB_ARN, 3, status="PARTIAL"), point(DB_ARN, 100)), FAIL, "100 hours old"),
        ((point(TABLE_ARN, 1),), FAIL, "no completed recovery point"),
        ((), FAIL, "no completed recovery point"),
    ],
)
def test_recent_recovery_points(points: tuple[Resource, ...], expected: Status, words: str) -> None:
    inv = inventory(db(), table(), plan(selection(DB_ARN)), *points)
    finding = only("backup_recovery_points_recent", inv)  # the table is not covered: not judged here
    assert finding.status is expected and words in finding.message.en


def test_recovery_point_fault_is_an_error_and_no_pass() -> None:
    inv = inventory(db(), plan(selection(DB_ARN)), point(DB_ARN, 1), faults=(fault("aws.backup.recovery_point"),))
    assert verdicts("backup_recovery_points_recent", inv) == {"error:us-east-1": ERROR}


def vault(name: str, locked: bool, points: int = 0) -> Resource:
    return res("aws.backup.vault", name, arn=f"arn:vault/{name}", locked=locked, min_retention_days=30 if locked
               else None, max_retention_days=None, recovery_points=points)


def test_vault_lock_on_vaults_in_use() -> None:
    inv = inventory(plan(vault="main"), vault("main", True), vault("old", False, points=12),
                    vault("Default", False, points=0))
    assert verdicts("backup_vault_lock_enabled", inv) == {"main": PASS, "old": FAIL}
    assert "12 recovery points" in only("backup_vault_lock_enabled", inventory(vault("old", False, 12))).message.en
