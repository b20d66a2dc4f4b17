"""What `make up` runs and where: every address, port and credential, overridable by env.

Defaults are for one developer machine. Any `<NAME>_*` variable already in the environment
(e.g. `PASES_DATABASE_URL`) wins over what the runner computes for that service.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from sigexp_testing import workspace

ROOT = workspace.ROOT

# The workspace's services, gateway first: its port is SIGEXP_PORT_BASE, the others follow in
# the order of their default ports.
SERVICES = workspace.names()
DATABASE_SERVICES = tuple(service.name for service in workspace.with_database())
S3_SERVICES = tuple(service.name for service in workspace.services() if service.uses_s3)
# Services with digitisation workers: declared (a worker queue), even before `worker` exists.
WORKERS = tuple(service.name for service in workspace.services() if service.worker_queue)

DEFAULT_ADMIN_USUARIO = "admin"
DEFAULT_ADMIN_PASSWORD = "Admin-Sigexp-2026"
DEFAULT_PG_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
DEFAULT_S3_BUCKET = "sigexp-archivos"


class ConfigError(Exception):
    """A setting that cannot work; the message says which and how to fix it."""


@dataclass(frozen=True)
class S3:
    endpoint: str  # host:port
    access_key: str
    secret_key: str
    secure: bool
    bucket: str
    embedded: bool  # True: the runner starts nanio with data under <data>/s3
    data_dir: Path


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    embedded: bool  # True: the runner keeps every message as a file under <data>/correo
    mail_dir: Path


@dataclass(frozen=True)
class Config:
    data_dir: Path
    host: str
    ports: Mapping[str, int]
    gateway_ops_port: int  # the gateway's health and metrics, apart from its public port
    pg_dsn: str
    amqp_url: str
    db_prefix: str
    s3: S3
    smtp: Smtp
    admin_usuario: str
    admin_password: str
    ready_timeout: float
    stop_timeout: float
    environ: Mapping[str, str]

    def url(self, service: str) -> str:
        return f"http://{self.host}:{self.ports[service]}"

    def ready_url(self, service: str) -> str:
        """Where `service` answers /health/ready: the gateway on its operations port."""
        if service == workspace.GATEWAY:
            return f"http://{self.host}:{self.gateway_ops_port}/health/ready"
        return self.url(service) + "/health/ready"

    @property
    def web_url(self) -> str:
        return self.url("gateway") + "/"

    def database_name(self, service: str) -> str:
        return f"{self.db_prefix}_{service}"

    def database_url(self, service: str) -> str:
        """SQLAlchemy asyncpg URL of the service's own database on SIGEXP_PG_DSN's server."""
        parts = urlsplit(self.pg_dsn)
        return urlunsplit(
            ("postgresql+asyncpg", parts.netloc, "/" + self.database_name(service), parts.query, "")
        )

    def runtime_database_url(self, service: str) -> str:
        """The same database as `database_url`, as the service's own runtime role (named
        `sigexp_<service>_servicio`; the password of SIGEXP_PG_DSN's user, if it has one)."""
        parts = urlsplit(self.database_url(service))
        host = parts.netloc.rsplit("@", 1)[-1]
        password = f":{parts.password}" if parts.password else ""
        netloc = f"sigexp_{service}_servicio{password}@{host}"
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))

    def service_env(self, service: str) -> dict[str, str]:
        """The environment of every process of `service`: computed values, then the user's."""
        prefix = service.upper() + "_"
        jwks = self.url("auth") + "/.well-known/jwks.json"
        computed: dict[str, str] = {"PYTHONUNBUFFERED": "1", f"{prefix}JWKS_URL": jwks}
        if service in DATABASE_SERVICES:
            computed |= {
                f"{prefix}DATABASE_URL": self.database_url(service),
                f"{prefix}AMQP_URL": self.amqp_url,
                f"{prefix}RUN_RELAY": "true",
                f"{prefix}RUN_CONSUMERS": "true",
                f"{prefix}MIGRATE_ON_START": "false",  # the runner has just migrated
                f"{prefix}WORKERS": "1",  # one process per service here; set it to try more
            }
        if service == "auditoria":
            # It runs as a role that may only INSERT and SELECT its chain (its migrations,
            # as the owner above, create it on this trust-auth server and grant it that).
            computed |= {
                "AUDITORIA_RUNTIME_DATABASE_URL": self.runtime_database_url(service),
                "AUDITORIA_DATA_DIR": str(self.data_dir / "auditoria"),
            }
        if service == "auth":
            computed |= {
                "AUTH_SMTP_HOST": self.smtp.host,
                "AUTH_SMTP_PORT": str(self.smtp.port),
                "AUTH_PUBLIC_URL": self.url("gateway"),
                "SIGEXP_ADMIN_USUARIO": self.admin_usuario,
                "SIGEXP_ADMIN_PASSWORD": self.admin_password,
            }
        if service in S3_SERVICES:
            computed |= {
                f"{prefix}S3_ENDPOINT": self.s3.endpoint,
                f"{prefix}S3_ACCESS_KEY": self.s3.access_key,
                f"{prefix}S3_SECRET_KEY": self.s3.secret_key,
                f"{prefix}S3_BUCKET": self.s3.bucket,
                f"{prefix}S3_SECURE": "true" if self.s3.secure else "false",
            }
        if service == workspace.GATEWAY:
            computed["GATEWAY_OPS_PORT"] = str(self.gateway_ops_port)
            computed |= {
                f"GATEWAY_{name.upper()}_URL": self.url(name)
                for name in SERVICES
                if name != workspace.GATEWAY
            }
            computed["GATEWAY_AMQP_URL"] = self.amqp_url  # revoked sessions come by the bus
        return {**computed, **self.environ}


