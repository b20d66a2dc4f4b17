"""Domain exceptions and their single mapping to problem+json (RFC 9457), in Spanish."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from sigexp_common.envelope import Event

log = logging.getLogger("sigexp.errors")

PROBLEM_JSON = "application/problem+json"


@dataclass
class CampoInvalido:
    campo: str
    mensaje: str


class ErrorDominio(Exception):
    """Base of the errors a use case raises; `detail` is what a clerk reads."""

    status = 400
    titulo = "Solicitud inválida"
    slug = "solicitud-invalida"

    def __init__(self, detail: str, *, retry_after: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retry_after = retry_after
        # Set by `audit.denegar`: the request session commits this audit record before the
        # error is answered, with the work done before the refusal only when `conservar`.
        self.registro: Event | None = None
        self.conservar = False
        self.registrado = False  # set by the session once the record is committed

    def extra(self) -> dict[str, Any]:
        return {}


class PeticionInvalida(ErrorDominio):
    status, titulo, slug = 400, "Solicitud inválida", "solicitud-invalida"


class NoAutenticado(ErrorDominio):
    status, titulo, slug = 401, "No autenticado", "no-autenticado"


class SinPermiso(ErrorDominio):
    status, titulo, slug = 403, "Sin permiso", "sin-permiso"


class NoEncontrado(ErrorDominio):
    status, titulo, slug = 404, "No encontrado", "no-encontrado"


class Conflicto(ErrorDominio):
    status, titulo, slug = 409, "Conflicto de estado", "conflicto"


class DemasiadoGrande(ErrorDominio):
    status, titulo, slug = 413, "Contenido demasiado grande", "demasiado-grande"


class TipoNoAdmitido(ErrorDominio):
    status, titulo, slug = 415, "Tipo de contenido no admitido", "tipo-no-admitido"


class DatoInvalido(ErrorDominio):
    status, titulo, slug = 422, "Datos inválidos", "datos-invalidos"

    def __init__(self, detail: str, errores: list[CampoInvalido] | None = None) -> None:
        super().__init__(detail)
        self.errores = errores or []

    def extra(self) -> dict[str, Any]:
        return {"errors": [{"campo": e.campo, "mensaje": e.mensaje} for e in self.errores]}


class NoDisponible(ErrorDominio):
    status, titulo, slug = 503, "Servicio no disponible", "servicio-no-disponible"


class DemasiadosIntentos(ErrorDominio):
    status, titulo, slug = 429, "Demasiados intentos", "demasiados-intentos"


def problem(
    status: int,
    title: str,
    detail: str,
    slug: str,
    instance: str | None = None,
    retry_after: int | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"/problemas/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    headers: dict[str, str] = {}
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    if status == 401:  # RFC 6750: say which scheme would be accepted
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


class RechazoDeBorde(StarletteHTTPException):
    """A refusal at the HTTP edge, before a route's code runs (a body too large, of the wrong
    type), with its Spanish `detail`. An HTTPException so that FastAPI lets it through while it
    reads the body; answered like the domain error of the same status."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(status_code=status, detail=detail)


class MetodoNoPermitido(ErrorDominio):
    status, titulo, slug = 405, "Método no permitido", "metodo-no-permitido"


def _por_estado() -> dict[int, type[ErrorDominio]]:
    """The problem `type` of each status: one slug per status, framework or domain alike."""
    clases: dict[int, type[ErrorDominio]] = {}
    pendientes = list(ErrorDominio.__subclasses__())
    while pendientes:
        clase = pendientes.pop(0)
        clases.setdefault(clase.status, clase)
        pendientes.extend(clase.__subclasses__())
    return clases


_HTTP_DETAILS: dict[int, str] = {
    400: "La solicitud no se pudo interpretar.",
    401: "Debe iniciar sesión para continuar.",
    403: "No tiene permiso para realizar esta acción.",
    404: "El recurso solicitado no existe.",
    405: "Esta dirección no admite ese método.",
    413: "El contenido enviado supera el tamaño permitido.",
    415: "El tipo de contenido enviado no se admite.",
}


