"""The community portal over HTTP: sign-up and the normal login, profile, subscriptions, public alerts with CAP 1.2
and one-click unsubscribe, Neighborhood Watch groups and notices, and tips (photo, rate limit with Retry-After, spam
rules, triage with internal notes never shown to the reporter, anonymity hiding the reporter from staff)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from rtcc.app import create_app
from rtcc.audit.models import AuditEntry
from rtcc.community import logic
from rtcc.community.models import CommunityProfile
from rtcc.core.db import Database
from rtcc.notify.models import OutboxMessage
from rtcc.settings import Settings

P = "/api/v1/community"
PASSWORD = "correct horse battery"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
NW = (33.880, -118.100)  # inside the north-west sector


@pytest.fixture
def client(settings: Settings, db: Database) -> Iterator[TestClient]:
    # no channels configured: the background loop leaves e-mail/SMS rows pending, so tests see them
    quiet = settings.model_copy(
        update={
            "smtp_host": None,
            "sms_provider": "none",
            "community_tips_per_hour": 3,
            "community_signups_per_ip_hour": 50,
        }
    )
    with TestClient(create_app(quiet)) as c:
        yield c


def _verify_token(name: str) -> str:
    with _DB[0].read() as s:
        token = s.scalars(select(CommunityProfile.email_verify_token).where(CommunityProfile.username == name)).one()
    assert token
    return str(token)


_DB: list[Database] = []


@pytest.fixture(autouse=True)
def _remember_db(db: Database) -> Iterator[None]:
    _DB.append(db)
    yield
    _DB.clear()


def _signup(client: TestClient, name: str, *, verify: bool = True, **extra: Any) -> dict[str, str]:
    body = {
        "account_type": "resident",
        "username": name,
        "display_name": name.title(),
        "email": f"{name}@example.org",
        "password": PASSWORD,
        "lat": NW[0],
        "lon": NW[1],
        **extra,
    }
    resp = client.post(f"{P}/signup", json=body)
    assert resp.status_code == 202, resp.text
    assert resp.json()["status"] == "accepted"
    if verify:
        token = _verify_token(name)
        assert "<form method='post'" in client.get(f"{P}/verify/{token}").text
        assert client.post(f"{P}/verify/{token}").json()["email_verified"] is True
    login = client.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['token']}"}


def _outbox(db: Database) -> list[OutboxMessage]:
    with db.read() as s:
        rows = list(s.scalars(select(OutboxMessage)))
        s.expunge_all()
        return rows


def test_signup_login_profile_and_abuse_protection(client: TestClient) -> None:
    ann = _signup(client, "ann", phone="+15625550100", address="1 Elm St")
    me = client.get(f"{P}/me", headers=ann).json()
    assert me["email"] == "ann@example.org" and me["neighborhood_code"] == "nw" and me["account_type"] == "resident"
    resp = client.patch(
        f"{P}/me", json={"display_name": "Ann B", "sms_opt_in": True, "lat": 33.865, "lon": -118.063}, headers=ann
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["display_name"] == "Ann B" and resp.json()["neighborhood_code"] == "se"
    assert client.get("/api/v1/auth/me", headers=ann).status_code == 403  # staff self-view: not for community

    dup = client.post(
        f"{P}/signup",
        json={
            "account_type": "resident",
            "username": "ann2",
            "display_name": "A",
            "email": "ANN@example.org",
            "password": PASSWORD,
        },
    )
    assert dup.status_code == 202  # the same answer as a new account (issue 15); nothing is created
    assert client.post("/api/v1/auth/login", json={"username": "ann2", "password": PASSWORD}).status_code == 401
    bot = client.post(
        f"{P}/signup",
        json={
            "account_type": "business",
            "username": "bot",
            "display_name": "B",
            "email": "b@example.org",
            "password": PASSWORD,
            "website": "http://spam.example",
        },
    )
    assert bot.status_code == 422 and bot.json()["errors"][0]["field"] == "website"
    staff = client.post(
        f"{P}/signup",
        json={
            "account_type": "admin",
            "username": "evil",
            "display_name": "E",
            "email": "e@example.org",
            "password": PASSWORD,
        },
    )
    assert staff.status_code == 422  # only resident or business can be chosen


def test_signups_from_one_address_are_rate_limited(settings: Settings, db: Database) -> None:
    strict = settings.model_copy(update={"community_signups_per_ip_hour": 2, "sms_provider": "none"})
    with TestClient(create_app(strict)) as c:
        for i in range(2):
            assert (
                c.post(
                    f"{P}/signup",
                    json={
                        "account_type": "resident",
                        "username": f"u{i}",
                        "display_name": "U",
                        "email": f"u{i}@example.org",
                        "password": PASSWORD,
                    },
                ).status_code
                == 202
            )
        resp = c.post(
            f"{P}/signup",
            json={
                "account_type": "resident",
                "username": "u9",
                "display_name": "U",
                "email": "u9@example.org",
                "password": PASSWORD,
            },
        )
    assert resp.status_code == 429
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert int(resp.headers["Retry-After"]) > 0


def test_subscriptions_public_alert_cap_and_one_click_unsubscribe(
    client: TestClient, login: Callable[..., dict[str, str]], db: Database
) -> None:
    ann = _signup(client, "ann")
    bob = _signup(client, "bob")
    staff = login("program_staff")
    sub = client.post(
        f"{P}/subscriptions",
        json={"neighborhood_code": "nw", "categories": ["burglary"], "channels": ["email"]},
        headers=ann,
    )
    assert sub.status_code == 201, sub.text
    assert (
        client.post(
            f"{P}/subscriptions",
            json={"lat": NW[0], "lon": NW[1], "radius_m": 400, "categories": ["traffic"], "channels": ["email"]},
            headers=bob,
        ).status_code
        == 201
    )
    bad = client.post(
        f"{P}/subscriptions",
        json={"neighborhood_code": "zz", "categories": ["burglary"], "channels": ["email"]},
        headers=ann,
    )
    assert bad.status_code == 422
    sms = client.post(
        f"{P}/subscriptions",
        json={"neighborhood_code": "nw", "categories": ["burglary"], "channels": ["sms"]},
        headers=ann,
    )
    assert sms.status_code == 422  # no phone on the profile
    assert [s["id"] for s in client.get(f"{P}/subscriptions", headers=bob).json()] != [sub.json()["id"]]

    expires = (datetime.now(UTC) + timedelta(hours=6)).isoformat()
    alert = client.post(
        f"{P}/alerts",
        json={
            "category": "burglary",
            "headline": "Break-ins near the park",
            "body": "Lock doors.",
            "area": {"neighborhood_code": "nw"},
            "severity": "Moderate",
            "urgency": "Expected",
            "expires": expires,
        },
        headers=staff,
    )
    assert alert.status_code == 201, alert.text
    assert alert.json()["recipients"] == 1 and alert.json()["area_desc"] == "Northwest Cerritos"
    assert (
        client.post(
            f"{P}/alerts",
            json={"category": "burglary", "headline": "x y z", "body": "b", "area": {"neighborhood_code": "nw"}},
            headers=ann,
        ).status_code
        == 403
    )

    aid = alert.json()["id"]
    assert client.get(f"{P}/alerts").json()[0]["id"] == aid  # public
    cap = client.get(f"{P}/alerts/{aid}/cap")
    assert cap.status_code == 200 and cap.headers["content-type"].startswith("application/cap+xml")
    assert logic.validate_cap(cap.text) == []
    assert (
        f"<identifier>urn:uuid:{aid}</identifier>" in cap.text and "<areaDesc>Northwest Cerritos</areaDesc>" in cap.text
    )

    rows = [r for r in _outbox(db) if r.alert_id is not None]
    assert [(r.recipient, r.status) for r in rows] == [("ann@example.org", "pending")]
    token = rows[0].unsubscribe_token
    page = client.get(f"{P}/unsubscribe/{token}")
    assert page.status_code == 200 and "<form method='post'" in page.text
    assert client.get(f"{P}/subscriptions", headers=ann).json()[0]["active"] is True  # GET changes nothing
    done = client.post(f"{P}/unsubscribe/{token}")
    assert done.status_code == 200 and done.json() == {"done": True, "what": "subscription"}
    assert client.get(f"{P}/subscriptions", headers=ann).json()[0]["active"] is False
    assert client.post(f"{P}/unsubscribe/not-a-token").status_code == 404


def test_watch_groups_captains_and_notices(
    client: TestClient, login: Callable[..., dict[str, str]], db: Database
) -> None:
    cap_h = _signup(client, "cathy")
    mem_h = _signup(client, "mike")
    out_h = _signup(client, "olga")
    staff = login("program_staff")
    cathy_id = client.get(f"{P}/me", headers=cap_h).json()["user_id"]
    group = client.post(
        f"{P}/admin/groups",
        json={"name": "Elm Street Watch", "neighborhood_code": "nw", "captain_user_ids": [cathy_id]},
        headers=staff,
    )
    assert group.status_code == 201, group.text
    gid = group.json()["id"]
    assert group.json()["captains"] == ["Cathy"]
    joined = client.post(f"{P}/groups/{gid}/join", headers=mem_h)
    assert joined.status_code == 200 and joined.json()["my_role"] == "member" and joined.json()["members"] == 2

    notice = {
        "title": "Monthly meeting",
        "body": "Coffee and patrol plans.",
        "meeting_at": "2026-12-01T02:00:00Z",
        "location": "Library",
    }
    assert client.post(f"{P}/groups/{gid}/notices", json=notice, headers=mem_h).status_code == 403  # not a captain
    posted = client.post(f"{P}/groups/{gid}/notices", json=notice, headers=cap_h)
    assert posted.status_code == 201 and posted.json()["recipients"] == 2
    inbox = client.get(f"{P}/messages", headers=mem_h).json()
    assert inbox[0]["subject"] == "[Elm Street Watch] Monthly meeting" and "Where: Library" in inbox[0]["body"]
    assert client.get(f"{P}/messages", headers=out_h).json() == []
    assert client.get(f"{P}/groups/{gid}/notices", headers=out_h).status_code == 403  # not a member
    assert len(client.get(f"{P}/groups/{gid}/notices", headers=mem_h).json()) == 1
    assert (
        client.post(
            f"{P}/admin/groups/{gid}/notices", json={"title": "Staff note", "body": "b"}, headers=staff
        ).status_code
        == 201
    )
    assert client.post(f"{P}/groups/{gid}/leave", headers=mem_h).status_code == 204
    mine = next(g for g in client.get(f"{P}/groups", headers=mem_h).json() if g["id"] == gid)
    assert mine["my_role"] is None and mine["members"] == 1


def _tip(**kw: Any) -> dict[str, Any]:
    return {
        "description": "Two people looking into parked cars with flashlights.",
        "occurred_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "location_text": "Elm St and 183rd",
        **kw,
    }


def test_tips_follow_triage_and_anonymity(
    client: TestClient, login: Callable[..., dict[str, str]], db: Database
) -> None:
    ann = _signup(client, "ann")
    eve = _signup(client, "eve")
    analyst = login("analyst")
    plain = client.post(f"{P}/tips", json=_tip(), headers=ann)
    assert plain.status_code == 201, plain.text
    assert plain.json()["status"] == "received" and plain.json()["timeline"][0]["status"] == "received"
    files = {
        "tip": (None, json.dumps(_tip(description="A van circling the block slowly for an hour.", anonymous=True))),
        "photo": ("van.png", PNG, "image/png"),
    }
    anon = client.post(f"{P}/tips", files=files, headers=ann)
    assert anon.status_code == 201, anon.text
    assert anon.json()["has_photo"] is True
    assert client.get(f"{P}/tips/{anon.json()['id']}/photo", headers=ann).content == PNG
    assert client.get(f"{P}/tips/{anon.json()['id']}", headers=eve).status_code == 404  # not eve's
    assert client.get(f"{P}/tips", headers=eve).json() == []

    queue = client.get("/api/v1/tips", headers=analyst).json()
    assert queue["total"] == 2
    by_id = {t["id"]: t for t in queue["items"]}
    assert (
        by_id[plain.json()["id"]]["reporter"] == "Ann"
        and by_id[plain.json()["id"]]["reporter_contact"] == "ann@example.org"
    )
    assert by_id[anon.json()["id"]]["reporter"] is None and by_id[anon.json()["id"]]["reporter_contact"] is None
    assert client.get(f"/api/v1/tips/{anon.json()['id']}/photo", headers=analyst).content == PNG

    tid = plain.json()["id"]
    tri = client.post(
        f"/api/v1/tips/{tid}/triage",
        json={
            "status": "referred",
            "note_to_reporter": "Passed to the deputies.",
            "internal_note": "Matches case 26-0412",
        },
        headers=analyst,
    )
    assert tri.status_code == 200 and tri.json()["timeline"][-1]["internal_note"] == "Matches case 26-0412"
    mine = client.get(f"{P}/tips/{tid}", headers=ann)
    assert mine.json()["status"] == "referred"
    assert [e["note"] for e in mine.json()["timeline"]][-1] == "Passed to the deputies."
    assert "26-0412" not in mine.text and "analyst" not in mine.text
    assert client.get(f"{P}/messages", headers=ann).json()[0]["subject"].startswith("Update on your report T-")
    assert client.get("/api/v1/messages", headers=ann).status_code == 403  # the staff inbox route
    assert client.get("/api/v1/messages", headers=analyst).json() == []
    with db.read() as s:
        assert s.scalars(select(AuditEntry).where(AuditEntry.action == "community.tip.triage")).first() is not None
    assert client.post(f"/api/v1/tips/{tid}/triage", json={"status": "done"}, headers=analyst).status_code == 422
    assert (
        client.post(f"/api/v1/tips/{uuid.uuid4()}/triage", json={"status": "closed"}, headers=analyst).status_code
        == 404
    )


def test_tip_spam_photo_and_rate_limits(client: TestClient) -> None:
    ann = _signup(client, "ann")
    short = client.post(f"{P}/tips", json=_tip(description="bad guys"), headers=ann)
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "description"
    honey = client.post(f"{P}/tips", json=_tip(website="x"), headers=ann)
    assert honey.status_code == 422 and honey.json()["errors"][0]["field"] == "website"
    links = client.post(
        f"{P}/tips", json=_tip(description="see http://a.example http://b.example http://c.example now"), headers=ann
    )
    assert links.status_code == 422
    gif = {"tip": (None, json.dumps(_tip())), "photo": ("x.png", b"GIF89a" + b"\x00" * 20, "image/png")}
    bad_photo = client.post(f"{P}/tips", files=gif, headers=ann)
    assert bad_photo.status_code == 422 and bad_photo.json()["errors"][0]["field"] == "photo"
    assert client.post(f"{P}/tips", json={"description": "x" * 30}, headers=ann).status_code == 422  # no time/place
    assert (
        client.post(f"{P}/tips", content=b"not json", headers={**ann, "content-type": "application/json"}).status_code
        == 422
    )

    assert client.post(f"{P}/tips", json=_tip(), headers=ann).status_code == 201
    assert (
        client.post(
            f"{P}/tips", json=_tip(description="Two people LOOKING into parked cars   with flashlights."), headers=ann
        ).status_code
        == 409
    )
    for n in range(2):
        assert (
            client.post(
                f"{P}/tips", json=_tip(description=f"Loud party with fireworks number {n} on Elm."), headers=ann
            ).status_code
            == 201
        )
    limited = client.post(
        f"{P}/tips", json=_tip(description="Yet another distinct report about a car alarm."), headers=ann
    )
    assert limited.status_code == 429
    assert limited.headers["content-type"].startswith("application/problem+json")
    assert 0 < int(limited.headers["Retry-After"]) <= 3601


def test_staff_read_their_own_messages(client: TestClient, login: Callable[..., dict[str, str]], db: Database) -> None:
    from rtcc.community import accounts
    from rtcc.notify import service as notify

    staff = login("program_staff", username="pat")
    other = login("supervisor", username="sue")
    me = client.get("/api/v1/auth/me", headers=staff).json()
    assert me["name"] == "pat"
    with db.read() as s:
        from rtcc.identity import service as identity

        pat_id = next(u.id for u in identity.list_users(s) if u.username == "pat")
    with db.uow() as s:
        notify.enqueue(s, accounts.recipient(s, pat_id), subject="New rebate application", body="b", category="rebates")
    assert [m["subject"] for m in client.get("/api/v1/messages", headers=staff).json()] == ["New rebate application"]
    assert client.get("/api/v1/messages", headers=other).json() == []


class _Recorder:
    """A delivery channel that records what the outbox hands it."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.sent: list[str] = []

    def send(self, message: Any) -> None:
        self.sent.append(message.subject)


