"""Settings of the auth service (environment prefix `AUTH_`)."""

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from sigexp_common.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="AUTH_", extra="ignore")

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/sigexp_auth"

    secret_fields: ClassVar[tuple[str, ...]] = (
        "database_url",
        "amqp_url",
        "admin_password",
        "key_encryption_secret",
    )

    public_url: str = "http://127.0.0.1:8000"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_from: str = "SIGEXP <no-responder@sigexp.invalid>"
    admin_usuario: str = Field("admin", validation_alias="SIGEXP_ADMIN_USUARIO")
    admin_password: str = Field("dev-insecure-Admin-2026", validation_alias="SIGEXP_ADMIN_PASSWORD")
    key_encryption_secret: str = "dev-insecure-key-encryption-secret"
    access_token_minutes: int = 15
    refresh_token_days: int = 14
