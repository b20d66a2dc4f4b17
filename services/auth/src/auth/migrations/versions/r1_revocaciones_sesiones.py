"""revoked sessions: per user, the time up to which its access tokens are void

Revision ID: r1_revocaciones_sesiones
Revises: a1_pedidos_publicos
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "r1_revocaciones_sesiones"
down_revision: str | None = "a1_pedidos_publicos"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "revocaciones_sesiones",
        sa.Column("usuario_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("revocadas_hasta", sa.DateTime(timezone=True), nullable=False),
        sa.Column("motivo", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["usuario_id"], ["usuarios.id"]),
        sa.PrimaryKeyConstraint("usuario_id"),
    )
    op.create_index(
        "ix_revocaciones_sesiones_revocadas_hasta", "revocaciones_sesiones", ["revocadas_hasta"]
    )


def downgrade() -> None:
    op.drop_index("ix_revocaciones_sesiones_revocadas_hasta", "revocaciones_sesiones")
    op.drop_table("revocaciones_sesiones")
