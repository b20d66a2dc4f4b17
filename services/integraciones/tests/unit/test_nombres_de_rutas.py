"""A refusal before a route's own code (the ADMIN check) is recorded as the route's `name`: each
subscriber route is named after the action its success records, so both outcomes of one call
share an `accion` in the audit trail."""

from __future__ import annotations

from pathlib import Path

from fastapi.routing import APIRoute

from integraciones import routes

SERVICIO = Path(routes.__file__).parent / "service"


def test_cada_ruta_se_llama_como_la_accion_que_registra_su_exito() -> None:
    codigo = "\n".join(p.read_text() for p in SERVICIO.glob("*.py"))
    rutas = [
        r for r in (*routes.router.routes, *routes.credenciales.routes) if isinstance(r, APIRoute)
    ]
    assert len(rutas) == 9
    for ruta in rutas:
        assert ruta.name.startswith("suscriptor."), (ruta.path, ruta.name)
        assert f'"{ruta.name}"' in codigo, f"{ruta.path}: no service records {ruta.name}"
