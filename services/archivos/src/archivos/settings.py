"""Settings of the archivos service (environment prefix `ARCHIVOS_`)."""

from typing import ClassVar, Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from sigexp_common.settings import ServiceSettings

MIB = 1024 * 1024


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ARCHIVOS_", extra="ignore")

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/sigexp_archivos"

    secret_fields: ClassVar[tuple[str, ...]] = (*ServiceSettings.secret_fields, "s3_secret_key")

    s3_endpoint: str = "127.0.0.1:9000"
    s3_access_key: str = "sigexp"
    s3_secret_key: str = "dev-insecure-s3-secret"
    s3_bucket: str = "sigexp-archivos"
    s3_secure: bool = False
    s3_region: str = "us-east-1"  # said to the client, so signing a URL asks the server nothing
    # Where clients reach the storage for presigned URLs (host:port); unset: `s3_endpoint`.
    s3_endpoint_publico: str | None = None
    # Parts of a streamed upload (at least 5 MiB, S3's minimum): each in memory while it goes up.
    s3_part_mb: int = Field(default=5, ge=5)
    s3_subidas_paralelas: int = Field(default=3, ge=1)

    max_upload_mb: int = Field(default=200, ge=1)
    # `stream`: the service sends the bytes (with Range); `presigned`: 302 to the storage.
    descarga: Literal["stream", "presigned"] = "stream"
    descarga_presigned_segundos: int = Field(default=300, ge=1, le=7 * 24 * 3600)
    # An object whose row is not committed this long after its upload began is a leftover
    # for `python -m archivos reconciliar` (an upload still streaming is not one).
    pendiente_gracia_minutos: float = Field(default=60, ge=0)

    # Digitisation workers (`python -m archivos worker`, see `archivos.digitalizacion`).
    worker_concurrency: int = Field(default=1, ge=1)  # jobs at once; `--concurrency` wins
    # A worker's /metrics (job durations) on this port; 0: none (make up runs one worker
    # beside the API, whose /metrics already shows the queue's depth).
    worker_metrics_port: int = Field(default=0, ge=0, le=65535)
    digitalizacion_intentos: int = Field(default=3, ge=1)  # failed tries before ERROR
    digitalizacion_timeout_seconds: float = 1800.0  # one job's child process at most
    digitalizacion_memoria_mb: int = 1024  # address space of one job's child process
    ocr_dpi: int = 300  # PDF pages without a text layer are rendered at this for OCR
    ocr_idioma: str = "spa"  # tesseract's language data

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * MIB
