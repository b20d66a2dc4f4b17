"""Tables of the pases service, and the transitions of custody as methods of its model."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, Index, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ESCRITURA = "ESCRITURA"


class Base(DeclarativeBase):
    pass


class Tenencia(Base):
    """Custody of one expediente, owned here: the desk that holds it (or that it is on its way
    to), with what permission, whether it is in transit, and every desk it ever reached.

    `version` counts custody changes (1 at the alta); every change goes through a method of this
    class, which bumps it, and is published whole as `sigexp.custodia.actualizada.v1`, so other
    services keep ordered copies. `caracter` and `referencia` are this service's copy of
    expedientes' data, kept for the RESERVADO rule and for showing the file.
    """

    __tablename__ = "tenencias"

    expediente_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    referencia: Mapped[str] = mapped_column(String(60))
    caracter: Mapped[str] = mapped_column(String(20))
    mesa_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    organismo_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    permiso: Mapped[str] = mapped_column(String(20))
    en_transito: Mapped[bool] = mapped_column(Boolean)
    mesa_origen_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    mesas: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)))
    fojas: Mapped[int] = mapped_column(Integer)
    tomos: Mapped[int] = mapped_column(Integer)
    desde: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(BigInteger)

    @classmethod
    def asignar_inicial(
        cls,
        expediente_id: uuid.UUID,
        mesa_id: uuid.UUID,
        *,
        permiso: str,
        desde: datetime,
        referencia: str,
        caracter: str,
        organismo_id: uuid.UUID | None,
        fojas: int,
        tomos: int,
    ) -> Tenencia:
        """The starting desk holds the new expediente, received (custody's version 1)."""
        return cls(
            expediente_id=expediente_id,
            referencia=referencia,
            caracter=caracter,
            mesa_id=mesa_id,
            organismo_id=organismo_id,
            permiso=permiso,
            en_transito=False,
            mesa_origen_id=None,
            mesas=[mesa_id],
            fojas=fojas,
            tomos=tomos,
            desde=desde,
            version=1,
        )

    # The pase use cases add their transitions here in the same shape: a method that checks
    # the state (raising `Conflicto` when it forbids the change), changes the fields and
    # `desde`, and bumps `version`; the use case then publishes `CustodiaActualizada.de(self)`.

    def tiempo_en_mesa(self, ahora: datetime) -> int:
        """Seconds since custody last changed (at the desk, or on the way to it)."""
        return max(int((ahora - self.desde).total_seconds()), 0)


class Pase(Base):
    __tablename__ = "pases"
    __table_args__ = (Index("ix_pases_expediente", "expediente_id", "enviado_en"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    expediente_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    mesa_origen_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    mesa_destino_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    dependencia_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    permiso: Mapped[str] = mapped_column(String(20))
    fojas_agregadas: Mapped[int] = mapped_column(Integer, default=0)
    tomos_agregados: Mapped[int] = mapped_column(Integer, default=0)
    observaciones: Mapped[str | None] = mapped_column(Text)
    estado: Mapped[str] = mapped_column(String(20))
    enviado_en: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    recibido_en: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    discrepancia: Mapped[str | None] = mapped_column(Text)
