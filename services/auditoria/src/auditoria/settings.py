"""Settings of the auditoria service (environment prefix `AUDITORIA_`)."""

from pydantic_settings import SettingsConfigDict

from sigexp_common.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="AUDITORIA_", extra="ignore")

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/sigexp_auditoria"
    # Every handler takes batches (up to 100), so messages in flight hold no connection each:
    # a window of two batches keeps the next one filling while one is chained.
    prefetch: int = 200