def load_config(environ: Mapping[str, str] | None = None) -> Config:
    env = dict(os.environ if environ is None else environ)
    data_dir = Path(env.get("SIGEXP_DATA_DIR", ".data"))
    if not data_dir.is_absolute():
        data_dir = ROOT / data_dir
    host = env.get("SIGEXP_HOST", "127.0.0.1")
    base = _int(env, "SIGEXP_PORT_BASE", 8000)
    ports = {
        name: _int(env, f"SIGEXP_{name.upper()}_PORT", base + offset)
        for offset, name in enumerate(SERVICES)
    }
    return Config(
        data_dir=data_dir,
        host=host,
        ports=ports,
        gateway_ops_port=_int(env, "SIGEXP_GATEWAY_OPS_PORT", base + 1100),  # 9100 by default
        pg_dsn=env.get("SIGEXP_PG_DSN", DEFAULT_PG_DSN),
        amqp_url=env.get("SIGEXP_AMQP_URL", DEFAULT_AMQP_URL),
        db_prefix=env.get("SIGEXP_DB_PREFIX", "sigexp"),
        s3=_s3(env, data_dir, host),
        smtp=_smtp(env, data_dir, host),
        admin_usuario=env.get("SIGEXP_ADMIN_USUARIO", DEFAULT_ADMIN_USUARIO),
        admin_password=env.get("SIGEXP_ADMIN_PASSWORD", DEFAULT_ADMIN_PASSWORD),
        ready_timeout=float(env.get("SIGEXP_READY_TIMEOUT", "180")),
        stop_timeout=float(env.get("SIGEXP_STOP_TIMEOUT", "10")),
        environ=env,
    )


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a port number") from None


def _s3(env: Mapping[str, str], data_dir: Path, host: str) -> S3:
    bucket = env.get("SIGEXP_S3_BUCKET", DEFAULT_S3_BUCKET)
    secure = env.get("SIGEXP_S3_SECURE", "false").lower() in {"1", "true", "yes"}
    s3_dir = data_dir / "s3"
    if endpoint := env.get("SIGEXP_S3_ENDPOINT"):
        access, secret = env.get("SIGEXP_S3_ACCESS_KEY"), env.get("SIGEXP_S3_SECRET_KEY")
        if not access or not secret:
            raise ConfigError(
                "SIGEXP_S3_ENDPOINT is set: set SIGEXP_S3_ACCESS_KEY and SIGEXP_S3_SECRET_KEY too"
            )
        return S3(endpoint, access, secret, secure, bucket, embedded=False, data_dir=s3_dir)
    saved = _local_s3_keys(data_dir)
    return S3(
        endpoint=f"{host}:{_int(env, 'SIGEXP_S3_PORT', 9000)}",
        access_key=env.get("SIGEXP_S3_ACCESS_KEY", saved["access_key"]),
        secret_key=env.get("SIGEXP_S3_SECRET_KEY", saved["secret_key"]),
        secure=False,
        bucket=bucket,
        embedded=True,
        data_dir=s3_dir,
    )


def _local_s3_keys(data_dir: Path) -> dict[str, str]:
    """Keys of the embedded S3 server: generated on the first start, then kept in <data>."""
    path = data_dir / "s3-credentials.json"
    if path.exists():
        saved = json.loads(path.read_text())
        return {"access_key": str(saved["access_key"]), "secret_key": str(saved["secret_key"])}
    keys = {"access_key": "sigexp-local", "secret_key": secrets.token_urlsafe(24)}
    data_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(keys, indent=2) + "\n")
    path.chmod(0o600)
    return keys


def _smtp(env: Mapping[str, str], data_dir: Path, host: str) -> Smtp:
    mail_dir = data_dir / "correo"
    if smtp_host := env.get("SIGEXP_SMTP_HOST"):
        return Smtp(smtp_host, _int(env, "SIGEXP_SMTP_PORT", 25), False, mail_dir)
    return Smtp(host, _int(env, "SIGEXP_SMTP_PORT", 1025), True, mail_dir)
