"""Seed the demo city's oversight data: the DEMO contract (``data/cerritos_contract_demo.yaml``, labelled as demo
values) with the rest of the demo seed, and, in the background after start (``runner``), the simulated CAD history
around the residential alarm change (``oversight_history``) with the KPI interval table brought up to date.
Idempotent: an existing contract version is kept, stored calls are not stored twice.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from sqlalchemy.orm import Session

from rtcc.core.db import Database
from rtcc.demo import oversight_history
from rtcc.dispatch import calltypes
from rtcc.identity.logic import SYSTEM
from rtcc.oversight import contracts, intervals


def _lasd() -> bool:
    return calltypes.catalogue().scheme.level("Priority") is not None


def seed(session: Session) -> dict[str, int]:
    """Seed the demo contract (only where the catalogue has the LASD scheme it names)."""
    if not _lasd():
        return {"contracts": 0}
    ref = resources.files("rtcc.demo").joinpath("data", "cerritos_contract_demo.yaml")
    terms = contracts.parse_file(Path(str(ref)))
    if any(c.effective_from == terms.effective_from for c in contracts.versions(session)):
        return {"contracts": 0}
    contracts.add(session, terms, actor=SYSTEM, source=ref.name)
    return {"contracts": 1}


def seed_history(db: Database) -> dict[str, int]:
    """Import the simulated history (one transaction) and bring the KPI interval table up to date (another)."""
    if not _lasd():
        return {"simulated_calls": 0}
    with db.uow() as session:
        result = oversight_history.seed(session)
    with db.uow() as session:
        refreshed = intervals.refresh(session)
    return {**result, "kpi_calls_added": refreshed.history + refreshed.live}
