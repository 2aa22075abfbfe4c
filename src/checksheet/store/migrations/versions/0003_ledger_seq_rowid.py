"""ledger_entries.seq is the rowid on SQLite

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 00:20:00.000000

On SQLite only a column declared exactly INTEGER PRIMARY KEY is the table's rowid. BIGINT made
seq a separate unique index beside a hidden rowid, so reading the ledger in seq order looked up
every row through that index and each append wrote both. The table is rebuilt with seq as the
rowid (Alembic batch mode: a new table, every row copied as it is stored, the old one dropped,
the kind index recreated). PostgreSQL keeps BIGINT: nothing to do there.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _seq_type(new: sa.types.TypeEngine[int], old: sa.types.TypeEngine[int]) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table("ledger_entries", recreate="always") as batch_op:
        batch_op.alter_column("seq", existing_type=old, type_=new, existing_nullable=False, autoincrement=False)


def upgrade() -> None:
    _seq_type(sa.Integer(), sa.BigInteger())


def downgrade() -> None:
    _seq_type(sa.BigInteger(), sa.Integer())
