"""Managed databases: RDS and Aurora exposure, encryption, snapshots, minor upgrades; DynamoDB; ElastiCache."""

from __future__ import annotations

from collections.abc import Iterator

from checksheet.checks.aws_scope import find, listing, public_subnet, scoped
from checksheet.checks.base import Check, Outcome, registry
from checksheet.inventory import Inventory
from checksheet.model import Resource, Severity, Status, Text

CHECKS: list[Check] = []
check = registry(CHECKS)

INSTANCE = "aws.rds.instance"
CLUSTER = "aws.rds.cluster"
SNAPSHOT = "aws.rds.snapshot"


def rds_units(inv: Inventory) -> Iterator[Resource]:
    """Aurora clusters, and instances that are not members of a collected cluster.

    Storage, backups and deletion protection of an Aurora member are the cluster's.
    """
    clusters = list(scoped(inv, CLUSTER))
    known = {(c.account, c.region, c.id) for c in clusters}
    for db in scoped(inv, INSTANCE):
        if (db.account, db.region, db.attributes.get("cluster_id")) not in known:
            yield db
    yield from clusters


def label(db: Resource) -> str:
    kind = "cluster" if db.type == CLUSTER else "instance"
    return f"{db.id} ({db.attributes.get('engine') or 'rds'} {kind})"


def label_ja(db: Resource) -> str:
    kind = "クラスター" if db.type == CLUSTER else "インスタンス"
    return f"{db.id} ({db.attributes.get('engine') or 'rds'} {kind})"


@check(
    id="rds_instance_not_publicly_accessible",
    controls=("NET-03",),
    severity=Severity.CRITICAL,
    title=Text(
        "RDS インスタンスがパブリックアクセス可能になっていない",
        "RDS instances are not publicly accessible",
    ),
    remediation=Text(
        ja="DB インスタンスの「パブリックアクセス可能」を無効にし、接続はアプリケーションのセキュリティグループ"
        "からに限定してください。",
        en="Turn off 'Publicly accessible' on the DB instance and allow connections only from the application's "
        "security group.",
    ),
    needs=(INSTANCE,),
)
def _not_public(inv: Inventory) -> Iterator[Outcome]:
    for db in scoped(inv, INSTANCE):
        public = bool(db.attributes.get("publicly_accessible"))
        yield Outcome.of(db, not public, Text(
            ja=f"RDS {label_ja(db)} はパブリックアクセス可能になっていません。",
            en=f"RDS {label(db)} is not publicly accessible.",
        ) if not public else Text(
            ja=f"RDS {label_ja(db)} がパブリックアクセス可能 (パブリック DNS 名が公開 IP に解決) になっています。",
            en=f"RDS {label(db)} is publicly accessible (its DNS name resolves to a public IP).",
        ))


@check(
    id="rds_instance_in_private_subnet",
    controls=("NET-01", "NET-03"),
    severity=Severity.HIGH,
    title=Text(
        "RDS インスタンスがプライベートサブネットだけに配置されている",
        "RDS instances sit only in private subnets",
    ),
    remediation=Text(
        ja="インターネットゲートウェイへの経路を持たないサブネットだけで DB サブネットグループを作成し、"
        "DB インスタンスをそのグループへ移してください。",
        en="Create a DB subnet group of subnets with no route to an internet gateway and move the instance to it.",
    ),
    needs=(INSTANCE, "aws.ec2.subnet"),
)
def _private_subnet(inv: Inventory) -> Iterator[Outcome]:
    for db in scoped(inv, INSTANCE):
        ids = [str(s) for s in db.attributes.get("subnet_ids") or []]
        subnets = {i: find(inv, "aws.ec2.subnet", db.account, i) for i in ids}
        unknown = [i for i, s in subnets.items() if s is None]
        public = [i for i, s in subnets.items() if s is not None and public_subnet(s)]
        if public:
            yield Outcome.of(db, False, Text(
                ja=f"RDS {label_ja(db)} のサブネットグループにパブリックサブネットが含まれています: "
                f"{listing(public)}。",
                en=f"RDS {label(db)} has public subnets in its subnet group: {listing(public)}.",
            ))
        elif unknown or not ids:
            yield Outcome(db, Status.MANUAL, Text(
                ja=f"RDS {label_ja(db)} のサブネット ({listing(unknown) or 'なし'}) が収集結果にないため"
                "判定できません。",
                en=f"RDS {label(db)}'s subnets ({listing(unknown) or 'none'}) are not in the inventory; cannot judge.",
            ))
        else:
            yield Outcome.of(db, True, Text(
                ja=f"RDS {label_ja(db)} のサブネット {len(ids)} 個はすべてプライベートです。",
                en=f"All {len(ids)} subnets of RDS {label(db)} are private.",
            ))


