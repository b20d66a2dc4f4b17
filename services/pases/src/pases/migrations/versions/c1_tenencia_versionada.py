"""custody owned here and versioned: en_transito, origin, every desk reached, version

Revision ID: c1_tenencia_versionada
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "c1_tenencia_versionada"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("tenencias", sa.Column("en_transito", sa.Boolean(), nullable=True))
    op.add_column("tenencias", sa.Column("mesa_origen_id", sa.UUID(), nullable=True))
    op.add_column("tenencias", sa.Column("mesas", postgresql.ARRAY(sa.UUID()), nullable=True))
    op.add_column("tenencias", sa.Column("version", sa.BigInteger(), nullable=True))
    # Until now only the alta set custody: every existing row is version 1, received, and its
    # desks are the ones recorded in mesas_visitadas (the holding desk at least).
    op.execute(
        """
        UPDATE tenencias t SET
            en_transito = false,
            version = 1,
            mesas = ARRAY(
                SELECT DISTINCT m FROM (
                    SELECT v.mesa_id AS m FROM mesas_visitadas v
                    WHERE v.expediente_id = t.expediente_id
                    UNION SELECT t.mesa_id
                ) AS alcanzadas ORDER BY m
            )
        """
    )
    for columna in ("en_transito", "mesas", "version"):
        op.alter_column("tenencias", columna, nullable=False)
    op.drop_column("tenencias", "estado")  # the lifecycle is expedientes' (it was a copy)
    op.drop_index("ix_mesas_visitadas_mesa", table_name="mesas_visitadas")
    op.drop_table("mesas_visitadas")


def downgrade() -> None:
    op.create_table(
        "mesas_visitadas",
        sa.Column("expediente_id", sa.UUID(), nullable=False),
        sa.Column("mesa_id", sa.UUID(), nullable=False),
        sa.Column("desde", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("expediente_id", "mesa_id"),
    )
    op.create_index("ix_mesas_visitadas_mesa", "mesas_visitadas", ["mesa_id"], unique=False)
    op.execute(
        """
        INSERT INTO mesas_visitadas (expediente_id, mesa_id, desde)
        SELECT t.expediente_id, m, t.desde FROM tenencias t, unnest(t.mesas) AS m
        """
    )
    op.add_column("tenencias", sa.Column("estado", sa.String(length=30), nullable=True))
    op.execute(
        "UPDATE tenencias SET estado = "
        "CASE WHEN en_transito THEN 'RECEPCION_PENDIENTE' ELSE 'EN_TRAMITE' END"
    )
    op.alter_column("tenencias", "estado", nullable=False)
    for columna in ("version", "mesas", "mesa_origen_id", "en_transito"):
        op.drop_column("tenencias", columna)
