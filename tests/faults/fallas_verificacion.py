"""What "nothing lost, nothing twice" means after a fault, read straight from each service's
database (the test's, never a service's code):

- pases: one pase per expediente sent, the very one the client was answered (a committed
  envío whose answer was lost shows as a second pase or one the client never saw), RECIBIDO
  exactly when its reception got a 2xx; custody's version = alta + envío + recepción;
- expedientes: its copy of custody equal to pases' (same version); the timeline has each
  pase's `pase.enviado:<id>` and `pase.recibido:<id>` once; fojas = alta's + the pase's once
  per reception (an effect applied twice shows here); every event of those pases in its inbox;
- auditoria: one `pase.enviar` and one `pase.recibir` record per committed action (one per
  request id), and every domain event of those pases in its copy of the bus;
- every outbox drained (no row unpublished, none dead).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import asyncpg
from fallas_carga import FOJAS_AGREGADAS, FOJAS_INICIALES, Resultado
from fallas_sistema import CON_BASE

CUSTODIA = ("mesa_id", "permiso", "en_transito", "mesa_origen_id", "mesas", "version")
LEIDOS_POR_EXPEDIENTES = {
    "sigexp.custodia.actualizada.v1",
    "sigexp.pase.enviado.v1",
    "sigexp.pase.recibido.v1",
}
AUDITADAS = ("pase.enviar", "pase.recibir")


async def _filas(dsn: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    conexion = await asyncpg.connect(dsn, timeout=10)
    try:
        return list(await conexion.fetch(sql, *args))
    finally:
        await conexion.close()


async def pendientes_de_outbox(dsns: dict[str, str]) -> dict[str, int]:
    sql = "SELECT count(*) AS n FROM outbox WHERE published_at IS NULL"
    return {s: int((await _filas(dsn, sql))[0]["n"]) for s, dsn in dsns.items()}


def _pases(resultado: Resultado, pases: list[asyncpg.Record]) -> list[str]:
    problemas: list[str] = []
    por_expediente: dict[str, list[asyncpg.Record]] = {}
    for fila in pases:
        por_expediente.setdefault(str(fila["expediente_id"]), []).append(fila)
    for expediente_id in resultado.expedientes:
        filas = por_expediente.get(expediente_id, [])
        enviado = resultado.enviados.get(expediente_id)
        if enviado is None:
            if filas:  # committed although the client never got a 2xx
                problemas.append(f"pase sin 2xx en el servidor: {expediente_id}")
            continue
        if [str(f["id"]) for f in filas] != [enviado]:
            ids = [str(f["id"]) for f in filas]
            problemas.append(f"{expediente_id}: pases {ids}, el cliente recibió {enviado}")
            continue
        esperado = "RECIBIDO" if enviado in resultado.recibidos else "PENDIENTE"
        if filas[0]["estado"] != esperado:
            problemas.append(f"pase {enviado}: {filas[0]['estado']}, se esperaba {esperado}")
    return problemas


def _version(resultado: Resultado, expediente_id: str) -> int:
    pase = resultado.enviados.get(expediente_id)
    return 1 + (pase is not None) + (pase in resultado.recibidos)


def _custodia(
    resultado: Resultado, tenencias: dict[str, asyncpg.Record], copias: dict[str, asyncpg.Record]
) -> list[str]:
    problemas: list[str] = []
    for expediente_id in resultado.expedientes:
        tenencia, copia = tenencias.get(expediente_id), copias.get(expediente_id)
        if tenencia is None or copia is None:
            problemas.append(f"{expediente_id}: sin custodia (pases {tenencia}, copia {copia})")
            continue
        if tenencia["version"] != _version(resultado, expediente_id):
            problemas.append(
                f"{expediente_id}: custodia versión {tenencia['version']}, "
                f"se esperaba {_version(resultado, expediente_id)}"
            )
        distintos = [c for c in CUSTODIA if tenencia[c] != copia[c]]
        if distintos:
            problemas.append(f"{expediente_id}: la copia de expedientes difiere en {distintos}")
    return problemas


def _expedientes(resultado: Resultado, fojas: dict[str, int], historial: Counter[str]) -> list[str]:
    problemas: list[str] = []
    for expediente_id in resultado.expedientes:
        pase = resultado.enviados.get(expediente_id)
        esperadas = FOJAS_INICIALES + FOJAS_AGREGADAS * (pase in resultado.recibidos)
        if fojas.get(expediente_id) != esperadas:
            problemas.append(f"{expediente_id}: {fojas.get(expediente_id)} fojas, {esperadas}")
        if pase is None:
            continue
        hechos = [f"pase.enviado:{pase}"]
        hechos += [f"pase.recibido:{pase}"] if pase in resultado.recibidos else []
        for hecho in hechos:
            if historial[hecho] != 1:
                problemas.append(f"historial: {hecho} {historial[hecho]} veces")
    return problemas


def _auditoria(resultado: Resultado, registros: list[asyncpg.Record]) -> list[str]:
    problemas: list[str] = []
    por_recurso = Counter((r["accion"], r["recurso"]) for r in registros)
    por_pedido = Counter((r["accion"], r["request_id"]) for r in registros)
    esperados = {("pase.enviar", f"pase/{p}") for p in resultado.enviados.values()}
    esperados |= {("pase.recibir", f"pase/{p}") for p in resultado.recibidos}
    for clave in esperados | set(por_recurso):
        if por_recurso[clave] != (clave in esperados):
            problemas.append(f"auditoría: {clave} {por_recurso[clave]} registros")
    problemas += [f"auditoría: {k} {n} registros" for k, n in por_pedido.items() if n > 1]
    return problemas


def _eventos(
    eventos: list[asyncpg.Record], en_inbox: set[str], en_auditoria: set[str]
) -> list[str]:
    problemas: list[str] = []
    for evento in eventos:
        ident, tipo = str(evento["id"]), evento["type"]
        if tipo in LEIDOS_POR_EXPEDIENTES and ident not in en_inbox:
            problemas.append(f"expedientes no aplicó {tipo} {ident}")
        if not tipo.startswith("sigexp.acceso.") and ident not in en_auditoria:
            problemas.append(f"auditoría no guardó {tipo} {ident}")
    return problemas


async def inconsistencias(dsns: dict[str, str], resultado: Resultado) -> list[str]:
    """Everything that is not yet (or never will be) as the committed actions say."""
    expedientes = resultado.expedientes
    problemas = [
        f"outbox de {s}: {n} sin publicar"
        for s, n in (await pendientes_de_outbox({s: dsns[s] for s in CON_BASE})).items()
        if n
    ]
    pases = await _filas(
        dsns["pases"],
        "SELECT expediente_id, id, estado FROM pases WHERE expediente_id = ANY($1::uuid[])",
        expedientes,
    )
    problemas += _pases(resultado, pases)
    campos = ", ".join(CUSTODIA)
    sql = f"SELECT expediente_id, {campos} FROM {{}} WHERE expediente_id = ANY($1::uuid[])"
    tenencias = await _filas(dsns["pases"], sql.format("tenencias"), expedientes)
    copias = await _filas(dsns["expedientes"], sql.format("custodias"), expedientes)
    problemas += _custodia(
        resultado,
        {str(t["expediente_id"]): t for t in tenencias},
        {str(c["expediente_id"]): c for c in copias},
    )
    fojas = await _filas(
        dsns["expedientes"],
        "SELECT id, fojas FROM expedientes WHERE id = ANY($1::uuid[])",
        expedientes,
    )
    historial = await _filas(
        dsns["expedientes"],
        "SELECT origen FROM historial WHERE expediente_id = ANY($1::uuid[]) AND origen IS NOT NULL",
        expedientes,
    )
    problemas += _expedientes(
        resultado,
        {str(f["id"]): int(f["fojas"]) for f in fojas},
        Counter(str(h["origen"]) for h in historial),
    )
    registros = await _filas(
        dsns["auditoria"],
        "SELECT accion, recurso, request_id FROM registros "
        "WHERE expediente_id = ANY($1::uuid[]) AND accion = ANY($2::text[])",
        expedientes,
        list(AUDITADAS),
    )
    problemas += _auditoria(resultado, registros)
    sujetos = [*expedientes, *resultado.enviados.values()]
    eventos = await _filas(
        dsns["pases"], "SELECT id, type FROM outbox WHERE subject = ANY($1::text[])", sujetos
    )
    ids = [str(e["id"]) for e in eventos]
    sql_inbox = "SELECT event_id AS id FROM inbox WHERE event_id = ANY($1::uuid[])"
    en_inbox = await _filas(dsns["expedientes"], sql_inbox, ids)
    sql_eventos = "SELECT id FROM eventos WHERE id = ANY($1::uuid[])"
    en_auditoria = await _filas(dsns["auditoria"], sql_eventos, ids)
    problemas += _eventos(
        eventos, {str(r["id"]) for r in en_inbox}, {str(r["id"]) for r in en_auditoria}
    )
    return problemas
