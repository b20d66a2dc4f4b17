"""Alembic environment of the auditoria service (async; serialised by an advisory lock); after
every upgrade the runtime role gets its rights (`auditoria.permisos`)."""

from alembic import context

from auditoria.models import Base
from auditoria.permisos import conceder
from auditoria.settings import Settings
from sigexp_common.migrations import run_env

if not context.config.get_main_option("sqlalchemy.url"):
    context.config.set_main_option("sqlalchemy.url", Settings().database_url.replace("%", "%%"))

run_env(Base.metadata, grants=conceder)
