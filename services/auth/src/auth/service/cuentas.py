"""User accounts managed by ADMIN: create (with a provisional password), read, list, edit."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from auth import mail
from auth.events import UsuarioActualizado, UsuarioCreado
from auth.models import Cuenta, Mesa, Organismo
from auth.schemas import UsuarioIn, UsuarioPatch
from auth.service import passwords, revocaciones, sesiones
from auth.service.comun import cuenta_para_actualizar
from auth.settings import Settings
from sigexp_common import audit, entrada, outbox
from sigexp_common.db import advisory_xact_lock
from sigexp_common.errors import (
    CampoInvalido,
    Conflicto,
    DatoInvalido,
    NoAutenticado,
    NoEncontrado,
)
from sigexp_common.security import Perfil, Usuario


async def _ubicacion(
    db: AsyncSession, perfil: str, mesa_id: uuid.UUID | None, organismo_id: uuid.UUID | None
) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """(mesa_id, organismo_id) for a profile: desk profiles need a desk and the desk decides
    the organismo; AUTORIDAD and ADMIN have no desk (DESIGN: they see every organismo)."""
    if mesa_id is not None and not Perfil(perfil).trabaja_en_mesa:
        raise DatoInvalido(
            f"El perfil {perfil} no trabaja en una mesa de entradas: no indique mesa.",
            [CampoInvalido("mesa_id", "No corresponde a este perfil.")],
        )
    if mesa_id is None:
        if Perfil(perfil).trabaja_en_mesa:
            raise DatoInvalido(
                "El perfil elegido trabaja en una mesa de entradas: indique la mesa.",
                [CampoInvalido("mesa_id", "Es obligatoria para este perfil.")],
            )
        if organismo_id is not None and await db.get(Organismo, organismo_id) is None:
            raise DatoInvalido(
                "El organismo indicado no existe.",
                [CampoInvalido("organismo_id", "No existe.")],
            )
        return None, organismo_id
    mesa = await db.get(Mesa, mesa_id)
    if mesa is None or not mesa.activo:
        raise DatoInvalido(
            "La mesa indicada no existe o no está activa.",
            [CampoInvalido("mesa_id", "No existe o no está activa.")],
        )
    if organismo_id is not None and organismo_id != mesa.organismo_id:
        raise DatoInvalido(
            "La mesa indicada no pertenece al organismo indicado.",
            [CampoInvalido("organismo_id", "No coincide con el organismo de la mesa.")],
        )
    return mesa.id, mesa.organismo_id


async def _exigir_unicos(
    db: AsyncSession, usuario: str | None, email: str | None, excepto: uuid.UUID | None = None
) -> None:
    for columna, valor, texto in (
        (Cuenta.usuario, usuario, "nombre de usuario"),
        (Cuenta.email, email, "correo electrónico"),
    ):
        if valor is None:
            continue
        consulta = select(Cuenta.id).where(func.lower(columna) == valor.lower())
        if excepto is not None:
            consulta = consulta.where(Cuenta.id != excepto)
        if await db.scalar(consulta) is not None:
            raise Conflicto(f"Ya existe una cuenta con ese {texto} ({valor}).")


async def _recargar(db: AsyncSession, cuenta: Cuenta) -> Cuenta:
    await db.flush()
    await db.refresh(cuenta)
    return cuenta


async def crear_cuenta(
    db: AsyncSession,
    settings: Settings,
    datos: UsuarioIn,
    por: Usuario | None,
    *,
    debe_cambiar_password: bool = True,
    aplicar_politica: bool = True,
) -> tuple[Cuenta, str | None]:
    """Create the account; returns it and the generated provisional password, if any."""
    mesa_id, organismo_id = await _ubicacion(db, datos.perfil, datos.mesa_id, datos.organismo_id)
    await _exigir_unicos(db, datos.usuario, datos.email)
    generada = None
    password = datos.password_provisoria
    if password is None:
        password = generada = passwords.generar_provisoria()
    elif aplicar_politica:
        passwords.exigir_politica(password, datos.usuario, datos.email, "password_provisoria")
    cuenta = Cuenta(
        id=uuid.uuid4(),
        usuario=datos.usuario,
        nombre=datos.nombre,
        email=datos.email,
        perfil=datos.perfil,
        mesa_id=mesa_id,
        organismo_id=organismo_id,
        password_hash=await passwords.hashear(settings, password),
        debe_cambiar_password=debe_cambiar_password,
        activo=True,
    )
    db.add(cuenta)
    await _recargar(db, cuenta)
    outbox.add(db, UsuarioCreado.de(cuenta))
    audit.registrar(
        db, por, "usuario.crear", f"usuario/{cuenta.id}", detalle={"usuario": cuenta.usuario}
    )
    return cuenta, generada


def correo_bienvenida(
    db: AsyncSession, settings: Settings, cuenta: Cuenta, generada: str | None
) -> None:
    if generada:
        secreto = (
            f"Su contraseña provisoria es: {generada}\n\n"
            "Al ingresar por primera vez el sistema le pedirá reemplazarla por una propia."
        )
    else:
        secreto = (
            "El administrador le comunicará su contraseña provisoria; al ingresar por primera "
            "vez el sistema le pedirá reemplazarla por una propia."
        )
    mail.encolar(
        db,
        cuenta.email,
        "SIGEXP: su cuenta fue creada",
        f"Hola {cuenta.nombre}:\n\nSe creó su cuenta de SIGEXP.\n\n"
        f"Usuario: {cuenta.usuario}\nPerfil: {cuenta.perfil}\n"
        f"Ingreso: {settings.public_url.rstrip('/')}/\n\n{secreto}\n",
    )


async def crear_usuario(
    db: AsyncSession, settings: Settings, datos: UsuarioIn, por: Usuario
) -> Cuenta:
    """ADMIN creates an account; it must change its password at first login."""
    cuenta, generada = await crear_cuenta(db, settings, datos, por)
    correo_bienvenida(db, settings, cuenta, generada)
    return cuenta


async def obtener_usuario(
    db: AsyncSession, usuario_id: uuid.UUID, por: Usuario | None = None
) -> Cuenta:
    """An account; read by `por` (ADMIN, over HTTP), the read or its refusal is recorded."""
    cuenta = await db.get(Cuenta, usuario_id)
    recurso = f"usuario/{usuario_id}"
    if cuenta is None:
        error = NoEncontrado("No existe un usuario con ese identificador.")
        raise error if por is None else audit.denegar(error, por, "usuario.ver", recurso)
    if por is not None:
        await audit.lectura(db, por, "usuario.ver", recurso)
    return cuenta


async def mi_cuenta(db: AsyncSession, por: Usuario) -> Cuenta:
    """The caller's own account, while it is still enabled (a token outlives a deactivation)."""
    cuenta = await db.get(Cuenta, por.id)
    if cuenta is None or not cuenta.activo:
        raise NoAutenticado("Su cuenta no está habilitada. Inicie sesión nuevamente.")
    return cuenta


