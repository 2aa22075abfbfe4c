"""Signed checkpoints written out of the database's reach: a folder, or S3 with Object Lock.

Whoever can rewrite the database cannot rewrite these; `ledger verify --against` holds the
ledger to them. A destination already holding a different checkpoint of the same tree size
is itself evidence of a rewritten ledger.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from checksheet.errors import InputError, IntegrityError
from checksheet.ledger.signing import SignedCheckpoint, parse_exported

PREFIX = "checkpoint-"
#: Retention for a bucket that has Object Lock on but no default retention rule.
DEFAULT_RETENTION_DAYS = 400


def file_name(cp: SignedCheckpoint) -> str:
    return f"{PREFIX}{cp.tree_size:012d}.json"


@dataclass(frozen=True, slots=True)
class Written:
    location: str
    created: bool
    retain_until: datetime | None = None


def _conflict(location: str, cp: SignedCheckpoint) -> IntegrityError:
    return IntegrityError(
        f"{location} already holds a different checkpoint of tree size {cp.tree_size}: the ledger was rewritten",
        ja=f"{location} には内容の異なるツリーサイズ {cp.tree_size} のチェックポイントがあります: "
        "台帳が書き換えられています",
    )


def _split_s3(dest: str) -> tuple[str, str]:
    bucket, _, prefix = dest.removeprefix("s3://").partition("/")
    if not bucket:
        raise InputError(f"not an S3 location: {dest}", ja=f"S3 の場所として不正です: {dest}")
    return bucket, (prefix.rstrip("/") + "/" if prefix.strip("/") else "")


def _s3_error(dest: str, err: Exception) -> InputError:
    code = getattr(err, "response", {}).get("Error", {}).get("Code", type(err).__name__)
    return InputError(f"cannot reach {dest}: {code}: {err}", ja=f"{dest} にアクセスできません: {code}")


def export_dir(directory: Path, checkpoints: Sequence[SignedCheckpoint]) -> list[Written]:
    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for cp in checkpoints:
        path = directory / file_name(cp)
        text = cp.dumps()
        try:
            with path.open("x", encoding="utf-8") as fh:
                fh.write(text)
            out.append(Written(str(path), True))
        except FileExistsError:
            if parse_exported(path.read_text(encoding="utf-8"), str(path)) != cp:
                raise _conflict(str(path), cp) from None
            out.append(Written(str(path), False))
    return out


def load_dir(directory: Path) -> list[tuple[str, SignedCheckpoint]]:
    if not directory.is_dir():
        raise InputError(f"no such folder: {directory}", ja=f"フォルダ {directory} がありません")
    return [
        (str(p), parse_exported(p.read_text(encoding="utf-8"), str(p)))
        for p in sorted(directory.glob(f"{PREFIX}*.json"))
    ]


def _lock_rule(client: Any, bucket: str) -> tuple[str, timedelta] | None:
    """(mode, retention) when the bucket has Object Lock enabled, else None."""
    from botocore.exceptions import ClientError

    try:
        conf = client.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") == "ObjectLockConfigurationNotFoundError":
            return None
        raise
    if conf.get("ObjectLockEnabled") != "Enabled":
        return None
    rule = conf.get("Rule", {}).get("DefaultRetention", {})
    days = int(rule.get("Days") or 0) or 365 * int(rule.get("Years") or 0) or DEFAULT_RETENTION_DAYS
    return str(rule.get("Mode") or "GOVERNANCE"), timedelta(days=days)


def export_s3(dest: str, checkpoints: Sequence[SignedCheckpoint], client: Any = None,
              now: datetime | None = None) -> list[Written]:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    bucket, prefix = _split_s3(dest)
    s3 = client or boto3.client("s3")
    out = []
    try:
        lock = _lock_rule(s3, bucket)
        for cp in checkpoints:
            key = prefix + file_name(cp)
            location = f"s3://{bucket}/{key}"
            existing = _get(s3, bucket, key)
            if existing is not None:
                if parse_exported(existing, location) != cp:
                    raise _conflict(location, cp)
                out.append(Written(location, False))
                continue
            extra: dict[str, Any] = {}
            until = None
            if lock:
                until = (now or datetime.now(UTC)) + lock[1]
                extra = {"ObjectLockMode": lock[0], "ObjectLockRetainUntilDate": until,
                         "ChecksumAlgorithm": "SHA256"}
            s3.put_object(Bucket=bucket, Key=key, Body=cp.dumps().encode(), ContentType="application/json", **extra)
            out.append(Written(location, True, until))
    except (ClientError, BotoCoreError) as err:
        raise _s3_error(dest, err) from err
    return out


def _get(s3: Any, bucket: str, key: str) -> str | None:
    from botocore.exceptions import ClientError

    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return None
        raise
    return bytes(body).decode("utf-8", "replace")


def load_s3(dest: str, client: Any = None) -> list[tuple[str, SignedCheckpoint]]:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    bucket, prefix = _split_s3(dest)
    s3 = client or boto3.client("s3")
    out = []
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix + PREFIX):
            for obj in page.get("Contents", []):
                location = f"s3://{bucket}/{obj['Key']}"
                text = _get(s3, bucket, obj["Key"]) or ""
                out.append((location, parse_exported(text, location)))
    except (ClientError, BotoCoreError) as err:
        raise _s3_error(dest, err) from err
    return out


def export(dest: str, checkpoints: Sequence[SignedCheckpoint]) -> list[Written]:
    return export_s3(dest, checkpoints) if dest.startswith("s3://") else export_dir(Path(dest), checkpoints)


def load(dest: str) -> list[tuple[str, SignedCheckpoint]]:
    return load_s3(dest) if dest.startswith("s3://") else load_dir(Path(dest))
