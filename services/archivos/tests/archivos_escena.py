"""Helpers of the archivos tests: a scene to work in (expedientes the service heard of by real
events on the bus, tokens, the bucket, the outbox) and small files of each admitted type."""

from __future__ import annotations

import contextlib
import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from minio import Minio
from PIL import Image
from sqlalchemy import text

from archivos.settings import Settings
from sigexp_common.broker import Broker
from sigexp_common.db import transaction
from sigexp_common.envelope import Envelope
from sigexp_common.ids import uuid7
from sigexp_testing.eventos import custodia_actualizada
from sigexp_testing.infra import S3Server
from sigexp_testing.tokens import TokenFactory
from sigexp_testing.waiting import wait_until

BUCKET = "sigexp-custodia"


def pdf(texto: str = "hola", relleno: int = 0) -> bytes:
    """A small valid PDF (`relleno` bytes of a comment make it as large as wanted)."""
    cuerpo = f"%PDF-1.4\n% {texto}\n".encode() + b"%" + b"x" * relleno + b"\n%%EOF\n"
    return cuerpo


def png(lado: int = 8) -> bytes:
    salida = io.BytesIO()
    Image.new("RGB", (lado, lado), (200, 30, 30)).save(salida, "PNG")
    return salida.getvalue()


@dataclass
class Expediente:
    id: uuid.UUID
    mesa: uuid.UUID


@dataclass
class Escena:
    app: FastAPI
    cliente: httpx.AsyncClient
    bus: Broker
    tokens: TokenFactory
    s3: S3Server

    @property
    def minio(self) -> Minio:
        return Minio(self.s3.endpoint, self.s3.access_key, self.s3.secret_key, secure=False)

    def claves(self) -> set[str]:
        return {
            o.object_name
            for o in self.minio.list_objects(BUCKET, prefix="archivos/", recursive=True)
            if o.object_name
        }

    def auth(self, perfil: str = "CARGA", mesa: uuid.UUID | None = None, **extra: Any) -> dict:
        token = self.tokens.token(perfil, mesa_id=mesa, usuario=f"{perfil.lower()}1", **extra)
        return {"Authorization": f"Bearer {token}"}

    async def publicar(self, tipo: str, datos: dict, sequence: int | None) -> Envelope:
        evento = Envelope(
            source="/sigexp/prueba",
            type=tipo,
            subject=str(datos["expediente_id"]),
            sequence=sequence,
            data=datos,
        )
        await self.bus.publish(evento.to_bytes(), tipo, message_id=str(evento.id))
        return evento

    async def consumidos(self, *eventos: Envelope) -> None:
        ids = [e.id for e in eventos]

        async def todos() -> bool:
            n = await self.sql("SELECT count(*) FROM inbox WHERE event_id = ANY(:ids)", ids=ids)
            return n == len(ids)

        await wait_until(todos)

    async def sql(self, consulta: str, **params: Any) -> Any:
        async with transaction(self.app.state.sessions) as db:
            return await db.scalar(text(consulta), params)

    async def ejecutar(self, sentencia: str, **params: Any) -> None:
        async with transaction(self.app.state.sessions) as db:
            await db.execute(text(sentencia), params)

    async def filas(self, consulta: str, **params: Any) -> list[Any]:
        async with transaction(self.app.state.sessions) as db:
            return list((await db.execute(text(consulta), params)).all())

    async def expediente(self, caracter: str = "PUBLICO") -> Expediente:
        ident, mesa = uuid7(), uuid.uuid4()
        alta = await self.publicar(
            "sigexp.expediente.iniciado.v1",
            {"expediente_id": str(ident), "caracter": caracter, "referencia": "1-2026"},
            1,
        )
        custodia = await self.publicar(
            "sigexp.custodia.actualizada.v1",
            custodia_actualizada(ident, mesa),
            1,
        )
        await self.consumidos(alta, custodia)
        return Expediente(ident, mesa)

    async def anular(self, expediente: Expediente) -> None:
        evento = await self.publicar(
            "sigexp.expediente.anulado.v1",
            {"expediente_id": str(expediente.id), "motivo": "duplicado", "referencia": "1-2026"},
            2,
        )
        await self.consumidos(evento)

    async def subir(
        self,
        expediente: Expediente,
        contenido: bytes,
        nombre: str = "nota.pdf",
        descripcion: str | None = None,
        headers: dict | None = None,
    ) -> httpx.Response:
        datos = {"descripcion": descripcion} if descripcion is not None else None
        return await self.cliente.post(
            f"/api/v1/expedientes/{expediente.id}/archivos",
            files={"archivo": (nombre, contenido, "application/octet-stream")},
            data=datos,
            headers=headers or self.auth(mesa=expediente.mesa),
        )

    async def eventos(self, tipo: str, subject: uuid.UUID | str) -> list[dict]:
        filas = await self.filas(
            "SELECT envelope FROM outbox WHERE type = :t AND subject = :s ORDER BY created_at",
            t=tipo,
            s=str(subject),
        )
        return [f[0] for f in filas]

    async def auditados(self, accion: str, recurso: str) -> list[dict]:
        """The audit records of `accion` on `recurso` (from the outbox, or its batches)."""
        filas = await self.filas(
            "SELECT envelope->'data' FROM outbox WHERE type = 'sigexp.acceso.registrado.v1' "
            "AND envelope->'data'->>'accion' = :a AND envelope->'data'->>'recurso' = :r "
            "ORDER BY created_at",
            a=accion,
            r=recurso,
        )
        return [f[0] for f in filas]

    async def denegados(self, accion: str, expediente_id: uuid.UUID) -> list[str]:
        """The statuses of the refusals of `accion` recorded on an expediente, in order."""
        filas = await self.filas(
            "SELECT envelope->'data'->'detalle'->>'estado' FROM outbox "
            "WHERE type = 'sigexp.acceso.registrado.v1' "
            "AND envelope->'data'->>'accion' = :a "
            "AND envelope->'data'->>'resultado' = 'DENEGADO' "
            "AND envelope->'data'->>'expediente_id' = :e ORDER BY created_at",
            a=accion,
            e=str(expediente_id),
        )
        return [f[0] for f in filas]

    @contextlib.contextmanager
    def ajustado(self, **cambios: Any) -> Iterator[Settings]:
        """The running service's settings changed for one test."""
        settings: Settings = self.app.state.settings
        antes = {k: getattr(settings, k) for k in cambios}
        for k, v in cambios.items():
            setattr(settings, k, v)
        try:
            yield settings
        finally:
            for k, v in antes.items():
                setattr(settings, k, v)
