"""The nightly job that removes technical records past their retention (``store/retention``)."""

from __future__ import annotations

import logging
from datetime import datetime

from c2cbot.flows.texts import Texts
from c2cbot.scheduling import jobs
from c2cbot.store.database import Database
from c2cbot.store.retention import Retention, prune

log = logging.getLogger(__name__)


async def prune_records(
    database: Database | None = None,
    texts: Texts | None = None,
    now: datetime | None = None,
    *,
    run: str | None = None,
    retention: Retention | None = None,
) -> int:
    """Remove dedupe keys, stale journal rows and old sent messages; how many in all."""
    call = jobs._call(run, database, texts, now)
    if run is not None:
        retention = jobs._RUNNING[run].retention
    removed = await prune(call.database, retention or Retention(), call.now)
    if any(removed.values()):
        log.info("prune_records: %s", ", ".join(f"{n} {kind}" for kind, n in removed.items()))
    return sum(removed.values())
