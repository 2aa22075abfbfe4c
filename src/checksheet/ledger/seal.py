"""Sealing log files: size, SHA-256 and a Merkle root over fixed-size chunks, chained into the ledger.

The idea of CloudTrail's digest files for self-hosted logs (auditd, application audit logs). A
growing log is sealed in segments: each seal covers the bytes added since the previous one. A run
of segments starting at offset 0 is a generation; when the file at the path is replaced (logrotate),
sealing starts a new generation and verification looks for the old one among the rotated siblings
(`audit.log.1`, `audit.log.2.gz`, `audit.log-20260101.gz`). Gzip files are sealed on their content.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from checksheet.errors import InputError, IntegrityError
from checksheet.ledger.append import NewEntry, append_entries
from checksheet.ledger.chain import entry_hash, time_text
from checksheet.ledger.merkle import leaf_hash, root
from checksheet.model import Lang, Text
from checksheet.store import Store
from checksheet.store.models import LedgerEntryRow, SealRow

CHUNK_SIZE = 1 << 20
KIND = "seal"
_GZIP_MAGIC = b"\x1f\x8b"
_READ_ERRORS = (OSError, EOFError, zlib.error)


@dataclass(frozen=True, slots=True)
class Segment:
    path: str
    offset: int
    size: int
    sha256: str
    chunk_size: int
    chunk_root: str
    chunk_hashes: tuple[str, ...]
    inode: int
    device: int
    ledger_seq: int | None = None

    @property
    def end(self) -> int:
        return self.offset + self.size

    def payload(self) -> dict[str, object]:
        """What the ledger records: everything but the chunk list, which chunk_root commits to."""
        return {"path": self.path, "offset": self.offset, "size": self.size, "sha256": self.sha256,
                "chunk_size": self.chunk_size, "chunk_root": self.chunk_root, "chunks": len(self.chunk_hashes),
                "inode": self.inode, "device": self.device}


class SealState(StrEnum):
    SEALED = "sealed"  # a new generation or the growth since the last seal was sealed
    UNCHANGED = "unchanged"  # nothing new since the last seal
    INTACT = "intact"  # verify: every sealed byte is as sealed
    ROTATED = "rotated"  # verify: the sealed content lives on, intact, in a rotated file
    CHANGED = "changed"
    TRUNCATED = "truncated"
    DELETED = "deleted"
    ROTATED_AWAY = "rotated_away"  # the path holds another file and the sealed content is nowhere
    RECORD_ALTERED = "record_altered"  # the seal itself disagrees with its ledger entry
    UNSEALED = "unsealed"  # verify: the path was never sealed


BROKEN = frozenset({SealState.CHANGED, SealState.TRUNCATED, SealState.DELETED, SealState.ROTATED_AWAY,
                    SealState.RECORD_ALTERED})


@dataclass(frozen=True, slots=True)
class SealReport:
    path: str
    state: SealState
    message: Text
    sealed_bytes: int = 0
    chunk: int | None = None  # first bad chunk, counted from the start of the generation
    location: str | None = None  # where the content was found after a rotation
    ledger_seq: int | None = None

    @property
    def broken(self) -> bool:
        return self.state in BROKEN

    def to_json(self, lang: Lang = "en") -> dict[str, object]:
        return {"path": self.path, "state": self.state.value, "message": self.message.get(lang),
                "sealed_bytes": self.sealed_bytes, "chunk": self.chunk, "location": self.location,
                "ledger_seq": self.ledger_seq}


def is_gzip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(2) == _GZIP_MAGIC


@contextmanager
def content(path: Path) -> Iterator[BinaryIO]:
    """The file's content: decompressed for gzip, so a log and its rotated .gz copy read the same."""
    if is_gzip(path):
        with gzip.open(path, "rb") as gz:
            yield cast(BinaryIO, gz)
    else:
        with path.open("rb") as fh:
            yield fh


def read_chunks(fh: BinaryIO, length: int, chunk_size: int) -> Iterator[bytes]:
    """Up to `length` bytes in chunks of `chunk_size`; a short chunk means the content ended there."""
    left = length
    while left > 0:
        want = min(chunk_size, left)
        data = fh.read(want)
        while data and len(data) < want:  # gzip and pipes may return short reads
            more = fh.read(want - len(data))
            if not more:
                break
            data += more
        if not data:
            return
        yield data
        left -= len(data)
        if len(data) < want:
            return


