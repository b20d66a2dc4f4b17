"""catalogue rows carry a version, bumped on every change and sent as their events' sequence

Revision ID: c1_version_del_catalogo
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c1_version_del_catalogo"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLAS = ("organismos", "mesas", "dependencias", "tipos_expediente")


def upgrade() -> None:
    for tabla in TABLAS:
        op.add_column(
            tabla,
            sa.Column("version", sa.BigInteger(), server_default=sa.text("1"), nullable=False),
        )


def downgrade() -> None:
    for tabla in TABLAS:
        op.drop_column(tabla, "version")
