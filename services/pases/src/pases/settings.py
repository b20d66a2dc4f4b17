"""Settings of the pases service (environment prefix `PASES_`)."""

from pydantic_settings import SettingsConfigDict

from sigexp_common.mail import SmtpSettings
from sigexp_common.settings import ServiceSettings


class Settings(ServiceSettings, SmtpSettings):  # SMTP: arrival notices by e-mail
    model_config = SettingsConfigDict(env_prefix="PASES_", extra="ignore")

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/sigexp_pases"

    # Base of the public URLs printed on paper (the remito's QR points to its verification).
    url_publica: str = "http://127.0.0.1:8000"
    # Public verifications of remitos one client address may ask per minute (per process).
    verificaciones_por_minuto: int = 60
    # En mesa lists what arrived at the desk in the last days too.
    en_mesa_dias: int = 7
    # Statistics: a file held at a desk longer than this is stuck (`?estancados_dias=`).
    estancados_dias: int = 30
