"""listings newest first by `en`: indexes on (expediente_id|usuario_id, en, seq)

Revision ID: c2_listado_por_momento
Revises: 0002
"""

from collections.abc import Sequence

from alembic import op

revision: str = "c2_listado_por_momento"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_registros_expediente", table_name="registros")
    op.drop_index("ix_registros_usuario", table_name="registros")
    op.drop_index("ix_registros_en", table_name="registros")
    op.create_index("ix_registros_expediente_en", "registros", ["expediente_id", "en", "seq"])
    op.create_index("ix_registros_usuario_en", "registros", ["usuario_id", "en", "seq"])
    op.create_index("ix_registros_en", "registros", ["en", "seq"])


def downgrade() -> None:
    op.drop_index("ix_registros_en", table_name="registros")
    op.drop_index("ix_registros_usuario_en", table_name="registros")
    op.drop_index("ix_registros_expediente_en", table_name="registros")
    op.create_index("ix_registros_en", "registros", ["en"])
    op.create_index("ix_registros_usuario", "registros", ["usuario_id", "seq"])
    op.create_index("ix_registros_expediente", "registros", ["expediente_id", "seq"])
