"""the desk's side of pases: holiday copy (plazos), arrival-notice subscriptions, mail queue

Revision ID: pasmesa_01_mesa
Revises: pasenv_01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision: str = "pasmesa_01_mesa"
down_revision: str | None = "pasenv_01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feriados",
        sa.Column("fecha", sa.Date(), primary_key=True),
        sa.Column("nombre", sa.String(200), nullable=False),
        sa.Column("activo", sa.Boolean(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "avisos_mesa",
        sa.Column("mesa_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("correo", sa.String(254), nullable=False),
        sa.Column("activo", sa.Boolean(), nullable=False),
        sa.Column("actualizado_en", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actualizado_por", sa.String(200), nullable=False),
    )
    op.create_table(
        "correos",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("remito_id", UUID(as_uuid=True), nullable=False, unique=True),
        sa.Column("para", sa.String(254), nullable=False),
        sa.Column("asunto", sa.String(300), nullable=False),
        sa.Column("cuerpo", sa.Text(), nullable=False),
        sa.Column(
            "creado_en", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("enviado_en", sa.DateTime(timezone=True)),
        sa.Column("intentos", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "proximo_intento_en",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.Column("ultimo_error", sa.Text()),
    )
    op.create_index(
        "ix_correos_pendientes",
        "correos",
        ["proximo_intento_en"],
        postgresql_where=sa.text("enviado_en IS NULL"),
    )


def downgrade() -> None:
    op.drop_table("correos")
    op.drop_table("avisos_mesa")
    op.drop_table("feriados")
