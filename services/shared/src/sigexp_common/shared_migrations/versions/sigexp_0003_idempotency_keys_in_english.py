"""Idempotency-Key answers: English names, every row a complete answer, purge by an index

A key is now held by a transaction-level lock while its request runs, and its answer is written
in the same transaction as the effect, so a row without an answer ("in progress" before) can no
longer exist: the ones left by the old mechanism are dropped (their requests are over).

Revision ID: sigexp_0003
Revises: sigexp_0002
"""

from collections.abc import Sequence

from alembic import op

revision: str = "sigexp_0003"
down_revision: str | None = "sigexp_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = {
    "usuario_id": "user_id",
    "clave": "key",
    "huella": "fingerprint",
    "estado": "status_code",
    "tipo": "content_type",
    "cuerpo": "body",
    "creado_en": "created_at",
}


def upgrade() -> None:
    op.execute("DELETE FROM idempotencia WHERE estado IS NULL")
    op.execute("UPDATE idempotencia SET cuerpo = '' WHERE cuerpo IS NULL")
    op.rename_table("idempotencia", "idempotency_keys")
    op.execute(
        "ALTER TABLE idempotency_keys RENAME CONSTRAINT idempotencia_pkey TO idempotency_keys_pkey"
    )
    for old, new in COLUMNS.items():
        op.alter_column("idempotency_keys", old, new_column_name=new)
    op.alter_column("idempotency_keys", "status_code", nullable=False)
    op.alter_column("idempotency_keys", "body", nullable=False)
    op.create_index(op.f("ix_idempotency_keys_created_at"), "idempotency_keys", ["created_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_idempotency_keys_created_at"), table_name="idempotency_keys")
    op.alter_column("idempotency_keys", "body", nullable=True)
    op.alter_column("idempotency_keys", "status_code", nullable=True)
    for old, new in COLUMNS.items():
        op.alter_column("idempotency_keys", new, new_column_name=old)
    op.execute(
        "ALTER TABLE idempotency_keys RENAME CONSTRAINT idempotency_keys_pkey TO idempotencia_pkey"
    )
    op.rename_table("idempotency_keys", "idempotencia")
