"""The portal inbox says when a text message was not sent, and why: a resident subscribed to alerts by SMS alone, on a
server with no SMS provider configured (the default), sees the public alert in the portal with "text message: not
sent (no SMS provider configured)", on a phone-sized screen, and the API and the database agree that the SMS was never
marked sent."""

from __future__ import annotations

import uuid

import httpx
import pytest
from e2e_support import Browser, Server
from playwright.sync_api import expect
from sqlalchemy import select
from test_web_watch import LONG, NW, PASSWORD, _no_horizontal_scroll, _portal_sign_in

from rtcc_testing import confirm_signup


def test_an_sms_only_resident_sees_that_no_sms_provider_is_configured(server: Server, phone: Browser) -> None:
    for path in ("/api/v1/community/messages", "/api/v1/community/alerts"):
        if not server.has_api(path):
            pytest.skip(f"{path} is not installed in this build")
    from rtcc.community.models import CommunityProfile
    from rtcc.notify import delivery
    from rtcc.notify.models import OutboxMessage

    assert server.runtime.settings.sms_provider == "none"
    base = server.base_url
    username = f"tx_{uuid.uuid4().hex[:6]}"
    signup = httpx.post(
        f"{base}/api/v1/community/signup",
        json={"account_type": "resident", "username": username, "display_name": "Tex Northwest",
              "email": f"{username}@example.org", "phone": "+15625550142", "password": PASSWORD,
              "lat": NW[0], "lon": NW[1]},
    )  # fmt: skip
    assert signup.status_code == 202, signup.text  # the same answer whether or not the name was free
    confirm_signup(base, server.runtime.db, username)  # the link in the confirmation message: then it signs in
    login = httpx.post(f"{base}/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    auth = {"Authorization": f"Bearer {login.json()['token']}"}
    sub = httpx.post(
        f"{base}/api/v1/community/subscriptions",
        headers=auth,
        json={"neighborhood_code": "nw", "categories": ["burglary"], "channels": ["sms"]},
    )
    assert sub.status_code == 201, sub.text
    headline = f"Catalytic converter thefts {uuid.uuid4().hex[:6]}"
    alert = server.api(
        "POST",
        "/api/v1/community/alerts",
        "program_staff",
        json={"category": "burglary", "headline": headline, "body": "Park in lit areas.",
              "area": {"neighborhood_code": "nw"}},
    )  # fmt: skip
    assert alert.status_code == 201, alert.text
    alert_id = alert.json()["id"]
    settings = server.runtime.settings
    delivery.deliver_settings_pass(server.runtime.db, settings, delivery.senders(settings), "e2e")

    with server.runtime.db.read() as s:
        uid = s.scalars(select(CommunityProfile.user_id).where(CommunityProfile.username == username)).one()
        sms = s.scalars(
            select(OutboxMessage).where(
                OutboxMessage.user_id == uid,
                OutboxMessage.channel == "sms",
                OutboxMessage.alert_id == uuid.UUID(alert_id),
            )
        ).one()
        assert (sms.status, sms.last_error, sms.sent_at) == ("pending", "no SMS provider configured", None)
    mine = [m for m in httpx.get(f"{base}/api/v1/community/messages", headers=auth).json() if m["alert_id"] == alert_id]
    assert len(mine) == 1
    assert mine[0]["deliveries"] == [{"channel": "sms", "status": "pending", "reason": "no SMS provider configured"}]
    status = server.api("GET", "/api/v1/community/admin/outbox", "program_staff").json()
    assert status["not_sent"]["sms"]["no SMS provider configured"] >= 1 and "sent" not in status["by_channel"]["sms"]

    page = phone.page
    _portal_sign_in(server, phone, username, PASSWORD)
    page.get_by_role("navigation").get_by_role("link", name="Messages").click()
    card = page.locator("#inbox article.message").filter(has_text=headline)
    expect(card.locator(".message-delivery")).to_have_text(
        "text message: not sent (no SMS provider configured)", timeout=LONG
    )
    assert _no_horizontal_scroll(page)
    phone.shot("54-portal-inbox-sms-not-sent", full_page=True)
