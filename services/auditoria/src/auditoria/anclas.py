"""Anchors: the chain's head (seq, hash) kept out of the database's reach.

A chain verified against itself catches an edited, deleted or reordered row, but not a rewrite
of everything after a point (every hash recomputed) nor a cut of its tail: for those the
verification needs a head saved elsewhere earlier. `GET /api/v1/auditoria/ancla` gives it on
demand (an auditor keeps it); every `ancla_intervalo_segundos` (an hour) each service process
tries to write it to a file under `data_dir/anclas/` and to the object `anclas/<instant>.json`
of the bucket. One process does it per round (an advisory lock taken without waiting).
`GET /api/v1/auditoria/verificacion?ancla=SEQ:HASH` then proves the chain still holds it.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from fastapi import FastAPI
from minio import Minio
from prometheus_client import Counter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auditoria.cadena import GENESIS
from auditoria.models import Registro
from auditoria.settings import Settings
from sigexp_common import audit
from sigexp_common.db import transaction, try_advisory_xact_lock
from sigexp_common.envelope import utcnow
from sigexp_common.errors import CampoInvalido, DatoInvalido
from sigexp_common.security import Perfil, Usuario, require_perfil

log = logging.getLogger("sigexp.auditoria")

EXPORTADAS = Counter(
    "sigexp_auditoria_anclas_total",
    "Anchors of the chain written out (destino: archivo|s3; resultado: ok|error)",
    ["destino", "resultado"],
)
_LOCK = "auditoria.anclas"
_FORMATO = re.compile(r"^(\d{1,18}):([0-9a-f]{64})$")
PREFIJO = "anclas/"


@dataclass(frozen=True)
class Ancla:
    seq: int
    hash: str
    en: datetime

    @property
    def texto(self) -> str:
        """How it is given back to `verificacion?ancla=`."""
        return f"{self.seq}:{self.hash}"

    def json(self) -> dict[str, object]:
        return {"seq": self.seq, "hash": self.hash, "en": self.en.isoformat(), "ancla": self.texto}


async def cabeza(db: AsyncSession) -> Ancla:
    """The last record's (seq, hash); (0, genesis) while the chain is empty."""
    fila = (await db.execute(_CABEZA)).first()
    seq, hash_ = (fila.seq, fila.hash) if fila else (0, GENESIS)
    return Ancla(seq, hash_, utcnow())


_CABEZA = select(Registro.seq, Registro.hash).order_by(Registro.seq.desc()).limit(1)


async def ancla(db: AsyncSession, por: Usuario) -> Ancla:
    require_perfil(por, Perfil.ADMIN, accion="auditoria.ancla")
    actual = await cabeza(db)
    await audit.lectura(db, por, "auditoria.ancla", "auditoria", detalle={"seq": actual.seq})
    return actual


def leer(textos: list[str]) -> list[tuple[int, str]]:
    """`SEQ:HASH` values (as `ancla` gives them) or a 422 naming the bad one."""
    anclas = []
    for texto in textos:
        encontrado = _FORMATO.match(texto.strip().lower())
        if encontrado is None:
            raise DatoInvalido(
                "El ancla no tiene el formato SEQ:HASH (número y 64 hexadecimales).",
                [CampoInvalido("ancla", "Debe ser SEQ:HASH, como la devuelve /auditoria/ancla.")],
            )
        anclas.append((int(encontrado.group(1)), encontrado.group(2)))
    return sorted(anclas)


def _cliente(settings: Settings) -> Minio:
    return Minio(
        settings.s3_endpoint,
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key,
        secure=settings.s3_secure,
        region=settings.s3_region,
    )


def _nombre(actual: Ancla) -> str:
    return f"{actual.en.strftime('%Y%m%dT%H%M%SZ')}-{actual.seq}.json"


def _a_archivo(directorio: Path, actual: Ancla) -> None:
    directorio.mkdir(parents=True, exist_ok=True)
    destino = directorio / _nombre(actual)
    provisorio = destino.with_suffix(".tmp")
    provisorio.write_text(json.dumps(actual.json()), encoding="utf-8")
    provisorio.replace(destino)  # whole or absent, never half written


def _a_s3(settings: Settings, actual: Ancla) -> None:
    cliente = _cliente(settings)
    if not cliente.bucket_exists(settings.s3_bucket):
        cliente.make_bucket(settings.s3_bucket)
    datos = json.dumps(actual.json()).encode()
    cliente.put_object(
        settings.s3_bucket,
        PREFIJO + _nombre(actual),
        io.BytesIO(datos),
        len(datos),
        content_type="application/json",
    )


async def exportar(sesiones: async_sessionmaker[AsyncSession], settings: Settings) -> Ancla | None:
    """Write the head out once, unless another process is doing it; None then."""
    async with transaction(sesiones) as db:
        if not await try_advisory_xact_lock(db, _LOCK):
            return None
        actual = await cabeza(db)
        destinos = (
            ("archivo", lambda: _a_archivo(settings.data_dir / "anclas", actual)),
            ("s3", lambda: _a_s3(settings, actual)),
        )
        for destino, escribir in destinos:
            try:
                await asyncio.to_thread(escribir)
            except Exception:  # storage away: said loudly, tried again next round
                EXPORTADAS.labels(destino, "error").inc()
                log.exception("could not write the chain's anchor to %s", destino)
            else:
                EXPORTADAS.labels(destino, "ok").inc()
        log.info("chain anchor written", extra={"seq": actual.seq, "hash": actual.hash})
        return actual


async def _periodicamente(app: FastAPI, settings: Settings) -> None:
    while True:
        try:
            await exportar(app.state.sessions, settings)
        except Exception:  # the database away: next round
            log.exception("could not read the chain's head for its anchor")
        await asyncio.sleep(settings.ancla_intervalo_segundos)


async def iniciar(app: FastAPI) -> None:
    settings: Settings = app.state.settings
    app.state.anclas = asyncio.create_task(_periodicamente(app, settings), name="anclas")


async def detener(app: FastAPI) -> None:
    tarea: asyncio.Task[None] | None = getattr(app.state, "anclas", None)
    if tarea is not None:
        tarea.cancel()
        await asyncio.gather(tarea, return_exceptions=True)
