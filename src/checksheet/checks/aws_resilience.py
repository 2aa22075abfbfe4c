"""Resilience: RDS backups, Multi-AZ and deletion protection, load balancer AZs, AWS Backup coverage and locks."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from checksheet.checks.aws_databases import CLUSTER, INSTANCE, label, label_ja, rds_units
from checksheet.checks.aws_scope import in_region, parse_time, scoped, tag
from checksheet.checks.base import Check, Outcome, registry
from checksheet.inventory import Inventory
from checksheet.model import Resource, Severity, Status, Text

CHECKS: list[Check] = []
check = registry(CHECKS)

MIN_BACKUP_DAYS = 7
RECOVERY_POINT_MAX_AGE = timedelta(days=2)
NON_PRODUCTION = frozenset({"dev", "development", "staging", "test", "stg"})
PLAN = "aws.backup.plan"
TABLE = "aws.dynamodb.table"
_DATABASES = (INSTANCE, CLUSTER, TABLE, PLAN)


@check(
    id="rds_instance_backup_retention_7_days",
    controls=("IR-04",),
    severity=Severity.MEDIUM,
    title=Text(
        "RDS の自動バックアップが 7 日以上保持されている",
        "RDS automated backups are kept for at least 7 days",
    ),
    remediation=Text(
        ja="DB インスタンス (Aurora はクラスター) のバックアップ保持期間を 7 日以上に設定してください。",
        en="Set the backup retention period of the DB instance (the cluster, for Aurora) to 7 days or more.",
    ),
    needs=(INSTANCE, CLUSTER),
)
def _backup_retention(inv: Inventory) -> Iterator[Outcome]:
    for db in rds_units(inv):
        days = int(db.attributes.get("backup_retention_days") or 0)
        yield Outcome.of(db, days >= MIN_BACKUP_DAYS, Text(
            ja=f"RDS {label_ja(db)} の自動バックアップ保持期間は {days} 日です (基準 {MIN_BACKUP_DAYS} 日以上)。",
            en=f"RDS {label(db)} keeps automated backups for {days} days (minimum {MIN_BACKUP_DAYS}).",
        ))


@check(
    id="rds_instance_multi_az",
    controls=("IR-06",),
    severity=Severity.MEDIUM,
    title=Text("本番の RDS インスタンスがマルチ AZ 構成になっている", "Production RDS instances are Multi-AZ"),
    remediation=Text(
        ja="本番の DB インスタンスをマルチ AZ 配置に変更してください (Aurora は別の AZ にリーダーを追加します)。"
        "本番以外の環境には Environment タグ (dev, staging, test など) を付けてください。",
        en="Convert production DB instances to Multi-AZ (for Aurora, add a reader in another AZ); tag "
        "non-production ones with Environment (dev, staging, test...).",
    ),
    needs=(INSTANCE, CLUSTER),
)
def _multi_az(inv: Inventory) -> Iterator[Outcome]:
    clusters: dict[tuple[str, str, Any], Resource] = {(c.account, c.region, c.id): c for c in scoped(inv, CLUSTER)}
    for db in scoped(inv, INSTANCE):
        cluster = clusters.get((db.account, db.region, db.attributes.get("cluster_id")))
        multi = bool((cluster or db).attributes.get("multi_az"))
        env = (tag(db, "Environment") or "").strip()
        where = f" (cluster {cluster.id})" if cluster is not None else ""
        where_ja = f" (クラスター {cluster.id})" if cluster is not None else ""
        if multi:
            yield Outcome.of(db, True, Text(
                ja=f"RDS {label_ja(db)} はマルチ AZ 構成です{where_ja}。",
                en=f"RDS {label(db)} is Multi-AZ{where}.",
            ))
        elif env.lower() in NON_PRODUCTION:
            yield Outcome.of(db, True, Text(
                ja=f"RDS {label_ja(db)} はシングル AZ ですが、本番以外の環境 (Environment={env}) です。",
                en=f"RDS {label(db)} is single-AZ, but is non-production (Environment={env}).",
            ))
        else:
            yield Outcome.of(db, False, Text(
                ja=f"RDS {label_ja(db)} はシングル AZ 構成です{where_ja}。",
                en=f"RDS {label(db)} runs in a single availability zone{where}.",
            ))


@check(
    id="rds_instance_deletion_protection",
    controls=("IR-04",),
    severity=Severity.MEDIUM,
    title=Text(
        "RDS インスタンスと Aurora クラスターで削除保護が有効になっている",
        "RDS instances and Aurora clusters have deletion protection",
    ),
    remediation=Text(
        ja="DB インスタンス (Aurora はクラスター) の削除保護を有効にしてください。",
        en="Turn on deletion protection on the DB instance (the cluster, for Aurora).",
    ),
    needs=(INSTANCE, CLUSTER),
)
def _deletion_protection(inv: Inventory) -> Iterator[Outcome]:
    for db in rds_units(inv):
        ok = bool(db.attributes.get("deletion_protection"))
        yield Outcome.of(db, ok, Text(
            ja=f"RDS {label_ja(db)} の削除保護は有効です。",
            en=f"RDS {label(db)} has deletion protection.",
        ) if ok else Text(
            ja=f"RDS {label_ja(db)} の削除保護が無効です。",
            en=f"RDS {label(db)} has no deletion protection.",
        ))


@check(
    id="elbv2_multi_az",
    controls=("IR-06",),
    severity=Severity.MEDIUM,
    title=Text(
        "ロードバランサーが 2 つ以上のアベイラビリティーゾーンにまたがっている",
        "Load balancers span at least two availability zones",
    ),
    remediation=Text(
        ja="ロードバランサーに別のアベイラビリティーゾーンのサブネットを追加し、ターゲットも複数の AZ に配置して"
        "ください。",
        en="Add a subnet in another availability zone to the load balancer and spread its targets across AZs.",
    ),
    needs=("aws.elbv2.load_balancer",),
)
def _lb_multi_az(inv: Inventory) -> Iterator[Outcome]:
    for lb in scoped(inv, "aws.elbv2.load_balancer"):
        azs = sorted({str(z) for z in lb.attributes.get("azs") or []})
        name = lb.attributes.get("name") or lb.id
        yield Outcome.of(lb, len(azs) >= 2, Text(
            ja=f"ロードバランサー {name} は {len(azs)} 個の AZ ({', '.join(azs) or '-'}) にまたがっています。",
            en=f"Load balancer {name} spans {len(azs)} availability zones ({', '.join(azs) or '-'}).",
        ))


@dataclass(frozen=True, slots=True)
class _Database:
    resource: Resource
    arn: str
    name: str
    name_ja: str


def _databases(inv: Inventory) -> Iterator[_Database]:
    for db in rds_units(inv):
        if db.attributes.get("arn"):
            yield _Database(db, str(db.attributes["arn"]), f"RDS {label(db)}", f"RDS {label_ja(db)}")
    for table in scoped(inv, TABLE):
        if table.attributes.get("arn"):
            yield _Database(table, str(table.attributes["arn"]), f"DynamoDB {table.id}", f"DynamoDB {table.id}")


def _matches(pattern: str, arn: str) -> bool:
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, arn) is not None


def _has_conditions(value: Any) -> bool:
    """Any non-empty condition (AWS returns empty lists for operators that are not used)."""
    if isinstance(value, Mapping):
        return any(_has_conditions(v) for v in value.values())
    if isinstance(value, list):
        return bool(value)
    return bool(value)


def _coverage(inv: Inventory, db: _Database) -> tuple[str | None, str | None]:
    """(plan that selects the database unconditionally, plan that may select it by tag conditions)."""
    conditional = None
    for plan in in_region(inv, PLAN, db.resource.account, db.resource.region):
        name = str(plan.attributes.get("name") or plan.id)
        for selection in plan.attributes.get("selections") or []:
            resources = [str(r) for r in selection.get("resources") or []]
            hit = any(_matches(r, db.arn) for r in resources)
            tagged = _has_conditions(selection.get("conditions"))
            if hit and not tagged:
                return name, None
            if tagged and (hit or not resources):
                conditional = conditional or name
    return None, conditional


@check(
    id="backup_plan_covers_databases",
    controls=("IR-04",),
    severity=Severity.HIGH,
    title=Text(
        "AWS Backup のバックアッププランがデータベースを対象にしている",
        "An AWS Backup plan covers the databases",
    ),
    remediation=Text(
        ja="AWS Backup のバックアッププランのリソース割り当てに、RDS・Aurora・DynamoDB を ARN またはリソースタイプ"
        "で指定してください。",
        en="Assign the RDS instances, Aurora clusters and DynamoDB tables to an AWS Backup plan by ARN or "
        "resource type.",
    ),
    needs=_DATABASES,
)
def _plan_covers(inv: Inventory) -> Iterator[Outcome]:
    for db in _databases(inv):
        plan, conditional = _coverage(inv, db)
        if plan is not None:
            yield Outcome.of(db.resource, True, Text(
                ja=f"{db.name_ja} はバックアッププラン「{plan}」の対象です。",
                en=f"{db.name} is covered by backup plan '{plan}'.",
            ))
        elif conditional is not None:
            yield Outcome(db.resource, Status.MANUAL, Text(
                ja=f"{db.name_ja} はバックアッププラン「{conditional}」のタグ条件で選択されている可能性があります。"
                "対象であることを確認してください。",
                en=f"{db.name} may be selected by tag conditions of backup plan '{conditional}'; confirm it "
                "is covered.",
            ))
        else:
            yield Outcome.of(db.resource, False, Text(
                ja=f"{db.name_ja} はどのバックアッププランの対象にもなっていません。",
                en=f"{db.name} is not covered by any backup plan.",
            ))


@check(
    id="backup_recovery_points_recent",
    controls=("IR-04",),
    severity=Severity.HIGH,
    title=Text(
        "バックアップ対象のリソースに直近 2 日以内の復旧ポイントがある",
        "Protected resources have a recovery point from the last 2 days",
    ),
    remediation=Text(
        ja="バックアップジョブの失敗原因 (IAM ロール、KMS キー、スケジュール) を確認して修正し、オンデマンドで"
        "バックアップを取得してください。ジョブの失敗は EventBridge で通知してください。",
        en="Fix the failing backup jobs (IAM role, KMS key, schedule), take an on-demand backup, and alert on "
        "job failures with EventBridge.",
    ),
    needs=(*_DATABASES, "aws.backup.recovery_point"),
)
def _recent_points(inv: Inventory) -> Iterator[Outcome]:
    now = inv.collected_at
    points: dict[str, list[Any]] = {}
    for p in scoped(inv, "aws.backup.recovery_point"):
        created = parse_time(p.attributes.get("created"))
        if created is not None and str(p.attributes.get("status") or "COMPLETED").upper() == "COMPLETED":
            points.setdefault(str(p.attributes.get("resource_arn")), []).append(created)
    for db in _databases(inv):
        if _coverage(inv, db)[0] is None:
            continue
        latest = max(points.get(db.arn, []), default=None)
        if latest is None:
            yield Outcome.of(db.resource, False, Text(
                ja=f"{db.name_ja} はバックアッププランの対象ですが、完了した復旧ポイントがありません。",
                en=f"{db.name} is covered by a backup plan but has no completed recovery point.",
            ))
            continue
        hours = int((now - latest).total_seconds() // 3600)
        yield Outcome.of(db.resource, now - latest <= RECOVERY_POINT_MAX_AGE, Text(
            ja=f"{db.name_ja} の最新の復旧ポイントは {hours} 時間前 ({latest:%Y-%m-%d %H:%M} UTC) です "
            "(基準 48 時間以内)。",
            en=f"{db.name}'s latest recovery point is {hours} hours old ({latest:%Y-%m-%d %H:%M} UTC; "
            "must be within 48 hours).",
        ))


@check(
    id="backup_vault_lock_enabled",
    controls=("IR-04",),
    severity=Severity.MEDIUM,
    title=Text("使用中のバックアップボールトに Vault Lock が設定されている", "Backup vaults in use have Vault Lock"),
    remediation=Text(
        ja="バックアップボールトに AWS Backup Vault Lock (コンプライアンスモード、最小保持期間付き) を設定し、"
        "復旧ポイントが削除・短縮されないようにしてください。",
        en="Apply AWS Backup Vault Lock (compliance mode with a minimum retention) to the vault so recovery "
        "points cannot be deleted or shortened.",
    ),
    needs=("aws.backup.vault", PLAN),
)
def _vault_lock(inv: Inventory) -> Iterator[Outcome]:
    for vault in scoped(inv, "aws.backup.vault"):
        a = vault.attributes
        targeted = any(
            rule.get("vault") == vault.id
            for plan in in_region(inv, PLAN, vault.account, vault.region)
            for rule in plan.attributes.get("rules") or []
        )
        if not targeted and not int(a.get("recovery_points") or 0):
            continue
        if a.get("locked"):
            yield Outcome.of(vault, True, Text(
                ja=f"バックアップボールト {vault.id} は Vault Lock で保護されています "
                f"(最小保持 {a.get('min_retention_days')} 日)。",
                en=f"Backup vault {vault.id} is protected by Vault Lock (minimum retention "
                f"{a.get('min_retention_days')} days).",
            ))
        else:
            yield Outcome.of(vault, False, Text(
                ja=f"バックアップボールト {vault.id} (復旧ポイント {a.get('recovery_points') or 0} 件) に Vault Lock が"
                "設定されていません。",
                en=f"Backup vault {vault.id} ({a.get('recovery_points') or 0} recovery points) has no Vault Lock.",
            ))
