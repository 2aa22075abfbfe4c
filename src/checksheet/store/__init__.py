"""Persistence: SQLAlchemy models, Alembic migrations and repositories returning model types."""

from checksheet.store.db import Store, open_store

__all__ = ["Store", "open_store"]