def _mensaje_validacion(err: dict[str, Any]) -> str:
    kind = str(err.get("type", ""))
    ctx = err.get("ctx") or {}
    messages = {
        "missing": "Es obligatorio.",
        "string_too_short": f"Debe tener al menos {ctx.get('min_length')} caracteres.",
        "string_too_long": f"Debe tener como máximo {ctx.get('max_length')} caracteres.",
        "string_type": "Debe ser un texto.",
        "int_parsing": "Debe ser un número entero.",
        "int_type": "Debe ser un número entero.",
        "int_from_float": "Debe ser un número entero.",
        "bool_parsing": "Debe ser verdadero o falso.",
        "bool_type": "Debe ser verdadero o falso.",
        "greater_than_equal": f"Debe ser mayor o igual que {ctx.get('ge')}.",
        "greater_than": f"Debe ser mayor que {ctx.get('gt')}.",
        "less_than_equal": f"Debe ser menor o igual que {ctx.get('le')}.",
        "less_than": f"Debe ser menor que {ctx.get('lt')}.",
        "uuid_parsing": "Debe ser un identificador válido (UUID).",
        "uuid_type": "Debe ser un identificador válido (UUID).",
        "enum": f"Debe ser uno de: {ctx.get('expected')}.",
        "literal_error": f"Debe ser uno de: {ctx.get('expected')}.",
        "value_error": str(ctx.get("error", "Valor inválido.")),
        "string_pattern_mismatch": "No tiene el formato esperado.",
        "extra_forbidden": "Campo no admitido.",
        "datetime_parsing": "Debe ser una fecha y hora ISO 8601.",
        "datetime_from_date_parsing": "Debe ser una fecha y hora ISO 8601.",
        "date_parsing": "Debe ser una fecha ISO 8601 (AAAA-MM-DD).",
        "list_type": "Debe ser una lista.",
        "dict_type": "Debe ser un objeto JSON.",
        "model_attributes_type": "Debe ser un objeto JSON.",
        "too_short": f"Debe tener al menos {ctx.get('min_length')} elementos.",
        "too_long": f"Debe tener como máximo {ctx.get('max_length')} elementos.",
    }
    return messages.get(kind, "Valor inválido.")


