"""Events after commit: a service registers an envelope on the session; it is published only once the unit of work
has committed (never on rollback). Services call ``publish_after_commit(session, bus, envelope)``.

Database work runs in worker threads (routes are sync, consumers use ``anyio.to_thread``), so the publish happens
with ``Bus.publish_threadsafe`` from that thread, after the commit.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from rtcc.bus.base import Bus
from rtcc.bus.envelope import Envelope
from rtcc.core.db import after_commit


def publish_after_commit(session: Session, bus: Bus, envelope: Envelope) -> None:
    """Publish ``envelope`` on ``bus`` after the session's transaction commits."""
    after_commit(session, lambda: bus.publish_threadsafe(envelope))
