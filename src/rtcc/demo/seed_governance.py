"""Demo data of the governance domain: the stored purpose list, three agencies on the sharing list, and a handful of
audited ALPR searches by the demo analyst and supervisor spread over purpose codes (one refused for a forbidden
purpose), so that the transparency portal and the misuse queue show numbers from the first minute.

Idempotent: the purpose list is written only into an empty table, agencies that exist are kept, and the searches are
written only when the demo analyst has no ``alpr.search`` entry yet.
"""

from __future__ import annotations

import random
import string
from datetime import datetime

from sqlalchemy.orm import Session

from rtcc.audit import service as audit
from rtcc.governance import service as governance_service
from rtcc.governance import sharing
from rtcc.governance.schemas import AgencyCreate
from rtcc.identity.logic import SYSTEM, Principal, permissions_for

DEMO_AGENCIES: tuple[AgencyCreate, ...] = (
    AgencyCreate(
        code="LASD-NWK",
        name="LA County Sheriff - Norwalk Station",
        data_classes=["reads_hit", "alerts"],
        purposes=["stolen_vehicle", "felony_investigation", "missing_person", "amber_alert", "wanted_person"],
        contact="norwalk.rtcc@example.org",
    ),
    AgencyCreate(
        code="LBPD",
        name="Long Beach Police Department",
        data_classes=["reads_hit"],
        purposes=["stolen_vehicle", "amber_alert", "missing_person"],
        contact="alpr@lbpd.example.org",
    ),
    AgencyCreate(
        code="CHP-SFS",
        name="California Highway Patrol - Santa Fe Springs",
        data_classes=["reads_hit"],
        purposes=["stolen_vehicle", "amber_alert", "silver_alert"],
        active=False,
        contact="sfs@chp.example.org",
    ),
)

#: (actor, purpose, needs a case) of the demo searches.
_SEARCHES: tuple[tuple[str, str, bool], ...] = (
    ("analyst", "stolen_vehicle", True),
    ("analyst", "stolen_vehicle", True),
    ("analyst", "stolen_vehicle", True),
    ("analyst", "felony_investigation", True),
    ("analyst", "felony_investigation", True),
    ("analyst", "missing_person", True),
    ("analyst", "amber_alert", False),
    ("analyst", "hit_verification", False),
    ("analyst", "hit_verification", False),
    ("supervisor", "wanted_person", True),
    ("supervisor", "officer_safety", False),
)


def _principal(name: str, role: str) -> Principal:
    return Principal(
        kind="user", id=f"demo-{name}", name=name, role=role, permissions=permissions_for(role), unit="RTCC"
    )


def _plate(rng: random.Random) -> str:
    return f"{rng.randint(1, 9)}{''.join(rng.choices(string.ascii_uppercase, k=3))}{rng.randint(0, 999):03d}"


def seed(session: Session, *, now: datetime, rng: random.Random) -> dict[str, int]:
    """Write the governance demo data (idempotent); counts of what was written."""
    purposes = governance_service.ensure_purpose_table(session, actor=SYSTEM)
    existing = {a.code for a in sharing.list_agencies(session)}
    agencies = 0
    for agency in DEMO_AGENCIES:
        if agency.code not in existing:
            sharing.create_agency(session, agency, actor=SYSTEM)
            agencies += 1
    searches = 0
    if not audit.search(session, actor="analyst", actions=["alpr.search", "alpr.search.refused"], limit=1):
        year = now.year
        for i, (actor, purpose, needs_case) in enumerate(_SEARCHES):
            principal = _principal(actor, "supervisor" if actor == "supervisor" else "analyst")
            case = f"CER{year % 100:02d}-{1000 + i:04d}" if needs_case else None
            audit.record_for(
                session,
                principal,
                "alpr.search",
                details={
                    "kind": "plate" if i % 3 else "history",
                    "query": {"plate": _plate(rng)},
                    "purpose": purpose,
                    "case_number": case,
                    "result_count": rng.randint(0, 25),
                },
            )
            searches += 1
        audit.record_for(
            session,
            _principal("analyst", "analyst"),
            "alpr.search.refused",
            details={
                "kind": "plate",
                "query": {"plate": _plate(rng)},
                "purpose": "immigration_enforcement",
                "case_number": None,
                "reason": "purpose: Immigration enforcement is forbidden by the ALPR usage policy",
            },
        )
        searches += 1
    return {"purposes": purposes, "agencies": agencies, "searches": searches}


__all__ = ["DEMO_AGENCIES", "seed"]
