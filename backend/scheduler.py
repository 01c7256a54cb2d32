"""Periodic work of every domain.  Each domain keeps its own in ``<domain>/scheduled.py`` and
registers it here with ``@job("name")``; the delivery worker (``machi serve``, ``machi deliver
--loop``) runs every job each ``MACHI_RETENTION_INTERVAL`` seconds, ``machi admin purge`` at once.

Jobs are keyword-only functions ``(*, db_session, settings, now) -> int`` (rows deleted) that
commit their own work in short transactions.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from backend.settings import Settings

log = logging.getLogger("machi.backend")

# Devices first: removing a device removes its rows elsewhere, which the later jobs then need not.
DOMAINS = (
    "backend.devices.scheduled",
    "backend.reminders.scheduled",
    "backend.delivery.scheduled",
    "backend.admin.scheduled",
    "backend.city.scheduled",  # news feeds (city content)
)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[..., int]


JOBS: dict[str, Job] = {}


def job(name: str):
    """Register a domain's periodic function under ``name``."""

    def register(fn: Callable[..., int]) -> Callable[..., int]:
        JOBS[name] = Job(name, fn)
        return fn

    return register


def jobs() -> list[Job]:
    """Every registered job, in the order of DOMAINS (importing them registers them)."""
    for module in DOMAINS:
        importlib.import_module(module)
    order = {module: i for i, module in enumerate(DOMAINS)}
    return sorted(JOBS.values(), key=lambda j: order.get(j.run.__module__, len(order)))  # stable


def run_all(*, engine: Engine, settings: Settings, now: dt.datetime) -> dict[str, int]:
    """Run every job once as of ``now``; the rows each one deleted, audited when any."""
    from backend.admin.service import audit

    counts = {}
    for j in jobs():
        with Session(engine, expire_on_commit=False) as db_session:
            counts[j.name] = j.run(db_session=db_session, settings=settings, now=now)
    if any(counts.values()):
        with Session(engine) as db_session:
            audit(db_session, "system:retention", "retention.purge", None, counts)
            db_session.commit()
        log.info("retention: %s", counts)
    return counts
