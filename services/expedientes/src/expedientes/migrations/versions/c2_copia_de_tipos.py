"""copy of auth's catalogue of tipos (an alta names an active one)

Revision ID: c2_copia_de_tipos
Revises: c1_custodia_de_pases
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c2_copia_de_tipos"
down_revision: str | None = "c1_custodia_de_pases"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tipos",
        sa.Column("codigo", sa.String(length=50), nullable=False),
        sa.Column("nombre", sa.String(length=200), nullable=False),
        sa.Column("activo", sa.Boolean(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("codigo"),
    )
    # Until auth's events arrive (POST /api/v1/catalogo/republicar sends them all), the tipos
    # already in use are the seeded copy (version 0): any event of auth's replaces them.
    op.execute(
        "INSERT INTO tipos (codigo, nombre, activo, version) "
        "SELECT DISTINCT tipo, tipo, true, 0 FROM expedientes"
    )


def downgrade() -> None:
    op.drop_table("tipos")
