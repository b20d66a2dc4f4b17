"""Helpers of the pases tests: desks and expedientes as pases learns them from the bus."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI

from pases.copias import Dependencia, ExpedienteCopia, Mesa
from pases.models import Tenencia
from sigexp_common.broker import Broker
from sigexp_common.envelope import Envelope
from sigexp_common.ids import uuid7
from sigexp_testing.tokens import TokenFactory
from sigexp_testing.waiting import wait_until


@dataclass
class Escenario:
    """Desks and expedientes as pases learns them (real events on the bus, waited for in this
    service's database), and requests as a desk's user makes them."""

    app: FastAPI
    cliente: httpx.AsyncClient
    bus: Broker
    tokens: TokenFactory
    organismo_id: uuid.UUID = field(default_factory=uuid.uuid4)

    async def _publicar(self, tipo: str, subject: uuid.UUID, data: dict, sequence: int) -> None:
        envelope = Envelope(
            source="/sigexp/pruebas", type=tipo, subject=str(subject), sequence=sequence, data=data
        )
        await self.bus.publish(envelope.to_bytes(), envelope.type, message_id=str(envelope.id))

    async def _esperar(self, modelo: type, clave: uuid.UUID, version: int | None = None) -> None:
        async def llego() -> bool:
            async with self.app.state.sessions() as db:
                fila = await db.get(modelo, clave, populate_existing=True)
                return fila is not None and (version is None or fila.version >= version)

        await wait_until(llego)

    async def mesa(
        self, *, activa: bool = True, organismo_id: uuid.UUID | None = None, version: int = 1
    ) -> uuid.UUID:
        mesa_id = uuid.uuid4()
        await self.actualizar_mesa(
            mesa_id, activa=activa, organismo_id=organismo_id, version=version
        )
        return mesa_id

    async def actualizar_mesa(
        self,
        mesa_id: uuid.UUID,
        *,
        activa: bool = True,
        organismo_id: uuid.UUID | None = None,
        version: int = 1,
    ) -> None:
        data = {
            "id": str(mesa_id),
            "codigo": f"M{mesa_id.hex[:6]}",
            "nombre": f"Mesa {mesa_id.hex[:6]}",
            "organismo_id": str(organismo_id or self.organismo_id),
            "organismo_codigo": "100111",
            "organismo_nombre": "Organismo de prueba",
            "organismo_version": 1,
            "es_oficina": False,
            "activo": activa,
        }
        await self._publicar("sigexp.mesa.actualizada.v1", mesa_id, data, version)
        await self._esperar(Mesa, mesa_id, version)

    async def dependencia(
        self, *, organismo_id: uuid.UUID | None = None, activa: bool = True
    ) -> uuid.UUID:
        dependencia_id = uuid.uuid4()
        data = {
            "id": str(dependencia_id),
            "codigo": "D1",
            "nombre": "Dependencia de prueba",
            "organismo_id": str(organismo_id or self.organismo_id),
            "activo": activa,
        }
        await self._publicar("sigexp.dependencia.actualizada.v1", dependencia_id, data, 1)
        await self._esperar(Dependencia, dependencia_id)
        return dependencia_id

    async def expediente(
        self,
        mesa_id: uuid.UUID,
        *,
        caracter: str = "PUBLICO",
        fojas: int = 3,
        tomos: int = 1,
        expediente_id: uuid.UUID | None = None,
    ) -> uuid.UUID:
        """An expediente started at `mesa_id` (by default an hour ago: an id past `RECIENTE`)."""
        expediente_id = expediente_id or uuid7(datetime.now(UTC) - timedelta(hours=1))
        data = {
            "expediente_id": str(expediente_id),
            "codigo": "100111",
            "numero": 7,
            "letras": None,
            "anio": 2026,
            "referencia": f"{expediente_id.hex[-6:]}-2026",
            "extracto": "Solicitud de prueba",
            "tipo": "GENERAL",
            "caracter": caracter,
            "estado": "EN_TRAMITE",
            "tomos": tomos,
            "fojas": fojas,
            "organismo_id": str(self.organismo_id),
            "mesa_id": str(mesa_id),
            "permiso": "ESCRITURA",
            "iniciado_por": str(uuid.uuid4()),
            "creado_en": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        }
        await self._publicar("sigexp.expediente.iniciado.v1", expediente_id, data, 1)
        await self._esperar(Tenencia, expediente_id)
        return expediente_id

    async def cambiar_estado(self, expediente_id: uuid.UUID, estado: str, version: int) -> None:
        """expedientes' lifecycle change (`actualizado`, or `anulado` for ANULADO)."""
        if estado == "ANULADO":
            data = {
                "expediente_id": str(expediente_id),
                "referencia": "x",
                "solicitud_id": str(uuid.uuid4()),
                "motivo": "duplicado",
            }
            await self._publicar("sigexp.expediente.anulado.v1", expediente_id, data, version)
        else:
            data = {
                "expediente_id": str(expediente_id),
                "codigo": "100111",
                "numero": 7,
                "letras": None,
                "anio": 2026,
                "referencia": f"{expediente_id.hex[-6:]}-2026",
                "extracto": "Solicitud de prueba",
                "numero_instrumento": None,
                "numero_gde": None,
                "tipo": "GENERAL",
                "caracter": "PUBLICO",
                "estado": estado,
                "tomos": 1,
                "fojas": 3,
                "cambios": [{"campo": "estado", "antes": "EN_TRAMITE", "despues": estado}],
            }
            await self._publicar("sigexp.expediente.actualizado.v1", expediente_id, data, version)
        await self._esperar(ExpedienteCopia, expediente_id, version)

    def headers(
        self,
        mesa_id: uuid.UUID | None,
        perfil: str = "MESA_ENTRADA",
        usuario_id: uuid.UUID | None = None,
        **extra: str,
    ) -> dict[str, str]:
        token = self.tokens.token(perfil, mesa_id=mesa_id, usuario_id=usuario_id)
        return {"Authorization": f"Bearer {token}", **extra}

    async def enviar(
        self,
        origen: uuid.UUID,
        destino: uuid.UUID,
        expediente_ids: list[uuid.UUID],
        headers: dict[str, str] | None = None,
        **campos: object,
    ) -> httpx.Response:
        cuerpo = {
            "expediente_ids": [str(i) for i in expediente_ids],
            "mesa_destino_id": str(destino),
            "permiso": "ESCRITURA",
            "fojas_agregadas": 0,
            "tomos_agregados": 0,
            **campos,
        }
        return await self.cliente.post(
            "/api/v1/pases", json=cuerpo, headers=headers or self.headers(origen)
        )

    async def tenencia(self, expediente_id: uuid.UUID) -> Tenencia:
        async with self.app.state.sessions() as db:
            tenencia = await db.get(Tenencia, expediente_id)
            assert tenencia is not None
            return tenencia
