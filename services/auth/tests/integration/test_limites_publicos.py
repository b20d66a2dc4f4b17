"""Mail bombing: "forgot password" and account requests are accepted a few times per e-mail
address and per client address (the answer is the same 202 all the same); only the newest
reset link works."""

from __future__ import annotations

import asyncio
import statistics
import time
from email.message import EmailMessage

from auth_ayudas import enlace_de_restablecimiento, ip_al_azar, nombre_unico

OLVIDO = "/api/v1/auth/password/olvido"
SOLICITUD = "/api/v1/auth/solicitudes-cuenta"


def _enlaces(api, email: str) -> list[EmailMessage]:
    return [m for m in api.correos(email) if "restablecer" in str(m["Subject"]).lower()]


async def _correos_tras_calma(api, email: str, al_menos: int) -> int:
    """How many reset mails reached `email` once the sender had time to send every one."""
    for _ in range(100):
        if len(_enlaces(api, email)) >= al_menos:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.5)  # the sender polls every 0.2 s here: anything queued has left
    return len(_enlaces(api, email))


def _solicitud(email: str) -> dict[str, str]:
    return {
        "nombre": "Persona Solicitante",
        "email": email,
        "organismo": "CONSEJO AGRARIO PROVINCIAL",
        "area": "Mesa de entradas",
        "perfil": "MESA_ENTRADA",
    }


async def test_olvido_repetido_envia_a_lo_sumo_tres_correos_por_hora_y_responde_siempre_202(
    api, client
):
    cuenta = await api.crear_usuario()
    respuestas = [
        await client.post(OLVIDO, json={"email": cuenta.email}, headers=api.desde())
        for _ in range(8)
    ]
    assert {r.status_code for r in respuestas} == {202}
    assert len({r.text for r in respuestas}) == 1
    assert await _correos_tras_calma(api, cuenta.email, 3) == 3


async def test_olvido_desde_una_direccion_se_limita_para_cualquier_correo(api, client):
    ip = ip_al_azar()
    for _ in range(20):
        email = f"{nombre_unico('nadie')}@prueba.sigexp.invalid"
        r = await client.post(OLVIDO, json={"email": email}, headers=api.desde(ip))
        assert r.status_code == 202
    cuenta = await api.crear_usuario()
    r = await client.post(OLVIDO, json={"email": cuenta.email}, headers=api.desde(ip))
    assert r.status_code == 202
    assert await _correos_tras_calma(api, cuenta.email, 1) == 0
    r = await client.post(OLVIDO, json={"email": cuenta.email}, headers=api.desde())
    assert r.status_code == 202
    assert await _correos_tras_calma(api, cuenta.email, 1) == 1


async def test_un_enlace_nuevo_anula_el_anterior(api, client):
    cuenta = await api.crear_usuario()
    await client.post(OLVIDO, json={"email": cuenta.email}, headers=api.desde())
    primero = enlace_de_restablecimiento(await api.esperar_correo(cuenta.email, "restablecer"))
    await client.post(OLVIDO, json={"email": cuenta.email}, headers=api.desde())
    assert await _correos_tras_calma(api, cuenta.email, 2) == 2
    enlaces = {enlace_de_restablecimiento(m) for m in _enlaces(api, cuenta.email)}
    [segundo] = enlaces - {primero}
    r = await client.post(
        "/api/v1/auth/password/restablecer",
        json={"token": primero, "password_nueva": "Primera-Clave-Vieja-31"},
    )
    assert r.status_code == 400
    assert "ya fue usado o venció" in r.json()["detail"]
    r = await client.post(
        "/api/v1/auth/password/restablecer",
        json={"token": segundo, "password_nueva": "Segunda-Clave-Nueva-32"},
    )
    assert r.status_code == 204, r.text


async def test_solicitudes_de_cuenta_desde_una_direccion_se_limitan(api, client):
    ip = ip_al_azar()
    emails = [f"{nombre_unico('pedido')}@prueba.sigexp.invalid" for _ in range(21)]
    for email in emails:
        r = await client.post(SOLICITUD, json=_solicitud(email), headers=api.desde(ip))
        assert r.status_code == 202
    lista = await client.get("/api/v1/solicitudes-cuenta", headers=await api.admin())
    guardados = {s["email"] for s in lista.json()["items"]}
    assert set(emails[:20]) <= guardados
    assert emails[20] not in guardados, "the 21st request from one address is not stored"


async def test_solicitudes_de_cuenta_de_un_correo_se_limitan_aunque_se_rechacen(api, client):
    email = f"{nombre_unico('insiste')}@prueba.sigexp.invalid"
    cabecera = await api.admin()
    for _ in range(3):  # each rejection e-mails the requester: a way to bomb a mailbox
        r = await client.post(SOLICITUD, json=_solicitud(email), headers=api.desde())
        assert r.status_code == 202
        lista = await client.get(
            "/api/v1/solicitudes-cuenta", params={"estado": "PENDIENTE"}, headers=cabecera
        )
        [pendiente] = [s for s in lista.json()["items"] if s["email"] == email]
        r = await client.post(
            f"/api/v1/solicitudes-cuenta/{pendiente['id']}/rechazar",
            json={"motivo": "Duplicada"},
            headers=cabecera,
        )
        assert r.status_code == 200
    r = await client.post(SOLICITUD, json=_solicitud(email), headers=api.desde())
    assert r.status_code == 202
    lista = await client.get(
        "/api/v1/solicitudes-cuenta", params={"estado": "PENDIENTE"}, headers=cabecera
    )
    assert [s for s in lista.json()["items"] if s["email"] == email] == []


async def test_olvido_tarda_lo_mismo_con_cuenta_sin_cuenta_y_limitado(api, client):
    """Medians of interleaved samples: a known address, an unknown one and one over its
    limit are answered in about the same time (the mail leaves from the background sender)."""
    cuentas = [await api.crear_usuario(activar=False) for _ in range(10)]
    limitado = f"{nombre_unico('limitado')}@prueba.sigexp.invalid"
    muestras: dict[str, list[float]] = {"cuenta": [], "sin_cuenta": [], "limitado": []}

    async def medir(tipo: str, email: str) -> None:
        inicio = time.perf_counter()
        r = await client.post(OLVIDO, json={"email": email}, headers=api.desde())
        muestras[tipo].append(time.perf_counter() - inicio)
        assert r.status_code == 202

    for i in range(20):  # two requests per account: within its limit of three
        casos = [
            ("cuenta", cuentas[i % 10].email),
            ("sin_cuenta", f"{nombre_unico('nadie')}@prueba.sigexp.invalid"),
            ("limitado", limitado),
        ]
        for tipo, email in casos[i % 3 :] + casos[: i % 3]:
            await medir(tipo, email)
    medianas = {tipo: statistics.median(valores) for tipo, valores in muestras.items()}
    print(
        "\nforgot-password medians: "
        + ", ".join(f"{t} {m * 1000:.1f} ms" for t, m in medianas.items())
    )
    for tipo in ("sin_cuenta", "limitado"):
        assert 0.5 <= medianas[tipo] / medianas["cuenta"] <= 2.0, medianas