@check(
    id="rds_instance_storage_encrypted",
    controls=("CRYPT-02",),
    severity=Severity.HIGH,
    title=Text(
        "RDS インスタンスと Aurora クラスターのストレージが暗号化されている",
        "RDS instances and Aurora clusters encrypt storage",
    ),
    remediation=Text(
        ja="スナップショットを取得して暗号化コピーを作成し、そこから復元した暗号化済みの DB に切り替えてください"
        " (既存の DB は後から暗号化できません)。",
        en="Snapshot the database, copy the snapshot with encryption, restore from the copy and switch over; an "
        "existing database cannot be encrypted in place.",
    ),
    needs=(INSTANCE, CLUSTER),
)
def _storage_encrypted(inv: Inventory) -> Iterator[Outcome]:
    for db in rds_units(inv):
        ok = bool(db.attributes.get("storage_encrypted"))
        yield Outcome.of(db, ok, Text(
            ja=f"RDS {label_ja(db)} のストレージは暗号化されています。",
            en=f"RDS {label(db)} encrypts its storage.",
        ) if ok else Text(
            ja=f"RDS {label_ja(db)} のストレージは暗号化されていません。",
            en=f"RDS {label(db)} does not encrypt its storage.",
        ))


@check(
    id="rds_snapshot_encrypted",
    controls=("CRYPT-04", "IR-04"),
    severity=Severity.MEDIUM,
    title=Text("RDS スナップショットが暗号化されている", "RDS snapshots are encrypted"),
    remediation=Text(
        ja="スナップショットを KMS キーで暗号化してコピーし、暗号化されていない元のスナップショットを削除して"
        "ください。",
        en="Copy the snapshot with a KMS key and delete the unencrypted original.",
    ),
    needs=(SNAPSHOT,),
)
def _snapshot_encrypted(inv: Inventory) -> Iterator[Outcome]:
    for snap in scoped(inv, SNAPSHOT):
        ok = bool(snap.attributes.get("encrypted"))
        source = snap.attributes.get("source_id") or "-"
        yield Outcome.of(snap, ok, Text(
            ja=f"RDS スナップショット {snap.id} ({source} から取得) は暗号化されています。",
            en=f"RDS snapshot {snap.id} (of {source}) is encrypted.",
        ) if ok else Text(
            ja=f"RDS スナップショット {snap.id} ({source} から取得) は暗号化されていません。",
            en=f"RDS snapshot {snap.id} (of {source}) is not encrypted.",
        ))


@check(
    id="rds_snapshot_not_public",
    controls=("CRYPT-04",),
    severity=Severity.CRITICAL,
    title=Text("RDS スナップショットが一般公開されていない", "RDS snapshots are not shared publicly"),
    remediation=Text(
        ja="スナップショットの共有設定から「パブリック」を外し、共有は特定のアカウント ID に限定してください。",
        en="Remove 'public' from the snapshot's sharing and share only with specific account ids.",
    ),
    needs=(SNAPSHOT,),
)
def _snapshot_not_public(inv: Inventory) -> Iterator[Outcome]:
    for snap in scoped(inv, SNAPSHOT):
        public = bool(snap.attributes.get("public"))
        yield Outcome.of(snap, not public, Text(
            ja=f"RDS スナップショット {snap.id} は一般公開されていません。",
            en=f"RDS snapshot {snap.id} is not shared publicly.",
        ) if not public else Text(
            ja=f"RDS スナップショット {snap.id} は誰でも復元できる状態で公開されています。",
            en=f"RDS snapshot {snap.id} is public: anyone can restore it.",
        ))


