"""Shared fixtures. `store` runs each test on SQLite and on the PostgreSQL server.

PostgreSQL: CHECKSHEET_TEST_POSTGRES_URL (default postgres@127.0.0.1:5432). Tests create
their own database and drop it afterwards. When CI=true an unreachable server is an
error, never a skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from checksheet.config import Settings, load_settings
from checksheet.store import Store, open_store
from checksheet.store.models import Base
from tests.cli_runner import Result, invoke

PG_ADMIN_URL = os.environ.get(
    "CHECKSHEET_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(scope="session", autouse=True)
def _own_cache_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The scan keeps cut botocore models in the user's cache folder: the tests keep theirs apart."""
    saved = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if saved is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = saved


def _pg_available() -> str | None:
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as err:  # any driver or network failure means "not available"
        return f"{type(err).__name__}: {err}"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    problem = _pg_available()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI but unreachable: {problem}")
        pytest.skip(f"PostgreSQL not reachable: {problem}")
    name = f"checksheet_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def _pg_store(postgres_url: str) -> Iterator[Store]:
    store = open_store(postgres_url)
    yield store
    store.dispose()


def _truncate(store: Store) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with store.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty, migrated store: SQLite in tmp_path, or the session's PostgreSQL database."""
    if request.param == "sqlite":
        s = open_store(f"sqlite:///{tmp_path / 'checksheet.db'}")
        yield s
        s.dispose()
    else:
        s = request.getfixturevalue("_pg_store")
        _truncate(s)
        yield s


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """An empty project folder as the current directory, with default settings (SQLite)."""
    monkeypatch.chdir(tmp_path)
    for key in list(os.environ):
        if key.startswith("CHECKSHEET_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("CHECKSHEET_HOME", str(tmp_path))
    return load_settings()


@pytest.fixture
def cli(project: Settings, store: Store, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """`checksheet init` done in an empty English project whose database is the `store` fixture's;
    returns a runner of further commands through the real entry point."""
    monkeypatch.setenv("CHECKSHEET_DATABASE_URL", store.url)
    monkeypatch.setenv("CHECKSHEET_LANG", "en")

    def run(*args: str) -> Result:
        return invoke(capsys, *args)

    assert run("init").code == 0
    return run
