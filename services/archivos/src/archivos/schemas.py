"""HTTP shapes of the archivos service (the use cases return domain objects)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel

from archivos.models import Archivo, ArchivoVersion
from archivos.service.archivos import ArchivoConVersiones


class Progreso(BaseModel):
    hechas: int
    total: int | None


class VersionOut(BaseModel):
    version: int
    nombre: str
    tipo_mime: str
    tamanio: int
    sha256: str
    subido_por: uuid.UUID
    subido_en: datetime
    disponible: bool  # False when its object went missing from the storage
    estado_procesamiento: str
    paginas: int | None
    progreso: Progreso
    error_procesamiento: str | None
    procesado_en: datetime | None
    miniatura_disponible: bool

    @classmethod
    def de(cls, v: ArchivoVersion) -> VersionOut:
        return cls(
            version=v.n,
            nombre=v.nombre,
            tipo_mime=v.tipo_mime,
            tamanio=v.tamanio,
            sha256=v.sha256,
            subido_por=v.subido_por,
            subido_en=v.subido_en,
            disponible=v.objeto_faltante_en is None,
            estado_procesamiento=v.estado_procesamiento,
            paginas=v.paginas,
            progreso=Progreso(hechas=v.paginas_procesadas, total=v.paginas),
            error_procesamiento=v.error_procesamiento,
            procesado_en=v.procesado_en,
            miniatura_disponible=v.miniatura is not None,
        )


class ArchivoOut(BaseModel):
    """An archivo with its current version's data and processing at the top level."""

    id: uuid.UUID
    expediente_id: uuid.UUID
    nombre: str
    descripcion: str | None
    tipo_mime: str
    tamanio: int
    sha256: str
    version: int
    estado_procesamiento: str
    paginas: int | None
    progreso: Progreso
    error_procesamiento: str | None
    creado_por: uuid.UUID
    creado_en: datetime
    actualizado_en: datetime
    eliminado_en: datetime | None
    versiones: list[VersionOut]

    @classmethod
    def de(cls, archivo: Archivo, versiones: list[ArchivoVersion]) -> ArchivoOut:
        actual = next(v for v in versiones if v.n == archivo.version_actual)
        return cls(
            id=archivo.id,
            expediente_id=archivo.expediente_id,
            nombre=archivo.nombre,
            descripcion=archivo.descripcion,
            tipo_mime=actual.tipo_mime,
            tamanio=actual.tamanio,
            sha256=actual.sha256,
            version=actual.n,
            estado_procesamiento=actual.estado_procesamiento,
            paginas=actual.paginas,
            progreso=Progreso(hechas=actual.paginas_procesadas, total=actual.paginas),
            error_procesamiento=actual.error_procesamiento,
            creado_por=archivo.creado_por,
            creado_en=archivo.creado_en,
            actualizado_en=actual.subido_en,
            eliminado_en=archivo.eliminado_en,
            versiones=[VersionOut.de(v) for v in versiones],
        )

    @classmethod
    def de_lista(cls, item: ArchivoConVersiones) -> ArchivoOut:
        return cls.de(item.archivo, list(item.versiones))


class ArchivosOut(BaseModel):
    items: list[ArchivoOut]


class VersionesOut(BaseModel):
    archivo_id: uuid.UUID
    items: list[VersionOut]
