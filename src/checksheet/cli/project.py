"""Project commands: init, status, db upgrade."""

from __future__ import annotations

import typer

from checksheet.cli import context
from checksheet.cli.output import Format, LangChoice, console, headings, print_json, say, state_label, table
from checksheet.config import CONFIG_FILE, DEFAULT_CONFIG
from checksheet.model import ControlState, Text

db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)


def init() -> None:
    """Create checksheet.toml and the database (SQLite in .checksheet/, or CHECKSHEET_DATABASE_URL)."""
    from checksheet.ledger import keys

    cfg = context.settings()
    config_path = cfg.home / CONFIG_FILE
    created = not config_path.exists()
    if created:
        config_path.write_text(DEFAULT_CONFIG, encoding="utf-8")
    cfg.state_dir.mkdir(mode=0o700, exist_ok=True)
    context.store(cfg, must_exist=False)
    keys.ensure_key(cfg)  # the ledger's Ed25519 signing key: mode 0600, never printed
    say(
        Text(
            ja="初期化しました: {config}{note}、データベース {db}",
            en="Initialised: {config}{note}, database {db}",
        ),
        cfg.lang,
        config=config_path,
        note="" if created else (" (既存の設定を維持)" if cfg.lang == "ja" else " (kept as it was)"),
        db="SQLite" if cfg.is_sqlite else "PostgreSQL",
    )


def status(
    format: Format = typer.Option(Format.TABLE, "--format", help="table or json."),
    lang: LangChoice | None = typer.Option(None, "--lang", help="ja or en (default: the project's lang)."),
    domain: str | None = typer.Option(None, "--domain", help="Only controls of this domain, e.g. NET."),
) -> None:
    """Show each control's status: met, partial, not met, needs evidence or stale."""
    from checksheet import catalog, run

    cfg = context.settings()
    out_lang = context.lang(lang, cfg)
    controls = catalog.catalog()
    statuses = [
        s for s in run.statuses(context.store(cfg), cfg)
        if domain is None or controls[s.control_id].domain == domain.upper()
    ]
    if format is Format.JSON:
        print_json([s.to_json(out_lang) for s in statuses])
        return
    t = table(*headings(out_lang, "ID", "state", "title", "evidence"))
    for s in statuses:
        reasons = "; ".join(r.get(out_lang) for r in s.reasons[:3])
        t.add_row(s.control_id, state_label(s.state, out_lang), controls[s.control_id].title.get(out_lang), reasons)
    console.print(t)
    counts = {state: sum(s.state is state for s in statuses) for state in ControlState}
    console.print(", ".join(f"{state_label(k, out_lang)} {v}" for k, v in counts.items()))


def upgrade() -> None:
    """Migrate the database to the current schema."""
    cfg = context.settings()
    context.store(cfg, must_exist=False).upgrade()
    say(Text(ja="データベースは最新のスキーマです", en="The database schema is up to date"), cfg.lang)


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(status)
    db_app.command("upgrade")(upgrade)
    app.add_typer(db_app, name="db")
