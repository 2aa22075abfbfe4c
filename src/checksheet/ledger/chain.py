"""The hash chain: how an entry is serialised and hashed. Pure (the verifier is in verifier.py).

An entry's bytes are UTF-8 of six lines joined by "\\n":

    seq, time (UTC, "YYYY-MM-DD HH:MM:SS.ffffff"), kind, actor, payload (canonical JSON), prev_hash

Its hash is the RFC 9162 leaf hash of those bytes, SHA-256(0x00 || bytes), so one digest both
chains the entry to its predecessor (prev_hash is inside) and is its leaf in the Merkle tree.
kind and actor may not contain a newline and canonical JSON never does, so the split is unambiguous.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, NamedTuple

from checksheet.errors import InputError

#: prev_hash of the first entry.
GENESIS = "0" * 64
#: Subtrees of 2**NODE_LEVEL leaves and up are kept in ledger_nodes so that proofs need no full scan.
NODE_LEVEL = 6
TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"
MAX_KIND = 64
MAX_ACTOR = 256
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

#: A stored entry as the verifier reads it: seq, time text, kind, actor, payload, prev_hash, hash.
Row = tuple[int, str, str, str, str, str, str]


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 kept, no NaN: the same value always gives the same text."""
    try:
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        text.encode("utf-8")
    except (TypeError, ValueError) as err:
        raise InputError(f"ledger data is not plain JSON: {err}",
                         ja=f"台帳のデータが JSON として不正です: {err}") from err
    return text


def time_text(when: datetime) -> str:
    """UTC with microseconds (TIME_FORMAT); a naive time is taken as UTC (SQLite returns them)."""
    if when.tzinfo is UTC:
        when = when.replace(tzinfo=None)
    elif when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return when.isoformat(" ", "microseconds")


def check_label(name: str, value: str, limit: int) -> None:
    if not value or len(value) > limit or _CONTROL.search(value):
        raise InputError(
            f"ledger {name} must be 1..{limit} characters without control characters: {value!r}",
            ja=f"台帳の {name} は制御文字を含まない 1〜{limit} 文字にしてください: {value!r}",
        )


def entry_bytes(seq: int, time: str, kind: str, actor: str, payload: str, prev_hash: str) -> bytes:
    return f"{seq}\n{time}\n{kind}\n{actor}\n{payload}\n{prev_hash}".encode()


def entry_hash(seq: int, time: str, kind: str, actor: str, payload: str, prev_hash: str) -> str:
    return hashlib.sha256(b"\x00" + entry_bytes(seq, time, kind, actor, payload, prev_hash)).hexdigest()


class Entry(NamedTuple):
    """One stored entry. A NamedTuple, not a frozen dataclass: bulk appends build a million of them."""

    seq: int
    time: datetime
    kind: str
    actor: str
    payload: str
    prev_hash: str
    hash: str

    @property
    def data(self) -> Any:
        return json.loads(self.payload)

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq, "time": time_text(self.time), "kind": self.kind, "actor": self.actor,
            "payload": self.payload, "data": self.data, "prev_hash": self.prev_hash, "hash": self.hash,
        }


def chain(start_seq: int, prev_hash: str, items: Iterable[tuple[datetime, str, str, str]]) -> list[Entry]:
    """Number and hash new entries (time, kind, actor, canonical payload) after `prev_hash`."""
    out = []
    seq, prev = start_seq, prev_hash
    last_when, last_text = None, ""
    for when, kind, actor, payload in items:
        if when is not last_when:  # a batch usually shares one time
            last_when, last_text = when, time_text(when)
        h = entry_hash(seq, last_text, kind, actor, payload, prev)
        out.append(Entry(seq, when, kind, actor, payload, prev, h))
        seq, prev = seq + 1, h
    return out
