"""numero_gde and version of an expediente; its timeline, changes, annotations, deletion requests

Revision ID: expacc_01
Revises: c2_copia_de_tipos
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "expacc_01"
down_revision: str | None = "c2_copia_de_tipos"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("expedientes", sa.Column("numero_gde", sa.String(length=60), nullable=True))
    # Every expediente already made is at version 1, as an alta leaves it.
    op.add_column(
        "expedientes",
        sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1")),
    )
    op.create_table(
        "historial",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("expediente_id", sa.UUID(), nullable=False),
        sa.Column("en", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accion", sa.String(length=60), nullable=False),
        sa.Column("usuario_id", sa.UUID(), nullable=True),
        sa.Column("usuario", sa.String(length=200), nullable=True),
        sa.Column("mesa_id", sa.UUID(), nullable=True),
        sa.Column("detalle", postgresql.JSONB(), nullable=False),
        sa.Column("origen", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("origen", name="uq_historial_origen"),
    )
    op.create_index("ix_historial_expediente", "historial", ["expediente_id", "en", "id"])
    # The alta of every expediente already made opens its timeline.
    op.execute(
        "INSERT INTO historial (id, expediente_id, en, accion, usuario_id, usuario, mesa_id, "
        "detalle) SELECT gen_random_uuid(), id, creado_en, 'expediente.iniciado', iniciado_por, "
        "iniciado_por_usuario, mesa_inicio_id, jsonb_build_object('estado', ciclo) "
        "FROM expedientes"
    )
    op.create_table(
        "cambios",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("expediente_id", sa.UUID(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("campo", sa.String(length=40), nullable=False),
        sa.Column("antes", postgresql.JSONB(), nullable=True),
        sa.Column("despues", postgresql.JSONB(), nullable=True),
        sa.Column("en", sa.DateTime(timezone=True), nullable=False),
        sa.Column("usuario_id", sa.UUID(), nullable=False),
        sa.Column("usuario", sa.String(length=200), nullable=False),
        sa.Column("mesa_id", sa.UUID(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_cambios_expediente", "cambios", ["expediente_id", "version"])
    op.create_table(
        "anotaciones",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("expediente_id", sa.UUID(), nullable=False),
        sa.Column("texto", sa.Text(), nullable=False),
        sa.Column("organismo_id", sa.UUID(), nullable=True),
        sa.Column("mesa_id", sa.UUID(), nullable=False),
        sa.Column("autor_id", sa.UUID(), nullable=False),
        sa.Column("autor", sa.String(length=200), nullable=False),
        sa.Column("creado_en", sa.DateTime(timezone=True), nullable=False),
        sa.Column("eliminada_en", sa.DateTime(timezone=True), nullable=True),
        sa.Column("eliminada_por_id", sa.UUID(), nullable=True),
        sa.Column("eliminada_por", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_anotaciones_expediente", "anotaciones", ["expediente_id", "creado_en", "id"]
    )
    op.create_table(
        "solicitudes_baja",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("expediente_id", sa.UUID(), nullable=False),
        sa.Column("motivo", sa.Text(), nullable=False),
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
        "uq_solicitud_baja_pendiente",
        "solicitudes_baja",
        ["expediente_id"],
        unique=True,
        postgresql_where=sa.text("estado = 'PENDIENTE'"),
    )
    op.create_index(
        "ix_solicitudes_baja_estado", "solicitudes_baja", ["estado", "solicitada_en", "id"]
    )


def downgrade() -> None:
    op.drop_table("solicitudes_baja")
    op.drop_table("anotaciones")
    op.drop_table("cambios")
    op.drop_table("historial")
    op.drop_column("expedientes", "version")
    op.drop_column("expedientes", "numero_gde")
