"""The carátula: the printable cover of an expediente, under the detail's scope rule."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from expedientes.models import Mesa, Organismo, Tipo
from expedientes.service import acceso
from sigexp_common import alcance, audit
from sigexp_common.security import Usuario

RESERVADO_LEYENDA = (
    "EXPEDIENTE RESERVADO. El extracto no se imprime en la carátula: consúltelo en SIGEXP "
    "con un usuario autorizado."
)
CARACTERES = {"PUBLICO": "Público", "RESERVADO": "Reservado"}


def qr_de(expediente_id: uuid.UUID) -> str:
    """What the carátula's QR says: the reception by code (pases) accepts it."""
    return f"SIGEXP:EXP:{expediente_id}"


async def caratula(db: AsyncSession, expediente_id: uuid.UUID, por: Usuario) -> bytes:
    accion = "expediente.ver_caratula"
    expediente = await acceso.expediente_para(db, expediente_id, por, accion)
    organismo = None
    if expediente.organismo_id is not None:
        organismo = await db.scalar(
            select(Organismo.nombre).where(Organismo.id == expediente.organismo_id)
        )
    mesa = await db.scalar(select(Mesa.nombre).where(Mesa.id == expediente.mesa_inicio_id))
    tipo = await db.scalar(select(Tipo.nombre).where(Tipo.codigo == expediente.tipo))
    reservado = expediente.caracter == alcance.RESERVADO
    # fpdf2 (with fontTools and Pillow) is imported on the first cover, not by every process
    # at start: the workers and the messaging process never print one.
    from expedientes import pdf

    documento = pdf.caratula(
        pdf.Caratula(
            referencia=expediente.referencia,
            codigo=expediente.codigo,
            organismo=organismo or f"Organismo {expediente.codigo}",
            extracto=RESERVADO_LEYENDA if reservado else expediente.extracto,
            tipo=tipo or expediente.tipo,
            caracter=CARACTERES.get(expediente.caracter, expediente.caracter),
            fecha=expediente.creado_en.strftime("%d/%m/%Y"),
            iniciador=expediente.iniciado_por_usuario,
            mesa_inicio=mesa or "-",
            numero_gde=expediente.numero_gde,
            qr=qr_de(expediente.id),
        )
    )
    await audit.lectura(db, por, accion, f"expediente/{expediente.id}", expediente_id=expediente.id)
    return documento
