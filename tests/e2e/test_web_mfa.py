"""Browser: a staff user whose role needs a second factor enrols a TOTP app at first sign-in (QR code, secret as
text, first code, recovery codes shown once), then signs in with password + code; a wrong code is refused on screen;
"My sign-in" lists the factor. Codes are computed here with pyotp from the secret the screen shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from e2e_support import Browser, Server

from rtcc.demo.accounts import DEMO_PASSWORD
from rtcc.settings import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The suite's settings with MFA required for staff (the production default; the demo turns it off)."""
    return settings.model_copy(update={"mfa_required": True})


def _password_step(browser: Browser, server: Server, username: str) -> None:
    page = browser.page
    page.goto(f"{server.base_url}/app/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_label("Password").press("Enter")


def test_totp_enrolment_and_sign_in(server: Server, browser: Browser) -> None:
    page = browser.page
    _password_step(browser, server, "analyst")
    page.get_by_role("heading", name="Set up a second factor").wait_for()
    qr = page.get_by_role("img", name="QR code of the authenticator app setup")
    qr.wait_for()
    assert qr.evaluate("n => n.querySelectorAll('path').length") == 1
    secret = page.locator("code.secret").inner_text().strip()
    uri = page.locator("code.uri").text_content() or ""
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri
    totp = pyotp.TOTP(secret)
    page.get_by_label("Code", exact=True).fill(totp.now())
    browser.shot("mfa-enrol")
    page.get_by_role("button", name="Confirm and sign in").click()
    page.get_by_role("heading", name="Your recovery codes").wait_for()
    assert page.locator("ol.codes li").count() == 10
    page.get_by_role("button", name="I have saved them — continue").click()
    page.locator("#sign-out").wait_for()

    page.locator("#sign-out").click()
    page.get_by_label("User name").wait_for()
    _password_step(browser, server, "analyst")
    page.get_by_role("heading", name="Second step").wait_for()
    page.get_by_label("Code", exact=True).fill("000000")
    page.get_by_role("button", name="Verify").click()
    assert "Not signed in" in page.get_by_role("alert").inner_text()
    # the next time step: the enrolment spent this one, and a code is never accepted twice
    page.get_by_label("Code", exact=True).fill(totp.at(datetime.now(UTC) + timedelta(seconds=30)))
    browser.shot("mfa-second-step")
    page.get_by_role("button", name="Verify").click()
    page.locator("#sign-out").wait_for()

    page.locator("#my-sign-in").click()  # next to the user's name in the header
    page.get_by_role("heading", name="My sign-in").wait_for()
    page.get_by_role("cell", name="Authenticator app").first.wait_for()
    assert "Recovery codes left: 10" in page.locator("main").inner_text()
    browser.shot("mfa-my-sign-in")
