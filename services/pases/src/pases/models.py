"""Tables of the pases service, and the transitions of custody and of a pase as methods of their
models (each raises `Conflicto` when the state forbids the change)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from sigexp_common.errors import Conflicto

ESCRITURA = "ESCRITURA"
LECTURA = "LECTURA"

# Pase estados (API.md)
PENDIENTE, RECIBIDO, RECHAZADO, REVERTIDO = "PENDIENTE", "RECIBIDO", "RECHAZADO", "REVERTIDO"
# Lifecycle states of an expediente (expedientes owns them) that forbid sending it
NO_SE_ENVIAN = {"ANULADO": "está anulado", "ARCHIVADO": "está archivado"}


class Base(DeclarativeBase):
    pass


class Tenencia(Base):
    """Custody of one expediente, owned here: the desk that holds it (or that it is on its way
    to), with what permission, whether it is in transit, and every desk it ever reached.

    `version` counts custody changes (1 at the alta); every change goes through a method of this
    class, which bumps it, and is published whole as `sigexp.custodia.actualizada.v1`, so other
    services keep ordered copies. `caracter` and `referencia` are this service's copy of
    expedientes' data, kept for the RESERVADO rule and for showing the file; `fojas` and `tomos`
    are the counts the holding desk should have on paper (the alta's, plus what every received
    pase added), the expected values a reception is compared with.
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
    pase_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    """The pase that brought custody where it is (None since the alta)."""
    acumulado_en_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)
    """The principal this expediente is accumulated into (`service/acumulacion.py`): it travels
    with it, never alone."""

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
            pase_id=None,
        )

    def impedimento_para_enviar(self, mesa_id: uuid.UUID | None) -> str | None:
        """Why the desk `mesa_id` cannot send this expediente now (None: it can). A LECTURA
        holder may send it on: the permission limits editing, not moving the paper."""
        if self.en_transito:
            if self.mesa_id == mesa_id:
                return "todavía no fue recibido en su mesa"
            return "ya está enviado a otra mesa y no fue recibido"
        if self.mesa_id != mesa_id:
            return "no está en poder de su mesa"
        return None

    def enviar(self, pase: Pase) -> None:
        """On its way to the pase's destination, which will hold it with the pase's permission."""
        impedimento = self.impedimento_para_enviar(pase.mesa_origen_id)
        if impedimento is not None:
            raise Conflicto(f"El expediente {self.referencia} {impedimento}.")
        pase.permiso_anterior = self.permiso
        pase.mesa_origen_anterior_id = self.mesa_origen_id
        self.mesa_origen_id = self.mesa_id
        self.mesa_id = pase.mesa_destino_id
        self.permiso = pase.permiso
        self.en_transito = True
        if pase.mesa_destino_id not in self.mesas:
            self.mesas = [*self.mesas, pase.mesa_destino_id]
        self._cambio(pase, pase.enviado_en)

    def recibir(self, pase: Pase) -> None:
        """The destination has it on its desk: it holds it, with what the pase added."""
        self._exigir_en_curso(pase, transito=True)
        self.en_transito = False
        self.fojas += pase.fojas_agregadas
        self.tomos += pase.tomos_agregados
        assert pase.recibido_en is not None
        self._cambio(pase, pase.recibido_en)

    def devolver(self, pase: Pase, en: datetime, *, habia_sido_recibido: bool) -> None:
        """Back to the sender as it held it before the pase (a rejection or a reversal); what a
        received pase added is taken off again. Every desk reached stays in `mesas`."""
        self._exigir_en_curso(pase, transito=not habia_sido_recibido)
        assert pase.permiso_anterior is not None
        self.mesa_id = pase.mesa_origen_id
        self.permiso = pase.permiso_anterior
        self.mesa_origen_id = pase.mesa_origen_anterior_id
        self.en_transito = False
        if habia_sido_recibido:
            self.fojas -= pase.fojas_agregadas
            self.tomos -= pase.tomos_agregados
        self._cambio(pase, en)

    def acumular(self, principal: Tenencia) -> None:
        """From now on it travels with `principal` (both held, received, by the same desk); a
        custody change (its version), though it stays where it is (`desde` too)."""
        self.acumulado_en_id = principal.expediente_id
        self.version += 1

    def desglosar(self) -> None:
        """It moves on its own again, from the desk that holds it."""
        self.acumulado_en_id = None
        self.version += 1

    def _exigir_en_curso(self, pase: Pase, *, transito: bool) -> None:
        if self.pase_id != pase.id or self.en_transito != transito:
            raise Conflicto(
                f"La custodia del expediente {self.referencia} ya no depende de este pase."
            )

    def _cambio(self, pase: Pase, en: datetime) -> None:
        self.pase_id = pase.id
        self.desde = en
        self.version += 1

    def tiempo_en_mesa(self, ahora: datetime) -> int:
        """Seconds since custody last changed (at the desk, or on the way to it)."""
        return max(int((ahora - self.desde).total_seconds()), 0)


