"""Demo data: the demo catalogue and the holidays of 2026 (through the same importers as
ADMIN's uploads) and one demo user for every profile at two desks of different organismos.
Idempotent; never in production.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.models import Cuenta, Mesa
from auth.schemas import UsuarioIn
from auth.service import catalogo, cuentas, feriados, importacion
from auth.service.comun import cuenta_por_nombre_o_email
from auth.settings import Settings

DEMO_PASSWORD = "Demo-Sigexp-2026"
"""The documented local demo password of every demo user (see README)."""


@dataclass(frozen=True)
class UsuarioDemo:
    usuario: str
    nombre: str
    perfil: str
    mesa_codigo: str | None


_MESAS = (("cap", "CAP-MESA", "CAP"), ("sgg", "SGG-MESA", "Secretaría General"))
USUARIOS_DEMO: tuple[UsuarioDemo, ...] = (
    UsuarioDemo("admin.demo", "Administración (demo)", "ADMIN", None),
    UsuarioDemo("autoridad.demo", "Autoridad (demo)", "AUTORIDAD", None),
    *(
        UsuarioDemo(f"{p.lower().split('_')[0]}.{sufijo}", f"{etiqueta} - {p} (demo)", p, mesa)
        for sufijo, mesa, etiqueta in _MESAS
        for p in ("MESA_ENTRADA", "OFICINA", "CARGA", "CONSULTA")
    ),
)


class DemoEnProduccion(RuntimeError):
    """Demo users have a published password: they never exist in production."""


def catalogo_demo() -> bytes:
    return resources.files("auth.data").joinpath("catalogo_demo.yaml").read_bytes()


def feriados_demo() -> bytes:
    """The national holidays of 2026 (the province loads its own calendar)."""
    return resources.files("auth.data").joinpath("feriados_demo.yaml").read_bytes()


async def cargar_demo(db: AsyncSession, settings: Settings) -> list[tuple[Cuenta, str]]:
    """Load the demo catalogue and users; returns every demo user with its desk name."""
    if settings.env == "production":
        raise DemoEnProduccion("AUTH_ENV=production: los datos de demostración no se cargan.")
    await catalogo.importar(db, importacion.leer(catalogo_demo(), "yaml"), por=None)
    await feriados.importar(db, feriados.leer(feriados_demo(), "yaml"), por=None)
    mesas = {m.codigo: m for m in await db.scalars(select(Mesa))}
    resultado: list[tuple[Cuenta, str]] = []
    for demo in USUARIOS_DEMO:
        cuenta = await cuenta_por_nombre_o_email(db, demo.usuario)
        if cuenta is None:
            mesa = mesas[demo.mesa_codigo] if demo.mesa_codigo else None
            cuenta, _ = await cuentas.crear_cuenta(
                db,
                settings,
                UsuarioIn(
                    usuario=demo.usuario,
                    nombre=demo.nombre,
                    email=f"{demo.usuario}@demo.sigexp.invalid",
                    perfil=demo.perfil,
                    mesa_id=mesa.id if mesa else None,
                    password_provisoria=DEMO_PASSWORD,
                ),
                por=None,
                debe_cambiar_password=False,
            )
        resultado.append((cuenta, cuenta.mesa.nombre if cuenta.mesa else "-"))
    return resultado


def tabla(usuarios: list[tuple[Cuenta, str]]) -> str:
    filas = [("usuario", "perfil", "mesa", "password")]
    filas += [(c.usuario, c.perfil, mesa, DEMO_PASSWORD) for c, mesa in usuarios]
    anchos = [max(len(f[i]) for f in filas) for i in range(4)]
    lineas = ["  ".join(v.ljust(anchos[i]) for i, v in enumerate(f)).rstrip() for f in filas]
    lineas.insert(1, "  ".join("-" * a for a in anchos))
    return "\n".join(lineas)
