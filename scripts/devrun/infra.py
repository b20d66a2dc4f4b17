"""The servers SIGEXP needs: PostgreSQL and RabbitMQ must answer; S3 and SMTP can be local."""

from __future__ import annotations

import asyncio
import logging
import socket
from pathlib import Path

import aio_pika
import asyncpg

from .config import Config


class InfraError(Exception):
    """One line that says what is missing and how to fix it."""


def _postgres_hint() -> str:
    versions = sorted(p.name for p in Path("/etc/postgresql").glob("*") if p.name.isdigit())
    version = versions[-1] if versions else "15"
    return f"pg_ctlcluster --skip-systemctl-redirect {version} main start"


async def check_postgres(config: Config) -> None:
    try:
        conn = await asyncpg.connect(config.pg_dsn, timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        raise InfraError(
            f"PostgreSQL does not answer at {_where(config.pg_dsn)} ({_short(exc)}): start it "
            f"with `{_postgres_hint()}` or point SIGEXP_PG_DSN at a running server"
        ) from None
    await conn.close()


async def check_rabbitmq(config: Config) -> None:
    for noisy in ("aiormq", "aio_pika"):  # the one line below says it all
        logging.getLogger(noisy).setLevel(logging.CRITICAL)
    try:
        connection = await aio_pika.connect(config.amqp_url, timeout=5)
    except (OSError, TimeoutError, aio_pika.exceptions.AMQPError) as exc:
        raise InfraError(
            f"RabbitMQ does not answer at {_where(config.amqp_url)} ({_short(exc)}): start it "
            "with `rabbitmq-server -detached` or point SIGEXP_AMQP_URL at a running broker"
        ) from None
    await connection.close()


def _where(url: str) -> str:
    """host:port/path of a URL, without credentials."""
    return url.split("@", 1)[-1].split("://", 1)[-1]


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


async def create_missing_databases(config: Config, names: list[str]) -> list[str]:
    """CREATE DATABASE for each missing name; returns the ones it created."""
    conn = await asyncpg.connect(config.pg_dsn, timeout=10)
    try:
        rows = await conn.fetch("SELECT datname FROM pg_database WHERE datname = ANY($1)", names)
        existing = {row["datname"] for row in rows}
        created = []
        for name in names:
            if name not in existing:
                await conn.execute(f'CREATE DATABASE "{name}"')
                created.append(name)
        return created
    finally:
        await conn.close()


def busy_ports(host: str, ports: dict[str, int]) -> list[str]:
    """`name (port)` for every port something already listens on."""
    busy = []
    for name, port in ports.items():
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((host, port))
            except OSError:
                busy.append(f"{name} ({port})")
    return busy


async def wait_for_port(host: str, port: int, timeout: float) -> bool:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        try:
            _, writer = await asyncio.open_connection(host, port)
        except OSError:
            await asyncio.sleep(0.1)
            continue
        writer.close()
        await writer.wait_closed()
        return True
    return False


def ensure_bucket(config: Config) -> bool:
    """Create the archivos bucket on the embedded S3 server; False if it cannot."""
    from minio import Minio
    from minio.error import MinioException

    s3 = config.s3
    client = Minio(s3.endpoint, s3.access_key, s3.secret_key, secure=s3.secure)
    try:
        if not client.bucket_exists(s3.bucket):
            client.make_bucket(s3.bucket)
    except (MinioException, OSError):
        return False
    return True
