"""Alembic environment of the expedientes service (async; serialised by an advisory lock)."""

from alembic import context

from expedientes import (  # noqa: F401  (their tables are in Base.metadata too)
    models_acciones,
    models_conexos,
)
from expedientes.models import Base
from expedientes.settings import Settings
from sigexp_common.migrations import run_env

if not context.config.get_main_option("sqlalchemy.url"):
    context.config.set_main_option("sqlalchemy.url", Settings().database_url.replace("%", "%%"))

run_env(Base.metadata)
