"""The governance demo seed: purposes, agencies and audited searches, idempotent, visible on the portal."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from rtcc.core.db import Database
from rtcc.demo import seed_governance
from rtcc.governance import transparency
from rtcc.settings import Settings


def test_seed_is_idempotent_and_feeds_the_portal(db: Database, settings: Settings) -> None:
    now = datetime.now(UTC)
    with db.uow() as session:
        first = seed_governance.seed(session, now=now, rng=random.Random(7))
    assert first == {"purposes": 12, "agencies": 3, "searches": 12}  # the 12th: alarm_response (dispatch)
    with db.uow() as session:
        second = seed_governance.seed(session, now=now, rng=random.Random(7))
    assert second == {"purposes": 0, "agencies": 0, "searches": 0}
    with db.read() as session:
        report = transparency.report(session, settings=settings)
    assert report.searches_total == 11 and report.searches_refused == 1
    by_code = {p.code: p.searches for p in report.searches_by_purpose}
    assert by_code["stolen_vehicle"] == 3 and by_code["felony_investigation"] == 2
    assert sorted(a.code for a in report.agencies) == ["LASD-NWK", "LBPD"]  # the suspended one is not published
