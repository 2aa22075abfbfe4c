"""`checksheet ledger ...`: append, verify, prove, checkpoint, export, seal and verify-seal."""

from __future__ import annotations

import getpass
import json
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from checksheet.cli import context
from checksheet.cli.output import Format, LangChoice, console, print_json, say, table
from checksheet.config import Settings
from checksheet.errors import InputError, IntegrityError, UsageError
from checksheet.model import Text

if TYPE_CHECKING:  # the ledger (SQLAlchemy, cryptography) loads when a ledger command runs
    from checksheet.ledger import seal, signing, verify
    from checksheet.store import Store

#: seal.CHUNK_SIZE, spelt out so that `--help` needs no database layer (a test holds them equal).
CHUNK_SIZE = 1 << 20

ledger_app = typer.Typer(
    help="The tamper-evident ledger: append audit events, verify, prove, sign checkpoints, seal log files.",
    no_args_is_help=True,
)


def default_actor() -> str:
    return f"{getpass.getuser()}@{socket.gethostname()}"


def _signed_if_due(store: Store, cfg: Settings, *, every: int | None = None) -> None:
    from checksheet.ledger import checkpoint, keys

    made = checkpoint.checkpoint_if_due(store, keys.load_key(cfg), every=every or checkpoint.EVERY_ENTRIES)
    if made is not None and made.created:
        say(Text(ja="チェックポイントに署名しました(ツリーサイズ {n})", en="Signed a checkpoint (tree size {n})"),
            cfg.lang, n=made.signed.tree_size)


def _read(source: str) -> str:
    try:
        return sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read {source}: {err}", ja=f"{source} を読み込めません: {err}") from err


@ledger_app.command("append")
def append_cmd(
    kind: str | None = typer.Option(None, "--kind", help="What happened, e.g. app.login or admin.role_change."),
    actor: str | None = typer.Option(None, "--actor", help="Who did it."),
    data: str | None = typer.Option(None, "--data", help="The event as a JSON value."),
    jsonl: str | None = typer.Option(
        None, "--jsonl", help="Bulk: a file (or - for stdin) of JSON lines with kind, actor, time, data."
    ),
    format: Format = typer.Option(Format.TABLE, "--format", help="table or json."),
) -> None:
    """Append audit events, such as your services' application audit logs, to the ledger."""
    from checksheet.ledger import NewEntry, append_many
    from checksheet.ledger.append import parse_events

    cfg = context.settings()
    if jsonl is not None:
        if kind or actor or data:
            raise UsageError("use either --jsonl or --kind/--actor/--data",
                             ja="--jsonl と --kind/--actor/--data は同時に使えません")
        items = parse_events(_read(jsonl), jsonl)
    else:
        if not (kind and actor and data is not None):
            raise UsageError("--kind, --actor and --data are required (or --jsonl FILE)",
                             ja="--kind・--actor・--data を指定してください(または --jsonl FILE)")
        try:
            value = json.loads(data)
        except json.JSONDecodeError as err:
            raise InputError(f"--data is not JSON: {err.msg}", ja=f"--data が JSON ではありません: {err.msg}") from err
        items = [NewEntry(kind, actor, value)]
    store = context.store(cfg)
    first, last = append_many(store, items)
    if format is Format.JSON:
        print_json({"first": first, "last": last, "count": len(items)})
    else:
        say(Text(ja="台帳に {n} 件追記しました(エントリ {a}〜{b})", en="Appended {n} entries to the ledger ({a}..{b})"),
            cfg.lang, n=len(items), a=first, b=last)
    _signed_if_due(store, cfg)


def _exported(against: list[str]) -> list[tuple[str, signing.SignedCheckpoint]]:
    from checksheet.ledger import export

    return [cp for dest in against for cp in export.load(dest)]


@ledger_app.command("verify")
def verify_cmd(
    against: list[str] = typer.Option(
        [], "--against", help="Also hold the ledger to checkpoints exported here (folder or s3://bucket/prefix)."
    ),
    public_key: Path | None = typer.Option(None, "--public-key", help="PEM public key to check signatures with."),
    format: Format = typer.Option(Format.TABLE, "--format", help="table or json."),
) -> None:
    """Recompute every hash, link and checkpoint; exit 3 naming the first bad entry."""
    from checksheet.ledger import keys, verify

    cfg = context.settings()
    store = context.store(cfg)
    result = verify.verify(store, keys.public_key(cfg, public_key), _exported(against))
    if format is Format.JSON:
        print_json({"ok": True, "entries": result.size, "root_hash": result.root_hash, "head_hash": result.head_hash,
                    "checkpoints": result.checkpoints, "cached_subtrees": result.nodes})
        return
    say(Text(ja="台帳は改ざんされていません: {n} 件、チェックポイント {c} 件を検証しました(ルート {root})",
             en="The ledger is intact: {n} entries and {c} checkpoints verified (root {root})"),
        cfg.lang, n=result.size, c=result.checkpoints, root=result.root_hash)


@ledger_app.command("prove")
def prove_cmd(seq: int = typer.Argument(..., help="The entry's sequence number.")) -> None:
    """Print one entry's RFC 9162 inclusion proof in the newest signed checkpoint (JSON)."""
    from checksheet.ledger import checkpoint, prove

    cfg = context.settings()
    store = context.store(cfg)
    latest = checkpoint.latest(store)
    print_json(prove.prove(store, seq, latest.signed if latest else None).to_json())


