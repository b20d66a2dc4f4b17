"""custody becomes a versioned copy of pases'; the lifecycle stays; versioned catalogue copies

Revision ID: c1_custodia_de_pases
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "c1_custodia_de_pases"
down_revision: str | None = "0003"
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
    # What this service stored about custody becomes the seeded copy (version 0): pases'
    # next custody event of each expediente replaces it.
    op.execute(
        """
        INSERT INTO custodias
            (expediente_id, mesa_id, permiso, en_transito, mesa_origen_id, mesas, desde, version)
        SELECT e.id, e.mesa_actual_id, e.permiso_actual, e.estado = 'RECEPCION_PENDIENTE', NULL,
               ARRAY(
                   SELECT DISTINCT m FROM (
                       SELECT em.mesa_id AS m FROM expediente_mesas em
                       WHERE em.expediente_id = e.id
                       UNION SELECT e.mesa_inicio_id
                   ) AS alcanzadas ORDER BY m
               ),
               e.actualizado_en, 0
        FROM expedientes e
        """
    )
    op.alter_column("expedientes", "estado", new_column_name="ciclo")
    op.execute("UPDATE expedientes SET ciclo = 'EN_TRAMITE' WHERE ciclo = 'RECEPCION_PENDIENTE'")
    op.drop_column("expedientes", "mesa_actual_id")
    op.drop_column("expedientes", "permiso_actual")
    op.drop_index("ix_expediente_mesas_mesa", table_name="expediente_mesas")
    op.drop_table("expediente_mesas")

    # The catalogue copies apply only newer versions of auth's rows: organismos get their own
    # copy (a mesa event carries its organismo with the organismo's version).
    op.create_table(
        "organismos",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("codigo", sa.String(length=20), nullable=False),
        sa.Column("nombre", sa.String(length=300), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute(
        """
        INSERT INTO organismos (id, codigo, nombre, version)
        SELECT DISTINCT ON (organismo_id) organismo_id, organismo_codigo, organismo_nombre, 0
        FROM mesas ORDER BY organismo_id
        """
    )
    op.drop_column("mesas", "organismo_codigo")
    op.drop_column("mesas", "organismo_nombre")
    op.add_column(
        "mesas", sa.Column("version", sa.BigInteger(), nullable=False, server_default="0")
    )
    op.alter_column("mesas", "version", server_default=None)


def downgrade() -> None:
    op.add_column("mesas", sa.Column("organismo_codigo", sa.String(length=20), nullable=True))
    op.add_column("mesas", sa.Column("organismo_nombre", sa.String(length=300), nullable=True))
    op.execute(
        "UPDATE mesas m SET organismo_codigo = o.codigo, organismo_nombre = o.nombre "
        "FROM organismos o WHERE o.id = m.organismo_id"
    )
    op.execute(
        "UPDATE mesas SET organismo_codigo = '', organismo_nombre = '' "
        "WHERE organismo_codigo IS NULL"
    )
    op.alter_column("mesas", "organismo_codigo", nullable=False)
    op.alter_column("mesas", "organismo_nombre", nullable=False)
    op.drop_column("mesas", "version")
    op.drop_table("organismos")

    op.create_table(
        "expediente_mesas",
        sa.Column("expediente_id", sa.UUID(), nullable=False),
        sa.Column("mesa_id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(["expediente_id"], ["expedientes.id"]),
        sa.PrimaryKeyConstraint("expediente_id", "mesa_id"),
    )
    op.create_index("ix_expediente_mesas_mesa", "expediente_mesas", ["mesa_id"])
    op.add_column("expedientes", sa.Column("mesa_actual_id", sa.UUID(), nullable=True))
    op.add_column("expedientes", sa.Column("permiso_actual", sa.String(length=20), nullable=True))
    op.alter_column("expedientes", "ciclo", new_column_name="estado")
    op.execute(
        """
        UPDATE expedientes e SET mesa_actual_id = c.mesa_id, permiso_actual = c.permiso,
            estado = CASE WHEN c.en_transito THEN 'RECEPCION_PENDIENTE' ELSE e.estado END
        FROM custodias c WHERE c.expediente_id = e.id
        """
    )
    op.execute(
        "INSERT INTO expediente_mesas (expediente_id, mesa_id) "
        "SELECT c.expediente_id, m FROM custodias c, unnest(c.mesas) AS m"
    )
    op.alter_column("expedientes", "mesa_actual_id", nullable=False)
    op.alter_column("expedientes", "permiso_actual", nullable=False)
    op.drop_index("ix_custodias_mesas", table_name="custodias")
    op.drop_table("custodias")
