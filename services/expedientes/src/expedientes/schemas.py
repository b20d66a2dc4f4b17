"""Request and response models of the expedientes service (field names as in API.md)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator
from pydantic_core import to_json

from expedientes.models import Fila, estado, mesa_actual, referencia
from expedientes.schemas_conexos import AcumuladoEn, AcumuladoOut, VinculoOut
from sigexp_common.entrada import Entero

if TYPE_CHECKING:
    from expedientes.models import ExpedienteLeido


class Caracter(StrEnum):
    PUBLICO = "PUBLICO"
    RESERVADO = "RESERVADO"


class Estado(StrEnum):
    EN_TRAMITE = "EN_TRAMITE"
    RECEPCION_PENDIENTE = "RECEPCION_PENDIENTE"
    EN_REVISION = "EN_REVISION"
    ARCHIVADO = "ARCHIVADO"
    ANULADO = "ANULADO"


# GDE (the national Gestión Documental Electrónica) numbers a file like
# `EX-2024-12345678- -APN-DGDYD#JGM`: type, year, eight digits, an empty check segment (`- -`,
# sometimes written `-`), the ecosystem and the repartición (`#` and its ministry optional).
PATRON_GDE = re.compile(r"[A-Z]{2,5}-\d{4}-\d{8}-(?: -)?[A-Z]{2,10}-[A-Z0-9]+(?:#[A-Z0-9]+)?")
EJEMPLO_GDE = "EX-2024-12345678- -APN-DGDYD#JGM"


def _numero_gde(valor: str | None) -> str | None:
    if valor is None or not valor.strip():
        return None  # a blank form field: no GDE number
    normal = valor.strip().upper()
    if not PATRON_GDE.fullmatch(normal):
        raise ValueError(f"No es un número de GDE válido (por ejemplo {EJEMPLO_GDE}).")
    return normal


NumeroGde = Annotated[str | None, Field(max_length=60), AfterValidator(_numero_gde)]


class ExpedienteIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    numero: Entero | None = Field(None, ge=1, le=99_999_999)
    letras: str | None = Field(None, max_length=10, pattern=r"^[A-Za-zÑñ]*$")
    anio: Entero | None = Field(None, ge=1900, le=2100)
    extracto: str = Field(min_length=3, max_length=2000)
    numero_instrumento: str | None = Field(None, max_length=100)
    numero_gde: NumeroGde = None
    tomos: Entero = Field(1, ge=1, le=1000)
    fojas: Entero = Field(0, ge=0, le=1_000_000)
    tipo: str = Field("GENERAL", min_length=1, max_length=50, pattern=r"^[A-Z0-9_]+$")
    caracter: Caracter = Caracter.PUBLICO

    @field_validator("letras")
    @classmethod
    def _mayusculas(cls, value: str | None) -> str | None:
        return value.upper() if value else None


class OrganismoRef(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    codigo: str
    nombre: str


class MesaRef(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    nombre: str
    organismo: OrganismoRef | None = None


class ExpedienteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    codigo: str
    numero: int
    letras: str | None
    anio: int
    referencia: str
    extracto: str
    numero_instrumento: str | None
    numero_gde: str | None = None
    tomos: int
    fojas: int
    tipo: str
    caracter: Caracter
    estado: Estado
    version: int = 1  # +1 on every edit or lifecycle change
    organismo_id: uuid.UUID | None
    mesa_inicio_id: uuid.UUID
    # Custody, from this service's copy of pases' (seeded by the alta itself):
    mesa_actual_id: uuid.UUID
    mesa_actual: MesaRef | None = None  # None until the desk's catalogue event has arrived
    permiso_actual: str
    creado_en: datetime
    iniciado_por: uuid.UUID
    iniciado_por_usuario: str
    # Its conexos, in the detail only (None in listings and in the answers of actions):
    vinculos: list[VinculoOut] | None = None
    acumulados: list[AcumuladoOut] | None = None
    acumulado_en: AcumuladoEn | None = None

    @field_validator("letras", mode="before")
    @classmethod
    def _sin_letras(cls, value: str | None) -> str | None:
        return value or None


class ExpedientesOut(BaseModel):
    items: list[ExpedienteOut]
    next_cursor: str | None = None


class ResumenOut(BaseModel):
    """What the consulta global shows of an expediente: enough to know where it is."""

    id: uuid.UUID
    referencia: str
    extracto: str
    estado: Estado
    mesa_actual_id: uuid.UUID
    mesa_actual: MesaRef | None = None
    organismo: OrganismoRef | None = None  # the current desk's
    creado_en: datetime

    @classmethod
    def de(cls, expediente: ExpedienteLeido) -> ResumenOut:
        mesa = expediente.mesa_actual
        return cls(
            id=expediente.id,
            referencia=expediente.referencia,
            extracto=expediente.extracto,
            estado=Estado(expediente.estado),
            mesa_actual_id=expediente.mesa_actual_id,
            mesa_actual=MesaRef.model_validate(mesa) if mesa else None,
            organismo=OrganismoRef.model_validate(mesa["organismo"])
            if mesa and mesa["organismo"]
            else None,
            creado_en=expediente.creado_en,
        )


class ResumenesOut(BaseModel):
    items: list[ResumenOut]
    next_cursor: str | None = None


# A search page as JSON, written straight from its rows (asyncpg's records): the very document
# `ExpedientesOut` / `ResumenesOut` make of them (tests/unit/test_esquemas.py holds them equal),
# without validating fifty models twice (the route's and FastAPI's response model) and
# serialising them a third time, which cost a search more CPU than its SQL, nor an
# `ExpedienteLeido` per row first (50 rows: 0.54 -> 0.27 ms). Ids are written as text here:
# asyncpg's own UUID type is not `uuid.UUID` itself, and `to_json` spends ten times longer
# finding out how to write it.


def _id(valor: uuid.UUID | None) -> str | None:
    return None if valor is None else str(valor)


def _expediente(f: Fila) -> dict[str, Any]:
    return {
        "id": str(f["id"]),
        "codigo": f["codigo"],
        "numero": f["numero"],
        "letras": f["letras"] or None,
        "anio": f["anio"],
        "referencia": referencia(f["numero"], f["letras"], f["anio"]),
        "extracto": f["extracto"],
        "numero_instrumento": f["numero_instrumento"],
        "numero_gde": f["numero_gde"],
        "tomos": f["tomos"],
        "fojas": f["fojas"],
        "tipo": f["tipo"],
        "caracter": f["caracter"],
        "estado": estado(f["en_transito"], f["ciclo"]),
        "version": f["version"],
        "organismo_id": _id(f["organismo_id"]),
        "mesa_inicio_id": str(f["mesa_inicio_id"]),
        "mesa_actual_id": str(f["mesa_actual_id"]),
        "mesa_actual": mesa_actual(f, str),
        "permiso_actual": f["permiso_actual"],
        "creado_en": f["creado_en"],
        "iniciado_por": str(f["iniciado_por"]),
        "iniciado_por_usuario": f["iniciado_por_usuario"],
        # conexos are the detail's, never a listing's (as `ExpedienteOut` leaves them)
        "vinculos": None,
        "acumulados": None,
        "acumulado_en": None,
    }


def _resumen(f: Fila) -> dict[str, Any]:
    mesa = mesa_actual(f, str)
    return {
        "id": str(f["id"]),
        "referencia": referencia(f["numero"], f["letras"], f["anio"]),
        "extracto": f["extracto"],
        "estado": estado(f["en_transito"], f["ciclo"]),
        "mesa_actual_id": str(f["mesa_actual_id"]),
        "mesa_actual": mesa,
        "organismo": mesa["organismo"] if mesa else None,
        "creado_en": f["creado_en"],
    }


def expedientes_json(filas: Sequence[Fila], next_cursor: str | None) -> bytes:
    """`ExpedientesOut(items=[ExpedienteOut.model_validate(ExpedienteLeido.de(fila))...],
    next_cursor=...)` as JSON."""
    return to_json({"items": [_expediente(f) for f in filas], "next_cursor": next_cursor})


def resumenes_json(filas: Sequence[Fila], next_cursor: str | None) -> bytes:
    """`ResumenesOut(items=[ResumenOut.de(ExpedienteLeido.de(fila)) ...], next_cursor=...)` as
    JSON."""
    return to_json({"items": [_resumen(f) for f in filas], "next_cursor": next_cursor})


class Ciclable(StrEnum):
    """The lifecycle states an edit may set (ANULADO only by an approved deletion request)."""

    EN_TRAMITE = "EN_TRAMITE"
    EN_REVISION = "EN_REVISION"
    ARCHIVADO = "ARCHIVADO"


class EdicionIn(BaseModel):
    """`PATCH /expedientes/{id}`: any of the editable fields; the identity (codigo, numero,
    letras, anio) is not one of them."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    extracto: str | None = Field(None, min_length=3, max_length=2000)
    numero_instrumento: str | None = Field(None, max_length=100)
    numero_gde: NumeroGde = None
    tomos: Entero | None = Field(None, ge=1, le=1000)
    fojas: Entero | None = Field(None, ge=0, le=1_000_000)
    tipo: str | None = Field(None, min_length=1, max_length=50, pattern=r"^[A-Z0-9_]+$")
    caracter: Caracter | None = None
    estado: Ciclable | None = None

    def pedidos(self) -> dict[str, Any]:
        """The fields the request sent (`numero_instrumento: null` clears it)."""
        valores = self.model_dump(exclude_unset=True, mode="json")
        for obligatorio in ("extracto", "tomos", "fojas", "tipo", "caracter", "estado"):
            if obligatorio in valores and valores[obligatorio] is None:
                del valores[obligatorio]  # null on a required field changes nothing
        return valores


class AnotacionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    texto: str = Field(min_length=1, max_length=2000)


class AnotacionOut(BaseModel):
    """An annotation; a deleted one keeps its place in the list without its text."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    expediente_id: uuid.UUID
    texto: str | None
    mesa_id: uuid.UUID
    organismo_id: uuid.UUID | None
    autor_id: uuid.UUID
    autor: str
    creado_en: datetime
    eliminada: bool = False
    eliminada_en: datetime | None = None
    eliminada_por: str | None = None


class AnotacionesOut(BaseModel):
    items: list[AnotacionOut]


class SolicitudBajaIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    motivo: str = Field(min_length=3, max_length=2000)


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    motivo: str | None = Field(None, max_length=2000)


class SolicitudBajaOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    expediente_id: uuid.UUID
    referencia: str
    motivo: str
    estado: str
    solicitada_en: datetime
    solicitada_por: str
    mesa_id: uuid.UUID
    decidida_en: datetime | None
    decidida_por: str | None
    motivo_decision: str | None


class SolicitudesBajaOut(BaseModel):
    items: list[SolicitudBajaOut]
    next_cursor: str | None = None


class MesaBreve(BaseModel):
    id: uuid.UUID
    nombre: str | None = None  # None until the desk's catalogue event has arrived


class SucesoOut(BaseModel):
    en: datetime
    accion: str
    usuario: str | None
    mesa: MesaBreve | None
    detalle: dict[str, Any]


class HistorialOut(BaseModel):
    items: list[SucesoOut]


class DetalleOut(BaseModel):
    """The expediente's share of the composed detail (the gateway adds pases and archivos)."""

    expediente: ExpedienteOut
    anotaciones: list[AnotacionOut]
    historial: list[SucesoOut]
