"""Records kept by checksheet (drills, assessments, attestations...), as rows and as resources."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from checksheet.model import RecordKind, Resource
from checksheet.store.db import Store
from checksheet.store.models import RecordRow

#: Records enter the inventory as resources of this provider, so record checks are plain checks.
PROVIDER = "records"


def add_record(
    store: Store,
    kind: RecordKind,
    occurred_on: date,
    data: Mapping[str, Any],
    *,
    actor: str = "",
    control_ids: tuple[str, ...] = (),
    ledger_seq: int | None = None,
) -> str:
    record_id = str(uuid.uuid4())
    with store.session() as s:
        s.add(
            RecordRow(
                id=record_id,
                kind=kind.value,
                occurred_on=occurred_on,
                created_at=datetime.now(UTC),
                actor=actor,
                control_ids=list(control_ids),
                data=dict(data),
                ledger_seq=ledger_seq,
            )
        )
    return record_id


def record_resources(store: Store) -> list[Resource]:
    """Every record as a resource `record.<kind>` carrying its date, controls and data."""
    with store.session() as s:
        rows = s.scalars(select(RecordRow).order_by(RecordRow.occurred_on, RecordRow.id))
        return [
            Resource(
                PROVIDER,
                "local",
                "global",
                f"record.{r.kind}",
                r.id,
                {**r.data, "occurred_on": r.occurred_on.isoformat(), "control_ids": list(r.control_ids),
                 "actor": r.actor},
            )
            for r in rows
        ]
