"""the planner keeps statistics of ten times more words

Revision ID: busq_02
Revises: busq_01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "busq_02"
down_revision: str | None = "busq_01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# PostgreSQL estimates how many files hold a word from the words its statistics keep (the most
# common ones: 212 at the default target on the million-file bench); any other word is taken to be
# as common as half the least common kept (0.15% of the files, 1,483 at a million). A word far
# rarer than that, such as a number (`207`: 83 files, all old), then looks common enough for a
# newest-first walk to fill a page soon, and the walk read 300,000 files to find them: 222 ms for
# one page of all organismos, 180 ms of the consulta global. Keeping ten times more words (target
# 1000: 2,804 kept there) the same page is read through the GIN index: 13 ms. ANALYZE samples
# 300,000 files then (7 s at a million, in the background with autovacuum).
OBJETIVO = 1000
DEFECTO = -1


def _objetivo(valor: int) -> None:
    op.execute(f"ALTER TABLE expedientes ALTER COLUMN busqueda SET STATISTICS {valor}")
    # The documents' tier's own expression (`busqueda || texto_documentos`) has its statistics
    # in its index.
    op.execute(f"ALTER INDEX ix_expedientes_con_documentos ALTER COLUMN 1 SET STATISTICS {valor}")


def upgrade() -> None:
    _objetivo(OBJETIVO)
    op.execute("ANALYZE expedientes")


def downgrade() -> None:
    _objetivo(DEFECTO)
