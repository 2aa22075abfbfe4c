"""What every command needs: settings, the project's store, the output language."""

from __future__ import annotations

from checksheet.config import Settings, load_settings
from checksheet.errors import StoreError
from checksheet.model import Lang
from checksheet.store import Store, open_store


def settings() -> Settings:
    return load_settings()


def store(cfg: Settings | None = None, *, must_exist: bool = True) -> Store:
    """The project's database; with `must_exist`, a missing SQLite file is a usage error."""
    cfg = cfg or settings()
    if must_exist and cfg.is_sqlite and not (cfg.state_dir / "checksheet.db").exists() and (
        cfg.database_url.endswith(str(cfg.state_dir / "checksheet.db"))
    ):
        raise StoreError(
            f"no checksheet project in {cfg.home}: run `checksheet init` first",
            ja=f"{cfg.home} に checksheet のプロジェクトがありません。先に `checksheet init` を実行してください",
        )
    return open_store(cfg.database_url)


def lang(choice: str | None, cfg: Settings | None = None) -> Lang:
    if choice in ("ja", "en"):
        return choice  # type: ignore[return-value]
    return (cfg or settings()).lang