def measure(fh: BinaryIO, path: str, offset: int, chunk_size: int, st: os.stat_result) -> Segment:
    """Seal everything from the stream's position to its end."""
    digest = hashlib.sha256()
    leaves = []
    size = 0
    for data in read_chunks(fh, 1 << 62, chunk_size):
        digest.update(data)
        leaves.append(leaf_hash(data))
        size += len(data)
    return Segment(path, offset, size, digest.hexdigest(), chunk_size, root(leaves).hex(),
                   tuple(h.hex() for h in leaves), st.st_ino, st.st_dev)


@dataclass(frozen=True, slots=True)
class Mismatch:
    state: SealState  # CHANGED or TRUNCATED
    chunk: int  # counted from the start of the generation
    offset: int  # byte offset of that chunk


def compare(fh: BinaryIO, segments: Sequence[Segment]) -> Mismatch | None:
    """Read a generation from the start and compare it chunk by chunk with its seals.

    A chunk read whole but hashing differently was changed; content that ends before the sealed
    end was truncated (within the chunk named).
    """
    chunk_base = 0
    for seg in segments:
        pos = seg.offset
        for i in range(len(seg.chunk_hashes)):
            want = min(seg.chunk_size, seg.end - pos)
            try:
                data = next(read_chunks(fh, want, want), b"")
            except _READ_ERRORS:
                return Mismatch(SealState.CHANGED, chunk_base + i, pos)
            if len(data) < want:
                return Mismatch(SealState.TRUNCATED, chunk_base + i, pos)
            if leaf_hash(data).hex() != seg.chunk_hashes[i]:
                return Mismatch(SealState.CHANGED, chunk_base + i, pos)
            pos += want
        chunk_base += len(seg.chunk_hashes)
    return None


def siblings(path: Path) -> list[Path]:
    """Rotated copies of a log: same folder, name continuing with '.', '-' or '_', newest first."""
    if not path.parent.is_dir():
        return []
    found = [
        p for p in path.parent.iterdir()
        if p.name != path.name and p.name.startswith(path.name) and p.name[len(path.name)] in ".-_" and p.is_file()
    ]
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def _matches(path: Path, segments: Sequence[Segment]) -> Mismatch | bool | None:
    """None when the file holds the generation intact; False when it cannot be read."""
    try:
        with content(path) as fh:
            return compare(fh, segments)
    except _READ_ERRORS:
        return False


def find_rotated(path: Path, segments: Sequence[Segment]) -> tuple[Path, Mismatch | None] | None:
    """The rotated copy of a generation: an intact one, else one that starts like it but was altered."""
    altered: tuple[Path, Mismatch] | None = None
    for p in siblings(path):
        found = _matches(p, segments)
        if found is None:
            return p, None
        if isinstance(found, Mismatch) and found.chunk > 0 and (altered is None or found.chunk > altered[1].chunk):
            altered = (p, found)
    return altered


def _rotated_intact(path: Path, segments: Sequence[Segment]) -> bool:
    found = find_rotated(path, segments)
    return found is not None and found[1] is None


# --- the store side -------------------------------------------------------------------------------


def _altered(path: str, seq: int | None, why: str, why_ja: str) -> SealReport:
    return SealReport(path, SealState.RECORD_ALTERED,
                      Text(ja=f"{path} の封印記録(台帳エントリ {seq})が改ざんされています: {why_ja}",
                           en=f"the seal of {path} (ledger entry {seq}) was altered: {why}"),
                      ledger_seq=seq)