def test_a_delivered_alert_reaches_the_inbox_once_with_its_cap_link(
    client: TestClient, login: Callable[..., dict[str, str]], db: Database
) -> None:
    from rtcc.notify import delivery

    ann = _signup(client, "ann", phone="+15625550100")
    assert client.patch(f"{P}/me", json={"sms_opt_in": True}, headers=ann).status_code == 200
    sub = client.post(
        f"{P}/subscriptions",
        json={"neighborhood_code": "nw", "categories": ["burglary"], "channels": ["email", "sms"]},
        headers=ann,
    )
    assert sub.status_code == 201, sub.text
    staff = login("program_staff")
    alert = client.post(
        f"{P}/alerts",
        json={
            "category": "burglary",
            "headline": "Break-ins on Elm",
            "body": "Lock up.",
            "area": {"neighborhood_code": "nw"},
        },
        headers=staff,
    )
    assert alert.status_code == 201 and alert.json()["recipients"] == 2, alert.text
    aid = alert.json()["id"]
    # queued, not yet delivered: the inbox does not show it
    assert [m for m in client.get(f"{P}/messages", headers=ann).json() if m["alert_id"]] == []

    email, sms = _Recorder("email"), _Recorder("sms")
    result = delivery.deliver_once(
        db, {"email": email, "sms": sms}, worker="t", batch=50, lease_s=60, max_attempts=3, backoff_s=0
    )
    assert result.failed == 0 and any("Break-ins on Elm" in s for s in email.sent + sms.sent)
    assert len([s for s in email.sent + sms.sent if "Break-ins on Elm" in s]) == 2

    inbox = client.get(f"{P}/messages", headers=ann).json()
    alerts = [m for m in inbox if m["alert_id"]]
    assert len(alerts) == 1, inbox  # delivered by e-mail and SMS, listed once
    msg = alerts[0]
    assert msg["alert_id"] == aid and "Break-ins on Elm" in msg["subject"] and msg["category"] == "burglary"
    assert msg["cap_link"] == f"{P}/alerts/{aid}/cap" and msg["link"] == f"{P}/alerts/{aid}"
    assert client.get(msg["cap_link"]).headers["content-type"].startswith("application/cap+xml")
    assert all(m["cap_link"] is None for m in inbox if not m["alert_id"])
    # another account sees nothing of it
    assert [m for m in client.get(f"{P}/messages", headers=_signup(client, "bob")).json() if m["alert_id"]] == []
