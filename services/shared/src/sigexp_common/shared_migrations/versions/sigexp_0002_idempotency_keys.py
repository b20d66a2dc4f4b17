"""Idempotency-Key answers: the first answer to each (user, key)

Revision ID: sigexp_0002
Revises: sigexp_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "sigexp_0002"
down_revision: str | None = "sigexp_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idempotencia",
        sa.Column("usuario_id", sa.UUID(), nullable=False),
        sa.Column("clave", sa.String(length=200), nullable=False),
        sa.Column("huella", sa.String(length=64), nullable=False),
        sa.Column("estado", sa.Integer(), nullable=True),
        sa.Column("tipo", sa.String(length=200), nullable=True),
        sa.Column("cuerpo", sa.LargeBinary(), nullable=True),
        sa.Column(
            "creado_en", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("usuario_id", "clave"),
    )


def downgrade() -> None:
    op.drop_table("idempotencia")