def load_seals(session: Session, path: str | None = None) -> tuple[dict[str, list[Segment]], list[SealReport]]:
    """Seals per path, each checked against its ledger entry; reports for seals that disagree.

    The ledger drives this: deleting seal rows cannot make a sealed file look unsealed.
    """
    entries = session.execute(select(LedgerEntryRow).where(LedgerEntryRow.kind == KIND).order_by(LedgerEntryRow.seq))
    rows = {r.ledger_seq: r for r in session.scalars(select(SealRow).order_by(SealRow.id))}
    by_path: dict[str, list[Segment]] = {}
    problems: list[SealReport] = []
    for (e,) in entries:
        try:
            data = json.loads(e.payload)
            p = str(data["path"])
        except (ValueError, KeyError, TypeError):
            problems.append(_altered("?", e.seq, "its ledger payload is not a seal", "台帳の内容が封印ではありません"))
            continue
        if path is not None and p != path:
            continue
        row = rows.pop(e.seq, None)
        if entry_hash(e.seq, time_text(e.time), e.kind, e.actor, e.payload, e.prev_hash) != e.hash:
            problems.append(_altered(p, e.seq, "its ledger entry does not match its hash",
                                     "台帳エントリの内容とハッシュが一致しません"))
            continue
        if row is None:
            problems.append(_altered(p, e.seq, "the seal row was deleted", "封印の行が削除されています"))
            continue
        seg = Segment(row.path, int(row.offset), int(row.size), row.sha256, int(row.chunk_size), row.chunk_root,
                      tuple(str(h) for h in row.chunk_hashes), int(data.get("inode", 0)), int(data.get("device", 0)),
                      e.seq)
        if seg.payload() != data or fold_chunks(seg) != seg.chunk_root:
            problems.append(_altered(p, e.seq, "the seal row differs from its ledger entry",
                                     "封印の行が台帳エントリと一致しません"))
            continue
        by_path.setdefault(p, []).append(seg)
    for seq, row in rows.items():
        if path is None or row.path == path:
            problems.append(_altered(row.path, seq, "the seal row has no ledger entry",
                                     "封印の行に対応する台帳エントリがありません"))
    return by_path, problems


def fold_chunks(seg: Segment) -> str:
    return root(bytes.fromhex(h) for h in seg.chunk_hashes).hex()


def generations(segments: Sequence[Segment]) -> list[list[Segment]]:
    gens: list[list[Segment]] = []
    for seg in segments:
        if seg.offset == 0 or not gens:
            gens.append([])
        gens[-1].append(seg)
    return gens


def _resolve(path: Path) -> str:
    return str(path.expanduser().resolve())


def seal_paths(store: Store, paths: Sequence[Path], actor: str, *, chunk_size: int = CHUNK_SIZE) -> list[SealReport]:
    """Seal each file, or its growth since the last seal; refuse (IntegrityError) a file changed in place."""
    for p in paths:
        if not p.is_file():
            raise InputError(f"{p}: no such file", ja=f"{p}: ファイルがありません")
    return [_seal_one(store, Path(_resolve(p)), actor, chunk_size) for p in paths]


def _seal_one(store: Store, path: Path, actor: str, chunk_size: int) -> SealReport:
    key = str(path)
    st = path.stat()
    with store.session() as s:
        by_path, problems = load_seals(s, key)
        if problems:
            raise IntegrityError(problems[0].message.en, ja=problems[0].message.ja)
        gens = generations(by_path.get(key, []))
        start = 0
        if gens:
            last = gens[-1]
            found = _matches(path, last)
            if found is None:
                start = last[-1].end
            elif st.st_ino == last[-1].inode and not _rotated_intact(path, last):
                # Same file, different content, and no intact rotated copy: changed in place.
                state = found.state if isinstance(found, Mismatch) else SealState.CHANGED
                chunk = found.chunk if isinstance(found, Mismatch) else 0
                raise IntegrityError(
                    f"{key} was {state.value} at chunk {chunk} since it was sealed: not sealed again "
                    "(see `checksheet ledger verify-seal`)",
                    ja=f"{key} は封印後にチャンク {chunk} で{_STATE_JA[state]}ため、封印しませんでした"
                    "(`checksheet ledger verify-seal` で確認してください)",
                )
        with content(path) as fh:
            if start:
                fh.seek(start)
            seg = measure(fh, key, start, chunk_size, st)
        if seg.size == 0:
            return SealReport(key, SealState.UNCHANGED, Text(ja=f"{key}: 前回の封印から変化はありません",
                                                             en=f"{key}: nothing new since the last seal"),
                              sealed_bytes=start)
        [entry] = append_entries(s, [NewEntry(KIND, actor, seg.payload())])
        s.add(SealRow(path=key, offset=seg.offset, size=seg.size, sha256=seg.sha256, chunk_size=chunk_size,
                      chunk_root=seg.chunk_root, chunk_hashes=list(seg.chunk_hashes), sealed_at=datetime.now(UTC),
                      ledger_seq=entry.seq))
    what = (
        Text(ja=f"{key}: バイト {start}〜{seg.end} を封印しました(追記分)",
             en=f"{key}: sealed bytes {start}..{seg.end} (growth)")
        if start
        else Text(ja=f"{key}: {seg.size} バイトを封印しました", en=f"{key}: sealed {seg.size} bytes")
    )
    return SealReport(key, SealState.SEALED, what, sealed_bytes=seg.end, ledger_seq=entry.seq)


