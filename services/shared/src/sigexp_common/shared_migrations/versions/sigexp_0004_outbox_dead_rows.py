"""outbox: dead state for rows that failed `outbox_max_attempts` times

A dead row is no longer tried (it never holds back the rows behind it), counts in the gauge
`sigexp_outbox_dead` and is revived by `python -m <service> outbox-reintentar`.

Revision ID: sigexp_0004
Revises: sigexp_0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "sigexp_0004"
down_revision: str | None = "sigexp_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("dead_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("outbox", "dead_at")
