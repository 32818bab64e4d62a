"""Row-level security, the second wall of division scoping (PostgreSQL only; migration 0030).

A raw query that forgets the repository's division filter still sees only the divisions of the request's scope: the
database session puts the scope into ``rtcc.divisions`` at the start of each transaction and the policies on the
scoped tables read it. The tests run as a plain role (``SET LOCAL ROLE``): the suite connects as a superuser, whom
PostgreSQL never subjects to row-level security.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from rtcc.alerts.models import Alert
from rtcc.alpr.models import Camera, Read
from rtcc.core import divisions
from rtcc.core.clock import utcnow
from rtcc.core.db import Database
from rtcc.dispatch.models import Unit

PROBE = "rtcc_rls_probe"
TABLES = ("alpr_cameras", "alpr_reads", "alerts", "dispatch_calls", "dispatch_units")


@pytest.fixture
def pg(db: Database) -> Database:
    if db.dialect != "postgresql":
        pytest.skip("row-level security is PostgreSQL's (run with RTCC_TEST_DATABASE_URL)")
    with db.engine.begin() as conn:
        conn.execute(
            text(
                f"DO $$ BEGIN CREATE ROLE {PROBE} NOLOGIN; "
                "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
            )
        )
        conn.execute(text(f"GRANT SELECT ON {', '.join(TABLES)} TO {PROBE}"))
    return db


def _seed(session: Session) -> None:
    now = utcnow()
    for code, division in (("CAM-01", "01"), ("CAM-08", "08")):
        cam = Camera(id=uuid.uuid4(), code=code, name=code, division=division, created_at=now)
        session.add(cam)
        session.flush()
        read_id = uuid.uuid4()
        session.add(Read(id=read_id, camera_id=cam.id, plate=f"P{division}", plate_norm=f"P{division}",
                         plate_ocr=f"P{division}", observed_at=now, received_at=now, source="rest"))  # fmt: skip
        session.add(Alert(kind="hit", title=f"hit {division}", camera_id=cam.id, read_id=read_id, first_seen_at=now,
                          last_seen_at=now, created_at=now, updated_at=now))  # fmt: skip
        session.add(Unit(call_sign=f"U{division}", unit_type="deputy_car", division=division, status="available",
                         status_at=now, created_at=now, updated_at=now))  # fmt: skip


def _raw(db: Database) -> dict[str, list[str]]:
    """What raw SQL without any division filter returns, as the plain role, in the current scope."""
    with db.read() as session:
        session.execute(text(f"SET LOCAL ROLE {PROBE}"))
        return {
            "cameras": sorted(session.scalars(text("SELECT code FROM alpr_cameras"))),
            "reads": sorted(session.scalars(text("SELECT plate FROM alpr_reads"))),
            "alerts": sorted(session.scalars(text("SELECT title FROM alerts"))),
            "units": sorted(session.scalars(text("SELECT call_sign FROM dispatch_units"))),
        }


def test_rls_keeps_other_divisions_out_of_a_raw_query(pg: Database) -> None:
    with pg.uow() as session:
        _seed(session)
    with divisions.scope({"01"}):
        assert _raw(pg) == {"cameras": ["CAM-01"], "reads": ["P01"], "alerts": ["hit 01"], "units": ["U01"]}
    with divisions.scope(set()):  # a divisional user whose account names no division: nothing
        assert _raw(pg) == {"cameras": [], "reads": [], "alerts": [], "units": []}
    # Unscoped work (workers, the CLI, RTCC-wide roles) sets nothing and sees every division.
    everything = _raw(pg)
    assert everything["cameras"] == ["CAM-01", "CAM-08"] and everything["reads"] == ["P01", "P08"]
    assert everything["units"] == ["U01", "U08"]


def test_the_scope_is_local_to_its_transaction(pg: Database) -> None:
    with pg.uow() as session:
        _seed(session)
    with divisions.scope({"08"}), pg.read() as session:
        assert session.scalar(text("SELECT current_setting('rtcc.divisions', true)")) == "08"
    with pg.read() as session:  # the pooled connection does not carry the last request's scope
        assert session.scalar(text("SELECT current_setting('rtcc.divisions', true)")) in (None, "")
