"""Settings of the auditoria service (environment prefix `AUDITORIA_`)."""

from pathlib import Path
from typing import ClassVar

from pydantic import model_validator
from pydantic_settings import SettingsConfigDict

from sigexp_common.settings import ServiceSettings

RUNTIME_ROLE = "sigexp_auditoria_servicio"  # the role `make up`, compose and k8s run it as


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="AUDITORIA_", extra="ignore")

    # `database_url` is the schema's owner (it migrates); the service itself runs as
    # `runtime_database_url`, a role that may only INSERT and SELECT the chain.
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/sigexp_auditoria"
    # Unset: the owner's URL (the grants are then not applied: tests of one process, scripts).
    runtime_database_url: str | None = None
    # Every handler takes batches (records up to 500: `consumers`), so messages in flight hold
    # no connection each: a window of two batches keeps the next one filling while one is
    # chained.
    prefetch: int = 1000

    # Anchors: the chain's head (seq, hash) written every `ancla_intervalo_segundos` to a file
    # under `data_dir/anclas/` and to the object `anclas/<instant>.json` of the bucket, out of
    # the database's reach (`verificacion?ancla=` then proves the chain still holds it).
    ancla_intervalo_segundos: float = 3600.0
    data_dir: Path = Path(".data/auditoria")
    s3_endpoint: str = "127.0.0.1:9000"
    s3_access_key: str = "sigexp"
    s3_secret_key: str = "dev-insecure-s3-secret"
    s3_bucket: str = "sigexp-archivos"
    s3_secure: bool = False
    s3_region: str = "us-east-1"

    secret_fields: ClassVar[tuple[str, ...]] = (*ServiceSettings.secret_fields, "s3_secret_key")

    @property
    def runtime_url(self) -> str:
        return self.runtime_database_url or self.database_url

    @model_validator(mode="after")
    def _production_runs_as_its_own_role(self) -> "Settings":
        if self.env == "production" and not self.runtime_database_url:
            raise ValueError(
                "production needs runtime_database_url: the service must not run as the owner "
                "of its chain"
            )
        return self
