"""Settings of the gateway (environment prefix `GATEWAY_`)."""

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from sigexp_common.settings import looks_default


class Settings(BaseSettings):
    """The gateway keeps no database: it needs the upstream addresses and the JWKS."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    env: str = "development"
    auth_url: str = "http://127.0.0.1:8001"
    expedientes_url: str = "http://127.0.0.1:8002"
    pases_url: str = "http://127.0.0.1:8003"
    archivos_url: str = "http://127.0.0.1:8004"
    auditoria_url: str = "http://127.0.0.1:8005"
    jwks_url: str = "http://127.0.0.1:8001/.well-known/jwks.json"
    jwt_issuer: str = "sigexp-auth"
    jwt_audience: str = "sigexp"
    # The broker, only to hear auth's revoked sessions (`sigexp_common.revocation`), and the
    # list to load at start (unset: `/internal/revocaciones` on the JWKS host).
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    exchange: str = "sigexp.events"
    revocations_url: str | None = None

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
    # Pooled keep-alive connections: at most this many open to each service. They are closed
    # idle before uvicorn's own 5 s keep-alive does, so a request never takes a dying one.
    max_connections_per_service: int = 100
    keepalive_seconds: float = 4.0
    # Answers that are JSON and at most this size are read whole and answered in one piece;
    # anything else (files, exports, big answers) is streamed both ways without being held.
    buffer_max_bytes: int = 1024 * 1024

    trusted_proxies: int = 0  # proxies in front of the gateway whose X-Forwarded-For is trusted
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _refuse_default_broker_in_production(self) -> "Settings":
        if self.env == "production" and looks_default(self.amqp_url):
            raise ValueError("production refuses development defaults for: amqp_url")
        return self


NOT_SERVICES = frozenset({"jwks_url", "amqp_url", "revocations_url"})


def services() -> list[str]:
    """The services the gateway forwards to: one `<service>_url` setting each."""
    return [
        f.removesuffix("_url")
        for f in Settings.model_fields
        if f.endswith("_url") and f not in NOT_SERVICES
    ]
