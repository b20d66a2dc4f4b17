"""Settings of the archivos service (environment prefix `ARCHIVOS_`)."""

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from sigexp_common.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ARCHIVOS_", extra="ignore")

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/sigexp_archivos"

    secret_fields: ClassVar[tuple[str, ...]] = (*ServiceSettings.secret_fields, "s3_secret_key")

    s3_endpoint: str = "127.0.0.1:9000"
    s3_access_key: str = "sigexp"
    s3_secret_key: str = "dev-insecure-s3-secret"
    s3_bucket: str = "sigexp-archivos"
    s3_secure: bool = False
    max_upload_mb: int = 50

    # Digitisation workers (`python -m archivos worker`, see `archivos.digitalizacion`).
    worker_concurrency: int = Field(default=1, ge=1)  # jobs at once; `--concurrency` wins
    digitalizacion_intentos: int = Field(default=3, ge=1)  # failed tries before ERROR
    digitalizacion_timeout_seconds: float = 1800.0  # one job's child process at most
    digitalizacion_memoria_mb: int = 1024  # address space of one job's child process
    ocr_dpi: int = 300  # PDF pages without a text layer are rendered at this for OCR
    ocr_idioma: str = "spa"  # tesseract's language data
