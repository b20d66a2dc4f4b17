"""Token verification with the auth service's JWKS, and the `CurrentUser` dependency."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import httpx
import jwt
from fastapi import Depends, Request

from sigexp_common.errors import NoAutenticado, NoDisponible, SinPermiso

if TYPE_CHECKING:  # revocation imports the broker, whose imports come back here
    from sigexp_common.revocation import Revocaciones

log = logging.getLogger("sigexp.security")

SAFE_METHODS = frozenset({"GET", "HEAD"})  # reads: served even while revocations are uncertain


class Perfil(StrEnum):
    """The profiles of DESIGN.md; what each may do is decided by the service owning the data."""

    MESA_ENTRADA = "MESA_ENTRADA"
    OFICINA = "OFICINA"
    CARGA = "CARGA"
    CONSULTA = "CONSULTA"
    AUTORIDAD = "AUTORIDAD"
    ADMIN = "ADMIN"

    @property
    def ve_todo(self) -> bool:
        """Sees every organismo's expedientes, whatever desks they reached."""
        return self in (Perfil.AUTORIDAD, Perfil.ADMIN)

    @property
    def trabaja_en_mesa(self) -> bool:
        """Belongs to a desk (its scope is that desk's)."""
        return not self.ve_todo


@dataclass(frozen=True)
class Usuario:
    """Who is acting, as the access token says."""

    id: uuid.UUID
    usuario: str
    perfil: Perfil
    organismo_id: uuid.UUID | None
    organismo_codigo: str | None
    mesa_id: uuid.UUID | None
    debe_cambiar_password: bool

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> Usuario:
        def _uuid(key: str) -> uuid.UUID | None:
            value = claims.get(key)
            return uuid.UUID(value) if value else None

        return cls(
            id=uuid.UUID(claims["sub"]),
            usuario=claims.get("usuario", ""),
            perfil=Perfil(claims["perfil"]),
            organismo_id=_uuid("organismo_id"),
            organismo_codigo=claims.get("organismo_codigo"),
            mesa_id=_uuid("mesa_id"),
            debe_cambiar_password=bool(claims.get("debe_cambiar_password", False)),
        )

    @property
    def ve_todo(self) -> bool:
        return self.perfil.ve_todo


@dataclass(frozen=True, slots=True)
class _Verificado:
    claims: dict[str, Any]
    sub: str
    iat: float
    exp: float


