"""Rows of pases' own tables for the desk tests: envíos as pasenv's use case leaves them
(custody in transit, pase PENDIENTE, numbered remito) and the copies of other services' data,
written straight into the real database of the running service."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from fastapi import FastAPI
from sqlalchemy import func, select

from pases.copias import ExpedienteCopia, Mesa, Organismo
from pases.models import PENDIENTE, Pase, Remito, Tenencia
from sigexp_common.db import transaction
from sigexp_common.envelope import utcnow
from sigexp_common.ids import uuid7


@dataclass
class Envio:
    remito_id: uuid.UUID
    codigo: str
    pase_ids: list[uuid.UUID] = field(default_factory=list)
    expediente_ids: list[uuid.UUID] = field(default_factory=list)
    referencias: list[str] = field(default_factory=list)


async def mesa(app: FastAPI, nombre: str, organismo: str = "ORGANISMO DE PRUEBA") -> uuid.UUID:
    """A desk (and its organismo) in pases' copy of the catalogue."""
    organismo_id, mesa_id = uuid.uuid4(), uuid.uuid4()
    async with transaction(app.state.sessions) as db:
        db.add(
            Organismo(
                id=organismo_id, codigo=str(organismo_id.int % 10**8), nombre=organismo, version=1
            )
        )
        db.add(
            Mesa(
                id=mesa_id,
                codigo=f"M-{mesa_id.hex[:8]}",
                nombre=nombre,
                organismo_id=organismo_id,
                es_oficina=False,
                activo=True,
                version=1,
            )
        )
    return mesa_id


async def envio(
    app: FastAPI,
    origen: uuid.UUID,
    destino: uuid.UUID,
    n: int = 3,
    *,
    reservados: tuple[int, ...] = (),
    enviado_en: datetime | None = None,
    vence_en: datetime | None = None,
    plazo: int | None = None,
    por: str = "mesa.prueba",
) -> Envio:
    """`n` expedientes sent from `origen` to `destino` in one remito (item i RESERVADO when
    i is in `reservados`)."""
    enviado_en = enviado_en or utcnow()
    remito_id = uuid.uuid4()
    codigo = secrets.token_urlsafe(16)
    resultado = Envio(remito_id, codigo)
    async with transaction(app.state.sessions) as db:
        numero = (
            await db.scalar(
                select(func.coalesce(func.max(Remito.numero), 0)).where(
                    Remito.mesa_origen_id == origen
                )
            )
            or 0
        ) + 1
        db.add(
            Remito(
                id=remito_id,
                numero=numero,
                anio=enviado_en.year,
                mesa_origen_id=origen,
                mesa_destino_id=destino,
                codigo_verificacion=codigo,
                emitido_en=enviado_en,
                emitido_por_id=uuid.uuid4(),
                emitido_por=por,
                cantidad=n,
            )
        )
        await db.flush()
        for i in range(n):
            expediente_id, pase_id = uuid7(), uuid.uuid4()
            referencia = f"{secrets.randbelow(10**6)}-{enviado_en.year}"
            caracter = "RESERVADO" if i in reservados else "PUBLICO"
            db.add(
                ExpedienteCopia(
                    expediente_id=expediente_id,
                    referencia=referencia,
                    extracto=f"Extracto del expediente {referencia}: pedido de informes",
                    tipo="GENERAL",
                    caracter=caracter,
                    estado="EN_TRAMITE",
                    fojas=10 + i,
                    tomos=1,
                    version=1,
                )
            )
            db.add(
                Tenencia(
                    expediente_id=expediente_id,
                    referencia=referencia,
                    caracter=caracter,
                    mesa_id=destino,
                    organismo_id=None,
                    permiso="ESCRITURA",
                    en_transito=True,
                    mesa_origen_id=origen,
                    mesas=[origen, destino],
                    fojas=10 + i,
                    tomos=1,
                    desde=enviado_en,
                    version=2,
                    pase_id=pase_id,
                )
            )
            db.add(
                Pase(
                    id=pase_id,
                    expediente_id=expediente_id,
                    remito_id=remito_id,
                    mesa_origen_id=origen,
                    mesa_destino_id=destino,
                    permiso="ESCRITURA",
                    fojas_agregadas=2,
                    tomos_agregados=0,
                    fojas_esperadas=12 + i,
                    tomos_esperados=1,
                    observaciones="Observación interna que no se publica",
                    plazo_dias_habiles=plazo,
                    vence_en=vence_en,
                    estado=PENDIENTE,
                    enviado_en=enviado_en,
                    enviado_por=por,
                    permiso_anterior="ESCRITURA",
                )
            )
            resultado.pase_ids.append(pase_id)
            resultado.expediente_ids.append(expediente_id)
            resultado.referencias.append(referencia)
    return resultado


async def recibir(
    app: FastAPI, pase_id: uuid.UUID, en: datetime | None = None, contadas: int | None = None
) -> None:
    """The destination received the pase (as pasenv's recepción leaves it)."""
    async with transaction(app.state.sessions) as db:
        pase = await db.get(Pase, pase_id)
        assert pase is not None
        pase.recibir(en or utcnow(), "mesa.destino", uuid.uuid4(), contadas, None)
        tenencia = await db.get(Tenencia, pase.expediente_id)
        assert tenencia is not None
        tenencia.recibir(pase)


def hace(**kwargs: float) -> datetime:
    return utcnow() - timedelta(**kwargs)


async def reenvio(
    app: FastAPI,
    expediente_ids: list[uuid.UUID],
    origen: uuid.UUID,
    destino: uuid.UUID,
    enviado_en: datetime,
) -> list[uuid.UUID]:
    """The desk holding these expedientes sends them on (custody's own transition)."""
    pase_ids = []
    async with transaction(app.state.sessions) as db:
        for expediente_id in expediente_ids:
            tenencia = await db.get(Tenencia, expediente_id)
            assert tenencia is not None
            pase = Pase(
                id=uuid.uuid4(),
                expediente_id=expediente_id,
                mesa_origen_id=origen,
                mesa_destino_id=destino,
                permiso="ESCRITURA",
                fojas_agregadas=0,
                tomos_agregados=0,
                estado=PENDIENTE,
                enviado_en=enviado_en,
                enviado_por="mesa.prueba",
            )
            db.add(pase)
            tenencia.enviar(pase)
            pase_ids.append(pase.id)
    return pase_ids
