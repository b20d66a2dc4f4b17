"""copies of pases' custody and of each expediente's caracter

Revision ID: c1_copias_de_custodia
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "c1_copias_de_custodia"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "custodias",
        sa.Column("expediente_id", sa.UUID(), nullable=False),
        sa.Column("mesa_id", sa.UUID(), nullable=False),
        sa.Column("permiso", sa.String(length=20), nullable=False),
        sa.Column("en_transito", sa.Boolean(), nullable=False),
        sa.Column("mesa_origen_id", sa.UUID(), nullable=True),
        sa.Column("mesas", postgresql.ARRAY(sa.UUID()), nullable=False),
        sa.Column("desde", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("expediente_id"),
    )
    op.create_index("ix_custodias_mesas", "custodias", ["mesas"], postgresql_using="gin")
    op.create_table(
        "expedientes",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("caracter", sa.String(length=20), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("expedientes")
    op.drop_index("ix_custodias_mesas", table_name="custodias")
    op.drop_table("custodias")
