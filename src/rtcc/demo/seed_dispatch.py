"""Seed the demo city's dispatch: Cerritos' priority change (residential burglary alarms from Routine to Priority,
effective 2024-11-01, made by the demo supervisor) as an effective-dated rule, and a small mixed fleet at named
places of the city: deputy cars, a sergeant, a special-assignment team, two CSOs, three private security guards and
parking enforcement. The demo ``officer``, ``cso`` and ``guard`` accounts are signed on to 41A, C1 and G1.

Everything goes through the real services (audited). Idempotent: an existing rule or unit is kept. The rule is only
seeded where the catalogue in use has the call type and the LASD "Priority" level (the Cerritos catalogue).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from rtcc.demo.accounts import DEMO_PASSWORD
from rtcc.dispatch import alarms, calltypes, permits, positions, premises, units
from rtcc.dispatch.alarm_schemas import AlarmCompanyCreate, PermitCreate
from rtcc.dispatch.schemas import PremiseCreate, RuleCreate
from rtcc.dispatch.unit_schemas import PositionIn, UnitCreate
from rtcc.identity import service as identity_service
from rtcc.identity.logic import SYSTEM, Principal, Role, permissions_for
from rtcc.places import service as places

#: Cerritos' change, as the demo ships it: from midnight 1 November 2024, city time.
RULE = RuleCreate(
    call_type="ALARM_BURG_RES",
    priority="Priority",
    effective_from=datetime.fromisoformat("2024-11-01T00:00:00-07:00"),
    reason="City of Cerritos: residential burglary alarm calls are Priority calls (to halve response times).",
)

#: (call sign, unit type, home district, place it starts at).
FLEET = (
    ("41A", "deputy_car", "2316", "Brookhaven Park"),
    ("41B", "deputy_car", "2319", "Alondra Blvd & Carmenita Rd"),
    ("41C", "deputy_car", "2312", "Cerritos Community Regional Park"),
    ("40S", "sergeant", "CER", "Carmenita Park"),
    ("43X", "special_team", "CER", "Ecology Park"),
    ("C1", "cso", "CER", "Brookhaven Park"),
    ("C2", "cso", "CER", "Carmenita Park"),
    ("G1", "guard", "2316", "Brookhaven Park"),
    ("G2", "guard", "2319", "Carmenita Park"),
    ("G3", "guard", "2312", "Cerritos Community Regional Park"),
    ("P1", "parking", "CER", "Ecology Park"),
)
#: Demo accounts signed on to a unit, and (role, display name) of each (created here when missing).
SIGNED_ON = (("officer", "41A"), ("cso", "C1"), ("guard", "G1"))
ACCOUNTS = {
    "officer": ("officer", "Deputy Ortiz"),
    "cso": ("cso", "Casey CSO"),
    "guard": ("guard", "Gil Guard"),
    "supervisor": ("supervisor", "Sam Supervisor"),
}


def _supervisor(session: Session) -> Principal:
    role, name = ACCOUNTS["supervisor"]
    user = identity_service.ensure_user(
        session, username="supervisor", password=DEMO_PASSWORD, role=role, display_name=name
    )
    return Principal(
        kind="user",
        id=str(user.id),
        name=user.username,
        role=Role.supervisor.value,
        permissions=permissions_for(Role.supervisor.value),
    )


#: The demo's alarm company (simulated) and the homes it monitors: (permit, address, place near which it lies).
ALARM_COMPANY = AlarmCompanyCreate(code="demo-alarms", name="Demo Alarm Monitoring (simulated)", phone="800-555-0100")
HOMES = (
    ("CER-AP-1001", "Simulated home near Brookhaven Park", "Brookhaven Park"),
    ("CER-AP-1002", "Simulated home near Carmenita Park", "Carmenita Park"),
    ("CER-AP-1003", "Simulated home near Ecology Park", "Ecology Park"),
    ("CER-AP-1004", "Simulated home near Alondra Blvd & Carmenita Rd", "Alondra Blvd & Carmenita Rd"),
    ("CER-AP-1005", "Simulated home near Cerritos Community Regional Park", "Cerritos Community Regional Park"),
)
#: How far (degrees, about 150 m) a simulated home lies from the place it is named after (the first of north, south,
#: east, west that is inside the city).
HOME_OFFSET = 0.0014


def _alarm_homes(session: Session) -> int:
    """The demo alarm company and its permitted homes (idempotent); how many homes were added."""
    if not any(c.code == ALARM_COMPANY.code for c in alarms.list_companies(session)):
        alarms.create_company(session, ALARM_COMPANY, actor=SYSTEM)
    known = {p.number for p in permits.search(session, q="CER-AP-", limit=len(HOMES) + 10)[0]}
    added = 0
    for number, address, place in HOMES:
        spot = places.resolve(place)
        if number in known or spot is None:
            continue
        d = HOME_OFFSET
        near = [(spot.lat + d, spot.lon), (spot.lat - d, spot.lon), (spot.lat, spot.lon + d), (spot.lat, spot.lon - d)]
        at = next(((la, lo) for la, lo in near if places.inside_city(la, lo)), None)
        if at is None:
            continue
        home = premises.create(session, PremiseCreate(address=address, lat=at[0], lon=at[1]), actor=SYSTEM)
        permits.create(
            session,
            PermitCreate(number=number, premise_id=home.id, holder="Demo resident", company=ALARM_COMPANY.code),
            actor=SYSTEM,
        )
        added += 1
    return added


def seed(session: Session) -> dict[str, int]:
    """Seed the rule, the fleet, the sign-ons and the alarm company's homes; how many of each were added."""
    added = {"rules": 0, "units": 0, "signed_on": 0, "alarm_homes": _alarm_homes(session)}
    cat = calltypes.catalogue()
    fits = cat.call_type(RULE.call_type) is not None and cat.scheme.level(RULE.priority) is not None
    if fits and not calltypes.list_rules(session, RULE.call_type):
        calltypes.add_rule(session, None, RULE, actor=_supervisor(session))
        added["rules"] = 1
    known = {u.call_sign for u in units.list_units(session, include_inactive=True)}
    for sign, kind, home, place in FLEET:
        if sign in known or cat.unit_type(kind) is None:
            continue
        units.create(session, None, UnitCreate(call_sign=sign, unit_type=kind, home_area=home), actor=SYSTEM)
        spot = places.resolve(place)
        if spot is not None:
            positions.record(
                session, None, units.load(session, sign), PositionIn(lat=spot.lat, lon=spot.lon), source="demo"
            )
        added["units"] += 1
    fleet = {u.call_sign: u for u in units.list_units(session)}
    for username, sign in SIGNED_ON:
        role, name = ACCOUNTS[username]
        user = identity_service.ensure_user(
            session, username=username, password=DEMO_PASSWORD, role=role, display_name=name
        )
        unit = fleet.get(sign)
        if unit is not None and unit.current_user_id != user.id:
            units.sign_on(session, None, sign, actor=SYSTEM, user_id=user.id)
            added["signed_on"] += 1
    return added
