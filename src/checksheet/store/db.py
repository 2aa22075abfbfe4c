"""Opening the database: engine, sessions, WAL for SQLite, Alembic migrations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from checksheet.errors import StoreError

if TYPE_CHECKING:  # Alembic loads only when a migration runs: every command opens the store
    from alembic.config import Config

MIGRATIONS = resources.files(__package__) / "migrations"
#: The newest migration's revision; a test keeps it equal to Alembic's head.
SCHEMA_HEAD = "0003"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _redacted(url: str) -> str:
    """The URL without its password, for error messages."""
    head, sep, tail = url.partition("@")
    if not sep or "://" not in head:
        return url
    scheme, _, userinfo = head.partition("://")
    return f"{scheme}://{userinfo.split(':', 1)[0]}@{tail}"


class Store:
    """One database: an engine and a session factory."""

    def __init__(self, url: str) -> None:
        self.url = url
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.engine: Engine = create_engine(url, future=True)
        except (SQLAlchemyError, ImportError, ValueError) as err:
            raise StoreError(f"cannot open database {_redacted(url)}: {err}") from err
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed on success, rolled back on error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except SQLAlchemyError as err:
            session.rollback()
            detail = getattr(err, "orig", None) or err
            raise StoreError(f"database error: {type(err).__name__}: {detail}") from err
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def _alembic(self) -> Config:
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.attributes["engine"] = self.engine
        return cfg

    def upgrade(self) -> None:
        """Bring the schema to the newest migration."""
        from alembic import command

        try:
            command.upgrade(self._alembic(), "head")
        except SQLAlchemyError as err:
            raise StoreError(f"cannot migrate {_redacted(self.url)}: {err}") from err

    def is_current(self) -> bool:
        """Whether the schema is at SCHEMA_HEAD (read from Alembic's own version table)."""
        try:
            with self.engine.connect() as conn:
                if not self.engine.dialect.has_table(conn, "alembic_version"):
                    return False
                versions = {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}
        except SQLAlchemyError as err:
            raise StoreError(f"cannot open database {_redacted(self.url)}: {err}") from err
        return versions == {SCHEMA_HEAD}

    def head(self) -> str | None:
        """Alembic's newest revision among the shipped migrations."""
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(self._alembic()).get_current_head()

    def dispose(self) -> None:
        self.engine.dispose()


def open_store(url: str, *, migrate: bool = True) -> Store:
    """Open the database at `url`, migrating it to the current schema unless told not to."""
    store = Store(url)
    if migrate and not store.is_current():
        store.upgrade()
    return store
