"""Whether an account exists cannot be told from the login, the forgotten-password or the
account-request answers: not by the status, not by the body, not by the time they take.

Timing compares medians of interleaved attempts against known and unknown accounts, with a
generous ratio (a 2-core box shared with other work is noisy): a path that skips the password
hash or sends mail while the client waits is several times slower or faster, noise is not.
Every account of the timing comparisons fails once, below any lock or delay of the login
throttle.
"""

from __future__ import annotations

import re
import statistics
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

MUESTRAS = 12  # per comparison, after one warm-up attempt of each kind
RAZON_MAXIMA = 2.0
PASSWORD = "Provisoria-Prueba-2026"
VARIABLES = {"instance", "request_id", "x-request-id"}


@pytest.fixture(scope="module")
def conocidas(api: Any) -> list[tuple[str, str]]:
    """(user name, e-mail) of accounts that exist, made for this module."""
    cuentas = []
    for _ in range(2 + 2 * (MUESTRAS + 1)):
        r, usuario, email = api.nueva_cuenta("enum")
        assert r.status_code == 201, r.text
        cuentas.append((usuario, email))
    return cuentas


def _desconocidas(n: int) -> list[tuple[str, str]]:
    nombres = [f"enum{uuid.uuid4().hex[:8]}" for _ in range(n)]
    return [(u, f"{u}@ejemplo.sigexp.invalid") for u in nombres]


def _visible(r: httpx.Response) -> tuple[Any, ...]:
    """What a client sees of an answer, less what changes on every request."""
    cuerpo = r.json() if r.content else None
    if isinstance(cuerpo, dict):
        cuerpo = {k: re.sub(r"\d", "#", str(v)) for k, v in cuerpo.items() if k not in VARIABLES}
    cabeceras = sorted(k for k in r.headers if k not in VARIABLES | {"date", "content-length"})
    return r.status_code, cuerpo, cabeceras


def _comparar_tiempos(
    api: Any,
    conocido: Callable[[httpx.Client, tuple[str, str]], Any],
    desconocido: Callable[[httpx.Client, tuple[str, str]], Any],
    cuentas: list[tuple[str, str]],
) -> tuple[float, float]:
    """Interleaved attempts, one known then one unknown, so drift hits both alike."""
    ajenas = _desconocidas(len(cuentas))
    tiempos: dict[str, list[float]] = {"conocida": [], "desconocida": []}
    with httpx.Client(base_url=api.url(), timeout=30) as cliente:
        conocido(cliente, cuentas[-1])  # warm up both paths
        desconocido(cliente, ajenas[-1])
        for cuenta, ajena in zip(cuentas[:-1], ajenas[:-1], strict=True):
            for clase, pedir, datos in (
                ("conocida", conocido, cuenta),
                ("desconocida", desconocido, ajena),
            ):
                inicio = time.perf_counter()
                pedir(cliente, datos)
                tiempos[clase].append(time.perf_counter() - inicio)
    return statistics.median(tiempos["conocida"]), statistics.median(tiempos["desconocida"])


def _razon(a: float, b: float) -> float:
    razon = max(a, b) / min(a, b)
    print(f"medians known {a * 1000:.1f} ms, unknown {b * 1000:.1f} ms, ratio {razon:.2f}")
    return razon


def _login(cliente: httpx.Client, usuario: str, password: str = "Clave-Equivocada-99") -> Any:
    return cliente.post("/api/v1/auth/login", json={"usuario": usuario, "password": password})


def test_login_fallido_responde_igual_exista_o_no_la_cuenta(
    api: Any, conocidas: list[tuple[str, str]]
) -> None:
    with httpx.Client(base_url=api.url(), timeout=30) as c:
        usuario, email = conocidas[0]
        ajeno, ajeno_email = _desconocidas(1)[0]
        assert _visible(_login(c, usuario)) == _visible(_login(c, ajeno))
        assert _visible(_login(c, email)) == _visible(_login(c, ajeno_email))
        assert _login(c, ajeno).status_code == 401


