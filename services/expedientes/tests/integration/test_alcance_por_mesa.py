"""A desk's listing and search read its own scope rows (`alcances`, migration expbus_02), kept by
the database from the custody copy's desks: they must follow every custody change, whatever
order pases' events arrive in, and a desk the custody no longer names loses the file."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

CUSTODIA = "sigexp.custodia.actualizada.v1"


def _palabra() -> str:
    return "zq" + uuid.uuid4().hex[:10].translate(str.maketrans("0123456789", "ghijklmnop"))


def _custodia(ident: str, mesa_id: uuid.UUID, mesas: list[uuid.UUID]) -> dict[str, object]:
    return {
        "expediente_id": ident,
        "mesa_id": str(mesa_id),
        "permiso": "ESCRITURA",
        "en_transito": False,
        "mesa_origen_id": None,
        "mesas": [str(m) for m in mesas],
        "desde": datetime.now(UTC).isoformat(),
    }


async def _filas_de_alcance(app: FastAPI, ident: str) -> dict[uuid.UUID, tuple[object, object]]:
    """The scope rows of `ident`: each desk with the (creado_en, anio) it carries."""
    async with app.state.engine.connect() as conn:
        filas = await conn.execute(
            text("SELECT mesa_id, creado_en, anio FROM alcances WHERE expediente_id = :i"),
            {"i": ident},
        )
        return {f.mesa_id: (f.creado_en, f.anio) for f in filas}


async def _encontrados(cliente: httpx.AsyncClient, mesa, palabra: str) -> list[str]:
    r = await cliente.get("/api/v1/expedientes", params={"q": palabra}, headers=mesa.headers())
    assert r.status_code == 200, r.text
    return [e["id"] for e in r.json()["items"]]


async def test_las_filas_de_alcance_siguen_a_la_custodia_aunque_los_eventos_lleguen_desordenados(
    servicio: tuple[FastAPI, httpx.AsyncClient], mesa, otra_mesa, eventos
) -> None:
    app, cliente = servicio
    palabra = _palabra()
    datos = {"extracto": f"Traslado {palabra}", "tomos": 1, "fojas": 2, "tipo": "GENERAL"}
    r = await cliente.post("/api/v1/expedientes", json=datos, headers=mesa.headers())
    assert r.status_code == 201, r.text
    alta = r.json()
    ident, a, b = alta["id"], mesa.id, otra_mesa.id
    inicio = await _filas_de_alcance(app, ident)
    assert set(inicio) == {a}  # the alta's own desk, at once
    assert await _encontrados(cliente, mesa, palabra) == [ident]
    assert await _encontrados(cliente, otra_mesa, palabra) == []

    # Received at b (version 3) arrives before its older versions, which change nothing.
    v3 = await eventos.publicar(CUSTODIA, _custodia(ident, b, [a, b]), ident, 3)
    await eventos.consumidos(v3)
    v1 = await eventos.publicar(CUSTODIA, _custodia(ident, a, [a]), ident, 1)
    v2 = await eventos.publicar(CUSTODIA, _custodia(ident, a, [a]), ident, 2)
    await eventos.repetir(v3)
    await eventos.consumidos(v1, v2)
    alcanzado = await _filas_de_alcance(app, ident)
    assert set(alcanzado) == {a, b}
    assert alcanzado[b] == inicio[a]  # the file's own creation instant and year
    assert await _encontrados(cliente, otra_mesa, palabra) == [ident]
    assert await _encontrados(cliente, mesa, palabra) == [ident]

    # A newer custody that no longer names b (a reverted pase) takes the file from b's scope.
    v4 = await eventos.publicar(CUSTODIA, _custodia(ident, a, [a]), ident, 4)
    await eventos.consumidos(v4)
    assert set(await _filas_de_alcance(app, ident)) == {a}
    assert await _encontrados(cliente, otra_mesa, palabra) == []
    listado = await cliente.get("/api/v1/expedientes", headers=otra_mesa.headers())
    assert ident not in [e["id"] for e in listado.json()["items"]]
    assert await _encontrados(cliente, mesa, palabra) == [ident]


async def test_lo_raro_en_la_mesa_se_encuentra_aunque_no_este_entre_sus_filas_mas_nuevas(
    servicio: tuple[FastAPI, httpx.AsyncClient], mesa, monkeypatch
) -> None:
    from expedientes.service import busqueda, lectura

    _, cliente = servicio
    # A desk's window of its two newest files, tried whatever the statistics say of the word.
    monkeypatch.setattr(lectura, "VENTANA", 2)
    monkeypatch.setattr(busqueda, "VENTANA", 2)
    monkeypatch.setattr(busqueda, "LLENA", 0)
    palabra = _palabra()
    ids = []
    for extracto in (f"Viejo {palabra}", f"Otro {palabra}", "Nuevo", "Más nuevo", "El último"):
        datos = {"extracto": extracto, "tomos": 1, "fojas": 2, "tipo": "GENERAL"}
        r = await cliente.post("/api/v1/expedientes", json=datos, headers=mesa.headers())
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])

    assert await _encontrados(cliente, mesa, palabra) == [ids[1], ids[0]]
    vistos, cursor = [], None
    while True:  # one per page: the window, then the files' own indexes, from each cursor
        params = {"q": palabra, "limit": 1, **({"cursor": cursor} if cursor else {})}
        r = await cliente.get("/api/v1/expedientes", params=params, headers=mesa.headers())
        vistos += [e["id"] for e in r.json()["items"]]
        if (cursor := r.json()["next_cursor"]) is None:
            break
    assert vistos == [ids[1], ids[0]]
    r = await cliente.get("/api/v1/expedientes", params={"limit": 4}, headers=mesa.headers())
    assert [e["id"] for e in r.json()["items"]] == ids[:0:-1]


async def test_la_ventana_de_la_mesa_se_lee_solo_si_las_estadisticas_dicen_que_la_palabra_la_llena(
    servicio: tuple[FastAPI, httpx.AsyncClient], mesa, monkeypatch
) -> None:
    """PostgreSQL's statistics of the words decide: a word common enough to fill a page among
    the desk's newest files is read through them, a rarer one straight from the GIN index (the
    window would be read in vain first). Either way the page is the same."""
    from expedientes.service import busqueda, frecuencias, lectura

    app, cliente = servicio
    comun, rara = _palabra(), _palabra()
    ids = []
    for extracto in (f"Pedido {rara} {comun}", *(f"Pedido {comun} {n}" for n in range(5))):
        datos = {"extracto": extracto, "tomos": 1, "fojas": 2, "tipo": "GENERAL"}
        r = await cliente.post("/api/v1/expedientes", json=datos, headers=mesa.headers())
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    async with app.state.engine.connect() as conn:
        await conn.execute(text("ANALYZE expedientes"))
        total = await conn.scalar(text("SELECT count(*) FROM expedientes"))
        crudo = (await conn.get_raw_connection()).driver_connection
        frecuencias.olvidar()
        de_comun = await frecuencias.frecuencia(crudo, comun)
        de_rara = await frecuencias.frecuencia(crudo, rara)
        de_ambas = await frecuencias.frecuencia(crudo, f"{comun} {rara}")
    assert de_comun == pytest.approx(6 / total, rel=0.05)  # ANALYZE read every row here
    # Or 0: ANALYZE keeps the 10,000 commonest words at most, a word of one file may be left out.
    assert de_rara == 0 or de_rara == pytest.approx(1 / total, rel=0.05)
    assert de_ambas == pytest.approx(de_comun * de_rara, rel=0.01)
    assert await frecuencias.frecuencia(crudo, _palabra()) == 0  # a word no file holds

    # A window where the common word should fill a one-row page (two rows asked, LLENA times
    # over) and the rare one should not.
    ventana = math.ceil(busqueda.LLENA * 2 / de_comun)
    monkeypatch.setattr(lectura, "VENTANA", ventana)
    monkeypatch.setattr(busqueda, "VENTANA", ventana)
    leidas: list[bool] = []
    sentencias = lectura.Lectura.sentencias

    def espiar(self, condicion, desde, faltan, ventana=True, en_ventana=None):  # type: ignore[no-untyped-def]
        leidas.append(ventana)
        return sentencias(self, condicion, desde, faltan, ventana, en_ventana)

    monkeypatch.setattr(lectura.Lectura, "sentencias", espiar)
    for palabra, esperados, por_ventana in ((comun, ids[:0:-1], True), (rara, [ids[0]], False)):
        leidas.clear()
        params = {"q": palabra, "limit": 1}
        r = await cliente.get("/api/v1/expedientes", params=params, headers=mesa.headers())
        assert r.status_code == 200, r.text
        assert [e["id"] for e in r.json()["items"]] == esperados[:1]
        assert leidas[0] is por_ventana
    frecuencias.olvidar()


async def test_una_mesa_busca_sus_palabras_por_claves_propias_de_la_mesa(
    servicio: tuple[FastAPI, httpx.AsyncClient], mesa, otra_mesa
) -> None:
    """Each desk's words are GIN keys of their own (migration busq_04): a desk's page of two
    words is read from the desk's keys of both (its documents' tier from the keys of the
    file's and its documents' words), and finds its files that hold both, not those holding
    one, nor another desk's; its number is a key of the desk too. Words that are only stop
    words give a key no file holds (never an empty set of keys, which every file would
    hold)."""
    from expedientes.service.busqueda import Busqueda
    from expedientes.service.lectura import Sql

    app, cliente = servicio
    uno, dos = _palabra(), _palabra()
    ids = {}
    for clave, quien, extracto in (
        ("ambas", mesa, f"Obra {uno} y {dos}"),
        ("una", mesa, f"Obra {uno}"),
        ("otra", mesa, f"Obra {dos}"),
        ("ajena", otra_mesa, f"Obra {uno} y {dos}"),
    ):
        datos = {"extracto": extracto, "tomos": 1, "fojas": 2, "tipo": "GENERAL"}
        r = await cliente.post("/api/v1/expedientes", json=datos, headers=quien.headers())
        assert r.status_code == 201, r.text
        ids[clave] = r.json()["id"]

    assert await _encontrados(cliente, mesa, f"{uno} {dos}") == [ids["ambas"]]
    assert await _encontrados(cliente, otra_mesa, f"{uno} {dos}") == [ids["ajena"]]
    async with app.state.engine.connect() as conn:
        claves, lexemas = (
            await conn.execute(
                text(
                    "SELECT sigexp_palabras_por_mesa(mesas, busqueda, numero), "
                    "tsvector_to_array(busqueda) || ('#' || numero) FROM expedientes WHERE id = :i"
                ),
                {"i": ids["ambas"]},
            )
        ).one()
        assert sorted(claves) == sorted(f"{str(mesa.id)[:8]}:{p}" for p in lexemas)
        # The conditions must match the indexes' expressions: with the other ways to read these
        # files out of the planner's reach (rolled back with the connection's transaction),
        # each is read from the desk's keys.
        await conn.execute(text("DROP INDEX ix_expedientes_con_documentos"))
        await conn.execute(text("SET LOCAL enable_seqscan = off"))
        planes = {}
        buscadas = Busqueda.de(f"{uno} {dos}")
        (_, datos), (_, documentos) = buscadas.niveles(mesa.id)
        condiciones = {
            "datos": datos(Sql()),
            "documentos": documentos(Sql()),
            "vacia": Busqueda.de("de la").en_la_mesa(mesa.id),
            "numero": Busqueda.de("207").numero_en_la_mesa(mesa.id, 207),
        }
        for nombre, condicion in condiciones.items():
            plan = await conn.execute(text(f"EXPLAIN SELECT id FROM expedientes WHERE {condicion}"))
            planes[nombre] = "\n".join(fila[0] for fila in plan)
    assert "ix_expedientes_palabras_por_mesa" in planes["datos"]
    assert "ix_expedientes_documentos_por_mesa" in planes["documentos"]
    assert "'{-}'::text[]" in planes["vacia"]
    assert f"'{{{str(mesa.id)[:8]}:#207}}'::text[]" in planes["numero"]
    assert "ix_expedientes_palabras_por_mesa" in planes["numero"]
