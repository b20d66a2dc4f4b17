"""ES256 signing keys kept in the database; the private part encrypted (Fernet, HKDF key).

The newest key without `retirada_en` signs. A rotation retires it and creates a new one; the
JWKS keeps publishing a retired key while tokens it signed may still be alive.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
import uuid
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import jwt
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from jwt.algorithms import ECAlgorithm
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.models import ClaveFirma, Cuenta
from auth.settings import Settings
from sigexp_common.db import advisory_xact_lock, transaction
from sigexp_common.envelope import utcnow
from sigexp_common.security import JwksVerifier

_ROTATION_LOCK = "auth.claves.rotacion"  # one rotation at a time
_SKEW = timedelta(minutes=1)


class ClaveIlegible(Exception):
    """The stored private key cannot be decrypted with the configured secret."""


@lru_cache(maxsize=4)
def _fernet(secret: str) -> Fernet:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"sigexp-auth", info=b"signing-keys"
    ).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def cifrar_privada(key: ec.EllipticCurvePrivateKey, secret: str) -> str:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return _fernet(secret).encrypt(pem).decode()


@lru_cache(maxsize=32)
def descifrar_privada(cifrada: str, secret: str) -> ec.EllipticCurvePrivateKey:
    try:
        pem = _fernet(secret).decrypt(cifrada.encode())
    except InvalidToken as exc:
        raise ClaveIlegible(
            "la clave de firma no se puede descifrar con el secreto actual"
        ) from exc
    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key


def nueva_clave(secret: str) -> ClaveFirma:
    key = ec.generate_private_key(ec.SECP256R1())
    kid = secrets.token_hex(8)
    publica: dict[str, Any] = json.loads(ECAlgorithm.to_jwk(key.public_key()))
    publica.update({"kid": kid, "use": "sig", "alg": "ES256"})
    return ClaveFirma(kid=kid, privada_cifrada=cifrar_privada(key, secret), publica_jwk=publica)


async def clave_activa(db: AsyncSession) -> ClaveFirma | None:
    return await db.scalar(
        select(ClaveFirma)
        .where(ClaveFirma.retirada_en.is_(None))
        .order_by(ClaveFirma.creada_en.desc())
        .limit(1)
    )


async def asegurar_clave(db: AsyncSession, settings: Settings) -> ClaveFirma:
    """The active key, creating the first one if there is none."""
    await advisory_xact_lock(db, _ROTATION_LOCK)
    activa = await clave_activa(db)
    if activa is None:
        activa = nueva_clave(settings.key_encryption_secret)
        db.add(activa)
        await db.flush()
    return activa


async def rotar_claves(db: AsyncSession, settings: Settings) -> ClaveFirma:
    """Retire the active key(s) and create the one that signs from now on."""
    await advisory_xact_lock(db, _ROTATION_LOCK)
    ahora = utcnow()
    for vieja in await db.scalars(select(ClaveFirma).where(ClaveFirma.retirada_en.is_(None))):
        vieja.retirada_en = ahora
    nueva = nueva_clave(settings.key_encryption_secret)
    db.add(nueva)
    await db.flush()
    return nueva


async def claves_publicas(db: AsyncSession, settings: Settings) -> list[dict[str, Any]]:
    """Active key plus retired keys whose tokens may still be alive (newest first)."""
    limite = utcnow() - timedelta(minutes=settings.access_token_minutes) - _SKEW
    filas = await db.scalars(
        select(ClaveFirma)
        .where(or_(ClaveFirma.retirada_en.is_(None), ClaveFirma.retirada_en > limite))
        .order_by(ClaveFirma.creada_en.desc())
    )
    return [dict(f.publica_jwk) for f in filas]


def claims_de(cuenta: Cuenta, settings: Settings, ahora: datetime) -> dict[str, Any]:
    """The token contract every service relies on (see sigexp_common.security.Usuario)."""
    # `iat` to the microsecond: a revocation voids the tokens issued up to its own instant,
    # and one issued a moment later (in the same second) must stay valid.
    iat = ahora.timestamp()
    return {
        "sub": str(cuenta.id),
        "usuario": cuenta.usuario,
        "perfil": cuenta.perfil,
        "organismo_id": str(cuenta.organismo_id) if cuenta.organismo_id else None,
        "organismo_codigo": cuenta.organismo.codigo if cuenta.organismo else None,
        "mesa_id": str(cuenta.mesa_id) if cuenta.mesa_id else None,
        "debe_cambiar_password": cuenta.debe_cambiar_password,
        "typ": "access",
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": iat,
        "exp": iat + settings.access_token_minutes * 60,
        "jti": uuid.uuid4().hex,
    }


async def firmar_access_token(db: AsyncSession, settings: Settings, cuenta: Cuenta) -> str:
    clave = await clave_activa(db) or await asegurar_clave(db, settings)
    privada = descifrar_privada(clave.privada_cifrada, settings.key_encryption_secret)
    claims = claims_de(cuenta, settings, utcnow())
    return jwt.encode(claims, privada, algorithm="ES256", headers={"kid": clave.kid})


class VerificadorLocal(JwksVerifier):
    """The auth service verifies its own tokens from its database, not over HTTP."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        super().__init__(
            settings.jwks_url, settings.jwt_issuer, settings.jwt_audience, min_refresh_seconds=0.0
        )
        self._sessions = sessions
        self._settings = settings

    async def refresh(self) -> None:
        async with self._lock:
            async with transaction(self._sessions) as db:
                publicas = await claves_publicas(db, self._settings)
            self._keys = {k["kid"]: jwt.PyJWK(k, algorithm="ES256") for k in publicas}
            self._fetched_at = time.monotonic()
