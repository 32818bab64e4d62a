"""The per-process runtime: settings, database and bus, created once by the app's lifespan or a CLI command.

Domains may attach process-wide services they own (the matcher's in-memory index, the live hub) in ``services``,
keyed by name, so that nothing is created at import time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import anyio

from rtcc.bus.base import Bus
from rtcc.bus.factory import make_bus
from rtcc.core.db import Database
from rtcc.places import service as places_service
from rtcc.settings import Settings


@dataclass
class Runtime:
    """What one process shares between requests, consumers and jobs."""

    settings: Settings
    db: Database
    bus: Bus
    services: dict[str, Any] = field(default_factory=dict)


def install_staged_work(db: Database) -> None:
    """On a single-writer database, install every domain's staged work (``rtcc.core.manifest.StagedWork``)."""
    if not db.single_writer:
        return
    from rtcc.core.manifest import load
    from rtcc.domains import manifests

    for manifest in manifests():
        for work in manifest.staged:
            handler = load(work.handler)
            handlers = db.staged_work.setdefault(work.event, [])
            if handler not in handlers:
                handlers.append(handler)


def build_runtime(settings: Settings) -> Runtime:
    """Create (not start) the database and bus named by the settings. Bus messages that are not valid envelopes
    are kept as dead letters (source ``bus``) so nothing received is silently lost."""
    places_service.activate(settings.city_profile)  # validated before anything else starts
    from rtcc.alpr import deadletters as alpr_deadletters  # imported when used, as before (no domain at import time)

    alpr_deadletters.configure(settings.dead_letter_payload_max_bytes)
    db = Database(settings.database_url)
    install_staged_work(db)

    async def on_malformed(subject: str, data: bytes, reason: str) -> None:
        def write() -> None:
            with db.uow() as session:
                alpr_deadletters.dead_letter(session, "bus", data, reason, {"subject": subject})

        await anyio.to_thread.run_sync(write)

    bus = make_bus(
        settings.bus_url,
        stream=settings.bus_stream,
        subject_prefix=settings.bus_subject_prefix,
        replicas=settings.bus_replicas,
        on_malformed=on_malformed,
    )
    return Runtime(settings=settings, db=db, bus=bus)
