"""Time-ordered identifiers (UUIDv7, RFC 9562) and the instant they were made.

An expediente's id says when it was made, so a service that has not heard of it yet can tell a
brand-new expediente still on its way through the bus (409, ask again) from an id that names
nothing (404). Python 3.11 has no UUIDv7, hence this small generator.
"""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime


def uuid7(en: datetime | None = None) -> uuid.UUID:
    """48 bits of Unix milliseconds (now, or `en`), version 7, 74 random bits (RFC 9562 §5.7)."""
    millis = int(en.timestamp() * 1000) if en is not None else time.time_ns() // 1_000_000
    random = int.from_bytes(os.urandom(10))
    value = (millis & (2**48 - 1)) << 80
    value |= 0x7 << 76  # version
    value |= ((random >> 62) & 0xFFF) << 64  # rand_a: 12 bits
    value |= 0b10 << 62  # variant
    value |= random & (2**62 - 1)  # rand_b: 62 bits
    return uuid.UUID(int=value)


def instante(ident: uuid.UUID) -> datetime | None:
    """When a UUIDv7 was made; None for ids of any other version (which carry no time)."""
    if ident.version != 7:
        return None
    return datetime.fromtimestamp((ident.int >> 80) / 1000, tz=UTC)
