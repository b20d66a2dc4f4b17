"""The consulta global (the manual's second search): any signed-in user finds any PUBLICO
expediente of every organismo by referencia, GDE number or words, and learns where it is, never
more (a summary; details stay within scope). A RESERVADO one never appears, for anyone."""

from __future__ import annotations

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from expedientes.schemas import Caracter
from expedientes.service import busqueda
from sigexp_common import audit
from sigexp_common.errors import CampoInvalido, DatoInvalido
from sigexp_common.security import Usuario

# Every organismo's PUBLICO files: no scope, a RESERVADO one never.
_PUBLICOS = busqueda.Lectura((lambda _: f"expedientes.caracter = '{Caracter.PUBLICO.value}'",))


async def consultar(
    db: AsyncSession, q: str, limit: int, cursor: str | None, por: Usuario
) -> tuple[list[asyncpg.Record], str | None]:
    """A page of rows of `leer_expedientes` (the route writes their summaries,
    `schemas.resumenes_json`)."""
    pedida = busqueda.Busqueda.de(q)
    if not pedida.palabras:
        raise DatoInvalido(
            "Escriba qué buscar.", [CampoInvalido("q", "Escriba una referencia o palabras.")]
        )
    conexion = await busqueda.conexion(db)
    rows, siguiente = await busqueda.pagina(conexion, _PUBLICOS, pedida, limit, cursor)
    await audit.lectura(
        db,
        por,
        "expediente.consulta_global",
        "expedientes",
        detalle={"q": q, "resultados": len(rows)},
    )
    return rows, siguiente
