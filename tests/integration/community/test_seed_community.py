"""The community demo seed: neighborhoods, accounts with profiles, watch groups with captains and members, one
subscription per account, a tip at each status; a second run adds nothing."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from rtcc.community import accounts, groups
from rtcc.community import tips as tips_service
from rtcc.core.db import Database
from rtcc.demo import seed_community
from rtcc.identity.logic import Principal, permissions_for
from rtcc.notify import service as notify


def test_seed_is_complete_and_idempotent(db: Database) -> None:
    now = datetime(2026, 11, 22, 12, tzinfo=UTC)
    with db.uow() as s:
        first = seed_community.seed(s, now=now, rng=random.Random(1))
    assert first == {"neighborhoods": 4, "accounts": 8, "groups": 2, "members": 2, "subscriptions": 8, "tips": 4}
    with db.uow() as s:
        second = seed_community.seed(s, now=now, rng=random.Random(2))
    assert set(second.values()) == {0}
    with db.read() as s:
        by_name = {g.name: g for g in groups.list_groups(s)}
        assert by_name["Northwest Neighborhood Watch"].captains == ["Maria Gonzalez"]
        assert by_name["Northwest Neighborhood Watch"].members == 2
        tips, total = tips_service.triage_queue(s, status=None, limit=50, offset=0)
        assert total == 4
        assert sorted(t.status for t in tips) == ["closed", "received", "referred", "reviewing"]
        assert [t.reporter for t in tips if t.anonymous] == [None]
        maria = accounts.find_account(s, "maria.g")
        assert maria is not None
        me = Principal(
            kind="user", id=str(maria), name="maria.g", role="resident", permissions=permissions_for("resident")
        )
        assert accounts.get_profile(s, me).neighborhood_code == "nw"
        assert [m.subject for m in notify.inbox(s, me)] == ["[Northwest Neighborhood Watch] Monthly watch meeting"]
