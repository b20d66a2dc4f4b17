"""Token verification with the auth service's JWKS, and the `CurrentUser` dependency."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

import httpx
import jwt
from fastapi import Depends, Request

from sigexp_common.errors import NoAutenticado, NoDisponible, SinPermiso

log = logging.getLogger("sigexp.security")


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


class JwksVerifier:
    """Verifies ES256 tokens with keys fetched from a JWKS URL.

    Keys are cached; a token whose `kid` is unknown triggers one refresh (at most one per
    `min_refresh_seconds`), so a key rotation is picked up without a restart.
    """

    def __init__(
        self,
        jwks_url: str,
        issuer: str,
        audience: str,
        min_refresh_seconds: float = 5.0,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.jwks_url = jwks_url
        self.issuer = issuer
        self.audience = audience
        self.min_refresh_seconds = min_refresh_seconds
        self._client = client or httpx.AsyncClient(timeout=5.0)
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None  # monotonic time of the last successful fetch
        self._lock = asyncio.Lock()

    @property
    def age_seconds(self) -> float | None:
        """Seconds since the keys were fetched; None while they never were (a metric)."""
        return None if self._fetched_at is None else time.monotonic() - self._fetched_at

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


async def _token_user(request: Request) -> Usuario:
    verifier: JwksVerifier = request.app.state.verifier
    claims = await verifier.verify(bearer_token(request))
    try:
        return Usuario.from_claims(claims)
    except (KeyError, ValueError) as exc:
        raise NoAutenticado("El token de acceso no es válido.") from exc


async def _cleared_user(
    usuario: Annotated[Usuario, Depends(_token_user)],
) -> Usuario:
    if usuario.debe_cambiar_password:
        raise SinPermiso(
            "Debe cambiar su contraseña provisoria antes de continuar (POST /api/v1/auth/password)."
        )
    return usuario


CurrentUser = Annotated[Usuario, Depends(_cleared_user)]
"""The acting user; refuses with 403 while the provisional password has not been changed."""

CurrentUserPendingPassword = Annotated[Usuario, Depends(_token_user)]
"""The acting user, even while a password change is pending (for /me, /password, /logout)."""


def require_perfil(usuario: Usuario, *perfiles: Perfil) -> None:
    if usuario.perfil not in perfiles:
        raise SinPermiso("Su perfil no permite realizar esta acción.")
