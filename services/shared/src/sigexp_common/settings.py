"""Settings base: a per-service env prefix; production refuses default secrets."""

from __future__ import annotations

import os
from typing import Any, ClassVar

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET_MARK = "dev-insecure"


def available_cores() -> int:
    """The cores this process may run on (a cpuset or `taskset` narrows them)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# Settings with one value for the whole system, each from one variable.
SYSTEM_WIDE = {"env": "SIGEXP_ENV", "gateway_secret": "SIGEXP_GATEWAY_SECRET"}


class ServiceSettings(BaseSettings):
    """Common settings. A service subclasses it and sets `env_prefix` (e.g. `PASES_`)."""

    model_config = SettingsConfigDict(extra="ignore")

    service_name: ClassVar[str] = "sigexp"

    env: str = "development"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/sigexp"
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    exchange: str = "sigexp.events"
    # Messages one consumer process handles at once (also its unacknowledged window): keep it
    # below the database pool, every message in flight holds a connection while it commits.
    prefetch: int = 16
    delivery_limit: int = 5
    jwks_url: str = "http://127.0.0.1:8001/.well-known/jwks.json"
    jwt_issuer: str = "sigexp-auth"
    jwt_audience: str = "sigexp"
    # auth's list of revoked sessions (`sigexp_common.revocation`); unset: `/internal/
    # revocaciones` on the JWKS host.
    revocations_url: str | None = None
    migrate_on_start: bool = True
    # HTTP worker processes of `serve`. Above 1, the relay and the consumers run in one
    # process of their own beside them, never in the workers (see `sigexp_common.cli`).
    workers: int = Field(default_factory=available_cores, ge=1)
    run_relay: bool = True
    traces: str | None = None  # `otlp:<url>` or `archivo:<path>` (sigexp_common.tracing)
    run_consumers: bool = True
    relay_poll_seconds: float = 2.0
    relay_batch_size: int = 100  # rows published per pass before awaiting their confirms
    # Under load (the last pass found rows) at most one relay pass per this many ms: rows
    # committed meanwhile share the next pass (`DeliveryLoop.run`); a quieter flow waits not.
    relay_coalesce_ms: float = Field(default=10.0, ge=0, le=1000)
    outbox_max_attempts: int = 20  # failed publications before a row is dead (never blocks)
    outbox_retention_days: int = 7  # published rows are kept this long, then purged
    inbox_retention_days: int = 30  # processed event ids (dedup memory) are kept this long
    # Group commit of read records (`audit.lectura`): a batch is written once it holds this
    # many records or this long after its first one; one batch is written at a time.
    audit_batch_max_records: int = 500
    audit_batch_max_wait_ms: float = 2.0
    log_level: str = "INFO"
    # Verified access tokens remembered (each until its `exp`) so repeated requests skip ES256.
    token_cache_size: int = 10_000
    # The gateway proves with this shared secret (header `X-Sigexp-Gateway`) that the
    # X-Forwarded-For it sends is its own view of the caller; without it, the TCP peer counts.
    # One value for the whole system: `SIGEXP_GATEWAY_SECRET` (`<SERVICE>_GATEWAY_SECRET` wins).
    gateway_secret: str = f"{DEFAULT_SECRET_MARK}-gateway-secret"
    # Request bodies larger than this are refused with 413 (a route may allow more: the
    # `body_limits` of its `ServiceSpec`).
    max_body_bytes: int = Field(default=1024 * 1024, ge=0)

    # Names of fields that hold secrets: production refuses their development defaults.
    secret_fields: ClassVar[tuple[str, ...]] = ("database_url", "amqp_url", "gateway_secret")

    @property
    def runtime_url(self) -> str:
        """What the running service connects with (its engine, relay, consumers, batcher):
        `database_url`, whose role also migrates, unless a service runs as a role of its own
        with fewer rights (auditoria's `runtime_database_url`)."""
        return self.database_url

    @model_validator(mode="before")
    @classmethod
    def _environment_of_the_whole_system(cls, data: Any) -> Any:
        """`SIGEXP_ENV` and `SIGEXP_GATEWAY_SECRET` set every service's `env` and
        `gateway_secret` unless `<SERVICE>_ENV` / `<SERVICE>_GATEWAY_SECRET` say otherwise."""
        if not isinstance(data, dict):
            return data
        for field_name, variable in SYSTEM_WIDE.items():
            if field_name not in data and os.environ.get(variable):
                data = {**data, field_name: os.environ[variable]}
        return data

    @model_validator(mode="after")
    def _refuse_default_secrets_in_production(self) -> ServiceSettings:
        if self.env != "production":
            return self
        bad = [name for name in self.secret_fields if looks_default(getattr(self, name))]
        if bad:
            raise ValueError(
                "production refuses development defaults for: " + ", ".join(sorted(bad))
            )
        return self


def looks_default(value: Any) -> bool:
    """A development default (or an obviously unset secret), which production refuses."""
    text = str(value)
    return (
        DEFAULT_SECRET_MARK in text
        or "guest:guest@" in text
        or "postgres@" in text  # passwordless local superuser
        or text in {"", "admin", "password", "minioadmin"}
    )
