"""Password hashing (argon2id via pwdlib), the password policy and provisional passwords."""

from __future__ import annotations

import asyncio
import secrets
import unicodedata
from functools import lru_cache
from importlib import resources

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from auth.settings import Settings
from sigexp_common.errors import CampoInvalido, DatoInvalido

MIN_LONGITUD = 10
_ALFABETO = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@lru_cache(maxsize=4)
def _hasher(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHash:
    return PasswordHash(
        (Argon2Hasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism),)
    )


def hasher(settings: Settings) -> PasswordHash:
    return _hasher(
        settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism
    )


@lru_cache(maxsize=4)
def _hash_ficticio(time_cost: int, memory_kib: int, parallelism: int) -> str:
    """A hash of a random secret with the same parameters: unknown users cost the same."""
    return _hasher(time_cost, memory_kib, parallelism).hash(secrets.token_urlsafe(24))


def hash_ficticio(settings: Settings) -> str:
    return _hash_ficticio(
        settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism
    )


def normalizar(password: str) -> str:
    """NFKC: the same password typed composed or decomposed (or in full-width forms) is one."""
    return unicodedata.normalize("NFKC", password)


async def hashear(settings: Settings, password: str) -> str:
    """Argon2id hash of the normalised password, computed off the event loop (it is slow)."""
    return await asyncio.to_thread(hasher(settings).hash, normalizar(password))


def _verificar(hasher_: PasswordHash, password: str, hash_: str) -> tuple[bool, str | None]:
    normal = normalizar(password)
    valida, nuevo = hasher_.verify_and_update(normal, hash_)
    if valida or normal == password:
        return valida, nuevo
    # A hash made before passwords were normalised holds the text as it was typed then:
    # accepted as typed, and replaced by the hash of the normalised form.
    valida, _ = hasher_.verify_and_update(password, hash_)
    return valida, hasher_.hash(normal) if valida else None


async def verificar(settings: Settings, password: str, hash_: str) -> tuple[bool, str | None]:
    """(valid, new hash when the stored one uses outdated parameters or predates NFKC)."""
    return await asyncio.to_thread(_verificar, hasher(settings), password, hash_)


@lru_cache(maxsize=1)
def passwords_comunes() -> frozenset[str]:
    texto = resources.files("auth.data").joinpath("passwords_comunes.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower() for line in texto.splitlines() if line.strip() and line[0] != "#"
    )


def problemas_de_password(password: str, usuario: str, email: str) -> list[str]:
    """What is wrong with `password` for this account, in Spanish (empty when acceptable).
    Checked on the normalised form, the one that is hashed."""
    password = normalizar(password)
    problemas: list[str] = []
    if any(unicodedata.category(c) == "Cc" for c in password):
        problemas.append("No puede contener caracteres de control (como el carácter nulo).")
    if not password.strip():
        problemas.append("No puede estar formada solo por espacios.")
    if len(password) < MIN_LONGITUD:
        problemas.append(f"Debe tener al menos {MIN_LONGITUD} caracteres.")
    baja = password.lower()
    if baja in passwords_comunes():
        problemas.append("Es una contraseña demasiado común; elija otra.")
    local = email.split("@", 1)[0].lower()
    for parte, que in ((usuario.lower(), "el nombre de usuario"), (local, "su correo")):
        if len(parte) >= 3 and parte in baja:
            problemas.append(f"No puede contener {que}.")
    if email and baja == email.lower():
        problemas.append("No puede ser su correo electrónico.")
    return problemas


def exigir_politica(password: str, usuario: str, email: str, campo: str) -> None:
    problemas = problemas_de_password(password, usuario, email)
    if problemas:
        raise DatoInvalido(
            "La contraseña no cumple la política: " + " ".join(problemas),
            [CampoInvalido(campo, " ".join(problemas))],
        )


def generar_provisoria() -> str:
    """A random provisional password that satisfies the policy (16 chars, ~90 bits)."""
    grupos = ["".join(secrets.choice(_ALFABETO) for _ in range(4)) for _ in range(4)]
    return "-".join(grupos)
