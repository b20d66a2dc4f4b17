"""Alembic environment of the shared branch alone: a database with only the outbox, inbox and
Idempotency-Key tables (shared tests), and where new shared revisions are generated."""

from alembic import context

from sigexp_common.migrations import SHARED_METADATA, run_env

if not context.config.get_main_option("sqlalchemy.url"):
    raise SystemExit("set sqlalchemy.url (e.g. alembic -x or Config.set_main_option)")

run_env(SHARED_METADATA)
