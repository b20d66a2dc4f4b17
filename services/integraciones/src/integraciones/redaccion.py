"""Internal event -> public event: what a ministry may see of it.

One rule for every event: an expediente that is not PUBLICO (RESERVADO, or one whose carácter
is not known yet) keeps only the fields of `publico.SIEMPRE` (ids, referencia, estado, desks);
everything else goes as null. An allowlist, so a field added later is hidden until it is
decided public.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from integraciones import events
from integraciones.publico import (
    SIEMPRE,
    EventoPublico,
    PublicoExpedienteActualizado,
    PublicoExpedienteAnulado,
    PublicoExpedienteIniciado,
    PublicoPaseEnviado,
    PublicoPaseRechazado,
    PublicoPaseRecibido,
    PublicoPaseRevertido,
)

PUBLICO = "PUBLICO"
EN_CAMINO = "RECEPCION_PENDIENTE"  # the API's estado while a pase is on its way

P = TypeVar("P", bound=EventoPublico)


@dataclass(frozen=True)
class Expediente:
    """What integraciones knows of an expediente when a pase event arrives (None: nothing
    yet, so it is treated as reserved)."""

    referencia: str | None
    caracter: str | None
    estado: str | None


def es_reservado(caracter: str | None) -> bool:
    return caracter != PUBLICO


def redactar(modelo: type[P], datos: dict[str, Any], caracter: str | None) -> P:
    """The public event of `modelo` from `datos`, keeping only `SIEMPRE` unless PUBLICO."""
    reservado = es_reservado(caracter)
    if reservado:
        datos = {k: (v if k in SIEMPRE else None) for k, v in datos.items()}
    return modelo(**datos, reservado=reservado)


def expediente_iniciado(ev: events.ExpedienteIniciado) -> PublicoExpedienteIniciado:
    datos = {
        "expediente_id": ev.expediente_id,
        "referencia": ev.referencia,
        "estado": ev.estado,
        "en": ev.creado_en,
        "mesa_id": ev.mesa_id,
        "organismo_id": ev.organismo_id,
        "tipo": ev.tipo,
        "extracto": ev.extracto,
        "tomos": ev.tomos,
        "fojas": ev.fojas,
    }
    return redactar(PublicoExpedienteIniciado, datos, ev.caracter)


def expediente_actualizado(ev: events.ExpedienteActualizado) -> PublicoExpedienteActualizado:
    datos = {
        "expediente_id": ev.expediente_id,
        "referencia": ev.referencia,
        "estado": ev.estado,
        "en": ev.en,
        "tipo": ev.tipo,
        "extracto": ev.extracto,
        "tomos": ev.tomos,
        "fojas": ev.fojas,
    }
    return redactar(PublicoExpedienteActualizado, datos, ev.caracter)


def expediente_anulado(
    ev: events.ExpedienteAnulado, exp: Expediente | None
) -> PublicoExpedienteAnulado:
    datos = {
        "expediente_id": ev.expediente_id,
        "referencia": ev.referencia,
        "estado": "ANULADO",
        "en": ev.en,
        "motivo": ev.motivo,
    }
    return redactar(PublicoExpedienteAnulado, datos, exp.caracter if exp else None)


def _caracter(ev: events.EventoDePase, exp: Expediente | None) -> str | None:
    """A pase is public only if neither integraciones' copy nor the pase's own event says
    otherwise: a reclassification to RESERVADO that pases had read when the pase happened, but
    that has not reached this service yet (another queue, another relay), still hides it."""
    if ev.caracter is not None and es_reservado(ev.caracter):
        return ev.caracter
    return exp.caracter if exp else None


def _pase(ev: events.EventoDePase, exp: Expediente | None, estado: str | None) -> dict[str, Any]:
    return {
        "expediente_id": ev.expediente_id,
        "pase_id": ev.pase_id,
        "referencia": exp.referencia if exp else None,
        "estado": estado,
        "en": ev.en,
        "mesa_origen_id": ev.mesa_origen_id,
        "mesa_destino_id": ev.mesa_destino_id,
    }


def pase_enviado(ev: events.PaseEnviado, exp: Expediente | None) -> PublicoPaseEnviado:
    datos = {
        **_pase(ev, exp, EN_CAMINO),
        "referencia": ev.referencia,
        "organismo_destino_id": ev.organismo_destino_id,
        "fojas_agregadas": ev.fojas_agregadas,
        "tomos_agregados": ev.tomos_agregados,
        "observaciones": ev.observaciones,
        "plazo_dias_habiles": ev.plazo_dias_habiles,
        "vence_en": ev.vence_en,
    }
    return redactar(PublicoPaseEnviado, datos, _caracter(ev, exp))


def pase_recibido(ev: events.PaseRecibido, exp: Expediente | None) -> PublicoPaseRecibido:
    datos = {**_pase(ev, exp, exp.estado if exp else None), "discrepancia": ev.discrepancia}
    return redactar(PublicoPaseRecibido, datos, _caracter(ev, exp))


def pase_rechazado(ev: events.PaseRechazado, exp: Expediente | None) -> PublicoPaseRechazado:
    datos = {**_pase(ev, exp, exp.estado if exp else None), "motivo": ev.motivo}
    return redactar(PublicoPaseRechazado, datos, _caracter(ev, exp))


def pase_revertido(ev: events.PaseRevertido, exp: Expediente | None) -> PublicoPaseRevertido:
    datos = {**_pase(ev, exp, exp.estado if exp else None), "motivo": ev.motivo}
    return redactar(PublicoPaseRevertido, datos, _caracter(ev, exp))