def _filtrar(
    consulta: Select[Any],
    q: str | None,
    perfil: str | None,
    mesa_id: uuid.UUID | None,
    activo: bool | None,
) -> Select[Any]:
    if q:
        patron = entrada.contiene(q.strip().lower())
        consulta = consulta.where(
            or_(
                func.lower(Cuenta.usuario).like(patron, escape=entrada.ESCAPE),
                func.lower(Cuenta.nombre).like(patron, escape=entrada.ESCAPE),
                func.lower(Cuenta.email).like(patron, escape=entrada.ESCAPE),
            )
        )
    if perfil:
        consulta = consulta.where(Cuenta.perfil == perfil)
    if mesa_id:
        consulta = consulta.where(Cuenta.mesa_id == mesa_id)
    if activo is not None:
        consulta = consulta.where(Cuenta.activo.is_(activo))
    return consulta


async def listar_usuarios(
    db: AsyncSession,
    *,
    q: str | None = None,
    perfil: str | None = None,
    mesa_id: uuid.UUID | None = None,
    activo: bool | None = None,
    limit: int = 50,
    cursor: str | None = None,
    por: Usuario | None = None,
) -> tuple[Sequence[Cuenta], str | None]:
    """Accounts ordered by user name; `cursor` is the last user name of the previous page.
    Read by `por` (ADMIN, over HTTP), the read is recorded with its filters."""
    consulta = _filtrar(select(Cuenta), q, perfil, mesa_id, activo)
    if cursor:
        consulta = consulta.where(func.lower(Cuenta.usuario) > cursor.lower())
    filas = (await db.scalars(consulta.order_by(func.lower(Cuenta.usuario)).limit(limit + 1))).all()
    siguiente = filas[limit - 1].usuario.lower() if len(filas) > limit else None
    if por is not None:
        filtros = {"q": q, "perfil": perfil, "mesa_id": mesa_id, "activo": activo}
        detalle = {k: str(v) for k, v in filtros.items() if v is not None}
        await audit.lectura(db, por, "usuario.listar", "usuarios", detalle=detalle)
    return filas[:limit], siguiente


