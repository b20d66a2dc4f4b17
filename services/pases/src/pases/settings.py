"""Settings of the pases service (environment prefix `PASES_`)."""

from pydantic_settings import SettingsConfigDict

from sigexp_common.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PASES_", extra="ignore")

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/sigexp_pases"
