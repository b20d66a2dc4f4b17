"""Alembic glue: a service's env.py is three lines; upgrades are serialised by an advisory lock."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import async_engine_from_config

from sigexp_common.db import lock_key
from sigexp_common.messaging_tables import MessagingBase

# Session-level (migrations commit on their own): replicas starting together migrate one at a time.
_MIGRATION_LOCK = lock_key("sigexp.migraciones")


def _include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    return not (type_ == "table" and name in MessagingBase.metadata.tables)


def _run(connection: Connection, metadata: MetaData) -> None:
    connection.execute(text(f"SELECT pg_advisory_lock({_MIGRATION_LOCK})"))
    connection.commit()  # the lock is session-level; migrations run in their own transaction
    try:
        context.configure(connection=connection, target_metadata=metadata, include_object=_include)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
    finally:
        connection.execute(text(f"SELECT pg_advisory_unlock({_MIGRATION_LOCK})"))
        connection.commit()


async def _run_online(metadata: MetaData) -> None:
    config = context.config
    engine = async_engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    async with engine.connect() as connection:
        await connection.run_sync(_run, metadata)
    await engine.dispose()


def run_env(metadata: MetaData) -> None:
    """The whole body of a service's migrations/env.py."""
    if context.is_offline_mode():
        context.configure(
            url=context.config.get_main_option("sqlalchemy.url"),
            target_metadata=metadata,
            literal_binds=True,
            include_object=_include,
        )
        with context.begin_transaction():
            context.run_migrations()
    else:
        asyncio.run(_run_online(metadata))


def alembic_config(migrations_dir: Path, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(migrations_dir: Path, database_url: str) -> None:
    """Run in a worker thread from async code: Alembic's env runs its own event loop."""
    command.upgrade(alembic_config(migrations_dir, database_url), "head")
