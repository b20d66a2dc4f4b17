"""Tables of the auth service: accounts, catalogue, sessions, signing keys, mail queue."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


def _pk() -> Mapped[uuid.UUID]:
    return mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)


def _creado() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now())


def _version() -> Mapped[int]:
    """The row's version: SQLAlchemy's version counter bumps it on every change (the mapper's
    `version_id_col`); it travels as the `sequence` of the row's catalogue event, so copies
    elsewhere apply only a newer one."""
    return mapped_column(BigInteger, server_default=text("1"))


class Organismo(Base):
    __tablename__ = "organismos"

    id: Mapped[uuid.UUID] = _pk()
    codigo: Mapped[str] = mapped_column(String(20), unique=True)
    nombre: Mapped[str] = mapped_column(String(300))
    nombre_corto: Mapped[str | None] = mapped_column(String(60))
    activo: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = _version()
    creado_en: Mapped[datetime] = _creado()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (read by the mapper once)


class Mesa(Base):
    """A mesa de entradas; offices that act as desks are mesas with `es_oficina`."""

    __tablename__ = "mesas"

    id: Mapped[uuid.UUID] = _pk()
    codigo: Mapped[str] = mapped_column(String(60), unique=True)
    nombre: Mapped[str] = mapped_column(String(300))
    organismo_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organismos.id"), index=True)
    es_oficina: Mapped[bool] = mapped_column(Boolean, default=False)
    activo: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = _version()
    creado_en: Mapped[datetime] = _creado()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (read by the mapper once)

    organismo: Mapped[Organismo] = relationship(lazy="joined")


class Dependencia(Base):
    __tablename__ = "dependencias"

    id: Mapped[uuid.UUID] = _pk()
    codigo: Mapped[str] = mapped_column(String(60), unique=True)
    nombre: Mapped[str] = mapped_column(String(300))
    organismo_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organismos.id"), index=True)
    activo: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = _version()
    creado_en: Mapped[datetime] = _creado()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (read by the mapper once)

    organismo: Mapped[Organismo] = relationship(lazy="joined")


class TipoExpediente(Base):
    __tablename__ = "tipos_expediente"

    codigo: Mapped[str] = mapped_column(String(40), primary_key=True)
    nombre: Mapped[str] = mapped_column(String(200))
    activo: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = _version()
    creado_en: Mapped[datetime] = _creado()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (read by the mapper once)


class Feriado(Base):
    """A holiday of the province's calendar: plazos skip it (counted in business days).
    One row per date; a wrong one is deactivated (`activo: false`), never deleted."""

    __tablename__ = "feriados"

    fecha: Mapped[date] = mapped_column(Date, primary_key=True)
    nombre: Mapped[str] = mapped_column(String(200))
    activo: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = _version()
    creado_en: Mapped[datetime] = _creado()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (read by the mapper once)


class Cuenta(Base):
    """A user account (named `Cuenta` so it never clashes with the token's `Usuario`)."""

    __tablename__ = "usuarios"

    id: Mapped[uuid.UUID] = _pk()
    usuario: Mapped[str] = mapped_column(String(80))
    nombre: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    perfil: Mapped[str] = mapped_column(String(20))
    mesa_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("mesas.id"), index=True)
    organismo_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organismos.id"))
    password_hash: Mapped[str] = mapped_column(Text)
    debe_cambiar_password: Mapped[bool] = mapped_column(Boolean, default=True)
    activo: Mapped[bool] = mapped_column(Boolean, default=True)
    creado_en: Mapped[datetime] = _creado()
    actualizado_en: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    password_cambiada_en: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    mesa: Mapped[Mesa | None] = relationship(lazy="joined")
    organismo: Mapped[Organismo | None] = relationship(lazy="joined")

    __table_args__ = (
        Index("uq_usuarios_usuario", func.lower(usuario), unique=True),
        Index("uq_usuarios_email", func.lower(email), unique=True),
    )


