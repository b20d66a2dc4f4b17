"""holidays of the province's calendar (plazos count business days)

Revision ID: pasmesa_01_feriados
Revises: r1_revocaciones_sesiones
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "pasmesa_01_feriados"
down_revision: str | None = "r1_revocaciones_sesiones"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feriados",
        sa.Column("fecha", sa.Date(), primary_key=True),
        sa.Column("nombre", sa.String(200), nullable=False),
        sa.Column("activo", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("version", sa.BigInteger(), server_default=sa.text("1"), nullable=False),
        sa.Column(
            "creado_en", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    )


def downgrade() -> None:
    op.drop_table("feriados")
