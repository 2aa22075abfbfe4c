"""The hash chain and its one-pass verifier: every single-byte change, removal, reorder or
truncation is detected, and the first bad entry is named."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checksheet.errors import InputError, IntegrityError
from checksheet.ledger import chain, merkle, verifier
from checksheet.ledger.chain import Row
from checksheet.ledger.verifier import Checkpoint

T0 = datetime(2026, 1, 1, tzinfo=UTC)
#: Blocks of 4 and 8 rows take the verifier's fast path on small ledgers; 2**12 never does here.
LOG_BLOCKS = [2, 3, 12]


def rows_of(n: int) -> list[Row]:
    items = [
        (T0 + timedelta(seconds=i), f"kind.{i % 3}", f"actor{i % 2}", chain.canonical_json({"i": i, "ja": "監査"}))
        for i in range(n)
    ]
    return [
        (e.seq, chain.time_text(e.time), e.kind, e.actor, e.payload, e.prev_hash, e.hash)
        for e in chain.chain(1, chain.GENESIS, items)
    ]


def cache_of(rows: list[Row], level: int) -> dict[tuple[int, int], str]:
    completed = merkle.Frontier().extend((bytes.fromhex(r[6]) for r in rows), min_level=level)
    return {(lv, ix): h.hex() for lv, ix, h in completed}


def full_checkpoint(rows: list[Row]) -> Checkpoint:
    return Checkpoint(len(rows), merkle.root(bytes.fromhex(r[6]) for r in rows).hex(), "test")


def named(err: IntegrityError) -> int:
    match = re.search(r"entr(?:y|ies) (\d+)", str(err))
    assert match, str(err)
    return int(match.group(1))


def test_entry_bytes_are_six_lines_and_the_hash_is_the_rfc9162_leaf() -> None:
    body = chain.entry_bytes(7, "2026-01-01 00:00:00.000000", "scan", "alice", '{"a":1}', chain.GENESIS)
    assert body == f'7\n2026-01-01 00:00:00.000000\nscan\nalice\n{{"a":1}}\n{chain.GENESIS}'.encode()
    digest = chain.entry_hash(7, "2026-01-01 00:00:00.000000", "scan", "alice", '{"a":1}', chain.GENESIS)
    assert digest == merkle.leaf_hash(body).hex()


def test_time_text_is_utc_with_microseconds_whatever_the_zone() -> None:
    jst = timezone(timedelta(hours=9))
    assert chain.time_text(datetime(2026, 1, 1, 9, 0, tzinfo=jst)) == "2026-01-01 00:00:00.000000"
    assert chain.time_text(datetime(2026, 1, 1, 1, 2, 3, 4)) == "2026-01-01 01:02:03.000004"


def test_canonical_json_is_stable_and_refuses_what_json_cannot_hold() -> None:
    assert chain.canonical_json({"b": [1, 2], "a": "監査"}) == '{"a":"監査","b":[1,2]}'
    assert "\n" not in chain.canonical_json({"x": "two\nlines"})
    for bad in (float("nan"), {1, 2}, "\udc80"):
        with pytest.raises(InputError):
            chain.canonical_json(bad)


@pytest.mark.parametrize("label", ["", "a\nb", "tab\there", "x" * 300])
def test_kind_and_actor_may_not_hold_control_characters(label: str) -> None:
    with pytest.raises(InputError):
        chain.check_label("actor", label, chain.MAX_ACTOR)


@pytest.mark.parametrize("log_block", LOG_BLOCKS)
@given(st.integers(min_value=0, max_value=150))
def test_an_untouched_ledger_verifies_with_its_cache_and_checkpoint(log_block: int, n: int) -> None:
    rows = rows_of(n)
    result = verifier.verify_rows(
        log_block=log_block,
        rows=rows,
        checkpoints=[full_checkpoint(rows)] if n else [],
        nodes=cache_of(rows, 3),
        node_level=3,
    )
    assert result.size == n
    assert result.root_hash == merkle.root(bytes.fromhex(r[6]) for r in rows).hex()


FIELDS = {1: "time", 2: "kind", 3: "actor", 4: "payload", 5: "prev_hash", 6: "hash"}


@pytest.mark.parametrize("log_block", LOG_BLOCKS)
@given(st.integers(min_value=1, max_value=40), st.data())
def test_every_single_byte_change_is_detected_and_named(log_block: int, n: int, data: st.DataObject) -> None:
    rows = rows_of(n)
    k = data.draw(st.integers(min_value=0, max_value=n - 1))
    field = data.draw(st.sampled_from(sorted(FIELDS)))
    text = str(rows[k][field])
    pos = data.draw(st.integers(min_value=0, max_value=len(text) - 1))
    new = data.draw(st.characters(codec="utf-8").filter(lambda c: c != text[pos]))
    changed = list(rows[k])
    changed[field] = text[:pos] + new + text[pos + 1 :]
    tampered = [*rows[:k], tuple(changed), *rows[k + 1 :]]
    with pytest.raises(IntegrityError) as err:
        verifier.verify_rows(log_block=log_block, rows=tampered)  # type: ignore[arg-type]
    assert named(err.value) == k + 1
    assert err.value.exit_code == 3


@pytest.mark.parametrize("log_block", LOG_BLOCKS)
@given(st.integers(min_value=1, max_value=40), st.data())
def test_a_renumbered_entry_is_named(log_block: int, n: int, data: st.DataObject) -> None:
    rows = rows_of(n)
    k = data.draw(st.integers(min_value=0, max_value=n - 1))
    seq = data.draw(st.integers(min_value=-5, max_value=n + 5).filter(lambda s: s != k + 1))
    tampered = [*rows[:k], (seq, *rows[k][1:]), *rows[k + 1 :]]
    with pytest.raises(IntegrityError) as err:
        verifier.verify_rows(log_block=log_block, rows=tampered)
    assert named(err.value) == k + 1


@pytest.mark.parametrize("log_block", LOG_BLOCKS)
@given(st.integers(min_value=2, max_value=40), st.data())
def test_a_removed_entry_is_named_even_the_last_one(log_block: int, n: int, data: st.DataObject) -> None:
    rows = rows_of(n)
    k = data.draw(st.integers(min_value=0, max_value=n - 1))
    with pytest.raises(IntegrityError) as err:
        verifier.verify_rows(log_block=log_block, rows=[*rows[:k], *rows[k + 1 :]], checkpoints=[full_checkpoint(rows)])
    assert named(err.value) == k + 1


@pytest.mark.parametrize("log_block", LOG_BLOCKS)
@given(st.integers(min_value=2, max_value=40), st.data())
def test_reordered_entries_are_named_at_the_first_moved_one(log_block: int, n: int, data: st.DataObject) -> None:
    rows = rows_of(n)
    i, j = sorted(data.draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=2, unique=True)))
    swapped = list(rows)
    swapped[i], swapped[j] = rows[j], rows[i]
    with pytest.raises(IntegrityError) as err:
        verifier.verify_rows(log_block=log_block, rows=swapped)
    assert named(err.value) == i + 1
    # Swapping the contents but keeping the numbers is caught at the same place.
    contents = list(rows)
    contents[i], contents[j] = (rows[i][0], *rows[j][1:]), (rows[j][0], *rows[i][1:])
    with pytest.raises(IntegrityError) as err:
        verifier.verify_rows(log_block=log_block, rows=contents)
    assert named(err.value) == i + 1


@pytest.mark.parametrize("log_block", LOG_BLOCKS)
@given(st.integers(min_value=2, max_value=40), st.data())
def test_an_entry_rewritten_with_a_fresh_hash_is_named(log_block: int, n: int, data: st.DataObject) -> None:
    rows = rows_of(n)
    k = data.draw(st.integers(min_value=0, max_value=n - 2))
    seq, tm, kind, actor, _payload, prev, _ = rows[k]
    payload = chain.canonical_json({"forged": True})
    forged = (seq, tm, kind, actor, payload, prev, chain.entry_hash(seq, tm, kind, actor, payload, prev))
    with pytest.raises(IntegrityError) as err:
        verifier.verify_rows(log_block=log_block, rows=[*rows[:k], forged, *rows[k + 1 :]])
    assert named(err.value) == k + 1


@pytest.mark.parametrize("log_block", LOG_BLOCKS)
def test_a_consistently_rewritten_tail_is_caught_by_the_checkpoint(log_block: int) -> None:
    rows = rows_of(30)
    cp = full_checkpoint(rows)
    forged = chain.chain(11, rows[9][6], [(T0, "kind.x", "mallory", "{}")] * 20)
    rewritten = rows[:10] + [
        (e.seq, chain.time_text(e.time), e.kind, e.actor, e.payload, e.prev_hash, e.hash) for e in forged
    ]
    with pytest.raises(IntegrityError, match=r"entries 1\.\.30 were rewritten"):
        verifier.verify_rows(log_block=log_block, rows=rewritten, checkpoints=[cp])
    # An earlier good checkpoint narrows the range down.
    early = Checkpoint(10, merkle.root(bytes.fromhex(r[6]) for r in rows[:10]).hex(), "mid")
    with pytest.raises(IntegrityError, match=r"entries 11\.\.30 were rewritten"):
        verifier.verify_rows(log_block=log_block, rows=rewritten, checkpoints=[early, cp])


@pytest.mark.parametrize("log_block", LOG_BLOCKS)
def test_a_truncation_is_caught_by_the_subtree_cache_without_checkpoints(log_block: int) -> None:
    rows = rows_of(40)
    with pytest.raises(IntegrityError) as err:
        verifier.verify_rows(log_block=log_block, rows=rows[:20], nodes=cache_of(rows, 3), node_level=3)
    assert named(err.value) == 21


@pytest.mark.parametrize("log_block", LOG_BLOCKS)
def test_an_altered_cache_entry_is_reported_with_its_range(log_block: int) -> None:
    rows = rows_of(20)
    cache = cache_of(rows, 3)
    cache[(3, 1)] = "00" * 32
    with pytest.raises(IntegrityError, match=r"entries 9\.\.16"):
        verifier.verify_rows(log_block=log_block, rows=rows, nodes=cache, node_level=3)


@pytest.mark.parametrize("log_block", LOG_BLOCKS)
def test_verification_can_resume_from_a_checked_border(log_block: int) -> None:
    rows = rows_of(50)
    first = verifier.verify_rows(log_block=log_block, rows=rows[:20])
    border = merkle.Frontier()
    border.extend(bytes.fromhex(r[6]) for r in rows[:20])
    resumed = verifier.verify_rows(
        log_block=log_block, rows=rows[20:], start=verifier.Start(20, first.head_hash, border.parts)
    )
    assert resumed == verifier.verify_rows(log_block=log_block, rows=rows)


@given(
    st.integers(min_value=1, max_value=120),
    st.sets(st.integers(min_value=1, max_value=120)),
    st.sampled_from(LOG_BLOCKS),
    st.integers(min_value=1, max_value=4),
)
def test_fast_and_entry_by_entry_paths_agree_with_checkpoints_anywhere(
    n: int, sizes: set[int], log_block: int, node_level: int
) -> None:
    rows = rows_of(n)
    cps = [Checkpoint(m, merkle.root(bytes.fromhex(r[6]) for r in rows[:m]).hex(), f"cp{m}") for m in sizes if m <= n]
    fast = verifier.verify_rows(
        rows, checkpoints=cps, nodes=cache_of(rows, node_level), node_level=node_level, log_block=log_block
    )
    slow = verifier.verify_rows(
        rows, checkpoints=cps, nodes=cache_of(rows, node_level), node_level=node_level, log_block=20
    )
    assert fast == slow and fast.checkpoints == len(cps)


@given(
    st.integers(min_value=0, max_value=120),
    st.sets(st.integers(min_value=1, max_value=120)),
    st.integers(min_value=1, max_value=4),
    st.integers(min_value=1, max_value=3),
)
def test_blocks_hashed_apart_and_folded_in_order_verify_like_one_pass(
    n: int, sizes: set[int], workers: int, log_block: int
) -> None:
    """What verify's worker processes do: segments of whole blocks, each block hashed on its own (here in
    reverse order), folded in order, the partial block at the end walked row by row."""
    rows = rows_of(n)
    cps = [Checkpoint(m, merkle.root(bytes.fromhex(r[6]) for r in rows[:m]).hex(), f"cp{m}") for m in sizes if m <= n]
    targets = sorted(cp.tree_size for cp in cps)
    whole = verifier.verify_rows(rows, checkpoints=cps, nodes=cache_of(rows, 2), node_level=2, log_block=log_block)
    block = 1 << log_block
    shares = verifier.segments(n, workers, log_block)
    assert [start for start, _ in shares] == [0, *(end for _, end in shares[:-1])][:len(shares)]  # contiguous
    assert (shares[-1][1] if shares else 0) == n - n % block and len(shares) <= workers
    hashed = [verifier.hash_block(rows[a:a + block], a, log_block, 2, verifier.sizes_inside(targets, a, a + block))
              for start, end in reversed(shares) for a in range(start, end, block)]
    assert None not in hashed
    ordered = sorted((b for b in hashed if b is not None), key=lambda b: b.start)
    p = verifier.Verification(cps, cache_of(rows, 2), node_level=2, log_block=log_block)
    for i, b in enumerate(ordered):
        assert i + 1 == len(ordered) or not p.add_block(ordered[i + 1])  # out of turn: refused, nothing changed
        assert p.add_block(b)
    p.feed(rows[p.size:])
    assert p.result() == whole


def test_a_block_that_does_not_verify_in_bulk_is_left_to_the_row_by_row_walk() -> None:
    rows = rows_of(16)
    assert verifier.hash_block(rows[:8], 0, 3, None) is not None
    assert verifier.hash_block(rows[:7], 0, 3, None) is None  # a row short
    assert verifier.hash_block(rows[8:], 0, 3, None) is None  # numbered for another place
    relinked = [*rows[:3], (*rows[3][:5], "0" * 64, rows[3][6]), *rows[4:8]]
    assert verifier.hash_block(relinked, 0, 3, None) is None
