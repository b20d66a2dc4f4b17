"""When a pase's plazo ends. Placeholder of the holiday-aware version (pasmesa replaces this
module with business days over auth's feriados; the signature stays)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession


async def vencimiento(db: AsyncSession, desde: datetime, dias_habiles: int) -> datetime:
    """The end of a plazo of `dias_habiles` counted from `desde` (for now in calendar days)."""
    return desde + timedelta(days=dias_habiles)
