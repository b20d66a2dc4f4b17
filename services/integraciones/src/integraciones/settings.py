"""Settings of the integraciones service (environment prefix `INTEGRACIONES_`)."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from sigexp_common.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INTEGRACIONES_", extra="ignore")

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/sigexp_integraciones"
    # The ministries' topic exchange (same routing keys as `sigexp.events`), and the direct
    # exchange integraciones delivers through to one subscriber's queue (key = queue name).
    exchange_publico: str = "sigexp.publico"
    exchange_directo: str = "sigexp.publico.directo"
    # RabbitMQ's HTTP management API (plugin `rabbitmq_management`), on the vhost of
    # `amqp_url`: subscribers' users, permissions and queues.
    rabbitmq_api_url: str = "http://127.0.0.1:15672"
    rabbitmq_api_usuario: str = "guest"
    rabbitmq_api_password: str = "guest"
    # The broker address given to ministries (unset: the host and vhost of `amqp_url`).
    amqp_suscriptores_url: str | None = None
    # Webhooks: extra CAs to trust (a PEM file; the system's are trusted too), timeout,
    # backoff from the first to the longest wait, and how long a delivery is retried before
    # it is parked.
    webhook_ca: str | None = None
    webhook_timeout_segundos: float = 10.0
    webhook_reintento_inicial_segundos: float = 2.0
    webhook_reintento_max_segundos: float = 3600.0
    webhook_plazo_horas: float = 24.0
    despacho_poll_segundos: float = 0.5

    secret_fields: ClassVar[tuple[str, ...]] = (
        *ServiceSettings.secret_fields,
        "rabbitmq_api_password",
    )
