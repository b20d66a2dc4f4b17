"""Request and response models of the auth service's HTTP API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from sigexp_common.entrada import Booleano
from sigexp_common.security import Perfil

Texto = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Nombre = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
]
NombreUsuario = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9._-]{3,80}$")
]
Secreto = Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class Entrada(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Salida(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- sessions and passwords -------------------------------------------------------------


class LoginIn(Entrada):
    usuario: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=254)]
    password: Secreto


class TokensOut(Salida):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    debe_cambiar_password: bool


class RefreshIn(Entrada):
    refresh_token: Secreto


class PasswordCambioIn(Entrada):
    password_actual: Secreto
    password_nueva: Secreto


class OlvidoIn(Entrada):
    email: Email


class RestablecerIn(Entrada):
    token: Secreto
    password_nueva: Secreto


# --- catalogue ----------------------------------------------------------------------------


class OrganismoRef(Salida):
    id: uuid.UUID
    codigo: str
    nombre: str


class OrganismoOut(Salida):
    id: uuid.UUID
    codigo: str
    nombre: str
    nombre_corto: str | None
    activo: bool


class MesaRef(Salida):
    id: uuid.UUID
    nombre: str
    organismo_id: uuid.UUID
    es_oficina: bool


class MesaOut(Salida):
    id: uuid.UUID
    codigo: str
    nombre: str
    organismo_id: uuid.UUID
    organismo: OrganismoRef
    es_oficina: bool
    activo: bool


class DependenciaOut(Salida):
    id: uuid.UUID
    codigo: str
    nombre: str
    organismo_id: uuid.UUID
    organismo: OrganismoRef
    activo: bool


class TipoOut(Salida):
    codigo: str
    nombre: str
    activo: bool


T = TypeVar("T")


class Lista(BaseModel, Generic[T]):
    items: list[T]


class Conteo(BaseModel):
    creados: int = 0
    actualizados: int = 0
    sin_cambios: int = 0


class ImportacionOut(BaseModel):
    formato: Literal["csv", "yaml"]
    creados: int
    actualizados: int
    sin_cambios: int
    organismos: Conteo
    mesas: Conteo
    dependencias: Conteo
    tipos: Conteo


# --- accounts -----------------------------------------------------------------------------


class MeOut(Salida):
    id: uuid.UUID
    usuario: str
    nombre: str
    email: str
    perfil: str
    organismo_id: uuid.UUID | None
    organismo: OrganismoRef | None
    mesa_id: uuid.UUID | None
    mesa: MesaRef | None
    debe_cambiar_password: bool


class UsuarioOut(MeOut):
    activo: bool
    creado_en: datetime


class UsuariosOut(BaseModel):
    items: list[UsuarioOut]
    next_cursor: str | None = None


class UsuarioIn(Entrada):
    usuario: NombreUsuario
    nombre: Nombre
    email: Email
    perfil: Perfil
    mesa_id: uuid.UUID | None = None
    organismo_id: uuid.UUID | None = None
    password_provisoria: Secreto | None = None


class UsuarioPatch(Entrada):
    nombre: Nombre | None = None
    email: Email | None = None
    perfil: Perfil | None = None
    mesa_id: uuid.UUID | None = None
    organismo_id: uuid.UUID | None = None
    activo: Booleano | None = None


PerfilSolicitable = Literal["MESA_ENTRADA", "OFICINA", "CARGA", "CONSULTA", "AUTORIDAD"]
"""What the public form may ask for: a wish; ADMIN decides the profile on approval (and is the
only one who can make an ADMIN)."""


class SolicitudCuentaIn(Entrada):
    """Every text is bounded by its column (a longer one is a 422 naming the field)."""

    nombre: Nombre
    email: Email
    organismo: Texto
    area: Texto
    perfil: PerfilSolicitable


class SolicitudCuentaOut(Salida):
    id: uuid.UUID
    nombre: str
    email: str
    organismo: str
    area: str
    perfil: str
    estado: Literal["PENDIENTE", "APROBADA", "RECHAZADA"]
    motivo: str | None
    creada_en: datetime
    resuelta_en: datetime | None
    usuario_id: uuid.UUID | None


class SolicitudesOut(BaseModel):
    items: list[SolicitudCuentaOut]


class AprobarSolicitudIn(Entrada):
    usuario: NombreUsuario | None = None
    perfil: Perfil | None = None
    mesa_id: uuid.UUID | None = None
    organismo_id: uuid.UUID | None = None


class RechazarSolicitudIn(Entrada):
    motivo: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)]


class AprobacionOut(BaseModel):
    solicitud: SolicitudCuentaOut
    usuario: UsuarioOut


Limite = Annotated[int, Field(ge=1, le=200)]


# --- holiday calendar -----------------------------------------------------------------------


class FeriadoOut(Salida):
    fecha: date
    nombre: str
    activo: bool


class FeriadosImportadosOut(BaseModel):
    formato: Literal["csv", "yaml"]
    creados: int
    actualizados: int
    sin_cambios: int
