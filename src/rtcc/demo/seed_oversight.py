"""Seed the demo city's oversight data: the DEMO contract (``data/cerritos_contract_demo.yaml``, labelled as demo
values) and the simulated CAD history around the residential alarm change (``oversight_history``), then bring the
KPI interval table up to date. Idempotent: an existing contract version is kept, stored calls are not stored twice.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from sqlalchemy.orm import Session

from rtcc.demo import oversight_history
from rtcc.dispatch import calltypes
from rtcc.identity.logic import SYSTEM
from rtcc.oversight import contracts, intervals


def seed(session: Session) -> dict[str, int]:
    """Seed the contract and the simulated history (only where the catalogue has the LASD scheme)."""
    if calltypes.catalogue().scheme.level("Priority") is None:
        return {"contracts": 0, "simulated_calls": 0}
    ref = resources.files("rtcc.demo").joinpath("data", "cerritos_contract_demo.yaml")
    terms = contracts.parse_file(Path(str(ref)))
    added = 0
    if all(c.effective_from != terms.effective_from for c in contracts.versions(session)):
        contracts.add(session, terms, actor=SYSTEM, source=ref.name)
        added = 1
    result = oversight_history.seed(session)
    refreshed = intervals.refresh(session)
    return {"contracts": added, **result, "kpi_calls_added": refreshed.history + refreshed.live}