_STATE_JA = {
    SealState.CHANGED: "改ざんされていた",
    SealState.TRUNCATED: "切り詰められていた",
}


def verify_paths(store: Store, paths: Sequence[Path] = ()) -> list[SealReport]:
    """A report per sealed generation of each path (every sealed path when none are given)."""
    keys = [_resolve(p) for p in paths]
    with store.session() as s:
        by_path, problems = load_seals(s, keys[0] if len(keys) == 1 else None)
    reports = [r for r in problems if not keys or r.path in keys]
    for key in keys or sorted(by_path):
        gens = generations(by_path.get(key, []))
        if not gens:
            if not any(r.path == key for r in reports):
                reports.append(SealReport(key, SealState.UNSEALED, Text(ja=f"{key} は封印されていません",
                                                                        en=f"{key} was never sealed")))
            continue
        for i, gen in enumerate(gens):
            reports.append(_verify_generation(Path(key), gen, current=i == len(gens) - 1))
    return reports


def _verify_generation(path: Path, gen: Sequence[Segment], *, current: bool) -> SealReport:
    key, sealed, seq = str(path), gen[-1].end, gen[-1].ledger_seq
    found = _matches(path, gen) if current and path.is_file() else False
    if found is None:
        return SealReport(key, SealState.INTACT, Text(ja=f"{key}: 封印した {sealed} バイトはすべて改ざんされていません",
                                                      en=f"{key}: all {sealed} sealed bytes are intact"),
                          sealed_bytes=sealed, ledger_seq=seq)
    rotated = find_rotated(path, gen)
    if rotated is not None and rotated[1] is None:
        return SealReport(key, SealState.ROTATED,
                          Text(ja=f"{key}: 封印した {sealed} バイトはローテーション先 {rotated[0]} に"
                                  "改ざんなく残っています",
                               en=f"{key}: the {sealed} sealed bytes were rotated to {rotated[0]}, intact"),
                          sealed_bytes=sealed, location=str(rotated[0]), ledger_seq=seq)
    # The file that matches the sealed content furthest is the one it became (the path wins ties);
    # a path now holding another file (new inode, different from the first chunk) is not a candidate.
    replaced = path.exists() and path.stat().st_ino != gen[-1].inode
    candidates = [(path, found)] if isinstance(found, Mismatch) and not (replaced and found.chunk == 0) else []
    if rotated is not None and rotated[1] is not None:
        candidates.append((rotated[0], rotated[1]))
    if candidates:
        where, mismatch = max(candidates, key=lambda c: c[1].chunk)
        return _altered_content(key, where, mismatch, gen)
    if current and not path.exists():
        return SealReport(key, SealState.DELETED, Text(ja=f"{key}: 封印したファイルが削除されています",
                                                       en=f"{key}: the sealed file was deleted"),
                          sealed_bytes=sealed, ledger_seq=seq)
    return SealReport(key, SealState.ROTATED_AWAY,
                      Text(ja=f"{key}: 封印した {sealed} バイトはローテーションで失われ、どこにも見つかりません",
                           en=f"{key}: the {sealed} sealed bytes were rotated away and are nowhere to be found"),
                      sealed_bytes=sealed, chunk=0, ledger_seq=seq)


def _altered_content(key: str, where: Path, found: Mismatch, gen: Sequence[Segment]) -> SealReport:
    size = gen[0].chunk_size
    name_en = "" if str(where) == key else f" (in its rotated copy {where})"
    name_ja = "" if str(where) == key else f"(ローテーション先 {where})"
    span_en = f"chunk {found.chunk} (bytes {found.offset}..{found.offset + size - 1})"
    span_ja = f"チャンク {found.chunk}(バイト {found.offset}〜{found.offset + size - 1})"
    if found.state is SealState.TRUNCATED:
        text = Text(ja=f"{key}{name_ja}: 封印後に切り詰められています: {span_ja} 以降がありません",
                    en=f"{key}{name_en}: truncated since it was sealed: content ends within {span_en}")
    else:
        text = Text(ja=f"{key}{name_ja}: 封印後に改ざんされています: 最初の相違は {span_ja}",
                    en=f"{key}{name_en}: changed since it was sealed: first difference in {span_en}")
    return SealReport(key, found.state, text, sealed_bytes=gen[-1].end, chunk=found.chunk, location=str(where),
                      ledger_seq=gen[-1].ledger_seq)
