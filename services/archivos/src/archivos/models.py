"""Tables of the archivos service.

Object keys are made here, never from user input: each upload (a first version or a new one)
is the object `archivos/{archivo_id}/{subida_id}`, with a fresh UUIDv7 per upload, so two
uploads never share a key and the version number is only given when the row commits.
Anything else the service keeps in the bucket (thumbnails) lives under keys of another form,
and `python -m archivos reconciliar` only ever judges keys of this one.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from sigexp_common.ids import uuid7
from sigexp_common.projection import VersionedCopy

PREFIJO_OBJETOS = "archivos/"
_UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_CLAVE = re.compile(rf"^archivos/({_UUID})/({_UUID})$")


def clave_objeto(archivo_id: uuid.UUID) -> str:
    """The object key of a new upload of an archivo: made only of ids the service chose."""
    return f"{PREFIJO_OBJETOS}{archivo_id}/{uuid7()}"


def es_clave_de_subida(clave: str) -> bool:
    """True for the keys `clave_objeto` makes (the only ones `reconciliar` may remove)."""
    return _CLAVE.match(clave) is not None


class Base(DeclarativeBase):
    pass


class Archivo(Base):
    """A document of an expediente; its contents are its versions (`ArchivoVersion`).
    Deleting it sets `eliminado_en`: hidden from the list, bytes and history kept."""

    __tablename__ = "archivos"
    __table_args__ = (Index("ix_archivos_expediente", "expediente_id", "creado_en"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid7)
    expediente_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    nombre: Mapped[str] = mapped_column(String(255))  # original name of the current version
    descripcion: Mapped[str | None] = mapped_column(Text)
    version_actual: Mapped[int] = mapped_column(Integer)
    creado_por: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    creado_en: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    eliminado_en: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    eliminado_por: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))


class ArchivoVersion(Base):
    """One stored content of an archivo: the object `objeto` and what was learnt of it while it
    streamed in; the processing columns are the digitisation workers'."""

    __tablename__ = "archivo_versiones"

    archivo_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("archivos.id"), primary_key=True
    )
    n: Mapped[int] = mapped_column(Integer, primary_key=True)
    objeto: Mapped[str] = mapped_column(String(300), unique=True)
    nombre: Mapped[str] = mapped_column(String(255))  # original name, as uploaded
    tipo_mime: Mapped[str] = mapped_column(String(120))
    tamanio: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    subido_por: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    subido_en: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # Set by `reconciliar` when the object of this row is gone from the bucket.
    objeto_faltante_en: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Digitisation (written by the workers).
    estado_procesamiento: Mapped[str] = mapped_column(
        String(20), default="PENDIENTE", server_default="PENDIENTE"
    )
    paginas: Mapped[int | None] = mapped_column(Integer)
    paginas_procesadas: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    error_procesamiento: Mapped[str | None] = mapped_column(Text)
    miniatura: Mapped[str | None] = mapped_column(String(300))
    procesado_en: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ObjetoPendiente(Base):
    """An object being written whose row is not committed yet. Recorded (and committed) before
    the first byte goes to the bucket and deleted in the transaction that commits the version:
    a leftover row names an object that may be orphaned, for `reconciliar` to remove."""

    __tablename__ = "objetos_pendientes"

    objeto: Mapped[str] = mapped_column(String(300), primary_key=True)
    creado_en: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Custodia(VersionedCopy, Base):
    """This service's copy of custody, which pases owns (`sigexp.custodia.actualizada.v1`):
    `mesas` (every desk the expediente reached) is the scope of `sigexp_common.alcance`."""

    __tablename__ = "custodias"
    __table_args__ = (Index("ix_custodias_mesas", "mesas", postgresql_using="gin"),)

    expediente_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    mesa_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    permiso: Mapped[str] = mapped_column(String(20))
    en_transito: Mapped[bool] = mapped_column(Boolean)
    mesa_origen_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    mesas: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)))
    desde: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Expediente(VersionedCopy, Base):
    """This service's copy of what it needs of expedientes' data: `caracter` (the RESERVADO
    rule) and the lifecycle `estado` (no uploads on ANULADO ones), from `iniciado` /
    `actualizado` by version. `anulado` comes from `sigexp.expediente.anulado.v1` and is never
    undone (ANULADO is final), so its order against the other two does not matter; a row made
    by it alone has no `caracter` yet and counts as not heard of."""

    __tablename__ = "expedientes"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    caracter: Mapped[str | None] = mapped_column(String(20))
    estado: Mapped[str] = mapped_column(String(20), server_default="EN_TRAMITE")
    anulado: Mapped[bool] = mapped_column(Boolean, server_default="false")
