"""The portal's Neighborhood Watch page and message inbox on a phone-sized screen: a resident of the north-west
neighborhood finds that neighborhood's watch group first, joins it and reads a notice staff posted; the group's
captain posts a meeting notice from the same page (every member is messaged); a public alert staff send to the
neighborhood reaches the resident's inbox, with its CAP link, once the outbox has delivered it (one real delivery
pass, as the outbox tests run it); finally the resident leaves the group. Every step is checked through the API
or the database as well as on the screen."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from e2e_support import Browser, Server
from playwright.sync_api import expect
from sqlalchemy import select
from test_web_staff import CONTRAST_JS, _unlabelled_controls

PASSWORD = "a long resident password"
NW = (33.880, -118.100)  # inside the north-west neighborhood, home of the demo's Northwest Neighborhood Watch
GROUP = "Northwest Neighborhood Watch"
LONG = 30_000  # ms


class RecordingEmail:
    """The e-mail channel of the delivery pass: records what the outbox hands it (no SMTP server here)."""

    name = "email"

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, message: Any) -> None:
        self.sent.append((message.recipient, message.subject))


def _resident(server: Server) -> tuple[str, dict[str, str]]:
    """A new resident of the north-west neighborhood with a confirmed e-mail address, subscribed to burglary alerts
    in that neighborhood by e-mail."""
    from rtcc.community.models import CommunityProfile

    base = server.base_url
    username = f"nw_{uuid.uuid4().hex[:6]}"
    signup = httpx.post(
        f"{base}/api/v1/community/signup",
        json={"account_type": "resident", "username": username, "display_name": "Nora Northwest",
              "email": f"{username}@example.org", "password": PASSWORD, "lat": NW[0], "lon": NW[1]},
    )  # fmt: skip
    assert signup.status_code == 202, signup.text  # the same answer whether or not the name was free
    with server.runtime.db.read() as s:
        profile = s.scalars(select(CommunityProfile).where(CommunityProfile.username == username)).one()
        token = profile.email_verify_token
        assert profile.neighborhood_code == "nw"  # the sign-up answer no longer shows it (no account enumeration)
    assert httpx.post(f"{base}/api/v1/community/verify/{token}").json()["email_verified"] is True
    login = httpx.post(f"{base}/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    auth = {"Authorization": f"Bearer {login.json()['token']}"}
    sub = httpx.post(
        f"{base}/api/v1/community/subscriptions",
        headers=auth,
        json={"neighborhood_code": "nw", "categories": ["burglary"], "channels": ["email"]},
    )
    assert sub.status_code == 201, sub.text
    return username, auth


def _portal_sign_in(server: Server, b: Browser, username: str, password: str) -> None:
    page = b.page
    page.goto(f"{server.base_url}/portal")
    form = page.locator("form", has=page.get_by_role("heading", name="Sign in"))
    form.get_by_label("User name").fill(username)
    form.get_by_label("Password").fill(password)
    form.get_by_role("button", name="Sign in").click()
    expect(page.locator("#sign-out")).to_be_visible(timeout=LONG)


def _group(server: Server, auth: dict[str, str]) -> dict[str, Any]:
    groups = httpx.get(f"{server.base_url}/api/v1/community/groups", headers=auth).json()
    return dict(next(g for g in groups if g["name"] == GROUP))


def _no_horizontal_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_resident_joins_a_watch_group_reads_notices_gets_an_alert_and_leaves(server: Server, phone: Browser) -> None:
    for path in ("/api/v1/community/groups", "/api/v1/community/messages", "/api/v1/community/alerts"):
        if not server.has_api(path):
            pytest.skip(f"{path} is not installed in this build")
    from rtcc.notify import delivery

    username, auth = _resident(server)
    before = _group(server, auth)
    assert before["my_role"] is None
    tag = uuid.uuid4().hex[:6]
    staff_title = f"Patrol walk {tag}"
    posted = server.api(
        "POST",
        f"/api/v1/community/admin/groups/{before['id']}/notices",
        "program_staff",
        json={
            "title": staff_title,
            "body": "Meet at the park entrance with a flashlight.",
            "location": "Heritage Park",
        },
    )
    assert posted.status_code == 201, posted.text

    # the resident finds the neighborhood's group first and joins it
    page = phone.page
    _portal_sign_in(server, phone, username, PASSWORD)
    page.get_by_role("navigation").get_by_role("link", name="Neighborhood Watch").click()
    yours = page.locator("#watch-yours-box")
    card = yours.locator("article.watch-group").filter(has_text=GROUP)
    expect(card).to_have_attribute("data-role", "none", timeout=LONG)
    expect(card.locator(".watch-notices")).to_have_count(0)  # notices are for members
    card.get_by_role("button", name=f"Join {GROUP}").click()
    expect(page.locator("#watch-status")).to_have_text(f"You joined {GROUP}.", timeout=LONG)
    card = yours.locator("article.watch-group").filter(has_text=GROUP)
    expect(card).to_have_attribute("data-role", "member")
    expect(card.locator(".watch-notices")).to_contain_text(staff_title)
    expect(card.locator(".watch-notices")).to_contain_text("Where: Heritage Park")
    expect(card.get_by_role("form")).to_have_count(0)  # members do not post; captains do
    joined = _group(server, auth)
    assert joined["my_role"] == "member" and joined["members"] == before["members"] + 1
    assert _no_horizontal_scroll(page)
    phone.shot("50-portal-watch-joined", full_page=True)

    # the captain posts a meeting notice from the same page; every member is messaged
    page.locator("#sign-out").click()
    _portal_sign_in(server, phone, "maria.g", server.password)
    page.get_by_role("navigation").get_by_role("link", name="Neighborhood Watch").click()
    captain = page.locator("article.watch-group[data-role=captain]").filter(has_text=GROUP)
    form = captain.get_by_role("form", name=f"Post a meeting notice to {GROUP}")
    captain_title = f"Block party planning {tag}"
    form.get_by_label("Title").fill(captain_title)
    form.get_by_label("Message").fill("Bring ideas for the summer block party.")
    form.get_by_label("Meeting place (optional)").fill("Cerritos Library")
    form.get_by_role("button", name="Post the notice").click()
    expect(page.locator("#watch-status")).to_have_text(f"Notice posted to {joined['members']} members.", timeout=LONG)
    expect(captain.locator(".watch-notices")).to_contain_text(captain_title)
    phone.shot("51-portal-watch-captain-posted", full_page=True)
    assert _unlabelled_controls(page) == [] and page.evaluate(CONTRAST_JS) == []
    notices = server.api("GET", f"/api/v1/community/admin/groups/{before['id']}/notices", "program_staff").json()
    assert [n["title"] for n in notices][:2] == [captain_title, staff_title]

    # staff send a public alert to the neighborhood: queued for e-mail, in the inbox once the outbox delivered it
    headline = f"Garage break-ins on Elm {tag}"
    alert = server.api(
        "POST",
        "/api/v1/community/alerts",
        "program_staff",
        json={"category": "burglary", "headline": headline, "body": "Close garage doors at night.",
              "area": {"neighborhood_code": "nw"}},
    )  # fmt: skip
    assert alert.status_code == 201 and alert.json()["recipients"] >= 1, alert.text
    alert_id = alert.json()["id"]
    inbox = httpx.get(f"{server.base_url}/api/v1/community/messages", headers=auth).json()
    assert not [m for m in inbox if m["alert_id"] == alert_id]  # not yet delivered
    email = RecordingEmail()
    for _ in range(20):  # one pass per batch until nothing is due
        result = delivery.deliver_once(
            server.runtime.db, {"email": email}, worker="e2e", batch=100, lease_s=60, max_attempts=3, backoff_s=0
        )
        if result.claimed == 0:
            break
    assert (f"{username}@example.org", f"[Burglary] {headline}") in email.sent
    inbox = httpx.get(f"{server.base_url}/api/v1/community/messages", headers=auth).json()
    mine = [m for m in inbox if m["alert_id"] == alert_id]
    assert len(mine) == 1 and mine[0]["cap_link"] == f"/api/v1/community/alerts/{alert_id}/cap"

    page.locator("#sign-out").click()
    _portal_sign_in(server, phone, username, PASSWORD)
    page.get_by_role("navigation").get_by_role("link", name="Messages").click()
    messages = page.locator("#inbox article.message")
    expect(messages.first).to_contain_text(headline, timeout=LONG)  # newest first
    expect(messages.first.locator(".message-body")).to_contain_text("Close garage doors at night.")
    cap = messages.first.get_by_role("link", name="This alert in CAP format (XML)")
    assert cap.get_attribute("href") == f"/api/v1/community/alerts/{alert_id}/cap"
    expect(page.locator("#inbox")).to_contain_text(f"[{GROUP}] {captain_title}")
    doc = httpx.get(f"{server.base_url}{cap.get_attribute('href')}")
    assert doc.headers["content-type"].startswith("application/cap+xml") and f"urn:uuid:{alert_id}" in doc.text
    assert _no_horizontal_scroll(page)
    phone.shot("52-portal-inbox-alert", full_page=True)
    assert _unlabelled_controls(page) == [] and page.evaluate(CONTRAST_JS) == []

    # the resident leaves the group: the notices go away, and the API agrees
    page.get_by_role("navigation").get_by_role("link", name="Neighborhood Watch").click()
    card = page.locator("#watch-yours-box article.watch-group").filter(has_text=GROUP)
    card.get_by_role("button", name=f"Leave {GROUP}").click()
    expect(page.locator("#watch-status")).to_have_text(f"You left {GROUP}.", timeout=LONG)
    expect(card).to_have_attribute("data-role", "none")
    expect(card.locator(".watch-notices")).to_have_count(0)
    left = _group(server, auth)
    assert left["my_role"] is None and left["members"] == before["members"]
    refused = httpx.get(f"{server.base_url}/api/v1/community/groups/{before['id']}/notices", headers=auth)
    assert refused.status_code == 403
    phone.shot("53-portal-watch-left", full_page=True)
