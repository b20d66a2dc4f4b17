"""a number alone is read newest first from its own index

Revision ID: busq_03
Revises: busq_02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "busq_03"
down_revision: str | None = "busq_02"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# `q=4` names the number 4 of every series (each desk's, each year's: thousands of files, all
# from the first days of a year). `ix_expedientes_numero` (numero, anio, letras) finds them but
# not in the page's order, so for all organismos the planner walked the newest files instead
# (`ix_expedientes_creado_en`, 90,000 read for a page of 50: 28 ms a page on average over 40
# numbers, the consulta global 24 ms). Ordered by creation after the number, the page is the
# index's first entries: 6-7 ms and 5 ms. A whole referencia still goes through
# `ix_expedientes_numero`.


def upgrade() -> None:
    op.create_index("ix_expedientes_numero_creado_en", "expedientes", ["numero", "creado_en", "id"])


def downgrade() -> None:
    op.drop_index("ix_expedientes_numero_creado_en", table_name="expedientes")
