"""Signed checkpoints: the RFC 9162 root over all entries, tree size and time, signed with Ed25519.

A new checkpoint is only signed for a ledger that extends the previous one: the cached right
border must fold to the previous signed root, and every entry since is re-hashed first.
"""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import insert, select

from checksheet.errors import IntegrityError
from checksheet.ledger import signing
from checksheet.ledger.append import frontier, head
from checksheet.ledger.chain import GENESIS, time_text
from checksheet.ledger.signing import SignedCheckpoint
from checksheet.ledger.verifier import Start, verify_rows
from checksheet.ledger.verify import stored_checkpoints, stream_rows
from checksheet.store import Store
from checksheet.store.models import CheckpointRow, LedgerEntryRow

#: Sign at least this often while entries keep coming (the "periodic" in periodic checkpoints).
EVERY_ENTRIES = 10_000
EVERY = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class CheckpointInfo:
    id: int
    signed: SignedCheckpoint
    created: bool


def latest(store: Store) -> CheckpointInfo | None:
    with store.engine.connect() as conn:
        cps = stored_checkpoints(conn)
    if not cps:
        return None
    last = max(cps, key=lambda c: (c.signed.tree_size, c.id))
    return CheckpointInfo(last.id, last.signed, False)


def create(store: Store, key: Ed25519PrivateKey, now: datetime | None = None) -> CheckpointInfo | None:
    """Sign the current tree head; the newest checkpoint again when nothing was added; None when empty."""
    previous = latest(store)
    if previous and not signing.signature_valid(key.public_key(), previous.signed):
        raise IntegrityError(
            f"the newest checkpoint (tree size {previous.signed.tree_size}) does not verify: "
            "run `checksheet ledger verify`",
            ja=f"最新のチェックポイント(ツリーサイズ {previous.signed.tree_size})が検証できません: "
            "`checksheet ledger verify` を実行してください",
        )
    with store.session() as s:
        size, _ = head(s)
        if size == 0:
            return None
        if previous and previous.signed.tree_size == size:
            return previous
        start = Start()
        if previous:
            m = previous.signed.tree_size
            border = frontier(s, m)
            if border.root().hex() != previous.signed.root_hash:
                raise IntegrityError(
                    f"ledger entries 1..{m} no longer match the checkpoint of tree size {m}: "
                    "run `checksheet ledger verify`",
                    ja=f"台帳のエントリ 1〜{m} がツリーサイズ {m} のチェックポイントと一致しません: "
                    "`checksheet ledger verify` を実行してください",
                )
            prev_hash = s.execute(select(LedgerEntryRow.hash).where(LedgerEntryRow.seq == m)).scalar_one_or_none()
            start = Start(m, prev_hash or GENESIS, border.parts)
        with closing(stream_rows(s.connection(), start.size + 1)) as rows:
            result = verify_rows((r for r in rows if r[0] <= size), nodes=None, start=start)
        signed = signing.sign(key, result.size, result.root_hash, time_text(now or datetime.now(UTC)))
        new_id = s.execute(
            insert(CheckpointRow).returning(CheckpointRow.id),
            {"tree_size": signed.tree_size, "root_hash": signed.root_hash,
             "time": datetime.strptime(signed.time, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC),
             "key_id": signed.key_id, "signature": signed.signature},
        ).scalar_one()
    return CheckpointInfo(int(new_id), signed, True)


def due(store: Store, now: datetime | None = None, *, every: int = EVERY_ENTRIES, age: timedelta = EVERY) -> bool:
    """Whether new entries are waiting and the last checkpoint is `every` entries or `age` behind."""
    with store.session() as s:
        size, _ = head(s)
    last = latest(store)
    if size == 0 or (last and last.signed.tree_size >= size):
        return False
    if last is None or size - last.signed.tree_size >= every:
        return True
    signed_at = datetime.strptime(last.signed.time, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC)
    return (now or datetime.now(UTC)) - signed_at >= age


def checkpoint_if_due(
    store: Store, key: Ed25519PrivateKey | None, *, every: int = EVERY_ENTRIES, age: timedelta = EVERY
) -> CheckpointInfo | None:
    """The periodic checkpoint: sign when due and a key is at hand (a verifier's machine has none)."""
    if key is None or not due(store, every=every, age=age):
        return None
    return create(store, key)
