"""Alembic environment of the expedientes service (async; serialised by an advisory lock)."""

from alembic import context

from expedientes import models_acciones  # noqa: F401  (its tables are in Base.metadata too)
from expedientes.models import Base
from expedientes.settings import Settings
from sigexp_common.migrations import run_env

if not context.config.get_main_option("sqlalchemy.url"):
    context.config.set_main_option("sqlalchemy.url", Settings().database_url.replace("%", "%%"))

run_env(Base.metadata)
