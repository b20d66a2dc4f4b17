"""Webhook deliveries: an HTTPS POST of the CloudEvent, signed.

Signature (documented for the ministries in the README): headers
`X-Sigexp-Timestamp` (Unix seconds) and `X-Sigexp-Firma: v1=<hex>`, where `<hex>` is
HMAC-SHA256 with the subscriber's secret over `<timestamp>.` followed by the raw body. The
receiver recomputes it over the bytes it got, compares in constant time and refuses a
timestamp more than five minutes away from its clock (a replayed capture).
"""

from __future__ import annotations

import hashlib
import hmac
import ssl
import time

import httpx

TIMESTAMP = "X-Sigexp-Timestamp"
FIRMA = "X-Sigexp-Firma"
EVENTO = "X-Sigexp-Evento"
TOLERANCIA_SEGUNDOS = 300


def firmar(secreto: str, timestamp: int, cuerpo: bytes) -> str:
    mac = hmac.new(secreto.encode(), f"{timestamp}.".encode() + cuerpo, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def verificar(
    secreto: str,
    timestamp: str,
    cuerpo: bytes,
    firma: str,
    ahora: float | None = None,
    tolerancia: int = TOLERANCIA_SEGUNDOS,
) -> bool:
    """The receiver's check: the signature matches the body and the timestamp is recent."""
    try:
        instante = int(timestamp)
    except ValueError:
        return False
    if abs((time.time() if ahora is None else ahora) - instante) > tolerancia:
        return False
    return hmac.compare_digest(firmar(secreto, instante, cuerpo), firma)


class FalloDeEntrega(Exception):
    def __init__(self, mensaje: str, codigo: int | None = None) -> None:
        super().__init__(mensaje)
        self.codigo = codigo


class ClienteWebhooks:
    def __init__(self, ca: str | None, timeout: float) -> None:
        contexto = ssl.create_default_context()
        if ca:
            contexto.load_verify_locations(cafile=ca)
        self._cliente = httpx.AsyncClient(verify=contexto, timeout=timeout, follow_redirects=False)

    async def enviar(self, url: str, secreto: str, evento_id: str, cuerpo: bytes) -> int:
        """POST the event; the answer's status when 2xx, else `FalloDeEntrega`."""
        ahora = int(time.time())
        cabeceras = {
            "Content-Type": "application/cloudevents+json",
            TIMESTAMP: str(ahora),
            FIRMA: firmar(secreto, ahora, cuerpo),
            EVENTO: evento_id,
        }
        try:
            respuesta = await self._cliente.post(url, content=cuerpo, headers=cabeceras)
        except httpx.HTTPError as exc:
            raise FalloDeEntrega(f"{type(exc).__name__}: {exc}"[:500]) from exc
        if not 200 <= respuesta.status_code < 300:
            raise FalloDeEntrega(f"HTTP {respuesta.status_code}", respuesta.status_code)
        return respuesta.status_code

    async def cerrar(self) -> None:
        await self._cliente.aclose()
