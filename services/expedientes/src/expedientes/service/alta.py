"""Alta of an expediente at the user's desk, with gap-free numbering of its series."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import (
    CTE,
    ColumnElement,
    Integer,
    Select,
    Table,
    bindparam,
    func,
    literal,
    select,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from expedientes import catalogo
from expedientes.events import ExpedienteIniciado
from expedientes.models import (
    EXPEDIENTE_COLUMNAS,
    Ciclo,
    Custodia,
    Expediente,
    ExpedienteLeido,
    Mesa,
    Organismo,
    Serie,
)
from expedientes.schemas import ExpedienteIn
from expedientes.service import historial
from sigexp_common import audit, outbox
from sigexp_common.envelope import utcnow
from sigexp_common.errors import Conflicto
from sigexp_common.ids import uuid7
from sigexp_common.security import Perfil, Usuario, require_perfil

ESCRITURA = "ESCRITURA"


async def iniciar_expediente(
    db: AsyncSession, datos: ExpedienteIn, por: Usuario
) -> ExpedienteLeido:
    """Alta at the user's desk; without `numero`, the next of its (codigo, letras, anio) series.

    The series row is locked from its upsert until the commit, so what runs in between is what
    bounds the altas per second of one series: one statement (the series, the expediente, its
    custody copy, and the row as a read answers it), one INSERT of both outbox rows, COMMIT."""
    require_perfil(por, Perfil.MESA_ENTRADA, accion="expediente.crear", recurso="expedientes")
    if por.mesa_id is None or not por.organismo_codigo:
        raise Conflicto(
            "Su usuario no tiene una mesa de entradas asignada; consulte al administrador."
        )
    await catalogo.exigir_tipo(db, datos.tipo)
    codigo, letras = por.organismo_codigo, datos.letras or ""
    anio = datos.anio or utcnow().year
    valores = {
        "id": uuid7(),  # says when it was made: see sigexp_common.alcance.desconocido
        "codigo": codigo,
        "letras": letras,
        "anio": anio,
        "extracto": datos.extracto,
        "numero_instrumento": datos.numero_instrumento,
        "numero_gde": datos.numero_gde,
        "tomos": datos.tomos,
        "fojas": datos.fojas,
        "tipo": datos.tipo,
        "caracter": datos.caracter.value,
        "ciclo": Ciclo.EN_TRAMITE.value,
        "version": 1,
        "organismo_id": por.organismo_id,
        "mesa_inicio_id": por.mesa_id,
        "iniciado_por": por.id,
        "iniciado_por_usuario": por.usuario,
        "creado_en": utcnow(),
        # Custody is pases'; until its first event arrives, the copy holds what this alta
        # decided (version 0), so the clerk sees the new file at once; pases' version 1
        # confirms it.
        "permiso": ESCRITURA,
        "mesas": [por.mesa_id],
    }
    if datos.numero is None:
        statement = _ALTA_SIGUIENTE  # takes the series' lock
    else:
        await _ya_existe(db, codigo, datos.numero, letras, anio)
        await _registrar_numero(db, codigo, letras, anio, datos.numero)  # takes the lock
        statement, valores["numero"] = _ALTA_CON_NUMERO, datos.numero
    conexion = await db.connection()  # Core: no unit of work, no flush, no refresh
    expediente = ExpedienteLeido.de((await conexion.execute(statement, valores)).one())
    await outbox.insertar(
        db,
        # The row read back has every attribute the event takes from an `Expediente`.
        ExpedienteIniciado.from_expediente(cast(Expediente, expediente), por),
        audit.registro(
            por,
            "expediente.crear",
            f"expediente/{expediente.id}",
            expediente_id=expediente.id,
            detalle={"referencia": expediente.referencia},
        ),
    )
    inicial = _inicial(expediente)
    historial.anotar(db, expediente.id, "expediente.iniciado", por, inicial, expediente.creado_en)
    return expediente


def _alta(numero: ColumnElement[int], *previas: CTE) -> Select[Any]:
    """One statement for the rows of an alta whose number is `numero`: the expediente, its
    custody copy, and the row as `leer_expedientes` reads it (desk and organismo names of the
    copies, which may not have arrived yet: outer joins). Built once, every value bound."""
    tabla: Table = Expediente.__table__  # type: ignore[assignment]
    custodias: Table = Custodia.__table__  # type: ignore[assignment]
    columnas = [c for c in EXPEDIENTE_COLUMNAS if c != "numero"]
    fila = select(*(bindparam(c, type_=tabla.c[c].type) for c in columnas), numero)
    nuevo = insert(tabla).from_select([*columnas, "numero"], fila).returning(*tabla.c).cte("nuevo")
    custodia = (
        insert(custodias)
        .values(
            expediente_id=bindparam("id"),
            mesa_id=bindparam("mesa_inicio_id"),
            permiso=bindparam("permiso"),
            en_transito=False,
            mesa_origen_id=None,
            mesas=bindparam("mesas", type_=custodias.c.mesas.type),
            desde=bindparam("creado_en"),
            version=0,
        )
        .returning(custodias.c.mesa_id, custodias.c.permiso, custodias.c.en_transito)
        .cte("custodia")
    )
    mesas, organismos = Mesa.__table__, Organismo.__table__
    return (
        select(
            *(nuevo.c[c] for c in EXPEDIENTE_COLUMNAS),
            custodia.c.mesa_id.label("mesa_actual_id"),
            custodia.c.permiso.label("permiso_actual"),
            custodia.c.en_transito,
            mesas.c.nombre.label("mesa_nombre"),
            mesas.c.organismo_id.label("mesa_organismo_id"),
            organismos.c.codigo.label("organismo_codigo"),
            organismos.c.nombre.label("organismo_nombre"),
        )
        .select_from(
            nuevo.join(custodia, literal(True))
            .outerjoin(mesas, mesas.c.id == custodia.c.mesa_id)
            .outerjoin(organismos, organismos.c.id == mesas.c.organismo_id)
        )
        .add_cte(*previas)
    )


def _siguiente() -> Select[Any]:
    """The next number of the series. The upsert locks the series row until commit, so
    concurrent altas take turns; a rolled-back alta gives its number back (no gaps, no
    duplicates)."""
    serie = (
        insert(Serie)
        .values(codigo=bindparam("codigo"), letras=bindparam("letras"), anio=bindparam("anio"))
        .values(ultimo=1)
        .on_conflict_do_update(
            index_elements=[Serie.codigo, Serie.letras, Serie.anio],
            set_={"ultimo": Serie.ultimo + 1},
        )
        .returning(Serie.ultimo)
        .cte("serie")
    )
    return _alta(select(serie.c.ultimo).scalar_subquery(), serie)


_ALTA_SIGUIENTE = _siguiente()
_ALTA_CON_NUMERO = _alta(bindparam("numero", type_=Integer))


async def _registrar_numero(
    db: AsyncSession, codigo: str, letras: str, anio: int, numero: int
) -> None:
    """A number typed by the desk moves the series forward so no later alta repeats it."""
    statement = (
        insert(Serie)
        .values(codigo=codigo, letras=letras, anio=anio, ultimo=numero)
        .on_conflict_do_update(
            index_elements=[Serie.codigo, Serie.letras, Serie.anio],
            set_={"ultimo": func.greatest(Serie.ultimo, numero)},
        )
    )
    await db.execute(statement)


async def _ya_existe(db: AsyncSession, codigo: str, numero: int, letras: str, anio: int) -> None:
    existing = await db.scalar(
        select(Expediente.id).where(
            Expediente.codigo == codigo,
            Expediente.numero == numero,
            Expediente.letras == letras,
            Expediente.anio == anio,
        )
    )
    if existing is not None:  # the same words whoever holds it and whatever its caracter
        raise Conflicto(NUMERO_NO_DISPONIBLE.format(serie=_serie(letras, anio), codigo=codigo))


def _inicial(expediente: ExpedienteLeido) -> dict[str, object]:
    """What the timeline's first entry says of the new file."""
    return {
        "referencia": expediente.referencia,
        "estado": expediente.ciclo,
        "tomos": expediente.tomos,
        "fojas": expediente.fojas,
        "numero_gde": expediente.numero_gde,
    }


NUMERO_NO_DISPONIBLE = (
    "Ese número no está disponible para la serie {serie} del organismo {codigo}; "
    "deje el número vacío para recibir el siguiente."
)


def _serie(letras: str, anio: int) -> str:
    return f"{letras}-{anio}" if letras else str(anio)
