"""Checkpoints exported to S3 (moto): Object Lock retention when the bucket has it, and read back to verify."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from checksheet.errors import InputError, IntegrityError
from checksheet.ledger import NewEntry, append_many, checkpoint, export, signing, verify
from checksheet.store import Store, open_store

KEY = signing.generate()


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="locked", ObjectLockEnabledForBucket=True)
        client.put_object_lock_configuration(
            Bucket="locked",
            ObjectLockConfiguration={"ObjectLockEnabled": "Enabled",
                                     "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 30}}},
        )
        client.create_bucket(Bucket="plain")
        yield client


@pytest.fixture
def signed(tmp_path: Path) -> Iterator[Store]:
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    append_many(store, (NewEntry("app.x", "u", {"i": i}) for i in range(10)))
    checkpoint.create(store, KEY)
    append_many(store, (NewEntry("app.x", "u", {"i": i}) for i in range(10, 25)))
    checkpoint.create(store, KEY)
    yield store
    store.dispose()


def stored(store: Store) -> list[signing.SignedCheckpoint]:
    with store.engine.connect() as conn:
        return [c.signed for c in verify.stored_checkpoints(conn)]


def test_export_to_an_object_locked_bucket_sets_retention(s3: Any, signed: Store) -> None:
    now = datetime(2026, 11, 1, tzinfo=UTC)
    written = export.export_s3("s3://locked/ledger/prod", stored(signed), now=now)
    assert [w.location for w in written] == ["s3://locked/ledger/prod/checkpoint-000000000010.json",
                                             "s3://locked/ledger/prod/checkpoint-000000000025.json"]
    head = s3.head_object(Bucket="locked", Key="ledger/prod/checkpoint-000000000025.json")
    assert head["ObjectLockMode"] == "COMPLIANCE"
    assert head["ObjectLockRetainUntilDate"] == now + timedelta(days=30)
    # Exporting again writes nothing new.
    assert not any(w.created for w in export.export_s3("s3://locked/ledger/prod", stored(signed)))


def test_export_to_a_bucket_without_object_lock_writes_plain_objects(s3: Any, signed: Store) -> None:
    written = export.export_s3("s3://plain", stored(signed))
    assert all(w.retain_until is None for w in written)
    assert "ObjectLockMode" not in s3.head_object(Bucket="plain", Key="checkpoint-000000000010.json")


def test_verify_against_s3_catches_a_rewritten_ledger(s3: Any, signed: Store) -> None:
    export.export_s3("s3://locked/cp", stored(signed))
    from_s3 = export.load("s3://locked/cp")
    assert [cp.tree_size for _, cp in from_s3] == [10, 25]
    assert verify.verify(signed, KEY.public_key(), from_s3).checkpoints == 4
    with signed.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM ledger_entries WHERE seq > 12")
        conn.exec_driver_sql("DELETE FROM ledger_checkpoints")
        conn.exec_driver_sql("DELETE FROM ledger_nodes")
    with pytest.raises(IntegrityError, match="entry 13 is missing"):
        verify.verify(signed, KEY.public_key(), export.load("s3://locked/cp"))


def test_an_unreachable_bucket_is_a_one_line_input_error(s3: Any, signed: Store) -> None:
    with pytest.raises(InputError, match=r"cannot reach s3://missing-bucket.*NoSuchBucket"):
        export.export_s3("s3://missing-bucket/x", stored(signed))


def test_the_cli_exports_to_s3_and_verifies_against_it(s3: Any, project: Any, capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from tests.cli_runner import invoke

    monkeypatch.setenv("CHECKSHEET_LANG", "en")
    assert invoke(capsys, "init").code == 0
    assert invoke(capsys, "ledger", "append", "--kind", "app.login", "--actor", "alice", "--data", "{}").code == 0
    made = invoke(capsys, "ledger", "checkpoint", "--export", "s3://locked/prod", "--format", "json")
    assert made.code == 0, made.err
    [written] = json.loads(made.out)["exported"]
    assert written["location"] == "s3://locked/prod/checkpoint-000000000001.json" and written["retain_until"]
    assert invoke(capsys, "ledger", "verify", "--against", "s3://locked/prod").code == 0
