"""accumulations: the record of each one, a file's principal in its custody, joint pases

Revision ID: pasconexos_01
Revises: pasmesa_01_mesa
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "pasconexos_01"
down_revision: str | None = "pasmesa_01_mesa"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "acumulaciones",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("principal_id", sa.UUID(), nullable=False),
        sa.Column("acumulado_id", sa.UUID(), nullable=False),
        sa.Column("motivo", sa.Text(), nullable=False),
        sa.Column("en", sa.DateTime(timezone=True), nullable=False),
        sa.Column("por_usuario_id", sa.UUID(), nullable=False),
        sa.Column("por_usuario", sa.String(length=200), nullable=False),
        sa.Column("mesa_id", sa.UUID(), nullable=False),
        sa.Column("desglosado_en", sa.DateTime(timezone=True), nullable=True),
        sa.Column("desglosado_por_id", sa.UUID(), nullable=True),
        sa.Column("desglosado_por", sa.String(length=200), nullable=True),
        sa.Column("motivo_desglose", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "uq_acumulacion_activa",
        "acumulaciones",
        ["acumulado_id"],
        unique=True,
        postgresql_where=sa.text("desglosado_en IS NULL"),
    )
    op.create_index("ix_acumulaciones_principal", "acumulaciones", ["principal_id", "en"])
    op.add_column("tenencias", sa.Column("acumulado_en_id", sa.UUID(), nullable=True))
    op.create_index("ix_tenencias_acumulado_en_id", "tenencias", ["acumulado_en_id"])
    op.add_column("pases", sa.Column("pase_principal_id", sa.UUID(), nullable=True))
    op.create_index("ix_pases_pase_principal_id", "pases", ["pase_principal_id"])


def downgrade() -> None:
    op.drop_index("ix_pases_pase_principal_id", table_name="pases")
    op.drop_column("pases", "pase_principal_id")
    op.drop_index("ix_tenencias_acumulado_en_id", table_name="tenencias")
    op.drop_column("tenencias", "acumulado_en_id")
    op.drop_table("acumulaciones")
