"""What every command needs: settings, the project's store, the output language.

The store (SQLAlchemy) is imported when a command opens it, not when the CLI loads: `--help` stays
quick, and `scan aws` can start its API calls before the database layer has even loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from checksheet.config import Settings, load_settings
from checksheet.errors import StoreError
from checksheet.model import Lang

if TYPE_CHECKING:
    from checksheet.store import Store


def settings() -> Settings:
    return load_settings()


def require_project(cfg: Settings) -> None:
    """A usage error when the default SQLite database does not exist (no `checksheet init` here)."""
    if cfg.is_sqlite and not (cfg.state_dir / "checksheet.db").exists() and (
        cfg.database_url.endswith(str(cfg.state_dir / "checksheet.db"))
    ):
        raise StoreError(
            f"no checksheet project in {cfg.home}: run `checksheet init` first",
            ja=f"{cfg.home} に checksheet のプロジェクトがありません。先に `checksheet init` を実行してください",
        )


def store(cfg: Settings | None = None, *, must_exist: bool = True) -> Store:
    """The project's database; with `must_exist`, a missing SQLite file is a usage error."""
    from checksheet.store import open_store

    cfg = cfg or settings()
    if must_exist:
        require_project(cfg)
    return open_store(cfg.database_url)


def lang(choice: str | None, cfg: Settings | None = None) -> Lang:
    if choice in ("ja", "en"):
        return choice  # type: ignore[return-value]
    return (cfg or settings()).lang
