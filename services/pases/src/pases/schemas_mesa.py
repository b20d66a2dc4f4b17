"""Response models of the desk's side of pases: remito verification, en mesa, statistics,
arrival notices (field names as in API.md)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from pases.schemas import PaseOut, TenenciaOut
from pases.service.recorrido import Tramo
from sigexp_common.entrada import Booleano


class MesaRef(BaseModel):
    id: uuid.UUID
    nombre: str | None  # None while pases has not heard of that desk yet


class ItemVerificado(BaseModel):
    referencia: str
    extracto: str | None  # None for a RESERVADO expediente
    fojas: int | None
    tomos: int | None
    estado: str  # the pase's: PENDIENTE, RECIBIDO, RECHAZADO, REVERTIDO
    recibido: bool
    recibido_en: datetime | None


class VerificacionOut(BaseModel):
    """What a remito lists, for anyone holding the paper (no observaciones, no RESERVADO
    extracts), and whether each item has been received."""

    valido: bool = True
    numero: int
    anio: int
    emitido_en: datetime
    emitido_por: str
    mesa_origen: MesaRef
    mesa_destino: MesaRef
    cantidad: int
    recibidos: int
    items: list[ItemVerificado]


class ExpedienteResumen(BaseModel):
    id: uuid.UUID
    referencia: str | None
    extracto: str | None  # None when the rules hide it (RESERVADO out of scope)
    tipo: str | None
    caracter: str | None
    estado: str | None
    fojas: int | None
    tomos: int | None


class PaseEnMesa(BaseModel):
    id: uuid.UUID
    estado: str
    permiso: str
    remito_id: uuid.UUID | None
    fojas_agregadas: int
    tomos_agregados: int
    observaciones: str | None
    recibido_en: datetime | None
    # An accumulated expediente's pase: received with this principal's pase, not on its own.
    pase_principal_id: uuid.UUID | None = None


class EnMesaItem(BaseModel):
    pase: PaseEnMesa
    expediente: ExpedienteResumen
    origen: MesaRef
    enviado_en: datetime
    tiempo_en_mesa: int  # seconds waiting (on its way) or at the desk since it arrived
    plazo: int | None  # business days
    vence_en: datetime | None
    vencido: bool
    discrepancia: str | None


class EnMesaOut(BaseModel):
    mesa_id: uuid.UUID
    dias: int
    items: list[EnMesaItem]


class Semana(BaseModel):
    semana: date  # the Monday
    enviados: int
    recibidos: int


class EstadisticasOut(BaseModel):
    desde: datetime
    hasta: datetime
    mesa_id: uuid.UUID | None
    organismo_id: uuid.UUID | None
    en_poder: int  # files held now
    pendientes_de_recibir: int  # on their way to the desk(s)
    permanencia_mediana_segundos: float | None
    permanencia_p90_segundos: float | None
    permanencias_medidas: int
    vencidos: int
    estancados: int
    estancados_dias: int
    por_semana: list[Semana]


Correo = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
]


class AvisosIn(BaseModel):
    """`PUT /api/v1/mesa/avisos`: where the desk wants its arrival notices, and whether."""

    model_config = ConfigDict(extra="forbid")

    correo: Correo
    activo: Booleano


class AvisosOut(BaseModel):
    mesa_id: uuid.UUID
    correo: str | None
    activo: bool
    actualizado_en: datetime | None


class PaseEnRecorrido(PaseOut):
    """A pase of the route, with its desks' names and the dwell time at its destination (from
    its reception until that desk sent it on, or until now while it still holds it)."""

    mesa_origen_nombre: str | None
    mesa_destino_nombre: str | None
    permanencia_segundos: int | None
    permanencia_en_curso: bool

    @classmethod
    def de(cls, tramo: Tramo) -> PaseEnRecorrido:
        return cls.model_validate(
            {
                **PaseOut.model_validate(tramo.pase).model_dump(),
                "mesa_origen_nombre": tramo.mesa_origen,
                "mesa_destino_nombre": tramo.mesa_destino,
                "permanencia_segundos": tramo.permanencia_segundos,
                "permanencia_en_curso": tramo.permanencia_en_curso,
            }
        )


class RecorridoOut(BaseModel):
    items: list[PaseEnRecorrido]
    tenencia: TenenciaOut


class TenenciaConMesa(TenenciaOut):
    mesa: MesaRef


class TenenciasOut(BaseModel):
    items: list[TenenciaConMesa]
