"""Who may act on pases (DESIGN.md, "Profiles"): the refusal is recorded (`audit.denegar`)
and answered before the request's body is looked at."""

from __future__ import annotations

from typing import Any

from fastapi import Depends

from sigexp_common import audit
from sigexp_common.db import Session
from sigexp_common.errors import SinPermiso
from sigexp_common.security import CurrentUser, Perfil, Usuario

DE_MESA = (Perfil.MESA_ENTRADA, Perfil.OFICINA)


def de_mesa(accion: str) -> Any:
    """A route's acting user: MESA_ENTRADA or OFICINA of a desk (sends and receives pases)."""

    async def usuario_de_mesa(usuario: CurrentUser, db: Session) -> Usuario:
        if usuario.perfil not in DE_MESA:
            error = SinPermiso("Su perfil no permite enviar ni recibir pases.")
            raise audit.denegar(error, usuario, accion, "pases")
        if usuario.mesa_id is None:
            error = SinPermiso("Su usuario no tiene una mesa asignada; consulte al administrador.")
            raise audit.denegar(error, usuario, accion, "pases")
        return usuario

    return Depends(usuario_de_mesa)


def admin(accion: str) -> Any:
    """A route's acting user, who must be ADMIN (decides reversal requests)."""

    async def usuario_admin(usuario: CurrentUser, db: Session) -> Usuario:
        if usuario.perfil != Perfil.ADMIN:
            error = SinPermiso("Solo un administrador puede decidir las solicitudes de reversión.")
            raise audit.denegar(error, usuario, accion, "solicitudes-reversion")
        return usuario

    return Depends(usuario_admin)
