"""ADMIN's use cases on subscribers: register, list, see, rotate credentials, revoke."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from integraciones.models import Canal, Entrega, EstadoEntrega, Suscriptor
from integraciones.rabbitmq import AdministradorBroker, vhost_de
from integraciones.schemas import CredencialesOut, SuscriptorEdicion, SuscriptorIn
from integraciones.settings import Settings
from sigexp_common import audit
from sigexp_common.envelope import utcnow
from sigexp_common.errors import CampoInvalido, Conflicto, DatoInvalido, NoEncontrado
from sigexp_common.security import Usuario


def administrador(settings: Settings) -> AdministradorBroker:
    return AdministradorBroker(
        settings.rabbitmq_api_url,
        settings.rabbitmq_api_usuario,
        settings.rabbitmq_api_password,
        vhost_de(settings.amqp_url),
        (settings.exchange_publico, settings.exchange, settings.exchange_directo),
    )


def amqp_url_de(settings: Settings, usuario: str, password: str) -> str:
    """The address a ministry connects to, with its own credentials."""
    base = urlsplit(settings.amqp_suscriptores_url or settings.amqp_url)
    host = base.hostname or "127.0.0.1"
    puerto = f":{base.port}" if base.port else ""
    vhost = base.path if len(base.path) > 1 else "/" + quote("/", safe="")
    credenciales = f"{quote(usuario, safe='')}:{quote(password, safe='')}"
    return f"{base.scheme}://{credenciales}@{host}{puerto}{vhost}"


async def suscriptor(
    db: AsyncSession, suscriptor_id: uuid.UUID, por: Usuario, accion: str
) -> Suscriptor:
    """The subscriber, or a recorded 404."""
    s = await db.get(Suscriptor, suscriptor_id)
    if s is None:
        raise audit.denegar(
            NoEncontrado("El suscriptor no existe."), por, accion, f"suscriptor/{suscriptor_id}"
        )
    return s


async def registrar(
    db: AsyncSession, datos: SuscriptorIn, por: Usuario, settings: Settings
) -> tuple[Suscriptor, CredencialesOut]:
    sid = uuid.uuid4()
    s = Suscriptor(
        id=sid,
        nombre=datos.nombre,
        organismo_id=datos.organismo_id,
        solo_organismo=datos.solo_organismo,
        claves=datos.claves,
        activo=True,
        creado_en=utcnow(),
    )
    if datos.webhook_url is not None:
        s.canal = Canal.WEBHOOK
        s.webhook_url = str(datos.webhook_url)
        s.webhook_secreto = datos.webhook_secreto or secrets.token_urlsafe(32)
        credenciales = CredencialesOut(webhook_secreto=s.webhook_secreto)
    else:
        s.canal = Canal.AMQP
        s.usuario_broker, s.cola = f"sigexp-suscriptor-{sid}", f"publico.{sid}"
        password = secrets.token_urlsafe(24)
        async with administrador(settings) as broker:
            # Filtered by organismo: integraciones feeds the queue itself (no AMQP binding
            # can look into a payload); otherwise the broker fans the keys out to it.
            directas = None if datos.solo_organismo else datos.claves
            await broker.crear_cola(
                s.cola, settings.exchange_directo, settings.exchange_publico, directas
            )
            await broker.crear_usuario(s.usuario_broker, password, s.cola)
        credenciales = CredencialesOut(
            usuario=s.usuario_broker,
            password=password,
            cola=s.cola,
            amqp_url=amqp_url_de(settings, s.usuario_broker, password),
        )
    db.add(s)
    await db.flush()
    audit.registrar(
        db,
        por,
        "suscriptor.registrar",
        f"suscriptor/{sid}",
        detalle={
            "nombre": s.nombre,
            "canal": s.canal,
            "claves": s.claves,
            "organismo_id": str(s.organismo_id),
            "solo_organismo": s.solo_organismo,
        },
    )
    return s, credenciales


async def listar(db: AsyncSession, por: Usuario) -> list[Suscriptor]:
    filas = list(await db.scalars(select(Suscriptor).order_by(Suscriptor.creado_en)))
    await audit.lectura(db, por, "suscriptor.listar", "suscriptores")
    return filas


@dataclass
class Estado:
    profundidad_cola: int | None
    entregas_pendientes: int
    entregas_aparcadas: int


async def ver(
    db: AsyncSession, suscriptor_id: uuid.UUID, por: Usuario, settings: Settings
) -> tuple[Suscriptor, Estado]:
    s = await suscriptor(db, suscriptor_id, por, "suscriptor.ver")
    cuentas = dict(
        (
            await db.execute(
                select(Entrega.estado, func.count())
                .where(Entrega.suscriptor_id == s.id)
                .group_by(Entrega.estado)
            )
        ).all()
    )
    profundidad = None
    if s.cola and s.activo:
        async with administrador(settings) as broker:
            profundidad = await broker.profundidad(s.cola)
    await audit.lectura(db, por, "suscriptor.ver", f"suscriptor/{s.id}")
    estado = Estado(
        profundidad,
        int(cuentas.get(EstadoEntrega.PENDIENTE, 0)),
        int(cuentas.get(EstadoEntrega.APARCADA, 0)),
    )
    return s, estado


async def editar(
    db: AsyncSession, suscriptor_id: uuid.UUID, datos: SuscriptorEdicion, por: Usuario
) -> Suscriptor:
    s = await suscriptor(db, suscriptor_id, por, "suscriptor.editar")
    if not s.activo:
        raise Conflicto("El suscriptor está revocado.")
    cambios = datos.model_dump(exclude_unset=True, mode="json")
    if cambios.get("webhook_url") and s.canal != Canal.WEBHOOK:
        mensaje = "El suscriptor recibe por AMQP, no por webhook."
        raise DatoInvalido(mensaje, [CampoInvalido("webhook_url", mensaje)])
    if cambios.get("nombre"):
        s.nombre = cambios["nombre"]
    if cambios.get("webhook_url"):
        s.webhook_url = cambios["webhook_url"]
    audit.registrar(db, por, "suscriptor.editar", f"suscriptor/{s.id}", detalle=cambios)
    return s


async def rotar(
    db: AsyncSession, suscriptor_id: uuid.UUID, por: Usuario, settings: Settings
) -> CredencialesOut:
    """New credentials at once: the old password or secret stops working now (the broker
    closes the connections made with it)."""
    s = await suscriptor(db, suscriptor_id, por, "suscriptor.rotar")
    if not s.activo:
        raise Conflicto("El suscriptor está revocado.")
    if s.canal == Canal.WEBHOOK:
        s.webhook_secreto = secrets.token_urlsafe(32)
        credenciales = CredencialesOut(webhook_secreto=s.webhook_secreto)
    else:
        assert s.usuario_broker is not None
        assert s.cola is not None
        password = secrets.token_urlsafe(24)
        async with administrador(settings) as broker:
            await broker.cambiar_password(s.usuario_broker, password)
        credenciales = CredencialesOut(
            usuario=s.usuario_broker,
            password=password,
            cola=s.cola,
            amqp_url=amqp_url_de(settings, s.usuario_broker, password),
        )
    audit.registrar(db, por, "suscriptor.rotar", f"suscriptor/{s.id}")
    return credenciales


async def revocar(
    db: AsyncSession, suscriptor_id: uuid.UUID, por: Usuario, settings: Settings
) -> None:
    """The user is deleted and its connections closed at once; its queue goes too."""
    s = await suscriptor(db, suscriptor_id, por, "suscriptor.revocar")
    if s.usuario_broker and s.cola:
        async with administrador(settings) as broker:
            await broker.revocar(s.usuario_broker, s.cola)
    if s.activo:
        s.activo = False
        s.revocado_en = utcnow()
    audit.registrar(db, por, "suscriptor.revocar", f"suscriptor/{s.id}")
