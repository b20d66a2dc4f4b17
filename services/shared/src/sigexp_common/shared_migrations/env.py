"""Alembic environment of the shared branch alone: a database with only the outbox, inbox and
Idempotency-Key tables (the shared tests), and where new shared revisions are generated
(`alembic -x url=... revision --autogenerate` from services/shared)."""

from alembic import context

from sigexp_common.migrations import SHARED_METADATA, run_env

if not context.config.get_main_option("sqlalchemy.url"):
    url = context.get_x_argument(as_dictionary=True).get("url")
    if not url:
        raise SystemExit("give the database: alembic -x url=postgresql+asyncpg://... <command>")
    context.config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))

run_env(SHARED_METADATA)
