"""Revoked sessions: "this user's access tokens issued up to now are void", at every service.

`revocar_sesiones` runs inside the transaction of the change that calls for it (deactivation,
demotion, password change or reset, logout, refresh-token reuse): the row and the event
`sigexp.usuario.sesiones_revocadas.v1` commit with it. The verifiers of every process load the
recent rows at start (`vigentes`, served at `GET /internal/revocaciones`) and hear the rest by
the event (`sigexp_common.revocation`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from auth.events import MotivoRevocacion, SesionesRevocadas
from auth.models import RevocacionSesiones
from auth.settings import Settings
from sigexp_common import outbox
from sigexp_common.envelope import utcnow
from sigexp_common.revocation import SKEW_SECONDS, ListaRevocaciones, Revocacion


async def revocar_sesiones(
    db: AsyncSession, usuario_id: uuid.UUID, motivo: MotivoRevocacion
) -> datetime:
    """Void the user's access tokens issued up to now; returns that time."""
    hasta = utcnow()
    nueva = insert(RevocacionSesiones).values(
        usuario_id=usuario_id, revocadas_hasta=hasta, motivo=motivo.value
    )
    await db.execute(
        nueva.on_conflict_do_update(
            index_elements=[RevocacionSesiones.usuario_id],
            set_={"revocadas_hasta": hasta, "motivo": motivo.value},
            where=RevocacionSesiones.revocadas_hasta < hasta,
        )
    )
    outbox.add(db, SesionesRevocadas(usuario_id=usuario_id, revocadas_hasta=hasta, motivo=motivo))
    return hasta


def vigencia_segundos(settings: Settings) -> float:
    """How long a revocation matters: an access token's life."""
    return float(settings.access_token_minutes * 60)


async def vigentes(db: AsyncSession, settings: Settings) -> Sequence[tuple[uuid.UUID, datetime]]:
    """The revocations that may still void a living token (younger than a token's life)."""
    desde = utcnow() - timedelta(seconds=vigencia_segundos(settings) + SKEW_SECONDS)
    filas = await db.execute(
        select(RevocacionSesiones.usuario_id, RevocacionSesiones.revocadas_hasta).where(
            RevocacionSesiones.revocadas_hasta > desde
        )
    )
    return [(usuario_id, hasta) for usuario_id, hasta in filas.all()]


async def lista_vigente(db: AsyncSession, settings: Settings) -> ListaRevocaciones:
    """What `GET /internal/revocaciones` answers, and what auth's own processes load."""
    return ListaRevocaciones(
        [Revocacion(usuario_id=u, revocadas_hasta=h) for u, h in await vigentes(db, settings)],
        vigencia_segundos(settings),
    )


async def por_cambio_de_cuenta(
    db: AsyncSession, usuario_id: uuid.UUID, cambiados: Sequence[str], activo: bool
) -> None:
    """An ADMIN's edit voids the tokens when it deactivates the account or changes what the
    token says about it (profile, desk, organismo); a new token carries the new state."""
    if "activo" in cambiados and not activo:
        await revocar_sesiones(db, usuario_id, MotivoRevocacion.DESACTIVACION)
    elif set(cambiados) & {"perfil", "mesa_id", "organismo_id"}:
        await revocar_sesiones(db, usuario_id, MotivoRevocacion.CAMBIO_PERFIL)
