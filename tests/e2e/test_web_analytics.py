"""The analytics screens in the browser: an analyst sees this week's forecast with the model in use named and its
backtest beside the map (PAI, PEI, hit rate vs the naive baselines), and the placement panel proposes the next ALPR
camera and drone dock; a visitor without an account opens the public crime map on a phone, in English and Spanish,
with the masking rule printed and no exact location on the page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from e2e_support import Browser, Server


def test_analyst_sees_the_forecast_with_its_backtest_and_placement(
    server: Server, browser: Browser, sign_in: Callable[[Browser, str], None]
) -> None:
    if not server.has_api("/api/v1/analytics/forecasts"):
        pytest.skip("analytics is not installed in this build")
    page = browser.page
    sign_in(browser, "analyst")
    page.goto(f"{server.base_url}/app/analytics")
    # the test server seeds incidents but not forecasts (the demo computes them in the background): none is stored
    # yet, so the analyst recomputes them on demand
    page.locator("#no-forecast").wait_for()
    page.locator("#refresh").click()
    page.locator("#model-used").wait_for(timeout=120_000)
    model = page.locator("#model-used").inner_text()
    assert "won the backtest" in model
    rows = page.locator("#backtest tbody tr")
    models = {rows.nth(i).get_attribute("data-model") for i in range(rows.count())}
    assert {"naive_last", "naive_all"} <= models  # the baselines sit beside the winner
    assert page.locator("#backtest tr.winner").count() == 1
    page.wait_for_function("document.querySelectorAll('path.flagged-cell').length > 0")
    flagged_quarter = page.locator("path.flagged-cell").count()
    page.locator("#area").select_option("0.75")
    page.wait_for_function(f"document.querySelectorAll('path.flagged-cell').length > {flagged_quarter}")
    browser.shot("60-analytics-forecast")
    page.locator("#propose").click()
    page.locator("#placement .placement-alpr li.proposed").first.wait_for()
    page.locator("#placement .placement-drone_dock li.proposed").first.wait_for()
    page.locator("#placement .placement-rebate li.proposed").first.wait_for()
    assert "+" in page.locator("#placement .placement-alpr li.proposed").first.inner_text()
    browser.shot("61-analytics-placement", full_page=True)


def test_public_crime_map_on_a_phone_without_signing_in(server: Server, phone: Browser) -> None:
    if not server.has_api("/api/v1/public/crime-map"):
        pytest.skip("the public crime map is not installed in this build")
    page = phone.page
    page.goto(f"{server.base_url}/portal/crime")
    page.locator("#mask-rule").wait_for()
    assert "hundred block" in page.locator("#mask-rule").inner_text()
    page.wait_for_function("document.querySelectorAll('path.crime-dot').length > 0")
    assert page.locator("#crime-list li.crime-item").count() > 0
    assert page.locator("#crime-weekly table").count() > 0
    text = page.locator("#crime-list").inner_text()
    assert " block of " in text
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    phone.shot("62-public-crime-map-phone", full_page=True)
    page.locator("#lang").select_option("es")
    page.get_by_text("Privacidad: ninguna casa puede ser identificada", exact=False).wait_for()
    assert page.get_by_role("link", name="Mapa del delito").count() >= 1
