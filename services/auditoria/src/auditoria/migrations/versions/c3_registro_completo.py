"""the record's desk, organismo and request id; indexes by action and outcome; the runtime
role may only INSERT and SELECT `registros`

Revision ID: c3_registro_completo
Revises: c2_listado_por_momento
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c3_registro_completo"
down_revision: str | None = "c2_listado_por_momento"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("registros", sa.Column("mesa_id", sa.UUID(), nullable=True))
    op.add_column("registros", sa.Column("organismo_id", sa.UUID(), nullable=True))
    op.add_column("registros", sa.Column("request_id", sa.String(length=100), nullable=True))
    op.create_index("ix_registros_accion_en", "registros", ["accion", "en", "seq"])
    op.create_index("ix_registros_resultado_en", "registros", ["resultado", "en", "seq"])
    op.create_index("ix_registros_request_id", "registros", ["request_id"])
    # Whoever runs the service, not only the runtime role, gets no UPDATE/DELETE/TRUNCATE
    # grant on the chain; the trigger (0001) refuses them even to the owner.
    op.execute("REVOKE UPDATE, DELETE, TRUNCATE ON registros FROM PUBLIC")


def downgrade() -> None:
    op.drop_index("ix_registros_request_id", table_name="registros")
    op.drop_index("ix_registros_resultado_en", table_name="registros")
    op.drop_index("ix_registros_accion_en", table_name="registros")
    op.drop_column("registros", "request_id")
    op.drop_column("registros", "organismo_id")
    op.drop_column("registros", "mesa_id")
