"""Settings of the auth service (environment prefix `AUTH_`)."""

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from sigexp_common.mail import SmtpSettings
from sigexp_common.settings import ServiceSettings


class Settings(ServiceSettings, SmtpSettings):
    model_config = SettingsConfigDict(env_prefix="AUTH_", extra="ignore")

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/sigexp_auth"

    secret_fields: ClassVar[tuple[str, ...]] = (
        *ServiceSettings.secret_fields,
        "admin_password",
        "key_encryption_secret",
    )

    public_url: str = "http://127.0.0.1:8000"
    admin_usuario: str = Field("admin", validation_alias="SIGEXP_ADMIN_USUARIO")
    admin_password: str = Field("dev-insecure-Admin-2026", validation_alias="SIGEXP_ADMIN_PASSWORD")
    admin_email: str = "admin@sigexp.invalid"
    key_encryption_secret: str = "dev-insecure-key-encryption-secret"
    access_token_minutes: int = 15
    refresh_token_days: int = 14
    reset_token_minutes: int = 30

    # Brute force (README "Brute force"). Per (account, client address) pair: after
    # `login_fallos_sin_demora` failures each further attempt waits, the wait doubling from
    # `login_demora_inicial_segundos` up to `login_demora_maxima_segundos`.
    login_fallos_sin_demora: int = 3
    login_demora_inicial_segundos: int = 2
    login_demora_maxima_segundos: int = 15 * 60
    # Per account, from every address: a hard lock, lifted by a successful reset.
    login_max_fallos_cuenta: int = 50
    login_ventana_cuenta_horas: int = 24
    login_bloqueo_cuenta_horas: int = 24
    # Per client address, whatever the account.
    login_max_fallos_ip: int = 30
    login_ventana_minutos: int = 15
    login_bloqueo_minutos: int = 15

    # Public routes that send mail or store a request ("forgot password", account requests):
    # accepted at most this often per e-mail address and per client address.
    pedidos_max_por_email: int = 3
    pedidos_max_por_ip: int = 20
    pedidos_ventana_minutos: int = 60

    # Argon2id (see README: chosen for 2 cores, ~24 ms per hash).
    argon2_time_cost: int = 2
    argon2_memory_kib: int = 19456
    argon2_parallelism: int = 1

    zona_horaria: str = "America/Argentina/Rio_Gallegos"
    importacion_max_bytes: int = 5 * 1024 * 1024
    importacion_max_segundos: float = 10.0
