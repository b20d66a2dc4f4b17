"""Events the auth service publishes (it consumes none).

Catalogue events carry the whole current state of the entry (state transfer), so a consumer
keeps its copy by upserting on every `.actualizado`/`.actualizada`, whether it is new or not.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from auth.models import Cuenta, Dependencia, Mesa, Organismo, TipoExpediente
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


class OrganismoActualizado(Event):
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
        )


class MesaActualizada(Event):
    event_type: ClassVar[str] = "sigexp.mesa.actualizada.v1"

    id: uuid.UUID
    codigo: str
    nombre: str
    organismo_id: uuid.UUID
    organismo_codigo: str
    organismo_nombre: str
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
            es_oficina=m.es_oficina,
            activo=m.activo,
        )


class DependenciaActualizada(Event):
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
        )


class TipoActualizado(Event):
    event_type: ClassVar[str] = "sigexp.tipo.actualizado.v1"

    codigo: str
    nombre: str
    activo: bool

    def subject(self) -> str | None:
        return self.codigo

    @classmethod
    def de(cls, t: TipoExpediente) -> TipoActualizado:
        return cls(codigo=t.codigo, nombre=t.nombre, activo=t.activo)


# Events this service publishes (besides the audit record every service emits): the
# AsyncAPI document is generated from this list and `outbox.add` refuses any other.
PUBLICA: list[type[Event]] = [
    UsuarioCreado,
    UsuarioActualizado,
    OrganismoActualizado,
    MesaActualizada,
    DependenciaActualizada,
    TipoActualizado,
]
