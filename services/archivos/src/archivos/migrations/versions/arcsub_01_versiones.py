"""archivos with versions, objects pending their row, lifecycle in the expedientes copy

Revision ID: arcsub_01
Revises: c1_copias_de_custodia
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "arcsub_01"
down_revision: str | None = "c1_copias_de_custodia"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The foundation's one-row-per-archivo table never held data (no route wrote it).
    op.drop_index("ix_archivos_expediente", table_name="archivos")
    op.drop_table("archivos")
    op.create_table(
        "archivos",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("expediente_id", sa.UUID(), nullable=False),
        sa.Column("nombre", sa.String(length=255), nullable=False),
        sa.Column("descripcion", sa.Text(), nullable=True),
        sa.Column("version_actual", sa.Integer(), nullable=False),
        sa.Column("creado_por", sa.UUID(), nullable=False),
        sa.Column(
            "creado_en", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("eliminado_en", sa.DateTime(timezone=True), nullable=True),
        sa.Column("eliminado_por", sa.UUID(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_archivos_expediente", "archivos", ["expediente_id", "creado_en"])
    op.create_table(
        "archivo_versiones",
        sa.Column("archivo_id", sa.UUID(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("objeto", sa.String(length=300), nullable=False),
        sa.Column("nombre", sa.String(length=255), nullable=False),
        sa.Column("tipo_mime", sa.String(length=120), nullable=False),
        sa.Column("tamanio", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("subido_por", sa.UUID(), nullable=False),
        sa.Column(
            "subido_en", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("objeto_faltante_en", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "estado_procesamiento", sa.String(length=20), server_default="PENDIENTE", nullable=False
        ),
        sa.Column("paginas", sa.Integer(), nullable=True),
        sa.Column("paginas_procesadas", sa.Integer(), server_default="0", nullable=False),
        sa.Column("error_procesamiento", sa.Text(), nullable=True),
        sa.Column("miniatura", sa.String(length=300), nullable=True),
        sa.Column("procesado_en", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["archivo_id"], ["archivos.id"]),
        sa.PrimaryKeyConstraint("archivo_id", "n"),
        sa.UniqueConstraint("objeto"),
    )
    op.create_table(
        "objetos_pendientes",
        sa.Column("objeto", sa.String(length=300), nullable=False),
        sa.Column(
            "creado_en", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("objeto"),
    )
    op.alter_column("expedientes", "caracter", existing_type=sa.String(length=20), nullable=True)
    op.add_column(
        "expedientes",
        sa.Column("estado", sa.String(length=20), server_default="EN_TRAMITE", nullable=False),
    )
    op.add_column(
        "expedientes", sa.Column("anulado", sa.Boolean(), server_default="false", nullable=False)
    )


def downgrade() -> None:
    op.drop_column("expedientes", "anulado")
    op.drop_column("expedientes", "estado")
    op.execute("DELETE FROM expedientes WHERE caracter IS NULL")
    op.alter_column("expedientes", "caracter", existing_type=sa.String(length=20), nullable=False)
    op.drop_table("objetos_pendientes")
    op.drop_table("archivo_versiones")
    op.drop_index("ix_archivos_expediente", table_name="archivos")
    op.drop_table("archivos")
    op.create_table(
        "archivos",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("expediente_id", sa.UUID(), nullable=False),
        sa.Column("nombre", sa.String(length=300), nullable=False),
        sa.Column("descripcion", sa.Text(), nullable=True),
        sa.Column("tipo_mime", sa.String(length=120), nullable=False),
        sa.Column("tamanio", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("objeto", sa.String(length=300), nullable=False),
        sa.Column("estado_procesamiento", sa.String(length=20), nullable=False),
        sa.Column("subido_por", sa.UUID(), nullable=False),
        sa.Column(
            "creado_en", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("eliminado_en", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_archivos_expediente", "archivos", ["expediente_id", "creado_en"])