async def _exigir_otro_admin(db: AsyncSession, cuenta: Cuenta, cambios: UsuarioPatch) -> None:
    """An active ADMIN stops being one only while another active ADMIN remains (409)."""
    deja_de_ser_admin = (cambios.perfil not in (None, Perfil.ADMIN)) or cambios.activo is False
    if cuenta.perfil != Perfil.ADMIN or not cuenta.activo or not deja_de_ser_admin:
        return
    await advisory_xact_lock(db, "auth.admins")  # two ADMINs demoting each other at once
    otros = await db.scalar(
        select(func.count())
        .select_from(Cuenta)
        .where(Cuenta.perfil == Perfil.ADMIN, Cuenta.activo, Cuenta.id != cuenta.id)
    )
    if not otros:
        raise Conflicto(
            "Es el último administrador activo: para quitarle el perfil ADMIN o desactivarlo, "
            "primero habilite a otro administrador."
        )


async def actualizar_usuario(
    db: AsyncSession, usuario_id: uuid.UUID, cambios: UsuarioPatch, por: Usuario
) -> Cuenta:
    cuenta = await cuenta_para_actualizar(db, usuario_id)
    if cuenta is None:
        raise NoEncontrado("No existe un usuario con ese identificador.")
    enviados = cambios.model_fields_set
    for campo in ("nombre", "email", "perfil", "activo"):
        if campo in enviados and getattr(cambios, campo) is None:
            raise DatoInvalido(
                "Hay campos que no pueden quedar vacíos.",
                [CampoInvalido(campo, "No puede ser nulo.")],
            )
    await _exigir_otro_admin(db, cuenta, cambios)
    if cambios.activo is False and cuenta.id == por.id:
        raise Conflicto("No puede desactivar su propia cuenta.")
    await _exigir_unicos(db, None, cambios.email, excepto=cuenta.id)
    antes = {
        c: getattr(cuenta, c)
        for c in ("nombre", "email", "perfil", "mesa_id", "organismo_id", "activo")
    }
    if enviados & {"perfil", "mesa_id", "organismo_id"}:
        perfil = cambios.perfil or cuenta.perfil
        mesa_id = cambios.mesa_id if "mesa_id" in enviados else cuenta.mesa_id
        if "mesa_id" not in enviados and not Perfil(perfil).trabaja_en_mesa:
            mesa_id = None  # moved to a profile without a desk: it leaves the desk it had
        organismo_id = (
            cambios.organismo_id
            if "organismo_id" in enviados
            else (None if "mesa_id" in enviados else cuenta.organismo_id)
        )
        cuenta.mesa_id, cuenta.organismo_id = await _ubicacion(db, perfil, mesa_id, organismo_id)
        cuenta.perfil = perfil
    for campo in ("nombre", "email", "activo"):
        if campo in enviados:
            setattr(cuenta, campo, getattr(cambios, campo))
    cambiados = sorted(c for c, v in antes.items() if getattr(cuenta, c) != v)
    if not cambiados:
        return cuenta
    if cuenta.activo is False:
        await sesiones.revocar_todas(db, cuenta.id)
    await revocaciones.por_cambio_de_cuenta(db, cuenta.id, cambiados, cuenta.activo)
    await _recargar(db, cuenta)
    outbox.add(db, UsuarioActualizado.de(cuenta))
    audit.registrar(
        db, por, "usuario.editar", f"usuario/{cuenta.id}", detalle={"campos": cambiados}
    )
    return cuenta
