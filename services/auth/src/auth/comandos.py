"""Extra commands of `python -m auth`: demo, rotate-keys, importar-catalogo FILE."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar, cast

from sqlalchemy.ext.asyncio import AsyncSession

from auth import demo as demo_
from auth.models import Cuenta
from auth.service import catalogo, claves, importacion
from auth.settings import Settings
from sigexp_common.app import ServiceSpec
from sigexp_common.db import make_engine, make_sessionmaker, transaction
from sigexp_common.errors import DatoInvalido
from sigexp_common.migrations import upgrade

T = TypeVar("T")


async def _en_transaccion(spec: ServiceSpec, trabajo: Callable[[AsyncSession], Awaitable[T]]) -> T:
    engine = make_engine(spec.settings.database_url, pool_size=2)
    try:
        async with transaction(make_sessionmaker(engine, spec.name)) as db:
            return await trabajo(db)
    finally:
        await engine.dispose()


def _ejecutar(spec: ServiceSpec, trabajo: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Migrate, then run `trabajo` in one transaction (works from a thread or a plain CLI)."""
    upgrade(spec.migrations_dir, spec.settings.database_url)
    return asyncio.run(_en_transaccion(spec, trabajo))


async def _demo_y_catalogo(db: AsyncSession, settings: Settings) -> list[tuple[Cuenta, str]]:
    usuarios = await demo_.cargar_demo(db, settings)
    # Every start re-sends the catalogue: a service that began consuming it later gets a copy.
    await catalogo.republicar(db, por=None)
    return usuarios


def demo(spec: ServiceSpec, argv: list[str]) -> None:
    settings = cast(Settings, spec.settings)
    try:
        usuarios = _ejecutar(spec, lambda db: _demo_y_catalogo(db, settings))
    except demo_.DemoEnProduccion as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc
    print("Datos de demostración cargados. Usuarios de demostración:\n")
    print(demo_.tabla(usuarios))


def rotate_keys(spec: ServiceSpec, argv: list[str]) -> None:
    settings = cast(Settings, spec.settings)
    nueva = _ejecutar(spec, lambda db: claves.rotar_claves(db, settings))
    print(
        f"Nueva clave de firma: {nueva.kid}. Las claves anteriores siguen verificando "
        f"{settings.access_token_minutes} minutos."
    )


def importar_catalogo(spec: ServiceSpec, argv: list[str]) -> None:
    if len(argv) != 1:
        print("uso: python -m auth importar-catalogo ARCHIVO.csv|ARCHIVO.yaml", file=sys.stderr)
        raise SystemExit(2)
    ruta = Path(argv[0])
    formato = importacion.detectar_formato(ruta.name, None)
    if formato is None or not ruta.is_file():
        print(f"error: {ruta} no es un archivo .csv, .yaml o .yml", file=sys.stderr)
        raise SystemExit(2)
    try:
        datos = importacion.leer(ruta.read_bytes(), formato)
        resultado = _ejecutar(spec, lambda db: catalogo.importar(db, datos, por=None))
    except DatoInvalido as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        for error in exc.errores:
            print(f"  {error.campo}: {error.mensaje}", file=sys.stderr)
        raise SystemExit(1) from exc
    print(
        f"Catálogo importado: {resultado.creados} creados, {resultado.actualizados} "
        f"actualizados, {resultado.sin_cambios} sin cambios."
    )


def republicar_catalogo(spec: ServiceSpec, argv: list[str]) -> None:
    """Publish the whole catalogue again, for a consumer that starts keeping a copy."""
    n = _ejecutar(spec, lambda db: catalogo.republicar(db, por=None))
    print(f"Catálogo republicado: {n} eventos en la cola de salida.")
