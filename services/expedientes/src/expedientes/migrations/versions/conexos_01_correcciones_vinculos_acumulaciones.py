"""corrections of fojas/tomos, links between expedientes, the copy of pases' accumulations

Revision ID: conexos_01
Revises: expbus_02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "conexos_01"
down_revision: str | None = "expbus_02"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "correcciones",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("expediente_id", sa.UUID(), nullable=False),
        sa.Column("fojas_anterior", sa.Integer(), nullable=False),
        sa.Column("fojas", sa.Integer(), nullable=True),
        sa.Column("tomos_anterior", sa.Integer(), nullable=False),
        sa.Column("tomos", sa.Integer(), nullable=True),
        sa.Column("motivo", sa.Text(), nullable=False),
        sa.Column("archivo_id", sa.UUID(), nullable=True),
        sa.Column("estado", sa.String(length=20), nullable=False),
        sa.Column("solicitada_en", sa.DateTime(timezone=True), nullable=False),
        sa.Column("solicitada_por_id", sa.UUID(), nullable=False),
        sa.Column("solicitada_por", sa.String(length=200), nullable=False),
        sa.Column("mesa_id", sa.UUID(), nullable=False),
        sa.Column("decidida_en", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decidida_por_id", sa.UUID(), nullable=True),
        sa.Column("decidida_por", sa.String(length=200), nullable=True),
        sa.Column("motivo_decision", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "uq_correccion_pendiente",
        "correcciones",
        ["expediente_id"],
        unique=True,
        postgresql_where=sa.text("estado = 'PENDIENTE'"),
    )
    op.create_index("ix_correcciones_estado", "correcciones", ["estado", "solicitada_en", "id"])
    op.create_index(
        "ix_correcciones_expediente", "correcciones", ["expediente_id", "solicitada_en"]
    )
    op.create_table(
        "vinculos",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("expediente_id", sa.UUID(), nullable=False),
        sa.Column("vinculado_id", sa.UUID(), nullable=False),
        sa.Column("motivo", sa.Text(), nullable=False),
        sa.Column("creado_en", sa.DateTime(timezone=True), nullable=False),
        sa.Column("por_usuario_id", sa.UUID(), nullable=False),
        sa.Column("por_usuario", sa.String(length=200), nullable=False),
        sa.Column("por_mesa_id", sa.UUID(), nullable=False),
        sa.Column("eliminado_en", sa.DateTime(timezone=True), nullable=True),
        sa.Column("eliminado_por_id", sa.UUID(), nullable=True),
        sa.Column("eliminado_por", sa.String(length=200), nullable=True),
        sa.Column("eliminado_motivo", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "uq_vinculo_activo",
        "vinculos",
        [
            sa.text("least(expediente_id, vinculado_id)"),
            sa.text("greatest(expediente_id, vinculado_id)"),
        ],
        unique=True,
        postgresql_where=sa.text("eliminado_en IS NULL"),
    )
    op.create_index("ix_vinculos_expediente", "vinculos", ["expediente_id"])
    op.create_index("ix_vinculos_vinculado", "vinculos", ["vinculado_id"])
    op.create_table(
        "acumulaciones",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("principal_id", sa.UUID(), nullable=False),
        sa.Column("acumulado_id", sa.UUID(), nullable=False),
        sa.Column("motivo", sa.Text(), nullable=False),
        sa.Column("en", sa.DateTime(timezone=True), nullable=False),
        sa.Column("por_usuario", sa.String(length=200), nullable=True),
        sa.Column("activa", sa.Boolean(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_acumulaciones_principal",
        "acumulaciones",
        ["principal_id"],
        postgresql_where=sa.text("activa"),
    )
    op.create_index(
        "ix_acumulaciones_acumulado",
        "acumulaciones",
        ["acumulado_id"],
        postgresql_where=sa.text("activa"),
    )


def downgrade() -> None:
    op.drop_table("acumulaciones")
    op.drop_table("vinculos")
    op.drop_table("correcciones")