def test_login_de_cuenta_desactivada_responde_como_cuenta_inexistente(
    api: Any, conocidas: list[tuple[str, str]]
) -> None:
    usuario, _ = conocidas[1]
    listado = api.request("GET", "/api/v1/usuarios", "admin.demo", params={"q": usuario})
    cuenta = listado.json()["items"][0]
    ruta = f"/api/v1/usuarios/{cuenta['id']}"
    r = api.request("PATCH", ruta, "admin.demo", json={"activo": False})
    assert r.status_code == 200, r.text
    with httpx.Client(base_url=api.url(), timeout=30) as c:
        desactivada = _login(c, usuario, PASSWORD)
        assert desactivada.status_code == 401
        assert _visible(desactivada) == _visible(_login(c, _desconocidas(1)[0][0], PASSWORD))


def test_cuenta_bloqueada_responde_como_nombre_inexistente_bloqueado(api: Any) -> None:
    creada, usuario, _ = api.nueva_cuenta("bloq")
    assert creada.status_code == 201, creada.text
    ajeno = _desconocidas(1)[0][0]
    with httpx.Client(base_url=api.url(), timeout=60) as c:
        for _ in range(6):
            conocida, desconocida = _login(c, usuario), _login(c, ajeno)
            assert _visible(conocida) == _visible(desconocida)


def test_login_tarda_lo_mismo_exista_o_no_la_cuenta(
    api: Any, conocidas: list[tuple[str, str]]
) -> None:
    por_nombre = _comparar_tiempos(
        api,
        lambda c, d: _login(c, d[0]),
        lambda c, d: _login(c, d[0]),
        conocidas[2 : 3 + MUESTRAS],
    )
    por_email = _comparar_tiempos(
        api,
        lambda c, d: _login(c, d[1]),
        lambda c, d: _login(c, d[1]),
        conocidas[3 + MUESTRAS :],
    )
    assert _razon(*por_nombre) <= RAZON_MAXIMA, por_nombre
    assert _razon(*por_email) <= RAZON_MAXIMA, por_email


def _olvido(cliente: httpx.Client, datos: tuple[str, str]) -> httpx.Response:
    return cliente.post("/api/v1/auth/password/olvido", json={"email": datos[1]})


def test_olvido_responde_y_tarda_igual_exista_o_no_la_cuenta(
    api: Any, conocidas: list[tuple[str, str]]
) -> None:
    with httpx.Client(base_url=api.url(), timeout=30) as c:
        conocida, desconocida = _olvido(c, conocidas[0]), _olvido(c, _desconocidas(1)[0])
    assert conocida.status_code == 202, conocida.text
    assert _visible(conocida) == _visible(desconocida)
    tiempos = _comparar_tiempos(api, _olvido, _olvido, conocidas[2 : 3 + MUESTRAS])
    assert _razon(*tiempos) <= RAZON_MAXIMA, tiempos


def _solicitud(cliente: httpx.Client, datos: tuple[str, str]) -> httpx.Response:
    cuerpo = {
        "nombre": "Persona Solicitante",
        "email": datos[1],
        "organismo": "Ministerio",
        "area": "Mesa",
        "perfil": "CONSULTA",
    }
    return cliente.post("/api/v1/auth/solicitudes-cuenta", json=cuerpo)


def test_solicitud_de_cuenta_responde_y_tarda_igual_con_email_ya_registrado(
    api: Any, conocidas: list[tuple[str, str]]
) -> None:
    with httpx.Client(base_url=api.url(), timeout=30) as c:
        conocida, desconocida = _solicitud(c, conocidas[0]), _solicitud(c, _desconocidas(1)[0])
    assert conocida.status_code == 202, conocida.text
    assert _visible(conocida) == _visible(desconocida)
    tiempos = _comparar_tiempos(api, _solicitud, _solicitud, conocidas[3 + MUESTRAS :])
    assert _razon(*tiempos) <= RAZON_MAXIMA, tiempos
