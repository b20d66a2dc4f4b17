"""Property (hypothesis, against the real service and PostgreSQL): whatever expedientes a desk
makes, RESERVADO or PUBLICO, with whatever words, and however it later edits their extracto or
reclassifies them, the consulta global (any signed-in user, any organismo) never answers a
RESERVADO one nor a word written into it, searched by any of those words or its referencia;
the PUBLICO ones are found by their words."""

from __future__ import annotations

import asyncio
import itertools
import json

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

LETRA = st.sampled_from("abcdefghijklmnopqrstuvwxyz")
# One expediente: its carácter at alta, its words, and edits (new words, and the carácter
# it takes then: None keeps it).
EDICION = st.tuples(st.lists(st.text(LETRA, min_size=4, max_size=8), min_size=1, max_size=2),
                    st.sampled_from([None, "RESERVADO", "PUBLICO"]))  # fmt: skip
EXPEDIENTE = st.tuples(
    st.sampled_from(["RESERVADO", "PUBLICO"]),
    st.lists(st.text(LETRA, min_size=4, max_size=8), min_size=1, max_size=3),
    st.lists(EDICION, max_size=2),
)
_MARCAS = itertools.count()


def _marcadas(palabras: list[str]) -> list[str]:
    """Words unique in the session (`zp<n>x<word>`): a hit names the expediente it was in."""
    return [f"zp{next(_MARCAS)}x{p}" for p in palabras]


async def _consultar(cliente: httpx.AsyncClient, headers: dict[str, str], q: str) -> dict:
    r = await cliente.get("/api/v1/consulta-global", params={"q": q}, headers=headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_la_consulta_global_nunca_muestra_lo_escrito_en_un_reservado(
    cliente: httpx.AsyncClient, mesa, otra_mesa
) -> None:
    loop = asyncio.get_running_loop()
    lectores = [otra_mesa.headers("CONSULTA"), otra_mesa.headers("MESA_ENTRADA"), mesa.headers()]

    async def correr(expedientes: list[tuple[str, list[str], list]]) -> None:
        secretas: set[str] = set()  # words written while the expediente was RESERVADO
        buscadas: dict[str, str] = {}  # a word or referencia -> the expediente it names
        publicos: dict[str, list[str]] = {}  # expediente PUBLICO at the end -> its words now
        reservados: set[str] = set()
        for caracter, palabras, ediciones in expedientes:
            propias = _marcadas(palabras)
            datos = {"extracto": "Asunto " + " ".join(propias), "tomos": 1, "fojas": 3,
                     "tipo": "GENERAL", "caracter": caracter}  # fmt: skip
            r = await cliente.post("/api/v1/expedientes", json=datos, headers=mesa.headers())
            assert r.status_code == 201, r.text
            eid, actual = r.json()["id"], caracter
            buscadas[r.json()["referencia"]] = eid
            if actual == "RESERVADO":
                secretas.update(propias)
            for nuevas, otro in ediciones:
                propias, actual = _marcadas(nuevas), otro or actual
                cambio = {"extracto": "Asunto " + " ".join(propias)}
                if otro is not None:
                    cambio["caracter"] = otro
                r = await cliente.patch(
                    f"/api/v1/expedientes/{eid}", json=cambio, headers=mesa.headers()
                )
                assert r.status_code == 200, r.text
                if actual == "RESERVADO":
                    secretas.update(propias)
            buscadas.update(dict.fromkeys(propias, eid))
            if actual == "PUBLICO":
                publicos[eid] = propias
                secretas.difference_update(propias)
            else:
                reservados.add(eid)
        for headers in lectores:
            for q, eid in buscadas.items():
                respuesta = await _consultar(cliente, headers, q)
                texto = json.dumps(respuesta, ensure_ascii=False)
                ids = {e["id"] for e in respuesta["items"]}
                assert not ids & reservados, (q, respuesta)
                assert not [s for s in secretas if s in texto], (q, respuesta)
                if eid in publicos and q in publicos[eid]:
                    assert eid in ids, (q, respuesta)

    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
    @given(expedientes=st.lists(EXPEDIENTE, min_size=1, max_size=4))
    def propiedad(expedientes: list[tuple[str, list[str], list]]) -> None:
        asyncio.run_coroutine_threadsafe(correr(expedientes), loop).result(timeout=180)

    await asyncio.to_thread(propiedad)
