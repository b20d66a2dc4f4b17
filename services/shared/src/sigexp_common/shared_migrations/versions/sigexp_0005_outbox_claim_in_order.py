"""outbox: the relay's claim walks its rows in order (`created_at`, `id`) through an index of
the rows still to publish

The claim asks for the oldest due rows (`ORDER BY created_at, id LIMIT n`). Through
`ix_outbox_pending` (`next_attempt_at, created_at`) PostgreSQL read it as a bitmap of every
entry due, and a bitmap scan never marks the entries of rows already published as dead: until
a VACUUM, each claim visited every row published since the last one (16,950 entries and
2,342 heap pages, 5.8 ms, after a minute of audited reads). Walking an index in the claim's
own order stops at its LIMIT, and an index scan marks the entries it finds dead as it passes:
the next claims read past them on the index's pages without visiting their rows (0.19 ms a
claim in the same bench). The dead rows, which the claim never takes, get an index of
their own (`ix_outbox_muertas`) for the gauges that count them.

Revision ID: sigexp_0005
Revises: sigexp_0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "sigexp_0005"
down_revision: str | None = "sigexp_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_outbox_por_publicar",
        "outbox",
        ["created_at", "id"],
        postgresql_where=sa.text("published_at IS NULL AND dead_at IS NULL"),
    )
    op.create_index(
        "ix_outbox_muertas",
        "outbox",
        ["dead_at"],
        postgresql_where=sa.text("published_at IS NULL AND dead_at IS NOT NULL"),
    )
    op.drop_index("ix_outbox_pending", table_name="outbox")


def downgrade() -> None:
    op.create_index(
        "ix_outbox_pending",
        "outbox",
        ["next_attempt_at", "created_at"],
        postgresql_where=sa.text("published_at IS NULL"),
    )
    op.drop_index("ix_outbox_muertas", table_name="outbox")
    op.drop_index("ix_outbox_por_publicar", table_name="outbox")
