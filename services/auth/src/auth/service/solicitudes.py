"""Account requests: a public form; ADMIN approves (creating the account) or rejects."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from auth import mail
from auth.models import Cuenta, SolicitudCuenta
from auth.schemas import AprobarSolicitudIn, SolicitudCuentaIn, UsuarioIn
from auth.service import cuentas, pedidos
from auth.settings import Settings
from sigexp_common import audit
from sigexp_common.envelope import utcnow
from sigexp_common.errors import CampoInvalido, Conflicto, DatoInvalido, NoEncontrado
from sigexp_common.security import Perfil, Usuario


async def crear_solicitud(
    db: AsyncSession, settings: Settings, datos: SolicitudCuentaIn
) -> SolicitudCuenta | None:
    """Store the request (a repeated pending request for the same e-mail is not duplicated);
    over the limits of `pedidos` nothing is stored (None). Callers answer 202 in every case."""
    if not await pedidos.admitir(db, settings, "solicitud_cuenta", datos.email):
        audit.registrar(
            db,
            None,
            "solicitud_cuenta.crear",
            "auth",
            resultado="limitado",
            usuario=datos.email,
        )
        return None
    existente = await db.scalar(
        select(SolicitudCuenta).where(
            func.lower(SolicitudCuenta.email) == datos.email.lower(),
            SolicitudCuenta.estado == "PENDIENTE",
        )
    )
    if existente is not None:
        return existente
    solicitud = SolicitudCuenta(id=uuid.uuid4(), estado="PENDIENTE", **datos.model_dump())
    db.add(solicitud)
    await db.flush()
    audit.registrar(
        db,
        None,
        "solicitud_cuenta.crear",
        f"solicitud-cuenta/{solicitud.id}",
        usuario=datos.email,
        detalle={"perfil": datos.perfil, "organismo": datos.organismo},
    )
    return solicitud


async def listar_solicitudes(
    db: AsyncSession, estado: str | None, por: Usuario | None = None
) -> Sequence[SolicitudCuenta]:
    consulta = select(SolicitudCuenta).order_by(SolicitudCuenta.creada_en.desc()).limit(500)
    if estado:
        consulta = consulta.where(SolicitudCuenta.estado == estado)
    filas = (await db.scalars(consulta)).all()
    if por is not None:  # the request's reader: recorded
        detalle = {"estado": estado} if estado else {}
        await audit.lectura(
            db, por, "solicitud_cuenta.listar", "solicitudes-cuenta", detalle=detalle
        )
    return filas


async def _pendiente(
    db: AsyncSession, solicitud_id: uuid.UUID, por: Usuario, accion: str
) -> SolicitudCuenta:
    """The request to decide, locked; a missing or decided one is refused on the record."""
    solicitud = await db.scalar(
        select(SolicitudCuenta).where(SolicitudCuenta.id == solicitud_id).with_for_update()
    )
    recurso = f"solicitud-cuenta/{solicitud_id}"
    if solicitud is None:
        raise audit.denegar(
            NoEncontrado("No existe esa solicitud de cuenta."), por, accion, recurso
        )
    if solicitud.estado != "PENDIENTE":
        error = Conflicto(f"La solicitud ya fue resuelta (estado {solicitud.estado}).")
        raise audit.denegar(error, por, accion, recurso)
    return solicitud


async def _nombre_libre(db: AsyncSession, email: str) -> str:
    base = re.sub(r"[^a-z0-9._-]", "", email.split("@", 1)[0].lower())[:70] or "usuario"
    base = base if len(base) >= 3 else f"{base}.usr"
    candidato, n = base, 1
    while (
        await db.scalar(select(Cuenta.id).where(func.lower(Cuenta.usuario) == candidato))
        is not None
    ):
        n += 1
        candidato = f"{base}{n}"
    return candidato


def _perfil_pedido(solicitud: SolicitudCuenta) -> Perfil:
    """The profile the form asked for, when ADMIN does not choose one. Never ADMIN: the form
    cannot ask for it now, and an older request that did needs ADMIN's explicit choice."""
    if solicitud.perfil == Perfil.ADMIN:
        raise DatoInvalido(
            "La solicitud pedía el perfil ADMIN: indique el perfil que corresponde.",
            [CampoInvalido("perfil", "Indique el perfil de la cuenta.")],
        )
    return Perfil(solicitud.perfil)


async def aprobar(
    db: AsyncSession,
    settings: Settings,
    solicitud_id: uuid.UUID,
    datos: AprobarSolicitudIn,
    por: Usuario,
) -> tuple[SolicitudCuenta, Cuenta]:
    solicitud = await _pendiente(db, solicitud_id, por, "solicitud_cuenta.aprobar")
    alta = UsuarioIn(
        usuario=datos.usuario or await _nombre_libre(db, solicitud.email),
        nombre=solicitud.nombre,
        email=solicitud.email,
        perfil=datos.perfil or _perfil_pedido(solicitud),
        mesa_id=datos.mesa_id,
        organismo_id=datos.organismo_id,
    )
    cuenta, generada = await cuentas.crear_cuenta(db, settings, alta, por)
    cuentas.correo_bienvenida(db, settings, cuenta, generada)
    solicitud.estado = "APROBADA"
    solicitud.resuelta_en = utcnow()
    solicitud.resuelta_por = por.id
    solicitud.usuario_id = cuenta.id
    audit.registrar(
        db,
        por,
        "solicitud_cuenta.aprobar",
        f"solicitud-cuenta/{solicitud.id}",
        detalle={"usuario_id": str(cuenta.id)},
    )
    return solicitud, cuenta


async def rechazar(
    db: AsyncSession, solicitud_id: uuid.UUID, motivo: str, por: Usuario
) -> SolicitudCuenta:
    solicitud = await _pendiente(db, solicitud_id, por, "solicitud_cuenta.rechazar")
    solicitud.estado = "RECHAZADA"
    solicitud.motivo = motivo
    solicitud.resuelta_en = utcnow()
    solicitud.resuelta_por = por.id
    mail.encolar(
        db,
        solicitud.email,
        "SIGEXP: su solicitud de cuenta fue rechazada",
        f"Hola {solicitud.nombre}:\n\nSu solicitud de cuenta en SIGEXP fue rechazada.\n\n"
        f"Motivo: {motivo}\n\nSi cree que es un error, comuníquese con la mesa de ayuda.\n",
    )
    audit.registrar(
        db,
        por,
        "solicitud_cuenta.rechazar",
        f"solicitud-cuenta/{solicitud.id}",
        detalle={"motivo": motivo},
    )
    return solicitud
