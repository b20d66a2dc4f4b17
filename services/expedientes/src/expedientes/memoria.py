"""The garbage collector of an expedientes HTTP process, tuned once it has started.

A search answers up to 200 rows: each request allocates thousands of short-lived containers
(records, dicts of the answer, the audit record's model). With CPython's default thresholds
(700, 10, 10) that is several young collections per request, and what is still in flight when
one runs (the other requests' rows) is promoted and later scanned again by the older
generations; a full collection walks every object the process holds (~150,000 after start-up:
modules, FastAPI's routes, SQLAlchemy's tables and pydantic's validators), a pause of tens of
ms on the event loop that every request in flight waits for (the search's p99).

So, once start-up is over (`ServiceSpec.on_startup`):
- what start-up built is frozen (`gc.freeze`): it lives as long as the process, and the
  collector never walks it again;
- the young generation is collected every `JOVENES` allocations instead of 700: a request's
  garbage is mostly freed by reference counting anyway (the collector only breaks cycles), so
  a larger young generation costs memory in the order of a few MB, not time.
"""

from __future__ import annotations

import gc

from fastapi import FastAPI

JOVENES = 20_000
"""Allocations of container objects between two young collections (CPython's default: 700)."""
MAYORES = (20, 20)
"""Young collections per middle-generation one, and middle ones per full one (default 10, 10)."""


async def afinar_recolector(app: FastAPI) -> None:
    """Freeze what start-up built and widen the young generation (see the module)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(JOVENES, *MAYORES)
