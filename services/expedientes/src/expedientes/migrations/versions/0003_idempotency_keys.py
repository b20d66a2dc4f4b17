"""Idempotency-Key support: the first answer to each (user, key)

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

from alembic import op

from sigexp_common.messaging_tables import create_idempotency_table, drop_idempotency_table

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_idempotency_table(op.get_bind())


def downgrade() -> None:
    drop_idempotency_table(op.get_bind())
