"""Helpers of the integraciones suite: internal events as their producers send them, a
self-signed certificate, an HTTPS webhook target and a listener on `sigexp.publico`."""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aio_pika
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from sigexp_common.broker import Broker
from sigexp_common.envelope import Envelope, utcnow
from sigexp_testing.infra import free_port


@dataclass(frozen=True)
class Certificado:
    cert: Path
    clave: Path


def certificado_autofirmado(carpeta: Path) -> Certificado:
    """A certificate for 127.0.0.1 and localhost, signed by its own key (its own CA)."""
    clave = ec.generate_private_key(ec.SECP256R1())
    nombre = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "webhook de prueba")])
    ahora = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(nombre)
        .issuer_name(nombre)
        .public_key(clave.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(ahora - dt.timedelta(minutes=5))
        .not_valid_after(ahora + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(__import__("ipaddress").ip_address("127.0.0.1")),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(clave, hashes.SHA256())
    )
    ruta_cert, ruta_clave = carpeta / "cert.pem", carpeta / "clave.pem"
    ruta_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    ruta_clave.write_bytes(
        clave.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Certificado(ruta_cert, ruta_clave)


@dataclass
class Recibido:
    cabeceras: dict[str, str]
    cuerpo: bytes


@dataclass
class DestinoWebhook:
    """An HTTPS server on a fixed port that records what it gets; it can go down and back."""

    certificado: Certificado
    puerto: int = field(default_factory=free_port)
    recibidos: list[Recibido] = field(default_factory=list)
    _runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.puerto}/eventos"

    async def _recibir(self, request: web.Request) -> web.Response:
        self.recibidos.append(Recibido(dict(request.headers), await request.read()))
        return web.Response(status=204)

    async def levantar(self) -> None:
        app = web.Application()
        app.router.add_post("/eventos", self._recibir)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        contexto = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        contexto.load_cert_chain(self.certificado.cert, self.certificado.clave)
        await web.TCPSite(self._runner, "127.0.0.1", self.puerto, ssl_context=contexto).start()

    async def bajar(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


def interno(
    tipo: str, datos: dict[str, Any], sequence: int | None = None, fuente: str = "pases"
) -> Envelope:
    return Envelope(
        source=f"/sigexp/{fuente}",
        type=tipo,
        subject=str(datos.get("expediente_id") or datos.get("id")),
        sequence=sequence,
        data=datos,
    )


def iniciado(
    expediente_id: uuid.UUID,
    caracter: str,
    *,
    mesa_id: uuid.UUID,
    organismo_id: uuid.UUID | None = None,
    extracto: str = "Pedido de informe",
    referencia: str | None = None,
) -> Envelope:
    datos = {
        "expediente_id": str(expediente_id),
        "codigo": "100111",
        "numero": 1,
        "letras": None,
        "anio": 2026,
        "referencia": referencia or f"EXP-{expediente_id.hex[:8]}",
        "extracto": extracto,
        "numero_instrumento": None,
        "numero_gde": None,
        "tipo": "NOTA",
        "caracter": caracter,
        "estado": "EN_TRAMITE",
        "tomos": 1,
        "fojas": 3,
        "organismo_id": str(organismo_id) if organismo_id else None,
        "mesa_id": str(mesa_id),
        "permiso": "ESCRITURA",
        "iniciado_por": str(uuid.uuid4()),
        "creado_en": utcnow().isoformat(),
        "version": 1,
        "por_usuario_id": str(uuid.uuid4()),
        "por_usuario": "mesa.prueba",
        "por_mesa_id": str(mesa_id),
        "en": utcnow().isoformat(),
    }
    return interno("sigexp.expediente.iniciado.v1", datos, 1, "expedientes")


def pase_enviado(
    expediente_id: uuid.UUID,
    origen: uuid.UUID,
    destino: uuid.UUID,
    *,
    version: int,
    observaciones: str | None = None,
    referencia: str = "EXP-1",
    caracter: str | None = None,
) -> Envelope:
    """`caracter`: what pases knew of the expediente (None: an event from before it said)."""
    datos: dict[str, Any] = {
        "pase_id": str(uuid.uuid4()),
        "expediente_id": str(expediente_id),
        "referencia": referencia,
        "remito_id": None,
        "mesa_origen_id": str(origen),
        "mesa_destino_id": str(destino),
        "organismo_destino_id": None,
        "dependencia_id": None,
        "permiso": "ESCRITURA",
        "fojas_agregadas": 0,
        "tomos_agregados": 0,
        "observaciones": observaciones,
        "plazo_dias_habiles": None,
        "vence_en": None,
        "por_usuario_id": str(uuid.uuid4()),
        "por_usuario": "mesa.prueba",
        "por_mesa_id": str(origen),
        "en": utcnow().isoformat(),
    }
    if caracter is not None:
        datos["caracter"] = caracter
    return interno("sigexp.pase.enviado.v1", datos, version)


def mesa(mesa_id: uuid.UUID, organismo_id: uuid.UUID) -> Envelope:
    datos = {
        "id": str(mesa_id),
        "codigo": "M",
        "nombre": "Mesa",
        "organismo_id": str(organismo_id),
        "organismo_codigo": "O",
        "organismo_nombre": "Organismo",
        "organismo_version": 1,
        "es_oficina": False,
        "activo": True,
    }
    return interno("sigexp.mesa.actualizada.v1", datos, 1, "auth")


async def publicar(bus: Broker, *sobres: Envelope) -> None:
    for sobre in sobres:
        await bus.publish(sobre.to_bytes(), sobre.type, str(sobre.id))


@dataclass
class Oyente:
    """A queue of the test's own bound to `sigexp.publico` ('#'): every public event."""

    cola: aio_pika.abc.AbstractQueue
    conexion: aio_pika.abc.AbstractConnection
    mensajes: list[bytes] = field(default_factory=list)

    async def esperar(self, cuantos: int, timeout: float = 60.0) -> list[bytes]:
        async with asyncio.timeout(timeout):
            while len(self.mensajes) < cuantos:
                mensaje = await self.cola.get(fail=False, no_ack=True)
                if mensaje is None:
                    await asyncio.sleep(0.05)
                    continue
                self.mensajes.append(mensaje.body)
        return self.mensajes


async def oyente_publico(amqp_url: str) -> Oyente:
    conexion = await aio_pika.connect_robust(amqp_url)
    canal = await conexion.channel()
    exchange = await canal.declare_exchange(
        "sigexp.publico", aio_pika.ExchangeType.TOPIC, durable=True
    )
    cola = await canal.declare_queue(exclusive=True)
    await cola.bind(exchange, "#")
    return Oyente(cola, conexion)
