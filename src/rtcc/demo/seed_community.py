"""Seed the demo city's community portal: the city profile's neighborhoods (four in Cerritos), eight community
accounts (six households and two businesses, role resident/business, the demo password) with profiles, two
Neighborhood Watch groups with a captain and members (and a meeting notice each, sent to the members through the
outbox), one alert subscription per account, and four suspicious-activity tips, one at each status (received,
reviewing, referred, closed; the anonymous one shows no reporter to staff).

Everything goes through the community services, so tips pass the spam rules and triage leaves a timeline and audit
entries. Idempotent: existing accounts, groups and subscriptions are kept; tips are only filed when no demo account
has one yet. Returns what was added.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from rtcc.community import accounts, groups, neighborhoods, notices, subscriptions, tips
from rtcc.community.logic import Category, TipStatus
from rtcc.community.schemas import NoticeCreate, SubscriptionCreate, TipCreate, TriageRequest, WatchGroupCreate
from rtcc.demo.accounts import DEMO_PASSWORD
from rtcc.identity.logic import Perm, Principal, permissions_for

#: username, display name, type, home (lat, lon), subscribed categories
ACCOUNTS: tuple[tuple[str, str, str, tuple[float, float], tuple[str, ...]], ...] = (
    ("maria.g", "Maria Gonzalez", "resident", (33.877, -118.089), ("burglary", "vehicle_crime", "watch_group")),
    ("tom.n", "Tom Nguyen", "resident", (33.879, -118.092), ("burglary", "traffic")),
    ("linh.t", "Linh Tran", "resident", (33.877, -118.049), ("burglary", "missing_person")),
    ("dave.k", "Dave Kim", "resident", (33.872, -118.055), ("public_safety",)),
    ("raj.p", "Raj Patel", "resident", (33.856, -118.089), ("traffic", "vehicle_crime")),
    ("carol.w", "Carol White", "resident", (33.856, -118.049), ("burglary",)),
    ("cerritos.auto", "Cerritos Auto Care", "business", (33.858, -118.060), ("vehicle_crime", "burglary")),
    ("towne.deli", "Towne Center Deli", "business", (33.856, -118.085), ("public_safety", "burglary")),
)

GROUPS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("Northwest Neighborhood Watch", "nw", "maria.g", ("tom.n",)),
    ("Northeast Block Watch", "ne", "linh.t", ("dave.k",)),
)

#: reporter, anonymous, category, description, final status
TIPS: tuple[tuple[str, bool, str, str, str], ...] = (
    ("tom.n", False, "vehicle_crime", "Two people trying car door handles around midnight.", "received"),
    ("carol.w", True, "burglary", "A van parked for hours; someone photographing the houses.", "reviewing"),
    ("cerritos.auto", False, "vehicle_crime", "Catalytic converter cut from a car in our back lot.", "referred"),
    ("linh.t", False, "public_safety", "Street light out at the corner; the crosswalk is dark.", "closed"),
)

_NOTES = {
    "reviewing": ("We are looking into your report.", None),
    "referred": ("Passed to the Cerritos Station deputies.", "Check with patrol; similar reports this week."),
    "closed": ("Reported to Public Works; thank you.", "Not a law-enforcement matter."),
}


_STEPS = {
    "received": [],
    "reviewing": ["reviewing"],
    "referred": ["reviewing", "referred"],
    "closed": ["reviewing", "closed"],
}


def _staff() -> Principal:
    return Principal(
        kind="user",
        id="demo-seed",
        name="demo:program_staff",
        role="program_staff",
        permissions=frozenset({Perm.community_admin, Perm.tips_triage}),
    )


def seed(session: Session, *, now: datetime, rng: random.Random) -> dict[str, int]:
    """Seed the community demo data (idempotent); returns the counts added."""
    added = {"neighborhoods": 0, "accounts": 0, "groups": 0, "members": 0, "subscriptions": 0, "tips": 0}
    added["neighborhoods"] = neighborhoods.install_from_profile(session)
    principals: dict[str, Principal] = {}
    for username, name, kind, (lat, lon), _cats in ACCOUNTS:
        existed = accounts.find_account(session, username) is not None
        uid = accounts.ensure_community_account(
            session,
            username=username,
            display_name=name,
            password=DEMO_PASSWORD,
            account_type=kind,
            email=f"{username}@demo.cerritos.example",
            phone=f"+1562555{rng.randint(1000, 9999)}" if kind == "resident" else None,
            lat=lat,
            lon=lon,
        )
        added["accounts"] += not existed
        principals[username] = Principal(
            kind="user", id=str(uid), name=username, role=kind, permissions=permissions_for(kind)
        )
    for username, _name, _kind, (lat, lon), cats in ACCOUNTS:
        me = principals[username]
        if not subscriptions.list_subscriptions(session, me):
            subscriptions.subscribe(
                session,
                me,
                SubscriptionCreate(
                    lat=lat, lon=lon, radius_m=800, categories=[Category(c) for c in cats], channels=["email"]
                ),
            )
            added["subscriptions"] += 1
    staff = _staff()
    existing = {g.name for g in groups.list_groups(session)}
    for group_name, code, captain, members in GROUPS:
        if group_name in existing:
            continue
        group = groups.create_group(
            session,
            WatchGroupCreate(
                name=group_name,
                neighborhood_code=code,
                description=f"Neighbors looking out for each other in {code.upper()} Cerritos.",
                captain_user_ids=[accounts.account_id(principals[captain])],
            ),
            actor=staff,
        )
        added["groups"] += 1
        for member in members:
            groups.join_group(session, group.id, principals[member])
            added["members"] += 1
        notices.post_notice(
            session,
            group.id,
            NoticeCreate(
                title="Monthly watch meeting",
                body="Coffee, a deputy's crime update, and the patrol sign-up sheet.",
                meeting_at=now + timedelta(days=7),
                location="Cerritos Library, community room",
            ),
            actor=principals[captain],
        )
    if not any(tips.my_tips(session, principals[t[0]]) for t in TIPS):
        limits = tips.TipLimits(
            per_hour=100, per_ip_hour=100, min_chars=20, max_links=2, photo_max_bytes=1, duplicate_days=7
        )
        homes = {a[0]: a[3] for a in ACCOUNTS}
        for i, (reporter, anonymous, category, text, status) in enumerate(TIPS):
            tip = tips.submit_tip(
                session,
                principals[reporter],
                TipCreate(
                    category=Category(category),
                    description=text,
                    occurred_at=now - timedelta(days=i + 1, hours=rng.randint(0, 6)),
                    location_text="Cerritos",
                    lat=homes[reporter][0],
                    lon=homes[reporter][1],
                    anonymous=anonymous,
                ),
                photo=None,
                client_ip=None,
                limits=limits,
            )
            added["tips"] += 1
            for step in _STEPS[status]:
                note, internal = _NOTES[step]
                request = TriageRequest(status=TipStatus(step), note_to_reporter=note, internal_note=internal)
                tips.triage(session, tip.id, request, actor=staff)
    return added
