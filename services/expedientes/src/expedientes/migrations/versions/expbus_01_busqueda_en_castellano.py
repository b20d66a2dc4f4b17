"""full-text search in Spanish (unaccent + Spanish stemming), the documents' text, identity indexes

Revision ID: expbus_01
Revises: c2_copia_de_tipos
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "expbus_01"
down_revision: str | None = "expacc_01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What the search reads of a text (SQL, so the stored vector and every query agree): lower
# case without accents (unaccent, with its dictionary named: the function is immutable), the
# hyphens, slashes and `#` of referencias and GDE numbers as word breaks (the parser reads
# "-2024" as a signed number, which a search for "2024" never finds), and then the accent put
# back on the few suffixes Spanish stemming needs it on: "licitacion" is stemmed as
# "licitación" ('licit', as "LICITACIONES"), not left whole. Stemming first and removing accents
# afterwards is what PostgreSQL's dictionaries cannot chain; unaccent before `spanish_stem`
# alone misses exactly those words.
TEXTO = r"""
CREATE FUNCTION sigexp_texto(texto text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT regexp_replace(regexp_replace(regexp_replace(
    lower(public.unaccent('public.unaccent'::regdictionary, texto)),
    '[-/#]+', ' ', 'g'),
    '([au])cion\M', '\1ción', 'g'),
    'logia(s?)\M', 'logía\1', 'g')
$$
"""

_DATOS = "coalesce(numero_instrumento, '') || ' ' || coalesce(numero_gde, '')"
# The file's own data: the extracto weighs A, instrument and GDE number B. Its documents' words
# (D) are a column apart, `texto_documentos`, written when archivos reports a text.
BUSQUEDA = (
    "setweight(to_tsvector('sigexp_es', sigexp_texto(extracto)), 'A') || "
    f"setweight(to_tsvector('sigexp_es', sigexp_texto({_DATOS})), 'B')"
)


# The scope of each expedientes row, kept from its custody copy by the database itself, so a
# desk's search intersects its scope with the words or filters in the indexes (a BitmapAnd of
# `ix_expedientes_mesas` and the other index) instead of reading every file of its scope
# through the join. Whoever writes `custodias` (the alta's seed, pases' events) moves it.
ALCANCE = (
    """
CREATE FUNCTION expedientes_alcance_de_custodia() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE expedientes SET mesas = NEW.mesas
     WHERE id = NEW.expediente_id AND mesas IS DISTINCT FROM NEW.mesas;
    RETURN NULL;
END $$
""",
    """
CREATE TRIGGER custodias_alcance AFTER INSERT OR UPDATE OF mesas ON custodias
    FOR EACH ROW EXECUTE FUNCTION expedientes_alcance_de_custodia()
""",
    """
CREATE FUNCTION expedientes_alcance_inicial() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.mesas IS NULL THEN
        SELECT c.mesas INTO NEW.mesas FROM custodias c WHERE c.expediente_id = NEW.id;
    END IF;
    IF NEW.mesas IS NULL THEN
        NEW.mesas := ARRAY[NEW.mesa_inicio_id];
    END IF;
    RETURN NEW;
END $$
""",
    """
CREATE TRIGGER expedientes_alcance BEFORE INSERT ON expedientes
    FOR EACH ROW EXECUTE FUNCTION expedientes_alcance_inicial()
""",
)


def upgrade() -> None:
    # unaccent ships with Debian's postgresql-15 and with the postgres images; trusted since
    # PostgreSQL 13, so a database owner may create it.
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public")
    op.execute(TEXTO)
    # Spanish stemming and stop words, under a name of our own (tuned without touching
    # `spanish`); the text reaches it through `sigexp_texto`.
    op.execute("CREATE TEXT SEARCH CONFIGURATION sigexp_es (COPY = pg_catalog.spanish)")
    # expacc's migration adds the same column (issue 10 part 1): whichever runs first makes it.
    op.execute("ALTER TABLE expedientes ADD COLUMN IF NOT EXISTS numero_gde varchar(60)")
    op.add_column(
        "expedientes", sa.Column("texto_documentos", postgresql.TSVECTOR(), nullable=True)
    )
    op.add_column(
        "expedientes",
        sa.Column(
            "busqueda",
            postgresql.TSVECTOR(),
            sa.Computed(BUSQUEDA, persisted=True),
            nullable=False,
        ),
    )
    op.add_column("expedientes", sa.Column("mesas", postgresql.ARRAY(sa.UUID()), nullable=True))
    op.execute(
        "UPDATE expedientes e SET mesas = c.mesas FROM custodias c WHERE c.expediente_id = e.id"
    )
    op.execute("UPDATE expedientes SET mesas = ARRAY[mesa_inicio_id] WHERE mesas IS NULL")
    op.alter_column("expedientes", "mesas", nullable=False)
    for sentencia in ALCANCE:
        op.execute(sentencia)
    for columna in ("busqueda", "texto_documentos", "mesas"):
        op.create_index(
            f"ix_expedientes_{columna}", "expedientes", [columna], postgresql_using="gin"
        )
    # A referencia (`numero-letras-anio`) or a bare number, without the organismo's code.
    op.create_index("ix_expedientes_numero", "expedientes", ["numero", "anio", "letras"])
    op.create_index("ix_expedientes_numero_gde", "expedientes", [sa.text("upper(numero_gde)")])
    # Filtered pages, newest first: a year, an organismo.
    op.create_index("ix_expedientes_anio_creado_en", "expedientes", ["anio", "creado_en", "id"])
    op.create_index("ix_expedientes_codigo_creado_en", "expedientes", ["codigo", "creado_en", "id"])
    op.create_table(
        "textos_documentos",
        sa.Column("archivo_id", sa.UUID(), nullable=False),
        sa.Column("expediente_id", sa.UUID(), nullable=True),
        sa.Column("texto", sa.Text(), nullable=False),
        sa.Column("eliminado", sa.Boolean(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("archivo_id"),
    )
    op.create_index("ix_textos_documentos_expediente_id", "textos_documentos", ["expediente_id"])


def downgrade() -> None:
    op.drop_table("textos_documentos")
    for nombre in (
        "ix_expedientes_codigo_creado_en",
        "ix_expedientes_anio_creado_en",
        "ix_expedientes_numero_gde",
        "ix_expedientes_numero",
        "ix_expedientes_busqueda",
        "ix_expedientes_texto_documentos",
        "ix_expedientes_mesas",
    ):
        op.drop_index(nombre, table_name="expedientes")
    op.drop_column("expedientes", "busqueda")
    op.drop_column("expedientes", "texto_documentos")
    op.execute("DROP TRIGGER custodias_alcance ON custodias")
    op.execute("DROP TRIGGER expedientes_alcance ON expedientes")
    op.execute("DROP FUNCTION expedientes_alcance_de_custodia()")
    op.execute("DROP FUNCTION expedientes_alcance_inicial()")
    op.drop_column("expedientes", "mesas")
    op.execute("DROP TEXT SEARCH CONFIGURATION sigexp_es")
    op.execute("DROP FUNCTION sigexp_texto(text)")
