"""The consulta global (the manual's second search): any signed-in user finds any PUBLICO
expediente of every organismo by referencia, GDE number or words, and learns where it is, never
more (a summary; details stay within scope). A RESERVADO one never appears, for anyone."""

from __future__ import annotations

from sqlalchemy import true
from sqlalchemy.ext.asyncio import AsyncSession

from expedientes.models import Expediente, ExpedienteLeido, leer_expedientes
from expedientes.schemas import Caracter
from expedientes.service import busqueda
from sigexp_common import audit
from sigexp_common.errors import CampoInvalido, DatoInvalido
from sigexp_common.security import Usuario

# Built once: only the words and the cursor change from one search to the next.
_PUBLICOS = leer_expedientes().where(Expediente.caracter == Caracter.PUBLICO.value)


async def consultar(
    db: AsyncSession, q: str, limit: int, cursor: str | None, por: Usuario
) -> tuple[list[ExpedienteLeido], str | None]:
    pedida = busqueda.Busqueda.de(q)
    if not pedida.palabras:
        raise DatoInvalido(
            "Escriba qué buscar.", [CampoInvalido("q", "Escriba una referencia o palabras.")]
        )
    conexion = await db.connection()
    lectura = busqueda.Lectura(_PUBLICOS, true())
    rows, siguiente = await busqueda.pagina(conexion, lectura, pedida, limit, cursor)
    encontrados = [ExpedienteLeido.de(row) for row in rows]
    await audit.lectura(
        db,
        por,
        "expediente.consulta_global",
        "expedientes",
        detalle={"q": q, "resultados": len(encontrados)},
    )
    return encontrados, siguiente