def _campo(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "cuerpo"


async def _dominio(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ErrorDominio)
    if exc.registro is not None and not exc.registrado:
        await _registrar_rechazo(request, exc)
    return problem(
        exc.status,
        exc.titulo,
        exc.detail,
        exc.slug,
        instance=request.url.path,
        retry_after=exc.retry_after,
        **exc.extra(),
    )


async def _registrar_rechazo(request: Request, exc: ErrorDominio) -> None:
    """A refusal raised before the request session existed (a route's profile check, which
    runs first so that a profile gets 403 whatever it sent) or in a route without one: its
    record is committed here, in a transaction of its own, before the answer leaves. Without
    a database (or when it fails) the refusal stands and the gap in the audit is loud."""
    from sigexp_common import outbox  # the outbox's models import this module

    sessions = getattr(request.app.state, "sessions", None)
    if sessions is not None and exc.registro is not None:
        try:
            async with sessions() as session, session.begin():
                outbox.add(session, exc.registro)
            exc.registrado = True
            return
        except Exception:
            log.exception("could not commit a refusal's audit record")
    log.error(
        "refusal answered without its audit record",
        extra={"path": request.url.path, "accion": getattr(exc.registro, "accion", None)},
    )


async def _validacion(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errores = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errores):
        return problem(
            400,
            "Solicitud inválida",
            "El cuerpo de la solicitud no es JSON válido.",
            PeticionInvalida.slug,
            instance=request.url.path,
        )
    campos = [
        {"campo": _campo(e.get("loc", ())), "mensaje": _mensaje_validacion(e)} for e in errores
    ]
    resumen = "; ".join(f"{c['campo']}: {c['mensaje']}" for c in campos[:5])
    return problem(
        422,
        "Datos inválidos",
        f"Revise los datos enviados. {resumen}",
        DatoInvalido.slug,
        instance=request.url.path,
        errors=campos,
    )


async def _http(request: Request, exc: Exception) -> JSONResponse:
    """Framework errors (unknown path, wrong method, broken multipart...): our own words."""
    assert isinstance(exc, StarletteHTTPException)
    clase = _POR_ESTADO.get(exc.status_code)
    if isinstance(exc, RechazoDeBorde):
        detail = str(exc.detail)
    else:  # the framework's own words are English
        detail = _HTTP_DETAILS.get(exc.status_code, "No se pudo completar la solicitud.")
    title, slug = (clase.titulo, clase.slug) if clase else ("Error", f"http-{exc.status_code}")
    return problem(exc.status_code, title, detail, slug, instance=request.url.path)


def sqlstate(exc: DBAPIError) -> str:
    """PostgreSQL's SQLSTATE of a database error ("" when the driver gives none)."""
    return str(getattr(exc.orig, "sqlstate", "") or getattr(exc.orig, "pgcode", "") or "")


async def _base_de_datos(request: Request, exc: Exception) -> JSONResponse:
    """What the database refused: a value it cannot store, or a concurrent change."""
    assert isinstance(exc, DBAPIError)
    codigo = sqlstate(exc)
    # 08: connection exception; 53: out of connections or memory ("too many clients");
    # 57: the server is shutting down or starting (a restart)
    if exc.connection_invalidated or codigo[:2] in {"08", "53", "57"}:
        return await _sin_base(request, exc)
    if codigo.startswith("22"):  # data exception: NUL character, out of range, bad encoding
        error: ErrorDominio = DatoInvalido(
            "Un dato enviado tiene un valor o un carácter que no se puede guardar "
            "(por ejemplo, un carácter nulo). Revíselo y vuelva a enviarlo."
        )
    elif codigo[:2] in {"23", "40"}:  # integrity, serialization failure, deadlock
        error = Conflicto(
            "Otra operación cambió los mismos datos al mismo tiempo; intente nuevamente.",
            retry_after=1,
        )
    else:
        return await _inesperado(request, exc)
    log.warning("database refused the request: %s", codigo, extra={"path": request.url.path})
    return await _dominio(request, error)


async def _sin_base(request: Request, exc: Exception) -> JSONResponse:
    """The database went away (a restart, a killed connection, refused connections): the pool
    reconnects at the next request, so the client is told to come back in a moment."""
    log.warning("database unreachable: %s", type(exc).__name__, extra={"path": request.url.path})
    error = NoDisponible(
        "No hay conexión con la base de datos en este momento; intente nuevamente en unos "
        "segundos.",
        retry_after=1,
    )
    return await _dominio(request, error)


async def _sin_conexion_libre(request: Request, exc: Exception) -> JSONResponse:
    """Every pooled connection stayed busy for the pool's whole wait: the service is saturated,
    not broken; the client comes back in a moment (nothing was written)."""
    log.warning("no free database connection in time", extra={"path": request.url.path})
    error = NoDisponible(
        "El servicio está atendiendo demasiados pedidos en este momento; intente nuevamente "
        "en unos segundos.",
        retry_after=2,
    )
    return await _dominio(request, error)


async def _inesperado(request: Request, exc: Exception) -> JSONResponse:
    return respuesta_inesperada(request, exc)


def respuesta_inesperada(request: Request, exc: Exception) -> JSONResponse:
    """An error no handler knows: logged with its traceback, answered 500 in Spanish."""
    log.error("unexpected error", exc_info=exc, extra={"path": request.url.path})
    return problem(
        500,
        "Error interno",
        "Ocurrió un error inesperado. Intente nuevamente; si persiste, avise a soporte.",
        "error-interno",
        instance=request.url.path,
    )


_POR_ESTADO = _por_estado()


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ErrorDominio, _dominio)
    app.add_exception_handler(RequestValidationError, _validacion)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(DBAPIError, _base_de_datos)
    # asyncpg raises the socket's own error when it cannot connect (SQLAlchemy wraps only
    # the driver's errors): refused or reset connections are the database being away.
    app.add_exception_handler(ConnectionError, _sin_base)
    app.add_exception_handler(PoolTimeout, _sin_conexion_libre)
    app.add_exception_handler(Exception, _inesperado)
