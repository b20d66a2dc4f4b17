"""Alembic environment of the pases service (async; serialised by an advisory lock)."""

from alembic import context

from pases import (
    copias,  # noqa: F401  (its tables are in the same metadata)
    models_acumulacion,  # noqa: F401 (its table joins the metadata)
    models_mesa,  # noqa: F401 (its tables join the metadata)
)
from pases.models import Base
from pases.settings import Settings
from sigexp_common.migrations import run_env

if not context.config.get_main_option("sqlalchemy.url"):
    context.config.set_main_option("sqlalchemy.url", Settings().database_url.replace("%", "%%"))

run_env(Base.metadata)
