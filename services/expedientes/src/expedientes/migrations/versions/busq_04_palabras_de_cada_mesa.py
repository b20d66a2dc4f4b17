"""each desk's own words: one GIN key per (desk, word) of a file's scope and words

Revision ID: busq_04
Revises: busq_03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "busq_04"
down_revision: str | None = "busq_03"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A desk's page of words was one scan of `ix_expedientes_mesas_busqueda` (mesas, busqueda):
# GIN's fast scan skips through the desk's entry (5,600 files at the bench's million) and each
# word's (tens of thousands), but still decodes most of them: 2.2-3.7 ms of PostgreSQL for two
# words, every page. Keyed by desk and word together ("b167344f:compr": the desk id's first 8
# characters, a colon, the stemmed word), the index holds each desk's own posting list of each
# word: the same page reads only the desk's matches (0.05-0.25 ms, measured warm on the bench's
# million files). A key names a desk by a prefix of its id, so two desks could share one: the
# statement keeps the exact conditions (`mesas @> ARRAY[desk]`, `busqueda @@ words`) beside it.
# The documents' tier gets the same keys of the file's and its documents' words together: it
# read `ix_expedientes_con_documentos`, a partial index whose statistics PostgreSQL never uses,
# so it guessed 5,000 matches and intersected them with the desk's whole scope (0.7-1.3 ms) for
# the one file it found (now 0.04 ms). This index is not partial so that its statistics are
# used; a file without documents has NULL there and adds no key. The file's number is a key
# of each desk too ("b167344f:#207", no word has a "#": `sigexp_texto` takes it out): a desk's
# referencia or number alone read the number's files in every series (1,800 for `207`) and the
# desk's whole scope, and intersected them (0.9 ms). The scope alone is served by a GIN index of
# `mesas` again, as before busq_01.
PALABRAS_POR_MESA = """
CREATE FUNCTION sigexp_palabras_por_mesa(mesas uuid[], palabras tsvector, numero integer)
RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN palabras IS NOT NULL THEN array(
    SELECT left(m::text, 8) || ':' || p
    FROM unnest(mesas) AS m,
         unnest(tsvector_to_array(palabras) || array_remove(ARRAY['#' || numero], NULL)) AS p
  ) END
$$
"""
INDICES = (
    """
CREATE INDEX ix_expedientes_palabras_por_mesa ON expedientes
    USING gin (sigexp_palabras_por_mesa(mesas, busqueda, numero))
""",
    """
CREATE INDEX ix_expedientes_documentos_por_mesa ON expedientes
    USING gin (sigexp_palabras_por_mesa(mesas, busqueda || texto_documentos, numero))
""",
)


def upgrade() -> None:
    op.execute(PALABRAS_POR_MESA)
    for indice in INDICES:
        op.execute(indice)
    op.create_index("ix_expedientes_mesas", "expedientes", ["mesas"], postgresql_using="gin")
    op.drop_index("ix_expedientes_mesas_busqueda", table_name="expedientes")
    op.execute("ANALYZE expedientes")  # the statistics of the new expression


def downgrade() -> None:
    op.create_index(
        "ix_expedientes_mesas_busqueda",
        "expedientes",
        ["mesas", "busqueda"],
        postgresql_using="gin",
    )
    op.drop_index("ix_expedientes_mesas", table_name="expedientes")
    op.drop_index("ix_expedientes_documentos_por_mesa", table_name="expedientes")
    op.drop_index("ix_expedientes_palabras_por_mesa", table_name="expedientes")
    op.execute("DROP FUNCTION sigexp_palabras_por_mesa(uuid[], tsvector, integer)")
