"""Read copies of another service's state, kept from its events (event-carried state transfer).

One rule for every copy: an event carries the whole state of its aggregate and the aggregate's
version (`Envelope.sequence`); the copy takes it only if that version is newer than the one it
holds. Older, repeated or reordered deliveries change nothing, so several consumer processes
may apply events of one aggregate concurrently and in any order.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import BigInteger, Table, bindparam
from sqlalchemy.dialects.postgresql import Insert, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.dml import ReturningInsert

from sigexp_common.consumer import InvalidPayload
from sigexp_common.envelope import Event


class VersionedCopy:
    """Mixin for a copy's table: the version of the aggregate the row reflects."""

    version: Mapped[int] = mapped_column(BigInteger)


def version(event: Event) -> int:
    """The aggregate's version an event carries (`sequence`); an event of a versioned aggregate
    without one cannot be ordered, so it is dead-lettered at once."""
    sequence = event.envelope.sequence
    if sequence is None:
        raise InvalidPayload(f"{event.event_type} without the aggregate's version (sequence)")
    return sequence


async def apply_if_newer(
    db: AsyncSession,
    model: type[VersionedCopy],
    key: dict[str, Any],
    version: int,
    values: dict[str, Any],
) -> bool:
    """Insert the row, or replace it if `version` is newer than the stored one.

    True when the copy changed. A concurrent apply of the same key waits on the row lock and
    then compares against the version that committed, so the newest version always wins.
    """
    table: Table = model.__table__  # type: ignore[attr-defined]
    statement = _upsert(table, tuple(key), tuple(values))
    return (await db.execute(statement, {**key, **values, "version": version})).first() is not None


async def apply_all_if_newer(
    db: AsyncSession,
    model: type[VersionedCopy],
    key: str,
    rows: Sequence[tuple[Any, int, dict[str, Any]]],
) -> None:
    """`apply_if_newer` for a batch of `(key value, version, values)` of one table: of several
    versions of one key only the newest is sent (one statement cannot touch a row twice), and
    in key order, so two batches sharing keys never wait for each other in a cycle. One
    statement executed for every row (asyncpg sends them in one go)."""
    newest: dict[Any, tuple[int, dict[str, Any]]] = {}
    for value, version, values in rows:
        if value not in newest or version > newest[value][0]:
            newest[value] = (version, values)
    if not newest:
        return
    table: Table = model.__table__  # type: ignore[attr-defined]
    columns = tuple(next(iter(newest.values()))[1])
    statement = _upsert_all(table, (key,), columns)
    await db.execute(
        statement,
        [
            {key: value, **values, "version": version}
            for value, (version, values) in sorted(newest.items())
        ],
    )


def _statement(table: Table, key: tuple[str, ...], columns: tuple[str, ...]) -> Insert:
    valores = {c: bindparam(c, type_=table.c[c].type) for c in (*key, *columns, "version")}
    statement = insert(table).values(valores)
    propuesta = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=list(key),
        set_={c: propuesta[c] for c in (*columns, "version")},
        where=table.c.version < propuesta.version,
    )


@functools.cache
def _upsert(table: Table, key: tuple[str, ...], columns: tuple[str, ...]) -> ReturningInsert[Any]:
    """The statement of `apply_if_newer` for one table and set of columns, built once with
    its values bound (building and keying one per event cost more than sending it)."""
    return _statement(table, key, columns).returning(table.c.version)


@functools.cache
def _upsert_all(table: Table, key: tuple[str, ...], columns: tuple[str, ...]) -> Insert:
    """`apply_all_if_newer`'s statement: `_upsert`'s without RETURNING (executed for many
    rows at once)."""
    return _statement(table, key, columns)
