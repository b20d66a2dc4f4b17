"""Every route of shared/API.md, walked through the gateway as each profile, leaves exactly its
audit record: who, profile, desk, the address the gateway saw (the client's forged
X-Forwarded-For ignored), action, resource, expediente and outcome — refusals included (403,
404 on an existing out-of-scope file, 401 of a known user, the gateway's own 401s:
`resultado: DENEGADO`).

Each call carries an `X-Request-ID` of its own; the records are matched by it. Routes that by
design leave no record are listed in `SIN_REGISTRO` with the reason (they are walked too, and
must leave none).
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
import pytest

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
DENEGADO = "DENEGADO"
PLAZO = 60.0

# Routes that by design leave no record, and why (each is still walked: it must leave none).
SIN_REGISTRO = {
    "GET /api/v1/auth/me": "the caller's own session, answered from its token and account",
    "GET /api/v1/catalogo/*": "reference data (desks, organismos, tipos, holidays), no one's file",
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


@dataclass
class Cuenta:
    usuario: str
    token: str
    refresh: str
    id: str
    perfil: str
    mesa_id: str | None


@dataclass
class Recorrido:
    sistema: Sistema
    cuentas: dict[str, Cuenta] = field(default_factory=dict)
    llamadas: list[Llamada] = field(default_factory=list)
    desde: datetime = field(default_factory=lambda: datetime.now(UTC) - timedelta(seconds=5))

    def pedir(
        self,
        usuario: str | None,
        metodo: str,
        ruta: str,
        estado: int | tuple[int, ...],
        *esperados: Esperado,
        token: str | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        rid = uuid.uuid4().hex
        headers = {"X-Request-ID": rid, "X-Forwarded-For": IP_FALSA, **kwargs.pop("headers", {})}
        if token is None and usuario in self.cuentas:
            token = self.cuentas[usuario].token
        if token:
            headers["Authorization"] = f"Bearer {token}"
        r = httpx.request(
            metodo, self.sistema.gateway + ruta, headers=headers, timeout=60, **kwargs
        )
        estados = estado if isinstance(estado, tuple) else (estado,)
        assert r.status_code in estados, f"{usuario} {metodo} {ruta}: {r.status_code} {r.text}"
        self.llamadas.append(Llamada(rid, usuario, f"{usuario} {metodo} {ruta}", list(esperados)))
        return r

    def entrar(self, usuario: str, password: str = DEMO_PASSWORD) -> Cuenta:
        r = self.pedir(
            None,
            "POST",
            "/api/v1/auth/login",
            200,
            Esperado("auth.login", usuario=usuario),
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
            headers = {"X-Request-ID": rid, "X-Forwarded-For": IP_FALSA}
            headers["Authorization"] = f"Bearer {self.cuentas[usuario].token}"
            r = httpx.request(
                metodo, self.sistema.gateway + ruta, headers=headers, timeout=60, **kwargs
            )
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
        assert not errores, "\n".join(errores)

    def _comparar(self, llamada: Llamada, registros: list[dict[str, Any]]) -> list[str]:
        obtenidos = sorted(registros, key=lambda r: r["accion"])
        esperados = sorted(llamada.esperados, key=lambda e: e.accion)
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
                "ip": "127.0.0.1",
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


def _hasta(condicion: Any, que: str, plazo: float = 30.0) -> Any:
    limite = time.monotonic() + plazo
    while not (valor := condicion()):
        if time.monotonic() > limite:
            raise AssertionError(f"{que}: no ocurrió en {plazo:.0f} s")
        time.sleep(0.3)
    return valor


@pytest.fixture(scope="module")
def recorrido(sistema: Sistema) -> Recorrido:
    walk = Recorrido(sistema)
    for usuario in PERFILES.values():
        walk.entrar(usuario)
    walk.entrar("mesa.sgg")
    walk.entrar("consulta.sgg")
    return walk


def _get(walk: Recorrido, usuario: str, ruta: str, **kwargs: Any) -> httpx.Response:
    """A call outside the walk (waiting for the bus): its records are not checked."""
    token = walk.cuentas[usuario].token
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.get(walk.sistema.gateway + ruta, headers=headers, timeout=30, **kwargs)


def _ok(accion: str, **extra: Any) -> tuple[int, list[Esperado]]:
    return 200, [Esperado(accion, **extra)]


def _no(accion: str, estado: int = 403, **extra: Any) -> tuple[int, list[Esperado]]:
    return estado, [Esperado(accion, DENEGADO, **extra)]


def test_cada_ruta_de_auth_deja_su_registro_para_cada_perfil(recorrido: Recorrido) -> None:
    walk = recorrido
    walk.pedir(
        None,
        "POST",
        "/api/v1/auth/login",
        401,
        Esperado("auth.login_fallido", DENEGADO, usuario="consulta.sgg"),
        json={"usuario": "consulta.sgg", "password": "no-es-la-clave"},
    )
    for ruta in ("/api/v1/auth/me", "/api/v1/catalogo/mesas", "/api/v1/catalogo/feriados"):
        walk.cada_perfil("GET", ruta, {p: (200, []) for p in PERFILES}, (200, []))
    walk.pedir(None, "GET", "/.well-known/jwks.json", 200)
    usuarios = walk.cada_perfil(
        "GET",
        "/api/v1/usuarios",
        {"ADMIN": _ok("usuario.listar")},
        _no("usuario.listar"),
        params={"q": "cap"},
    )
    un_id = usuarios["ADMIN"].json()["items"][0]["id"]
    walk.cada_perfil(
        "GET",
        f"/api/v1/usuarios/{un_id}",
        {"ADMIN": _ok("usuario.ver", recurso=un_id)},
        _no("usuario.ver"),
    )
    walk.pedir(
        "admin.demo",
        "GET",
        f"/api/v1/usuarios/{uuid.uuid4()}",
        404,
        Esperado("usuario.ver", DENEGADO),
    )
    walk.cada_perfil(
        "GET",
        "/api/v1/solicitudes-cuenta",
        {"ADMIN": _ok("solicitud_cuenta.listar")},
        _no("solicitud_cuenta.listar"),
    )
    mesa_cap = walk.cuentas["mesa.cap"].mesa_id
    nombre = f"auditada{uuid.uuid4().hex[:8]}"
    cuerpo = {
        "usuario": nombre,
        "nombre": "Cuenta Auditada",
        "email": f"{nombre}@ejemplo.sigexp.invalid",
        "perfil": "CONSULTA",
        "mesa_id": mesa_cap,
        "password_provisoria": "Provisoria-Auditada-2026",
    }
    creadas = walk.cada_perfil(
        "POST",
        "/api/v1/usuarios",
        {"ADMIN": (201, [Esperado("usuario.crear")])},
        _no("usuario.crear"),
        json=cuerpo,
    )
    nuevo_id = creadas["ADMIN"].json()["id"]
    walk.cada_perfil(
        "PATCH",
        f"/api/v1/usuarios/{nuevo_id}",
        {"ADMIN": _ok("usuario.editar")},
        _no("usuario.editar"),
        json={"nombre": "Cuenta Auditada Dos"},
    )
    # The new account: first login, the provisional password's gate, the change, refresh, logout.
    nueva = walk.entrar(nombre, "Provisoria-Auditada-2026")
    walk.pedir(nombre, "GET", "/api/v1/expedientes", 403, Esperado("expedientes.buscar", DENEGADO))
    walk.pedir(
        nombre,
        "POST",
        "/api/v1/auth/password",
        204,
        Esperado("auth.password_cambiar"),
        json={
            "password_actual": "Provisoria-Auditada-2026",
            "password_nueva": "Nueva-Clave-2026!x",
        },
    )
    nueva = walk.entrar(nombre, "Nueva-Clave-2026!x")
    refrescado = walk.pedir(
        None,
        "POST",
        "/api/v1/auth/refresh",
        200,
        Esperado("auth.refresh", usuario=nombre),
        json={"refresh_token": nueva.refresh},
    ).json()
    walk.pedir(  # the spent refresh token again: a known user's 401 (and its family revoked)
        None,
        "POST",
        "/api/v1/auth/refresh",
        401,
        Esperado("auth.refresh_reutilizado", DENEGADO, usuario=nombre),
        json={"refresh_token": nueva.refresh},
    )
    refrescado = walk.pedir(
        None,
        "POST",
        "/api/v1/auth/login",
        200,
        Esperado("auth.login", usuario=nombre),
        json={"usuario": nombre, "password": "Nueva-Clave-2026!x"},
    ).json()
    walk.pedir(
        nombre,
        "POST",
        "/api/v1/auth/logout",
        204,
        Esperado("auth.logout"),
        token=refrescado["access_token"],
        json={"refresh_token": refrescado["refresh_token"]},
    )
    walk.pedir(
        None,
        "POST",
        "/api/v1/auth/password/olvido",
        202,
        Esperado("auth.password_olvido", usuario=nombre),
        json={"email": cuerpo["email"]},
    )
    solicitante = f"pide{uuid.uuid4().hex[:6]}@ejemplo.sigexp.invalid"
    walk.pedir(
        None,
        "POST",
        "/api/v1/auth/solicitudes-cuenta",
        202,
        Esperado("solicitud_cuenta.crear", usuario=solicitante),  # who asks, by their e-mail
        json={
            "nombre": "Persona Solicitante",
            "email": solicitante,
            "organismo": "CAP",
            "area": "Despacho",
            "perfil": "CONSULTA",
        },
    )
    walk.comprobar()


def test_el_gateway_registra_los_tokens_que_rechaza(recorrido: Recorrido) -> None:
    walk = recorrido
    mesa = walk.cuentas["mesa.cap"]
    cabeza, cuerpo, firma = mesa.token.split(".")
    walk.pedir(
        None,
        "GET",
        "/api/v1/expedientes",
        401,
        Esperado("auth.token_rechazado", DENEGADO, usuario=None),
        token=f"{cabeza}.{cuerpo}.{firma[:-4]}AAAA",
    )
    walk.pedir(
        None,
        "GET",
        "/api/v1/expedientes",
        401,
        Esperado("auth.token_rechazado", DENEGADO, usuario=None),
        token="esto-no-es-un-token",
    )
    walk.pedir(None, "GET", "/api/v1/expedientes", 401)  # no token at all: nobody to record
    walk.comprobar()


def _alta(walk: Recorrido, usuario: str, extracto: str, **campos: Any) -> dict[str, Any]:
    r = walk.pedir(
        usuario,
        "POST",
        "/api/v1/expedientes",
        201,
        Esperado("expediente.crear"),
        json={"extracto": extracto, **campos},
    )
    return dict(r.json())


def _conocido(walk: Recorrido, usuario: str, expediente_id: str) -> None:
    def listo() -> bool:
        d = _get(walk, usuario, f"/api/v1/expedientes/{expediente_id}").json()
        return not d.get("incompletos") and d.get("tenencia") is not None

    _hasta(listo, "pases y archivos conocen el expediente")


def test_cada_ruta_de_expedientes_pases_archivos_y_auditoria_deja_su_registro(
    recorrido: Recorrido,
) -> None:
    walk = recorrido
    altas = walk.como_cada_uno(
        "POST",
        "/api/v1/expedientes",
        "expediente.crear",
        json={"extracto": "Expediente del recorrido de auditoría", "fojas": 2},
    )
    assert [u for u, r in altas.items() if r.status_code == 201] == ["mesa.cap"]
    eid = altas["mesa.cap"].json()["id"]
    reservado = _alta(walk, "mesa.sgg", "Sumario reservado de otra mesa", caracter="RESERVADO")
    rid = reservado["id"]
    _conocido(walk, "mesa.cap", eid)
    _conocido(walk, "mesa.sgg", rid)
    # The gateway's composed detail asks pases and archivos too, as parts of this one read
    # (`X-Sigexp-Parte-De`): a granted read is one record, `expediente.ver`; a refused one is
    # refused, and recorded, by each part.
    partes = ("pase.ver_recorrido", "archivo.listar")
    walk.como_cada_uno("GET", f"/api/v1/expedientes/{eid}", "expediente.ver", rechazan=partes)
    vistos = walk.como_cada_uno(
        "GET", f"/api/v1/expedientes/{rid}", "expediente.ver", rechazan=partes
    )
    assert {u for u, r in vistos.items() if r.status_code == 200} == {
        "autoridad.demo",
        "admin.demo",
    }
    assert {
        r.status_code for u, r in vistos.items() if u not in ("autoridad.demo", "admin.demo")
    } == {404}  # out of scope: exactly like a missing one, and recorded
    walk.como_cada_uno("GET", "/api/v1/expedientes", "expediente.buscar", params={"q": "recorrido"})
    walk.como_cada_uno(
        "GET", "/api/v1/consulta-global", "expediente.consulta_global", params={"q": "recorrido"}
    )
    for sufijo, accion in (
        ("/historial", "expediente.ver_historial"),
        ("/caratula.pdf", "expediente.ver_caratula"),
        ("/pases", "pase.ver_recorrido"),
        ("/archivos", "archivo.listar"),
    ):
        walk.como_cada_uno("GET", f"/api/v1/expedientes/{eid}{sufijo}", accion, expediente_id=eid)
    for sufijo, accion in (
        ("/historial", "expediente.ver_historial"),
        ("/pases", "pase.ver_recorrido"),
    ):
        walk.como_cada_uno("GET", f"/api/v1/expedientes/{rid}{sufijo}", accion)
    walk.como_cada_uno(
        "PATCH", f"/api/v1/expedientes/{eid}", "expediente.editar", json={"fojas": 3}
    )
    anotadas = walk.como_cada_uno(
        "POST",
        f"/api/v1/expedientes/{eid}/anotaciones",
        "anotacion.agregar",
        json={"texto": "Nota interna del recorrido"},
    )
    anotacion = anotadas["mesa.cap"].json()
    walk.como_cada_uno(
        "DELETE",
        f"/api/v1/expedientes/{eid}/anotaciones/{anotacion['id']}",
        "anotacion.eliminar",
        usuarios=("consulta.cap", "mesa.sgg", "mesa.cap"),
    )
    subidas = walk.como_cada_uno(
        "POST",
        f"/api/v1/expedientes/{eid}/archivos",
        "archivo.subir",
        files={"archivo": ("nota.pdf", _pdf(), "application/pdf")},
    )
    aid = subidas["carga.cap"].json()["id"]
    sin_seguir = {"follow_redirects": False}
    walk.como_cada_uno("GET", f"/api/v1/archivos/{aid}/contenido", "archivo.descargar",
                       usuarios=(*PERFILES.values(), "mesa.sgg"), **sin_seguir)  # fmt: skip
    walk.como_cada_uno("GET", f"/api/v1/archivos/{aid}/versiones", "archivo.listar")
    walk.como_cada_uno(
        "PUT",
        f"/api/v1/archivos/{aid}",
        "archivo.reemplazar",
        usuarios=("consulta.cap", "mesa.sgg", "carga.cap"),
        files={"archivo": ("nota-v2.pdf", _pdf(), "application/pdf")},
    )
    walk.como_cada_uno(
        "GET", f"/api/v1/archivos/{aid}/versiones/1/contenido", "archivo.descargar", **sin_seguir
    )
    walk.como_cada_uno(
        "DELETE", f"/api/v1/archivos/{aid}", "archivo.eliminar",
        usuarios=("consulta.cap", "mesa.sgg", "carga.cap"),
    )  # fmt: skip
    walk.como_cada_uno(
        "POST", f"/api/v1/expedientes/{eid}/solicitudes-baja", "baja.solicitar",
        usuarios=("consulta.cap", "mesa.sgg"), json={"motivo": "Duplicado"},
    )  # fmt: skip
    baja = walk.como_cada_uno(
        "POST", f"/api/v1/expedientes/{eid}/solicitudes-baja", "baja.solicitar",
        usuarios=("mesa.cap",), json={"motivo": "Duplicado"},
    )["mesa.cap"]  # fmt: skip
    assert baja.status_code == 201, baja.text
    baja = baja.json()
    walk.como_cada_uno(
        "POST", f"/api/v1/solicitudes-baja/{baja['id']}/rechazar", "baja.rechazar",
        usuarios=("mesa.cap", "autoridad.demo", "admin.demo"), json={"motivo": "Sigue vigente"},
    )  # fmt: skip
    # A pase to SGG, received there; its reversal requested.
    envio = {
        "expediente_ids": [eid],
        "mesa_destino_id": walk.cuentas["mesa.sgg"].mesa_id,
        "permiso": "ESCRITURA",
        "fojas_agregadas": 0,
        "tomos_agregados": 0,
    }
    ajenos = ("consulta.cap", "carga.cap", "admin.demo")
    walk.como_cada_uno("POST", "/api/v1/pases", "pase.enviar", json=envio, usuarios=ajenos)
    enviado = walk.como_cada_uno(
        "POST", "/api/v1/pases", "pase.enviar", usuarios=("mesa.cap",), json=envio
    )["mesa.cap"].json()
    pase, remito = enviado["pases"][0], enviado["remito"]
    walk.como_cada_uno("GET", f"/api/v1/remitos/{remito['id']}.pdf", "remito.ver")
    walk.pedir(None, "GET", f"/api/v1/remitos/verificar/{remito['codigo_verificacion']}", 200,
               Esperado("remito.verificar", usuario=None))  # fmt: skip

    def en_mesa() -> bool:
        r = _get(walk, "mesa.sgg", "/api/v1/mesa/en-mesa")
        return any(i["pase"]["id"] == pase["id"] for i in r.json()["items"])

    _hasta(en_mesa, "el pase llega a la mesa de destino")
    walk.como_cada_uno("GET", "/api/v1/mesa/en-mesa", "mesa.en_mesa")
    walk.como_cada_uno(
        "POST", f"/api/v1/pases/{pase['id']}/recepcion", "pase.recibir",
        usuarios=("mesa.cap", "consulta.sgg", "mesa.sgg"), json={},
    )  # fmt: skip
    walk.como_cada_uno(
        "POST", "/api/v1/mesa/recepciones", "pase.recibir",
        usuarios=("consulta.cap", "admin.demo"), json={"items": [{"pase_id": pase["id"]}]},
    )  # fmt: skip
    walk.como_cada_uno("GET", "/api/v1/mesa/estadisticas", "mesa.estadisticas")
    pedidas = walk.como_cada_uno(
        "POST", f"/api/v1/pases/{pase['id']}/solicitudes-reversion", "reversion.solicitar",
        usuarios=("consulta.cap", "mesa.sgg", "mesa.cap"), json={"motivo": "Enviado por error"},
    )  # fmt: skip
    (reversion,) = [r.json()["id"] for r in pedidas.values() if r.status_code == 201]
    walk.como_cada_uno(
        "POST", f"/api/v1/solicitudes-reversion/{reversion}/rechazar", "reversion.rechazar",
        usuarios=("mesa.sgg", "autoridad.demo", "admin.demo"), json={"motivo": "Se queda"},
    )  # fmt: skip
    for ruta, accion in (
        ("/api/v1/solicitudes-reversion", "reversion.listar"),
        ("/api/v1/solicitudes-baja", "baja.listar"),
        ("/api/v1/auditoria/ancla", "auditoria.ancla"),
    ):
        walk.como_cada_uno("GET", ruta, accion)
    for ruta, accion in (
        ("/api/v1/auditoria", "auditoria.consultar"),
        ("/api/v1/auditoria/exportar", "auditoria.exportar"),
    ):
        walk.como_cada_uno("GET", ruta, accion, expediente_id=eid, params={"expediente_id": eid})
    walk.comprobar()


def _pdf() -> bytes:
    """A one-page PDF, small and valid."""
    from PIL import Image

    salida = io.BytesIO()
    Image.new("RGB", (200, 100), "white").save(salida, format="PDF")
    return salida.getvalue()
