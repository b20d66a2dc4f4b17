"""The benches' own databases, created when missing (the generators and `make bench` load
them once and reuse them)."""

from __future__ import annotations

import asyncpg


async def crear_base(dsn: str) -> None:
    """Create the database `dsn` names (a plain `postgresql://` address) unless it exists."""
    base, nombre = dsn.rsplit("/", 1)
    conn = await asyncpg.connect(f"{base}/postgres")
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", nombre):
            await conn.execute(f'CREATE DATABASE "{nombre}"')
    finally:
        await conn.close()
