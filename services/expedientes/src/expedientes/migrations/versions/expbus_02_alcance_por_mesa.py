"""each desk's scope as rows ordered newest first (the desk's search walks its own files)

Revision ID: expbus_02
Revises: expbus_01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "expbus_02"
down_revision: str | None = "expbus_01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# One row per (desk, expediente) of `expedientes.mesas` (itself kept from `custodias` by the
# triggers of expbus_01), with the expediente's creation instant and year: a desk's page first
# reads its newest files from `ix_alcances_mesa_creado_en` (or one year of them from
# `ix_alcances_mesa_anio`) and checks words and filters per file, instead of intersecting the
# desk's GIN entries with those of a common word or a year (tens of thousands of rows) and
# sorting; the GIN intersection stays for what is rare in the desk. Whoever moves `mesas` moves
# these rows, in the same transaction (the primary key serves the trigger's deletes).
ALCANCE = (
    """
CREATE FUNCTION expedientes_alcance_por_mesa() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM alcances a
         WHERE a.expediente_id = OLD.id
           AND (NOT a.mesa_id = ANY (NEW.mesas) OR OLD.creado_en IS DISTINCT FROM NEW.creado_en
                OR OLD.anio IS DISTINCT FROM NEW.anio);
    END IF;
    INSERT INTO alcances (expediente_id, mesa_id, creado_en, anio)
    SELECT DISTINCT NEW.id, m, NEW.creado_en, NEW.anio FROM unnest(NEW.mesas) AS m
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$
""",
    """
CREATE TRIGGER expedientes_alcance_por_mesa AFTER INSERT OR UPDATE OF mesas, creado_en, anio
    ON expedientes FOR EACH ROW EXECUTE FUNCTION expedientes_alcance_por_mesa()
""",
)
INDICES = {
    "ix_alcances_mesa_creado_en": ["mesa_id", "creado_en", "expediente_id"],
    "ix_alcances_mesa_anio": ["mesa_id", "anio", "creado_en", "expediente_id"],
}
CON_DOCUMENTOS = """
CREATE INDEX ix_expedientes_con_documentos ON expedientes
    USING gin ((busqueda || texto_documentos)) WHERE texto_documentos IS NOT NULL
"""
LLENAR = """
INSERT INTO alcances (expediente_id, mesa_id, creado_en, anio)
SELECT DISTINCT e.id, m, e.creado_en, e.anio FROM expedientes e, unnest(e.mesas) AS m
"""


def upgrade() -> None:
    op.create_table(
        "alcances",
        sa.Column("expediente_id", sa.UUID(), nullable=False),
        sa.Column("mesa_id", sa.UUID(), nullable=False),
        sa.Column("creado_en", sa.DateTime(timezone=True), nullable=False),
        sa.Column("anio", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("expediente_id", "mesa_id"),
    )
    op.execute(LLENAR)
    for nombre, columnas in INDICES.items():
        op.create_index(nombre, "alcances", columnas)
    for sentencia in ALCANCE:
        op.execute(sentencia)
    # The documents' tier asks the file's words and its documents' together: one GIN index of
    # that expression over the files with documents finds exactly its rows (the index of the
    # documents' words alone found every file where any one of the words was in a document).
    op.drop_index("ix_expedientes_texto_documentos", table_name="expedientes")
    op.execute(CON_DOCUMENTOS)
    op.execute("ANALYZE alcances")


def downgrade() -> None:
    op.drop_index("ix_expedientes_con_documentos", table_name="expedientes")
    op.create_index(
        "ix_expedientes_texto_documentos",
        "expedientes",
        ["texto_documentos"],
        postgresql_using="gin",
    )
    op.execute("DROP TRIGGER expedientes_alcance_por_mesa ON expedientes")
    op.execute("DROP FUNCTION expedientes_alcance_por_mesa()")
    op.drop_table("alcances")
