"""The walk and its matcher: every call goes through the gateway with an `X-Request-ID` of its
own and says which audit records it must leave (who, profile, desk, the address the gateway
saw — the client's forged X-Forwarded-For ignored —, action, resource, expediente, outcome);
`comprobar` fetches the records by request id and compares, exactly.

Routes that by design leave no record are in `SIN_REGISTRO` with the reason; they are walked
too, and must leave none. tests/contracts/test_auditoria_cobertura.py reads this dict and the
routes the test modules call, and fails when a documented route is in neither.
"""

from __future__ import annotations

import io
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from conftest import Sistema

DEMO_PASSWORD = "Demo-Sigexp-2026"
PERFILES = {
    "MESA_ENTRADA": "mesa.cap",
    "OFICINA": "oficina.cap",
    "CARGA": "carga.cap",
    "CONSULTA": "consulta.cap",
    "AUTORIDAD": "autoridad.demo",
    "ADMIN": "admin.demo",
}
IP_FALSA = "203.0.113.66"  # what a client writes in X-Forwarded-For: never the recorded address
DIRECCION = "127.0.0.1"
DENEGADO = "DENEGADO"
PLAZO = 60.0

# Routes that by design leave no record, and why (each is still walked: it must leave none).
SIN_REGISTRO = {
    "GET /api/v1/auth/me": "the caller's own session, answered from its token and account",
    "GET /api/v1/catalogo/organismos": "reference data, no one's file",
    "GET /api/v1/catalogo/mesas": "reference data, no one's file",
    "GET /api/v1/catalogo/dependencias": "reference data, no one's file",
    "GET /api/v1/catalogo/tipos": "reference data, no one's file",
    "GET /api/v1/catalogo/feriados": "reference data (the holidays), no one's file",
    "GET /.well-known/jwks.json": "public keys",
}


@dataclass
class Esperado:
    accion: str
    resultado: str = "ok"
    expediente_id: str | None = None
    recurso: str | None = None  # a part of the record's `recurso`
    usuario: str | None = None  # None: the caller


@dataclass
class Llamada:
    rid: str
    usuario: str | None
    descripcion: str
    esperados: list[Esperado]
    ip: str = DIRECCION


@dataclass
class Cuenta:
    usuario: str
    token: str
    refresh: str
    id: str
    perfil: str
    mesa_id: str | None


