"""Alembic environment of the integraciones service (async; serialised by an advisory lock)."""

from alembic import context

from integraciones.models import Base
from integraciones.settings import Settings
from sigexp_common.migrations import run_env

if not context.config.get_main_option("sqlalchemy.url"):
    context.config.set_main_option("sqlalchemy.url", Settings().database_url.replace("%", "%%"))

run_env(Base.metadata)
