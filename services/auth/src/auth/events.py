"""Events the auth service publishes (it consumes none).

Catalogue events carry the whole current state of the entry (state transfer) and the row's
version as the envelope's `sequence`, so a consumer keeps its copy by applying each one only if
it is newer (`sigexp_common.projection`), whatever order the bus delivers them in.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar, Self

from pydantic import PrivateAttr

from auth.models import Cuenta, Dependencia, Feriado, Mesa, Organismo, TipoExpediente
from sigexp_common.envelope import Event


class UsuarioEvento(Event):
    id: uuid.UUID
    usuario: str
    nombre: str
    email: str
    perfil: str
    mesa_id: uuid.UUID | None
    organismo_id: uuid.UUID | None
    activo: bool

    def subject(self) -> str | None:
        return str(self.id)

    @classmethod
    def de(cls, cuenta: Cuenta) -> UsuarioEvento:
        return cls(
            id=cuenta.id,
            usuario=cuenta.usuario,
            nombre=cuenta.nombre,
            email=cuenta.email,
            perfil=cuenta.perfil,
            mesa_id=cuenta.mesa_id,
            organismo_id=cuenta.organismo_id,
            activo=cuenta.activo,
        )


class UsuarioCreado(UsuarioEvento):
    event_type: ClassVar[str] = "sigexp.usuario.creado.v1"


class UsuarioActualizado(UsuarioEvento):
    event_type: ClassVar[str] = "sigexp.usuario.actualizado.v1"


class MotivoRevocacion(StrEnum):
    DESACTIVACION = "DESACTIVACION"
    CAMBIO_PERFIL = "CAMBIO_PERFIL"  # profile, desk or organismo changed
    CAMBIO_PASSWORD = "CAMBIO_PASSWORD"
    RESTABLECIMIENTO = "RESTABLECIMIENTO"
    LOGOUT = "LOGOUT"
    REUTILIZACION_REFRESH = "REUTILIZACION_REFRESH"


class SesionesRevocadas(Event):
    """Every access token of the user issued at or before `revocadas_hasta` is void."""

    event_type: ClassVar[str] = "sigexp.usuario.sesiones_revocadas.v1"

    usuario_id: uuid.UUID
    revocadas_hasta: datetime  # UTC, microseconds: tokens carry their `iat` as precisely
    motivo: MotivoRevocacion

    def subject(self) -> str | None:
        return str(self.usuario_id)


class CatalogoEvento(Event):
    """A catalogue entry's event: its `sequence` is the row's version."""

    _version: int = PrivateAttr(default=0)

    def sequence(self) -> int:
        return self._version

    def con_version(self, version: int) -> Self:
        self._version = version
        return self


class OrganismoActualizado(CatalogoEvento):
    event_type: ClassVar[str] = "sigexp.organismo.actualizado.v1"

    id: uuid.UUID
    codigo: str
    nombre: str
    nombre_corto: str | None
    activo: bool

    def subject(self) -> str | None:
        return str(self.id)

    @classmethod
    def de(cls, o: Organismo) -> OrganismoActualizado:
        return cls(
            id=o.id, codigo=o.codigo, nombre=o.nombre, nombre_corto=o.nombre_corto, activo=o.activo
        ).con_version(o.version)


class MesaActualizada(CatalogoEvento):
    event_type: ClassVar[str] = "sigexp.mesa.actualizada.v1"

    id: uuid.UUID
    codigo: str
    nombre: str
    organismo_id: uuid.UUID
    organismo_codigo: str
    organismo_nombre: str
    organismo_version: int  # the version of the organismo named here (its copies order by it)
    es_oficina: bool
    activo: bool

    def subject(self) -> str | None:
        return str(self.id)

    @classmethod
    def de(cls, m: Mesa, o: Organismo) -> MesaActualizada:
        return cls(
            id=m.id,
            codigo=m.codigo,
            nombre=m.nombre,
            organismo_id=o.id,
            organismo_codigo=o.codigo,
            organismo_nombre=o.nombre,
            organismo_version=o.version,
            es_oficina=m.es_oficina,
            activo=m.activo,
        ).con_version(m.version)


class DependenciaActualizada(CatalogoEvento):
    event_type: ClassVar[str] = "sigexp.dependencia.actualizada.v1"

    id: uuid.UUID
    codigo: str
    nombre: str
    organismo_id: uuid.UUID
    activo: bool

    def subject(self) -> str | None:
        return str(self.id)

    @classmethod
    def de(cls, d: Dependencia) -> DependenciaActualizada:
        return cls(
            id=d.id, codigo=d.codigo, nombre=d.nombre, organismo_id=d.organismo_id, activo=d.activo
        ).con_version(d.version)


class TipoActualizado(CatalogoEvento):
    event_type: ClassVar[str] = "sigexp.tipo.actualizado.v1"

    codigo: str
    nombre: str
    activo: bool

    def subject(self) -> str | None:
        return self.codigo

    @classmethod
    def de(cls, t: TipoExpediente) -> TipoActualizado:
        return cls(codigo=t.codigo, nombre=t.nombre, activo=t.activo).con_version(t.version)


class FeriadoActualizado(CatalogoEvento):
    """A holiday of the calendar, created or changed (`activo: false` when withdrawn); the
    subject is the date, the sequence the row's version (per date)."""

    event_type: ClassVar[str] = "sigexp.feriado.actualizado.v1"

    fecha: date
    nombre: str
    activo: bool

    def subject(self) -> str | None:
        return self.fecha.isoformat()

    @classmethod
    def de(cls, f: Feriado) -> FeriadoActualizado:
        return cls(fecha=f.fecha, nombre=f.nombre, activo=f.activo).con_version(f.version)


# Events this service publishes (besides the audit record every service emits): the
# AsyncAPI document is generated from this list and `outbox.add` refuses any other.
PUBLICA: list[type[Event]] = [
    UsuarioCreado,
    UsuarioActualizado,
    SesionesRevocadas,
    OrganismoActualizado,
    MesaActualizada,
    DependenciaActualizada,
    TipoActualizado,
    FeriadoActualizado,
]
