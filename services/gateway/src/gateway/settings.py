"""Settings of the gateway (environment prefix `GATEWAY_`)."""

from pydantic_settings import BaseSettings, SettingsConfigDict


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
    upstream_timeout_seconds: float = 15.0
    trusted_proxies: int = 0  # proxies in front of the gateway whose X-Forwarded-For is trusted
    log_level: str = "INFO"