def _cliente(desde: str) -> httpx.Client:
    """A client whose connections leave from `desde` (a 127.0.0.x of its own: auth's
    brute-force and mail limits count per address)."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=desde), timeout=60)


@dataclass
class Recorrido:
    sistema: Sistema
    cuentas: dict[str, Cuenta] = field(default_factory=dict)
    llamadas: list[Llamada] = field(default_factory=list)
    desde: datetime = field(default_factory=lambda: datetime.now(UTC) - timedelta(seconds=5))

    def _enviar(
        self, metodo: str, ruta: str, rid: str, token: str | None, ip: str, **kwargs: Any
    ) -> httpx.Response:
        headers = {"X-Request-ID": rid, "X-Forwarded-For": IP_FALSA, **kwargs.pop("headers", {})}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        with _cliente(ip) as cliente:
            return cliente.request(metodo, self.sistema.gateway + ruta, headers=headers, **kwargs)

    def pedir(
        self,
        usuario: str | None,
        metodo: str,
        ruta: str,
        estado: int | tuple[int, ...],
        *esperados: Esperado,
        token: str | None = None,
        ip: str = DIRECCION,
        **kwargs: Any,
    ) -> httpx.Response:
        rid = uuid.uuid4().hex
        if token is None and usuario in self.cuentas:
            token = self.cuentas[usuario].token
        r = self._enviar(metodo, ruta, rid, token, ip, **kwargs)
        estados = estado if isinstance(estado, tuple) else (estado,)
        assert r.status_code in estados, f"{usuario} {metodo} {ruta}: {r.status_code} {r.text}"
        descripcion = f"{usuario} {metodo} {ruta} ({r.status_code})"
        self.llamadas.append(Llamada(rid, usuario, descripcion, list(esperados), ip))
        return r

    def entrar(self, usuario: str, password: str = DEMO_PASSWORD, ip: str = DIRECCION) -> Cuenta:
        r = self.pedir(
            None,
            "POST",
            "/api/v1/auth/login",
            200,
            Esperado("auth.login", usuario=usuario),
            ip=ip,
            json={"usuario": usuario, "password": password},
        )
        token, refresh = r.json()["access_token"], r.json()["refresh_token"]
        me = httpx.get(
            self.sistema.gateway + "/api/v1/auth/me",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        ).json()
        mesa = (me.get("mesa") or {}).get("id")
        cuenta = Cuenta(usuario, token, refresh, me["id"], me["perfil"], mesa)
        self.cuentas[usuario] = cuenta
        return cuenta

    def cada_perfil(
        self,
        metodo: str,
        ruta: str,
        permitidos: dict[str, tuple[int, list[Esperado]]],
        negado: tuple[int, list[Esperado]],
        **kwargs: Any,
    ) -> dict[str, httpx.Response]:
        """The same call as each profile: `permitidos` per profile, `negado` for the rest."""
        respuestas = {}
        for perfil, usuario in PERFILES.items():
            estado, esperados = permitidos.get(perfil, negado)
            respuestas[perfil] = self.pedir(usuario, metodo, ruta, estado, *esperados, **kwargs)
        return respuestas

    def como_cada_uno(
        self,
        metodo: str,
        ruta: str,
        accion: str,
        *,
        expediente_id: str | None = None,
        ademas: tuple[str, ...] = (),
        rechazan: tuple[str, ...] = (),
        usuarios: tuple[str, ...] = tuple(PERFILES.values()),
        **kwargs: Any,
    ) -> dict[str, httpx.Response]:
        """The call as each user; whatever the profile may do, the answer says which record
        it must have left: a success its `accion` (and those of `ademas`, the other services a
        composed view asks), a refusal (401/403/404, or 409: not now) each DENEGADO, plus
        those of `rechazan` (the parts of a composed view, which record only what they refuse:
        a granted composed read is the main part's one record); a 422 (a malformed request,
        refused before anything is looked at) none."""
        respuestas = {}
        for usuario in usuarios:
            rid = uuid.uuid4().hex
            token = self.cuentas[usuario].token
            r = self._enviar(metodo, ruta, rid, token, DIRECCION, **dict(kwargs))
            if r.status_code < 400:  # a download may answer with a redirect to storage
                esperados = [Esperado(accion, expediente_id=expediente_id)]
                esperados += [Esperado(a) for a in ademas]
            elif r.status_code == 422:  # the request itself is malformed: nothing was accessed
                esperados = []
            else:
                assert r.status_code in (401, 403, 404, 409), f"{usuario} {metodo} {ruta}: {r.text}"
                # each service a composed view asks refuses it, and records it
                esperados = [Esperado(a, DENEGADO) for a in (accion, *ademas, *rechazan)]
            descripcion = f"{usuario} {metodo} {ruta} ({r.status_code})"
            self.llamadas.append(Llamada(rid, usuario, descripcion, esperados))
            respuestas[usuario] = r
        return respuestas

    # ------------------------------------------------------------------ checking

    def _registros(self, admin_token: str) -> dict[str, list[dict[str, Any]]]:
        """Every record since the walk began, by request id."""
        por_pedido: dict[str, list[dict[str, Any]]] = defaultdict(list)
        cursor = None
        while True:
            params: dict[str, Any] = {"desde": self.desde.isoformat(), "limit": 200}
            if cursor:
                params["cursor"] = cursor
            r = httpx.get(
                self.sistema.gateway + "/api/v1/auditoria",
                params=params,
                headers={"Authorization": f"Bearer {admin_token}"},
                timeout=60,
            )
            assert r.status_code == 200, r.text
            for item in r.json()["items"]:
                por_pedido[item.get("request_id") or ""].append(item)
            cursor = r.json()["next_cursor"]
            if not cursor:
                return por_pedido

    def comprobar(self) -> None:
        """Every call so far left exactly its records; the calls checked are then forgotten."""
        admin = self.cuentas["admin.demo"].token
        limite = time.monotonic() + PLAZO
        while True:
            registros = self._registros(admin)
            faltan = [c for c in self.llamadas if len(registros.get(c.rid, [])) < len(c.esperados)]
            if not faltan or time.monotonic() > limite:
                break
            time.sleep(0.5)
        time.sleep(1.0)  # a duplicate would show up by now
        registros = self._registros(admin)
        errores = []
        for llamada in self.llamadas:
            errores += self._comparar(llamada, registros.get(llamada.rid, []))
        self.llamadas.clear()
        assert not errores, "\n".join(errores)

    def _comparar(self, llamada: Llamada, registros: list[dict[str, Any]]) -> list[str]:
        obtenidos = sorted(registros, key=lambda r: (r["accion"], r["resultado"]))
        esperados = sorted(llamada.esperados, key=lambda e: (e.accion, e.resultado))
        resumen = [(r["accion"], r["resultado"]) for r in obtenidos]
        if len(obtenidos) != len(esperados):
            return [
                f"{llamada.descripcion}: {len(obtenidos)} records {resumen}, "
                f"expected {[(e.accion, e.resultado) for e in esperados]}"
            ]
        errores = []
        for registro, esperado in zip(obtenidos, esperados, strict=True):
            nombre = esperado.usuario or llamada.usuario
            cuenta = self.cuentas.get(nombre or "")
            hallado = {
                "accion": registro["accion"],
                "resultado": registro["resultado"],
                "usuario": registro["usuario"]["usuario"],
                "ip": registro["ip"],
            }
            deseado = {
                "accion": esperado.accion,
                "resultado": esperado.resultado,
                "usuario": nombre,
                "ip": llamada.ip,
            }
            if cuenta is not None:
                hallado |= {"perfil": registro["usuario"]["perfil"], "mesa_id": registro["mesa_id"]}
                deseado |= {"perfil": cuenta.perfil, "mesa_id": cuenta.mesa_id}
            if esperado.expediente_id is not None:
                hallado["expediente_id"] = registro["expediente_id"]
                deseado["expediente_id"] = esperado.expediente_id
            if esperado.recurso is not None and esperado.recurso not in (registro["recurso"] or ""):
                errores.append(f"{llamada.descripcion}: recurso {registro['recurso']!r}")
            if hallado != deseado:
                errores.append(f"{llamada.descripcion}: got {hallado}, expected {deseado}")
        return errores


# ---------------------------------------------------------------------- helpers of the walks


def hasta(condicion: Any, que: str, plazo: float = 30.0) -> Any:
    limite = time.monotonic() + plazo
    while not (valor := condicion()):
        if time.monotonic() > limite:
            raise AssertionError(f"{que}: no ocurrió en {plazo:.0f} s")
        time.sleep(0.3)
    return valor


def fuera(walk: Recorrido, usuario: str, metodo: str, ruta: str, **kwargs: Any) -> httpx.Response:
    """A call outside the walk (waiting for the bus, setting up): its records are not checked."""
    headers = {"Authorization": f"Bearer {walk.cuentas[usuario].token}"}
    return httpx.request(metodo, walk.sistema.gateway + ruta, headers=headers, timeout=30, **kwargs)


def ok(accion: str, estado: int = 200, **extra: Any) -> tuple[int, list[Esperado]]:
    return estado, [Esperado(accion, **extra)]


def no(accion: str, estado: int = 403, **extra: Any) -> tuple[int, list[Esperado]]:
    return estado, [Esperado(accion, DENEGADO, **extra)]


def alta(walk: Recorrido, usuario: str, extracto: str, **campos: Any) -> dict[str, Any]:
    r = walk.pedir(
        usuario,
        "POST",
        "/api/v1/expedientes",
        201,
        Esperado("expediente.crear"),
        json={"extracto": extracto, **campos},
    )
    return dict(r.json())


def conocido(walk: Recorrido, usuario: str, expediente_id: str) -> None:
    """Pases and archivos have heard of the expediente (the detail is complete)."""

    def listo() -> bool:
        d = fuera(walk, usuario, "GET", f"/api/v1/expedientes/{expediente_id}").json()
        return not d.get("incompletos") and d.get("tenencia") is not None

    hasta(listo, "pases y archivos conocen el expediente")


def pdf() -> bytes:
    """A one-page PDF, small and valid."""
    from PIL import Image

    salida = io.BytesIO()
    Image.new("RGB", (200, 100), "white").save(salida, format="PDF")
    return salida.getvalue()
