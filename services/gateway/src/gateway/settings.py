"""Settings of the gateway (environment prefix `GATEWAY_`)."""

from __future__ import annotations

import ipaddress
import os
from typing import Any, ClassVar

from pydantic import field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from sigexp_common.settings import DEFAULT_SECRET_MARK, looks_default

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# System-wide variables (one value for every service) that `GATEWAY_<NAME>` overrides.
SYSTEM_WIDE = {"env": "SIGEXP_ENV", "gateway_secret": "SIGEXP_GATEWAY_SECRET"}


class Settings(BaseSettings):
    """The gateway keeps no database: it needs the upstream addresses and the JWKS."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    env: str = "development"
    auth_url: str = "http://127.0.0.1:8001"
    expedientes_url: str = "http://127.0.0.1:8002"
    pases_url: str = "http://127.0.0.1:8003"
    archivos_url: str = "http://127.0.0.1:8004"
    auditoria_url: str = "http://127.0.0.1:8005"
    integraciones_url: str = "http://127.0.0.1:8006"
    jwks_url: str = "http://127.0.0.1:8001/.well-known/jwks.json"
    jwt_issuer: str = "sigexp-auth"
    jwt_audience: str = "sigexp"
    # The broker, only to hear auth's revoked sessions (`sigexp_common.revocation`), and the
    # list to load at start (unset: `/internal/revocaciones` on the JWKS host).
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    exchange: str = "sigexp.events"
    revocations_url: str | None = None
    traces: str | None = None  # `otlp:<url>` or `archivo:<path>` (sigexp_common.tracing)

    # Upstream timeouts: connect = reaching the service; read = silence while waiting for its
    # answer (every byte that arrives restarts it, so a long download is not cut). Each
    # service may override either (`<SERVICE>_CONNECT_TIMEOUT_SECONDS`, `..._READ_...`).
    connect_timeout_seconds: float = 2.0
    read_timeout_seconds: float = 15.0
    auth_connect_timeout_seconds: float | None = None
    auth_read_timeout_seconds: float | None = None
    expedientes_connect_timeout_seconds: float | None = None
    expedientes_read_timeout_seconds: float | None = None
    pases_connect_timeout_seconds: float | None = None
    pases_read_timeout_seconds: float | None = None
    archivos_connect_timeout_seconds: float | None = None
    archivos_read_timeout_seconds: float | None = 120.0  # a 500 MB upload is stored first
    auditoria_connect_timeout_seconds: float | None = None
    auditoria_read_timeout_seconds: float | None = 60.0  # exports and chain verification
    integraciones_connect_timeout_seconds: float | None = None
    integraciones_read_timeout_seconds: float | None = None
    # Pooled keep-alive connections: at most this many open to each service. They are closed
    # idle before uvicorn's own 5 s keep-alive does, so a request never takes a dying one.
    max_connections_per_service: int = 100
    keepalive_seconds: float = 4.0
    # Answers that are JSON and at most this size are read whole and answered in one piece;
    # anything else (files, exports, big answers) is streamed both ways without being held.
    buffer_max_bytes: int = 1024 * 1024

    # Composed views: each secondary part (pases, archivos of a detail; the summaries of a
    # desk's list) gets this long; past it the view answers without it (`incompletos`).
    part_budget_seconds: float = 0.3

    # Request bodies, by route class (`gateway/limits.py`): JSON, imports of catalogues and
    # holidays, and uploads of archivos (archivos applies its own, smaller, limit too).
    body_max_bytes: int = 1024 * 1024
    import_body_max_bytes: int = 20 * 1024 * 1024
    upload_body_max_bytes: int = 600 * 1024 * 1024
    # Rate limits (token buckets in this process): sustained requests per second and burst,
    # per signed-in user and per client address; 0 turns one off. Over it: 429 + Retry-After.
    user_rate_per_second: float = 50.0
    user_burst: int = 200
    address_rate_per_second: float = 100.0
    address_burst: int = 400
    # CORS: off unless origins are listed (comma-separated, e.g. `https://a.gob.ar`).
    cors_origins: str = ""
    # Sent as Strict-Transport-Security when the gateway is reached over HTTPS (seconds; 0: no).
    hsts_seconds: int = 0

    # Addresses or networks (comma-separated, e.g. `10.0.0.0/8,192.0.2.7`) of the proxies in
    # front of the gateway (an ingress): only from a peer in them is X-Forwarded-For read.
    trusted_proxies: str = ""
    # Sent to every service as `X-Sigexp-Gateway`: a service trusts the gateway's
    # X-Forwarded-For only with it. `SIGEXP_GATEWAY_SECRET` (every service reads the same).
    gateway_secret: str = f"{DEFAULT_SECRET_MARK}-gateway-secret"
    # `/health/*` and `/metrics` are served on this port only, never on the public one.
    ops_port: int = 9100
    log_level: str = "INFO"

    # Fields production refuses to leave at their development default (deployment files
    # take them from the Secret: tests/contracts).
    secret_fields: ClassVar[tuple[str, ...]] = ("gateway_secret",)

    @model_validator(mode="before")
    @classmethod
    def _system_wide(cls, data: Any) -> Any:
        """`SIGEXP_ENV`, `SIGEXP_GATEWAY_SECRET` unless `GATEWAY_<NAME>` says otherwise."""
        if not isinstance(data, dict):
            return data
        for field, variable in SYSTEM_WIDE.items():
            if field not in data and os.environ.get(variable):
                data = {**data, field: os.environ[variable]}
        return data

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        trusted_networks(value)  # refuses a value that is not addresses or networks
        return value

    @model_validator(mode="after")
    def _refuse_default_secret_in_production(self) -> Settings:
        if self.env == "production" and (
            DEFAULT_SECRET_MARK in self.gateway_secret or len(self.gateway_secret) < 16
        ):
            raise ValueError("production refuses a development or short gateway_secret")
        if self.env == "production" and looks_default(self.amqp_url):
            raise ValueError("production refuses development defaults for: amqp_url")
        return self


def trusted_networks(value: str) -> tuple[Network, ...]:
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False)
        for part in value.split(",")
        if part.strip()
    )


NOT_SERVICES = frozenset({"jwks_url", "amqp_url", "revocations_url"})


def services() -> list[str]:
    """The services the gateway forwards to: one `<service>_url` setting each."""
    return [
        f.removesuffix("_url")
        for f in Settings.model_fields
        if f.endswith("_url") and f not in NOT_SERVICES
    ]