class Pase(Base):
    """One expediente sent from one desk to another, and what became of it: PENDIENTE until the
    destination receives it (RECIBIDO) or rejects it (RECHAZADO), or ADMIN reverts it
    (REVERTIDO). `permiso_anterior` and `mesa_origen_anterior_id` keep custody as the sender
    held it, to give it back."""

    __tablename__ = "pases"
    __table_args__ = (
        Index("ix_pases_expediente", "expediente_id", "enviado_en"),
        Index("ix_pases_destino_estado", "mesa_destino_id", "estado", "enviado_en"),
        Index("ix_pases_origen", "mesa_origen_id", "enviado_en"),
        Index("ix_pases_remito", "remito_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    expediente_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    remito_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("remitos.id"))
    pase_principal_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)
    """The principal's pase an accumulated expediente travels with (same remito, received,
    rejected and reverted with it); None for a pase of its own."""
    mesa_origen_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    mesa_destino_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    organismo_destino_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    dependencia_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    permiso: Mapped[str] = mapped_column(String(20))
    fojas_agregadas: Mapped[int] = mapped_column(Integer, default=0)
    tomos_agregados: Mapped[int] = mapped_column(Integer, default=0)
    fojas_esperadas: Mapped[int | None] = mapped_column(Integer)
    tomos_esperados: Mapped[int | None] = mapped_column(Integer)
    observaciones: Mapped[str | None] = mapped_column(Text)
    plazo_dias_habiles: Mapped[int | None] = mapped_column(Integer)
    vence_en: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    estado: Mapped[str] = mapped_column(String(20))
    enviado_en: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    enviado_por_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    enviado_por: Mapped[str | None] = mapped_column(String(200))
    permiso_anterior: Mapped[str | None] = mapped_column(String(20))
    mesa_origen_anterior_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    recibido_en: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    recibido_por_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    recibido_por: Mapped[str | None] = mapped_column(String(200))
    fojas_contadas: Mapped[int | None] = mapped_column(Integer)
    tomos_contados: Mapped[int | None] = mapped_column(Integer)
    discrepancia: Mapped[str | None] = mapped_column(Text)
    rechazado_en: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rechazado_por: Mapped[str | None] = mapped_column(String(200))
    motivo_rechazo: Mapped[str | None] = mapped_column(Text)
    revertido_en: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revertido_por: Mapped[str | None] = mapped_column(String(200))
    motivo_reversion: Mapped[str | None] = mapped_column(Text)

    def recibir(
        self, en: datetime, por: str, por_id: uuid.UUID, fojas: int | None, tomos: int | None
    ) -> None:
        """Received at the destination; counts that differ from the expected ones are recorded
        as `discrepancia` and the reception still goes through."""
        self._exigir_pendiente("recibir")
        self.estado, self.recibido_en, self.recibido_por_id, self.recibido_por = (
            RECIBIDO,
            en,
            por_id,
            por,
        )
        self.fojas_contadas, self.tomos_contados = fojas, tomos
        diferencias = [
            f"{nombre}: se esperaban {esperadas}, se contaron {contadas}"
            for nombre, esperadas, contadas in (
                ("fojas", self.fojas_esperadas, fojas),
                ("tomos", self.tomos_esperados, tomos),
            )
            if contadas is not None and esperadas is not None and contadas != esperadas
        ]
        self.discrepancia = "; ".join(diferencias) + "." if diferencias else None

    def rechazar(self, en: datetime, por: str, motivo: str) -> None:
        self._exigir_pendiente("rechazar")
        self.estado, self.rechazado_en, self.rechazado_por, self.motivo_rechazo = (
            RECHAZADO,
            en,
            por,
            motivo,
        )

    def revertir(self, en: datetime, por: str, motivo: str) -> bool:
        """REVERTIDO (it stays in the route); True when it had been received."""
        if self.estado not in (PENDIENTE, RECIBIDO):
            raise Conflicto(f"El pase está {self.estado.lower()}: no se puede revertir.")
        habia_sido_recibido = self.estado == RECIBIDO
        self.estado, self.revertido_en, self.revertido_por, self.motivo_reversion = (
            REVERTIDO,
            en,
            por,
            motivo,
        )
        return habia_sido_recibido

    def _exigir_pendiente(self, que: str) -> None:
        if self.estado != PENDIENTE:
            raise Conflicto(f"El pase ya está {self.estado.lower()}: no se puede {que}.")


class SerieRemito(Base):
    """The last remito number a desk issued in a year: the next envío takes it under the row's
    lock, so numbers have no gaps (a rolled back envío gives its number back) nor repeats."""

    __tablename__ = "series_remito"

    mesa_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    anio: Mapped[int] = mapped_column(Integer, primary_key=True)
    ultimo: Mapped[int] = mapped_column(Integer)


class Remito(Base):
    """The delivery slip of one envío: numbered per sending desk and year, listing its pases
    (`Pase.remito_id`), with an unguessable code its printed QR points to for verification."""

    __tablename__ = "remitos"
    __table_args__ = (UniqueConstraint("mesa_origen_id", "anio", "numero"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    numero: Mapped[int] = mapped_column(Integer)
    anio: Mapped[int] = mapped_column(Integer)
    mesa_origen_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    mesa_destino_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    organismo_destino_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    dependencia_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    codigo_verificacion: Mapped[str] = mapped_column(String(64), unique=True)
    emitido_en: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    emitido_por_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    emitido_por: Mapped[str] = mapped_column(String(200))
    cantidad: Mapped[int] = mapped_column(Integer)


class SolicitudReversion(Base):
    """A sender's request to revert a pase sent by mistake, decided by ADMIN."""

    __tablename__ = "solicitudes_reversion"
    __table_args__ = (
        Index(
            "uq_solicitud_reversion_pendiente",
            "pase_id",
            unique=True,
            postgresql_where=text("estado = 'PENDIENTE'"),
        ),
        Index("ix_solicitudes_reversion_estado", "estado", "solicitada_en"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    pase_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pases.id"))
    expediente_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    mesa_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))  # the requesting desk
    motivo: Mapped[str] = mapped_column(Text)
    estado: Mapped[str] = mapped_column(String(20))  # PENDIENTE | APROBADA | RECHAZADA
    solicitada_en: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    solicitada_por_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    solicitada_por: Mapped[str] = mapped_column(String(200))
    decidida_en: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decidida_por_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    decidida_por: Mapped[str | None] = mapped_column(String(200))
    motivo_decision: Mapped[str | None] = mapped_column(Text)

    def decidir(
        self, estado: str, en: datetime, por_id: uuid.UUID, por: str, motivo: str | None
    ) -> None:
        if self.estado != PENDIENTE:
            raise Conflicto(f"La solicitud ya fue {self.estado.lower()}.")
        self.estado, self.decidida_en, self.decidida_por_id = estado, en, por_id
        self.decidida_por, self.motivo_decision = por, motivo
