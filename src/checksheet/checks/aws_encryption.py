"""Encryption at rest: EBS (default, volumes, snapshots), KMS key rotation, EFS."""

from __future__ import annotations

from collections.abc import Iterator

from checksheet.checks.aws_scope import in_region, region_subject, regions, scoped
from checksheet.checks.base import Check, Outcome, registry
from checksheet.inventory import Inventory
from checksheet.model import Severity, Text

CHECKS: list[Check] = []
check = registry(CHECKS)

EBS_DEFAULT = "aws.ec2.ebs_default_encryption"


@check(
    id="ec2_ebs_default_encryption_enabled",
    controls=("CRYPT-01",),
    severity=Severity.MEDIUM,
    title=Text(
        "EBS のデフォルト暗号化が全リージョンで有効になっている",
        "EBS encryption by default is on in every region",
    ),
    remediation=Text(
        ja="EC2 の設定で各リージョンの「EBS 暗号化」をデフォルトで有効にしてください。以後作成されるボリュームと"
        "スナップショットのコピーが自動的に暗号化されます。",
        en="Turn on EBS encryption by default in the EC2 settings of every region, so new volumes and snapshot "
        "copies are encrypted automatically.",
    ),
    needs=(EBS_DEFAULT,),
)
def _ebs_default(inv: Inventory) -> Iterator[Outcome]:
    for region in regions(inv):
        settings = in_region(inv, EBS_DEFAULT, region.account, region.id)
        ok = any(s.attributes.get("enabled") for s in settings)
        yield Outcome.of(region_subject(region), ok, Text(
            ja=f"{region.id} で EBS のデフォルト暗号化が有効です。",
            en=f"EBS encryption by default is on in {region.id}.",
        ) if ok else Text(
            ja=f"{region.id} で EBS のデフォルト暗号化が無効です。",
            en=f"EBS encryption by default is off in {region.id}.",
        ))


@check(
    id="ec2_ebs_volume_encrypted",
    controls=("CRYPT-01",),
    severity=Severity.HIGH,
    title=Text("すべての EBS ボリュームが暗号化されている", "Every EBS volume is encrypted"),
    remediation=Text(
        ja="暗号化したスナップショットのコピーから新しいボリュームを作成して差し替え、元のボリュームを削除して"
        "ください。今後のためにデフォルト暗号化も有効にしてください。",
        en="Copy a snapshot with encryption, create a new volume from it, swap it in and delete the old volume; "
        "turn on encryption by default for the future.",
    ),
    needs=("aws.ec2.volume",),
)
def _volumes(inv: Inventory) -> Iterator[Outcome]:
    for volume in scoped(inv, "aws.ec2.volume"):
        a = volume.attributes
        attached = ", ".join(a.get("instance_ids") or []) or "-"
        ok = bool(a.get("encrypted"))
        yield Outcome.of(volume, ok, Text(
            ja=f"EBS ボリューム {volume.id} ({a.get('size_gib')} GiB、接続先 {attached}) は暗号化されています。",
            en=f"EBS volume {volume.id} ({a.get('size_gib')} GiB, attached to {attached}) is encrypted.",
        ) if ok else Text(
            ja=f"EBS ボリューム {volume.id} ({a.get('size_gib')} GiB、接続先 {attached}) は暗号化されていません。",
            en=f"EBS volume {volume.id} ({a.get('size_gib')} GiB, attached to {attached}) is not encrypted.",
        ))


@check(
    id="ec2_ebs_snapshot_encrypted",
    controls=("CRYPT-04",),
    severity=Severity.MEDIUM,
    title=Text("すべての EBS スナップショットが暗号化されている", "Every EBS snapshot is encrypted"),
    remediation=Text(
        ja="スナップショットを暗号化してコピーし、暗号化されていない元のスナップショットを削除してください。",
        en="Copy the snapshot with encryption enabled and delete the unencrypted original.",
    ),
    needs=("aws.ec2.snapshot",),
)
def _snapshots(inv: Inventory) -> Iterator[Outcome]:
    for snap in scoped(inv, "aws.ec2.snapshot"):
        ok = bool(snap.attributes.get("encrypted"))
        source = snap.attributes.get("volume_id") or "-"
        yield Outcome.of(snap, ok, Text(
            ja=f"EBS スナップショット {snap.id} (元ボリューム {source}) は暗号化されています。",
            en=f"EBS snapshot {snap.id} (from volume {source}) is encrypted.",
        ) if ok else Text(
            ja=f"EBS スナップショット {snap.id} (元ボリューム {source}) は暗号化されていません。",
            en=f"EBS snapshot {snap.id} (from volume {source}) is not encrypted.",
        ))


@check(
    id="kms_cmk_rotation_enabled",
    controls=("CRYPT-05",),
    severity=Severity.MEDIUM,
    title=Text(
        "カスタマー管理の KMS キーが自動ローテーションされている",
        "Customer-managed KMS keys rotate automatically",
    ),
    remediation=Text(
        ja="対称暗号化のカスタマー管理キーで自動キーローテーションを有効にしてください (既定は 365 日ごと)。",
        en="Enable automatic key rotation on symmetric customer-managed keys (yearly by default).",
    ),
    needs=("aws.kms.key",),
)
def _kms_rotation(inv: Inventory) -> Iterator[Outcome]:
    for key in scoped(inv, "aws.kms.key"):
        a = key.attributes
        # AWS rotates only enabled, symmetric encryption keys; others cannot be judged here.
        if a.get("manager") != "CUSTOMER" or a.get("state") != "Enabled":
            continue
        if a.get("spec") not in (None, "SYMMETRIC_DEFAULT"):
            continue
        # Imported (EXTERNAL), CloudHSM and external key store material cannot rotate automatically.
        if a.get("origin") not in (None, "AWS_KMS"):
            continue
        ok = bool(a.get("rotation_enabled"))
        yield Outcome.of(key, ok, Text(
            ja=f"KMS キー {key.id} の自動ローテーションは有効です。",
            en=f"KMS key {key.id} rotates automatically.",
        ) if ok else Text(
            ja=f"KMS キー {key.id} の自動ローテーションが無効です。",
            en=f"KMS key {key.id} does not rotate automatically.",
        ))


@check(
    id="efs_file_system_encrypted",
    controls=("CRYPT-07",),
    severity=Severity.MEDIUM,
    title=Text("EFS ファイルシステムが暗号化されている", "EFS file systems are encrypted"),
    remediation=Text(
        ja="暗号化を有効にした新しい EFS ファイルシステムを作成し、AWS DataSync などでデータを移行してください"
        " (既存のファイルシステムは後から暗号化できません)。",
        en="Create a new EFS file system with encryption and migrate the data (e.g. with AWS DataSync); an "
        "existing file system cannot be encrypted in place.",
    ),
    needs=("aws.efs.file_system",),
)
def _efs(inv: Inventory) -> Iterator[Outcome]:
    for fs in scoped(inv, "aws.efs.file_system"):
        ok = bool(fs.attributes.get("encrypted"))
        yield Outcome.of(fs, ok, Text(
            ja=f"EFS ファイルシステム {fs.id} は暗号化されています。",
            en=f"EFS file system {fs.id} is encrypted.",
        ) if ok else Text(
            ja=f"EFS ファイルシステム {fs.id} は暗号化されていません。",
            en=f"EFS file system {fs.id} is not encrypted.",
        ))
