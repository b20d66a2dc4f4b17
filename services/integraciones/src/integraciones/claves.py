"""AMQP topic patterns (`*` one word, `#` any number) matched the way RabbitMQ does, for the
deliveries integraciones makes itself (webhooks, filtered queues, replays)."""

from __future__ import annotations

import functools
import re

from integraciones.publico import CLAVES


@functools.cache
def coincide(patron: str, clave: str) -> bool:
    return _palabras(tuple(patron.split(".")), tuple(clave.split(".")))


def _palabras(patron: tuple[str, ...], clave: tuple[str, ...]) -> bool:
    if not patron:
        return not clave
    primera, resto = patron[0], patron[1:]
    if primera == "#":
        return any(_palabras(resto, clave[i:]) for i in range(len(clave) + 1))
    if not clave:
        return False
    return (primera in ("*", clave[0])) and _palabras(resto, clave[1:])


def alguna(patrones: list[str], clave: str) -> bool:
    return any(coincide(p, clave) for p in patrones)


def valida(patron: str) -> bool:
    """A pattern of words (letters, digits, `_`) or `*`/`#` that selects some public event."""
    palabras = patron.split(".")
    if not all(p in ("*", "#") or re.fullmatch(r"[a-z0-9_]+", p) for p in palabras):
        return False
    return any(coincide(patron, clave) for clave in CLAVES)
