"""Alembic environment of the archivos service (async; serialised by an advisory lock)."""

from alembic import context

from archivos.models import Base
from archivos.settings import Settings
from sigexp_common.migrations import run_env

if not context.config.get_main_option("sqlalchemy.url"):
    context.config.set_main_option("sqlalchemy.url", Settings().database_url.replace("%", "%%"))

run_env(Base.metadata)
