"""Idempotency-Key support (the table itself is the shared branch's sigexp_0002)

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "sigexp_0002"


def upgrade() -> None:
    pass  # the Idempotency-Key table comes with the shared branch, as in every service


def downgrade() -> None:
    pass