@ledger_app.command("checkpoint")
def checkpoint_cmd(
    export_to: list[str] = typer.Option(
        [], "--export", help="Write every signed checkpoint to a folder or s3://bucket/prefix (Object Lock honoured)."
    ),
    format: Format = typer.Option(Format.TABLE, "--format", help="table or json."),
) -> None:
    """Sign a checkpoint (tree size, Merkle root, time); --export writes them out."""
    from checksheet.ledger import checkpoint, export, keys

    cfg = context.settings()
    key = keys.load_key(cfg)
    if key is None:
        raise UsageError(f"no signing key in {cfg.state_dir}: run `checksheet init`",
                         ja=f"{cfg.state_dir} に署名鍵がありません: `checksheet init` を実行してください")
    store = context.store(cfg)
    made = checkpoint.create(store, key)
    stored = [c.signed for c in _all_checkpoints(store)]
    written = [w for dest in export_to for w in export.export(dest, stored)]
    if format is Format.JSON:
        print_json({"checkpoint": made.signed.to_json() if made else None,
                    "exported": [{"location": w.location, "created": w.created,
                                  "retain_until": w.retain_until.isoformat() if w.retain_until else None}
                                 for w in written]})
        return
    if made is None:
        say(Text(ja="台帳は空です", en="The ledger is empty"), cfg.lang)
    else:
        say(Text(ja="チェックポイント: ツリーサイズ {n}、ルート {root}", en="Checkpoint: tree size {n}, root {root}"),
            cfg.lang, n=made.signed.tree_size, root=made.signed.root_hash)
    for w in written:
        if w.created:
            say(Text(ja="書き出しました: {loc}{lock}", en="Exported {loc}{lock}"), cfg.lang, loc=w.location,
                lock=f" (Object Lock until {w.retain_until:%Y-%m-%d})" if w.retain_until else "")


def _all_checkpoints(store: Store) -> list[verify.StoredCheckpoint]:
    from checksheet.ledger import verify

    with store.engine.connect() as conn:
        return verify.stored_checkpoints(conn)


@ledger_app.command("export")
def export_cmd(
    since: int = typer.Option(1, "--since", help="First sequence number to export."),
    format: str = typer.Option("jsonl", "--format", help="jsonl (one entry with its inclusion proof per line)."),
) -> None:
    """Stream entries as JSON lines, each with its inclusion proof."""
    from checksheet.ledger import checkpoint, prove

    if format != "jsonl":
        raise UsageError(f"unknown format {format!r}: only jsonl", ja=f"形式 {format!r} は使えません: jsonl のみです")
    cfg = context.settings()
    store = context.store(cfg)
    _signed_if_due(store, cfg, every=1)
    latest = checkpoint.latest(store)
    for line in _lines(prove.export_entries(store, since, latest.signed if latest else None)):
        sys.stdout.write(line)
    sys.stdout.flush()


def _lines(entries: Iterator[dict[str, Any]]) -> Iterator[str]:
    for e in entries:
        yield json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n"


@ledger_app.command("export-key")
def export_key() -> None:
    """Print the ledger's public key (PEM) for verifiers; the private key stays in .checksheet/."""
    from checksheet.ledger import keys, signing

    cfg = context.settings()
    key = keys.load_key(cfg)
    if key is None:
        raise UsageError(f"no signing key in {cfg.state_dir}: run `checksheet init`",
                         ja=f"{cfg.state_dir} に署名鍵がありません: `checksheet init` を実行してください")
    sys.stdout.write(signing.public_pem(key.public_key()))


@ledger_app.command("seal")
def seal_cmd(
    paths: list[Path] = typer.Argument(..., help="Log files (auditd, application audit logs, rotated .gz)."),
    chunk_size: int = typer.Option(CHUNK_SIZE, "--chunk-size", min=512, help="Bytes per sealed chunk."),
    format: Format = typer.Option(Format.TABLE, "--format", help="table or json."),
    lang: LangChoice | None = typer.Option(None, "--lang", help="ja or en."),
) -> None:
    """Seal log files into the ledger (size, SHA-256, chunk Merkle root); a grown log seals its new part."""
    from checksheet.ledger import seal

    cfg = context.settings()
    store = context.store(cfg)
    reports = seal.seal_paths(store, paths, default_actor(), chunk_size=chunk_size)
    _print_seals(reports, format, context.lang(lang, cfg))
    _signed_if_due(store, cfg, every=1)


@ledger_app.command("verify-seal")
def verify_seal_cmd(
    paths: list[Path] = typer.Argument(None, help="Sealed files (default: every sealed file)."),
    format: Format = typer.Option(Format.TABLE, "--format", help="table or json."),
    lang: LangChoice | None = typer.Option(None, "--lang", help="ja or en."),
) -> None:
    """Report sealed files changed, truncated, deleted or rotated away, from which chunk (exit 3)."""
    from checksheet.ledger import seal

    cfg = context.settings()
    out_lang = context.lang(lang, cfg)
    reports = seal.verify_paths(context.store(cfg), paths or [])
    _print_seals(reports, format, out_lang)
    broken = [r for r in reports if r.broken]
    if broken:
        raise IntegrityError(broken[0].message.en + (f" (and {len(broken) - 1} more)" if len(broken) > 1 else ""),
                             ja=broken[0].message.ja + (f"(ほか {len(broken) - 1} 件)" if len(broken) > 1 else ""))


def _print_seals(reports: list[seal.SealReport], format: Format, lang: Any) -> None:
    if format is Format.JSON:
        print_json([r.to_json(lang) for r in reports])
        return
    t = table("path", "state", "bytes", "message")
    for r in reports:
        style = "red" if r.broken else "green"
        t.add_row(r.path, f"[{style}]{r.state.value}[/]", str(r.sealed_bytes), r.message.get(lang))
    console.print(t)


def register(app: typer.Typer) -> None:
    app.add_typer(ledger_app, name="ledger")
