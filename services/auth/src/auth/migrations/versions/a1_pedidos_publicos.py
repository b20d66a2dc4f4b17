"""per-e-mail and per-address limits of the public routes that send mail or store a request

Revision ID: a1_pedidos_publicos
Revises: c1_version_del_catalogo
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a1_pedidos_publicos"
down_revision: str | None = "c1_version_del_catalogo"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pedidos_publicos",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("tipo", sa.String(length=30), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("en", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_pedidos_publicos_email", "pedidos_publicos", ["tipo", "email", "en"])
    op.create_index("ix_pedidos_publicos_ip", "pedidos_publicos", ["tipo", "ip", "en"])


def downgrade() -> None:
    op.drop_index("ix_pedidos_publicos_ip", table_name="pedidos_publicos")
    op.drop_index("ix_pedidos_publicos_email", table_name="pedidos_publicos")
    op.drop_table("pedidos_publicos")
