"""Alta of an expediente at the user's desk, with gap-free numbering of its series."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from expedientes import catalogo
from expedientes.events import ExpedienteIniciado
from expedientes.models import Ciclo, Custodia, Expediente, Serie
from expedientes.schemas import ExpedienteIn
from expedientes.service import historial
from sigexp_common import audit, outbox
from sigexp_common.envelope import utcnow
from sigexp_common.errors import Conflicto
from sigexp_common.ids import uuid7
from sigexp_common.security import Perfil, Usuario, require_perfil

ESCRITURA = "ESCRITURA"


async def iniciar_expediente(db: AsyncSession, datos: ExpedienteIn, por: Usuario) -> Expediente:
    """Alta at the user's desk; without `numero`, the next of its (codigo, letras, anio) series."""
    require_perfil(por, Perfil.MESA_ENTRADA)
    if por.mesa_id is None or not por.organismo_codigo:
        raise Conflicto(
            "Su usuario no tiene una mesa de entradas asignada; consulte al administrador."
        )
    await catalogo.exigir_tipo(db, datos.tipo)
    codigo, letras = por.organismo_codigo, datos.letras or ""
    anio = datos.anio or utcnow().year
    if datos.numero is None:
        numero = await _siguiente_numero(db, codigo, letras, anio)
    else:
        numero = datos.numero
        await _ya_existe(db, codigo, numero, letras, anio)
        await _registrar_numero(db, codigo, letras, anio, numero)
    creado_en = utcnow()
    expediente = Expediente(
        id=uuid7(),  # says when it was made: see sigexp_common.alcance.desconocido
        codigo=codigo,
        numero=numero,
        letras=letras,
        anio=anio,
        extracto=datos.extracto,
        numero_instrumento=datos.numero_instrumento,
        numero_gde=datos.numero_gde,
        tomos=datos.tomos,
        fojas=datos.fojas,
        tipo=datos.tipo,
        caracter=datos.caracter.value,
        ciclo=Ciclo.EN_TRAMITE.value,
        version=1,
        organismo_id=por.organismo_id,
        mesa_inicio_id=por.mesa_id,
        iniciado_por=por.id,
        iniciado_por_usuario=por.usuario,
        creado_en=creado_en,
    )
    db.add(expediente)
    # Custody is pases'; until its first event arrives, the copy holds what this alta decided
    # (version 0), so the clerk sees the new file at once; pases' version 1 confirms it.
    db.add(
        Custodia(
            expediente_id=expediente.id,
            mesa_id=por.mesa_id,
            permiso=ESCRITURA,
            en_transito=False,
            mesa_origen_id=None,
            mesas=[por.mesa_id],
            desde=creado_en,
            version=0,
        )
    )
    await db.flush()
    await db.refresh(expediente, ["custodia"])
    outbox.add(db, ExpedienteIniciado.from_expediente(expediente, por))
    historial.anotar(db, expediente.id, "expediente.iniciado", por, _inicial(expediente), creado_en)
    audit.registrar(
        db,
        por,
        "expediente.crear",
        f"expediente/{expediente.id}",
        expediente_id=expediente.id,
        detalle={"referencia": expediente.referencia},
    )
    return expediente


async def _siguiente_numero(db: AsyncSession, codigo: str, letras: str, anio: int) -> int:
    """Next number of the series. The upsert locks the series row until commit, so concurrent
    altas take turns; a rolled-back alta gives its number back (no gaps, no duplicates)."""
    statement = (
        insert(Serie)
        .values(codigo=codigo, letras=letras, anio=anio, ultimo=1)
        .on_conflict_do_update(
            index_elements=[Serie.codigo, Serie.letras, Serie.anio],
            set_={"ultimo": Serie.ultimo + 1},
        )
        .returning(Serie.ultimo)
    )
    return int((await db.execute(statement)).scalar_one())


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


def _inicial(expediente: Expediente) -> dict[str, object]:
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