class VerifiedTokens:
    """Claims of tokens already verified, so a client's next requests skip ES256 (~0.2 ms).

    Keyed by the token's SHA-256: an entry is found only by the very bytes that were verified
    (a tampered token hashes elsewhere and is verified, and refused, in full). Bounded (least
    recently used entries go first) and never trusted past the token's own `exp`. A
    revocation clears a user's entries with `invalidate_user`.
    """

    def __init__(self, size: int, clock: Callable[[], float] = time.time) -> None:
        self.size = size
        self._clock = clock
        self._entries: OrderedDict[bytes, _Verificado] = OrderedDict()
        self._by_user: dict[str, set[bytes]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    @staticmethod
    def _key(token: str) -> bytes:
        return hashlib.sha256(token.encode()).digest()

    def get(self, token: str) -> dict[str, Any] | None:
        key = self._key(token)
        entry = self._entries.get(key)
        if entry is None:
            return None
        if self._clock() >= entry.exp:  # expired: verification says so, in its words
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return dict(entry.claims)  # a copy: a caller's change never reaches the next request

    def put(self, token: str, claims: dict[str, Any]) -> None:
        if self.size <= 0:
            return
        key = self._key(token)
        entry = _Verificado(
            dict(claims), str(claims["sub"]), float(claims["iat"]), float(claims["exp"])
        )
        self._entries[key] = entry
        self._entries.move_to_end(key)
        self._by_user.setdefault(entry.sub, set()).add(key)
        while len(self._entries) > self.size:
            self._drop(next(iter(self._entries)))

    def invalidate_user(self, usuario_id: uuid.UUID | str, before: datetime | None = None) -> int:
        """Forget `usuario_id`'s tokens issued before `before` (all of them without it), so
        their next use is verified again (and meets the revocation). Returns how many."""
        keys = self._by_user.get(str(usuario_id), set())
        limit = None if before is None else before.timestamp()
        doomed = [k for k in keys if limit is None or self._entries[k].iat < limit]
        for key in doomed:
            self._drop(key)
        return len(doomed)

    def _drop(self, key: bytes) -> None:
        entry = self._entries.pop(key)
        keys = self._by_user.get(entry.sub)
        if keys is not None:
            keys.discard(key)
            if not keys:
                del self._by_user[entry.sub]


DEFAULT_TOKEN_CACHE_SIZE = 10_000


class JwksVerifier:
    """Verifies ES256 tokens with keys fetched from a JWKS URL (signature, claims, expiry; the
    revoked sessions are `verify_request`'s to check).

    Keys are cached; a token whose `kid` is unknown triggers one refresh (at most one per
    `min_refresh_seconds`), so a key rotation is picked up without a restart. Verified tokens
    are remembered (`tokens`, `cache_size` of them) until their `exp`.
    """

    def __init__(
        self,
        jwks_url: str,
        issuer: str,
        audience: str,
        min_refresh_seconds: float = 5.0,
        client: httpx.AsyncClient | None = None,
        cache_size: int = DEFAULT_TOKEN_CACHE_SIZE,
    ) -> None:
        self.jwks_url = jwks_url
        self.issuer = issuer
        self.audience = audience
        self.min_refresh_seconds = min_refresh_seconds
        self.tokens = VerifiedTokens(cache_size)
        self._client = client or httpx.AsyncClient(timeout=5.0)
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None  # monotonic time of the last successful fetch
        self._lock = asyncio.Lock()

    @property
    def age_seconds(self) -> float | None:
        """Seconds since the keys were fetched; None while they never were (a metric)."""
        return None if self._fetched_at is None else time.monotonic() - self._fetched_at

    @property
    def client(self) -> httpx.AsyncClient:
        """The HTTP client it reaches auth with (also for the list of revoked sessions)."""
        return self._client

    @property
    def key_count(self) -> int:
        return len(self._keys)

    async def refresh(self) -> None:
        async with self._lock:
            response = await self._client.get(self.jwks_url)
            response.raise_for_status()
            keys = {}
            for data in response.json().get("keys", []):
                try:
                    keys[str(data["kid"])] = jwt.PyJWK(data, algorithm="ES256")
                except (KeyError, TypeError, jwt.PyJWTError):
                    log.warning("ignoring an unusable key in the JWKS: %s", data.get("kid"))
            self._keys = keys
            self._fetched_at = time.monotonic()

    async def _key_for(self, kid: str) -> jwt.PyJWK | None:
        age = self.age_seconds
        if kid not in self._keys and (age is None or age >= self.min_refresh_seconds):
            try:
                await self.refresh()
            except (httpx.HTTPError, ValueError, AttributeError) as exc:
                log.warning("JWKS unavailable: %s", exc)
                raise NoDisponible(
                    "No se pudo verificar la sesión: el servicio de autenticación no responde. "
                    "Intente nuevamente en unos segundos.",
                    retry_after=5,
                ) from exc
        return self._keys.get(kid)

    async def verify(self, token: str) -> dict[str, Any]:
        if (claims := self.tokens.get(token)) is not None:
            return claims
        claims = await self._verify(token)
        self.tokens.put(token, claims)
        return claims

    async def _verify(self, token: str) -> dict[str, Any]:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError as exc:
            raise NoAutenticado("El token de acceso no es válido.") from exc
        key = await self._key_for(str(kid)) if kid else None
        if key is None:
            raise NoAutenticado("El token de acceso no es válido.")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=["ES256"],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise NoAutenticado("La sesión expiró. Inicie sesión nuevamente.") from exc
        except jwt.PyJWTError as exc:
            raise NoAutenticado("El token de acceso no es válido.") from exc
        if claims.get("typ") != "access":
            raise NoAutenticado("El token de acceso no es válido.")
        return claims

    async def aclose(self) -> None:
        await self._client.aclose()


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise NoAutenticado("Falta el token de acceso (Authorization: Bearer ...).")
    return token.strip()


async def verify_request(request: Request) -> dict[str, Any]:
    """The claims of the request's token: signature and expiry (`JwksVerifier`), then the
    process's list of revoked sessions (`sigexp_common.revocation`): a revoked token is 401,
    and a write while that list may be incomplete is 503. Every wall verifies through here."""
    verifier: JwksVerifier = request.app.state.verifier
    claims = await verifier.verify(bearer_token(request))
    revocaciones: Revocaciones = request.app.state.revocaciones
    revocaciones.check(claims, write=request.method not in SAFE_METHODS)
    return claims


async def _token_user(request: Request) -> Usuario:
    claims = await verify_request(request)
    try:
        return Usuario.from_claims(claims)
    except (KeyError, ValueError) as exc:
        raise NoAutenticado("El token de acceso no es válido.") from exc


def accion_de_la_ruta(request: Request) -> str:
    """The action a refusal before the route's own code is recorded as: the route's `name`
    when it is one (`name="usuario.crear"`: the action its success is recorded as), else
    `<tag>.<function>` (`auditoria.consultar`), the path when it has neither."""
    ruta = request.scope.get("route")
    nombre = getattr(ruta, "name", None)
    if nombre and "." in nombre:
        return str(nombre)
    tags = getattr(ruta, "tags", None) or ["api"]
    return f"{tags[0]}.{nombre}" if nombre else request.url.path


def rechazo_en_la_ruta(request: Request, usuario: Usuario, error: SinPermiso) -> SinPermiso:
    """`error`, to be recorded (`audit.denegar`) as the route's action on its path."""
    from sigexp_common import audit  # audit's record names a `Usuario`: imported from here

    return audit.denegar(error, usuario, accion_de_la_ruta(request), request.url.path)


async def _cleared_user(
    request: Request, usuario: Annotated[Usuario, Depends(_token_user)]
) -> Usuario:
    if usuario.debe_cambiar_password:
        raise rechazo_en_la_ruta(
            request,
            usuario,
            SinPermiso(
                "Debe cambiar su contraseña provisoria antes de continuar "
                "(POST /api/v1/auth/password)."
            ),
        )
    return usuario


CurrentUser = Annotated[Usuario, Depends(_cleared_user)]
"""The acting user; refuses with 403 while the provisional password has not been changed."""

CurrentUserPendingPassword = Annotated[Usuario, Depends(_token_user)]
"""The acting user, even while a password change is pending (for /me, /password, /logout)."""


PERFIL_NO_PERMITE = "Su perfil no permite realizar esta acción."


def require_perfil(
    usuario: Usuario, *perfiles: Perfil, accion: str | None = None, recurso: str | None = None
) -> None:
    """Refuse (403) unless `usuario` has one of `perfiles`; with `accion`, the refusal is
    recorded as that action (`audit.denegar`, committed by the request session)."""
    if usuario.perfil in perfiles:
        return
    if accion is None:
        raise SinPermiso(PERFIL_NO_PERMITE)
    from sigexp_common import audit

    raise audit.denegar(SinPermiso(PERFIL_NO_PERMITE), usuario, accion, recurso)


def perfil_requerido(*perfiles: Perfil) -> Any:
    """A route's acting user, refused unless of one of `perfiles`. As a dependency it runs
    before the body and the query are validated: a profile that may not use the route gets
    403 whatever it sent, never a 422 that describes what the route would accept."""

    async def usuario_con_perfil(request: Request, usuario: CurrentUser) -> Usuario:
        if usuario.perfil not in perfiles:  # recorded as the route's action
            raise rechazo_en_la_ruta(request, usuario, SinPermiso(PERFIL_NO_PERMITE))
        return usuario

    return Depends(usuario_con_perfil)


Admin = Annotated[Usuario, perfil_requerido(Perfil.ADMIN)]
"""The acting user, who must be ADMIN (checked before anything the request carries)."""