class SolicitudCuenta(Base):
    __tablename__ = "solicitudes_cuenta"

    id: Mapped[uuid.UUID] = _pk()
    nombre: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    organismo: Mapped[str] = mapped_column(String(300))
    area: Mapped[str] = mapped_column(String(300))
    perfil: Mapped[str] = mapped_column(String(20))
    estado: Mapped[str] = mapped_column(String(20), default="PENDIENTE", index=True)
    motivo: Mapped[str | None] = mapped_column(Text)
    creada_en: Mapped[datetime] = _creado()
    resuelta_en: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resuelta_por: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    usuario_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("usuarios.id"))


class RefreshToken(Base):
    """An opaque refresh token, stored as its SHA-256; rotated on use within a family."""

    __tablename__ = "refresh_tokens"

    id: Mapped[uuid.UUID] = _pk()
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    usuario_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("usuarios.id"), index=True)
    familia_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    creado_en: Mapped[datetime] = _creado()
    expira_en: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    usado_en: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revocado_en: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class TokenRestablecimiento(Base):
    """A single-use password reset token, stored as its SHA-256."""

    __tablename__ = "tokens_restablecimiento"

    id: Mapped[uuid.UUID] = _pk()
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    usuario_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("usuarios.id"), index=True)
    creado_en: Mapped[datetime] = _creado()
    expira_en: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    usado_en: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class IntentoLogin(Base):
    """One login attempt; failures feed the per-account and per-address limits."""

    __tablename__ = "intentos_login"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    clave: Mapped[str] = mapped_column(String(300))
    ip: Mapped[str | None] = mapped_column(String(64))
    exitoso: Mapped[bool] = mapped_column(Boolean)
    en: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_intentos_login_clave_en", "clave", "en"),
        Index("ix_intentos_login_ip_en", "ip", "en"),
    )


class Bloqueo(Base):
    """A temporary lock on an account key (`cuenta:...`) or a client address (`ip:...`)."""

    __tablename__ = "bloqueos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    clave: Mapped[str] = mapped_column(String(300), index=True)
    desde: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    hasta: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PedidoPublico(Base):
    """One accepted request of a public route that sends mail or stores a request (`tipo`:
    `olvido`, `solicitud_cuenta`): they feed the per-e-mail and per-address limits."""

    __tablename__ = "pedidos_publicos"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    tipo: Mapped[str] = mapped_column(String(30))
    email: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str | None] = mapped_column(String(64))
    en: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_pedidos_publicos_email", "tipo", "email", "en"),
        Index("ix_pedidos_publicos_ip", "tipo", "ip", "en"),
    )


class ClaveFirma(Base):
    """An ES256 signing key; the private part encrypted with the key-encryption secret."""

    __tablename__ = "claves_firma"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    privada_cifrada: Mapped[str] = mapped_column(Text)
    publica_jwk: Mapped[dict[str, Any]] = mapped_column(JSONB)
    creada_en: Mapped[datetime] = _creado()
    retirada_en: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CorreoPendiente(Base):
    """Mail queue: written in the use case's transaction, sent after commit, retried."""

    __tablename__ = "correos"

    id: Mapped[uuid.UUID] = _pk()
    para: Mapped[str] = mapped_column(String(254))
    asunto: Mapped[str] = mapped_column(String(300))
    cuerpo: Mapped[str] = mapped_column(Text)
    creado_en: Mapped[datetime] = _creado()
    enviado_en: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    intentos: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    proximo_intento_en: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    ultimo_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index(
            "ix_correos_pendientes",
            "proximo_intento_en",
            postgresql_where=text("enviado_en IS NULL"),
        ),
    )


class RevocacionSesiones(Base):
    """The user's access tokens issued up to `revocadas_hasta` are void (the latest time wins;
    the verifiers load the recent rows at start and hear the rest by event)."""

    __tablename__ = "revocaciones_sesiones"

    usuario_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("usuarios.id"), primary_key=True)
    revocadas_hasta: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    motivo: Mapped[str] = mapped_column(String(40))
