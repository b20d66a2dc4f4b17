"""Settings of the expedientes service (environment prefix `EXPEDIENTES_`)."""

from pydantic_settings import SettingsConfigDict

from sigexp_common.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EXPEDIENTES_", extra="ignore")

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/sigexp_expedientes"