@check(
    id="rds_instance_auto_minor_version_upgrade",
    controls=("PATCH-06",),
    severity=Severity.LOW,
    title=Text(
        "RDS インスタンスでマイナーバージョンの自動アップグレードが有効になっている",
        "RDS instances apply minor version upgrades automatically",
    ),
    remediation=Text(
        ja="DB インスタンスの「マイナーバージョン自動アップグレード」を有効にし、メンテナンスウィンドウを"
        "業務影響の小さい時間帯に設定してください。",
        en="Turn on auto minor version upgrade and set the maintenance window to a low-impact time.",
    ),
    needs=(INSTANCE,),
)
def _auto_minor(inv: Inventory) -> Iterator[Outcome]:
    for db in scoped(inv, INSTANCE):
        ok = bool(db.attributes.get("auto_minor_version_upgrade"))
        yield Outcome.of(db, ok, Text(
            ja=f"RDS {label_ja(db)} はマイナーバージョンを自動でアップグレードします。",
            en=f"RDS {label(db)} applies minor version upgrades automatically.",
        ) if ok else Text(
            ja=f"RDS {label_ja(db)} のマイナーバージョン自動アップグレードが無効です。",
            en=f"RDS {label(db)} does not apply minor version upgrades automatically.",
        ))


@check(
    id="dynamodb_table_kms_encrypted",
    controls=("CRYPT-02",),
    severity=Severity.MEDIUM,
    title=Text(
        "DynamoDB テーブルが KMS キーで暗号化され、ポイントインタイムリカバリが有効になっている",
        "DynamoDB tables use KMS encryption and point-in-time recovery",
    ),
    remediation=Text(
        ja="テーブルの暗号化を AWS マネージドキーまたはカスタマー管理キー (KMS) に変更し、ポイントインタイム"
        "リカバリを有効にしてください。",
        en="Switch the table's encryption to an AWS managed or customer-managed KMS key and enable point-in-time "
        "recovery.",
    ),
    needs=("aws.dynamodb.table",),
)
def _dynamodb(inv: Inventory) -> Iterator[Outcome]:
    for table in scoped(inv, "aws.dynamodb.table"):
        kms = str(table.attributes.get("sse_type") or "").upper() == "KMS"
        pitr = bool(table.attributes.get("pitr"))
        missing = [t for ok, t in ((kms, Text("KMS 暗号化", "KMS encryption")),
                                   (pitr, Text("ポイントインタイムリカバリ", "point-in-time recovery"))) if not ok]
        lacking = "と".join(m.ja for m in missing)
        gap = " " if lacking[:1].isascii() else ""
        yield Outcome.of(table, not missing, Text(
            ja=f"DynamoDB テーブル {table.id} は KMS で暗号化され、ポイントインタイムリカバリが有効です。",
            en=f"DynamoDB table {table.id} uses KMS encryption and point-in-time recovery.",
        ) if not missing else Text(
            ja=f"DynamoDB テーブル {table.id} に{gap}{lacking}が設定されていません。",
            en=f"DynamoDB table {table.id} lacks {' and '.join(m.en for m in missing)}.",
        ))


@check(
    id="elasticache_encryption_enabled",
    controls=("CRYPT-07",),
    severity=Severity.MEDIUM,
    title=Text(
        "ElastiCache レプリケーショングループが保存時と転送時に暗号化されている",
        "ElastiCache replication groups encrypt at rest and in transit",
    ),
    remediation=Text(
        ja="保存時の暗号化と転送時の暗号化 (TLS) を有効にしたレプリケーショングループを作成し、データを移行して"
        "ください。",
        en="Create a replication group with at-rest and in-transit (TLS) encryption enabled and migrate to it.",
    ),
    needs=("aws.elasticache.replication_group",),
)
def _elasticache(inv: Inventory) -> Iterator[Outcome]:
    for group in scoped(inv, "aws.elasticache.replication_group"):
        a = group.attributes
        missing = [t for ok, t in ((a.get("at_rest_encryption"), Text("保存時の暗号化", "at-rest encryption")),
                                   (a.get("transit_encryption"), Text("転送時の暗号化", "in-transit encryption")))
                   if not ok]
        yield Outcome.of(group, not missing, Text(
            ja=f"ElastiCache {group.id} は保存時と転送時の両方で暗号化されています。",
            en=f"ElastiCache {group.id} encrypts at rest and in transit.",
        ) if not missing else Text(
            ja=f"ElastiCache {group.id} に{'と'.join(m.ja for m in missing)}が設定されていません。",
            en=f"ElastiCache {group.id} lacks {' and '.join(m.en for m in missing)}.",
        ))
