"""The what-if simulator screen in the browser: with an imported CAD history, the analyst picks the ready-made "unit
out of service" scenario, starts it, watches the progress bar reach 100 % and reads the response by priority beside
the baseline (with the distribution bars and unit utilisation); the screen also reads in Spanish."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from e2e_support import Browser, Server
from playwright.sync_api import expect

from rtcc.dispatch import history
from rtcc.dispatch.adapters.bench import synthetic_alexandria_csv
from rtcc.dispatch.adapters.cad_history import CadFile
from rtcc.identity.logic import SYSTEM

LONG = 120_000  # ms: a slow, shared machine


def test_a_scenario_started_from_the_screen_shows_beside_the_baseline(
    server: Server, browser: Browser, sign_in: Callable[[Browser, str], None], tmp_path: Path
) -> None:
    path = tmp_path / "alexandria.csv"
    path.write_text(synthetic_alexandria_csv(1500), encoding="utf-8")
    with server.runtime.db.uow() as s:
        assert history.import_file(s, CadFile(path), actor=SYSTEM).imported == 1500
    page = browser.page
    sign_in(browser, "analyst")
    page.goto(f"{server.base_url}/app/simulator")
    expect(page.get_by_role("heading", name="What-if simulator")).to_be_visible()
    picker = page.get_by_label("Ready-made scenario")
    label = picker.locator("option", has_text="out of service").first.inner_text()
    picker.select_option(label=label)
    expect(page.get_by_label("Scenario (JSON)")).to_have_value(__import__("re").compile("out_of_service"))
    page.get_by_label("Hours simulated per replication").fill("12")
    page.get_by_label("Replications").fill("3")
    page.get_by_role("button", name="Start the run").click()
    table = page.locator("#sim-results")
    expect(table).to_be_visible(timeout=LONG)
    expect(page.locator("#sim-progress")).to_have_attribute("value", "100")
    expect(page.locator("#sim-status")).to_contain_text("done")
    for priority in ("1", "2", "3", "4"):
        expect(table.locator("tbody tr", has=page.locator(f"td:text-is('{priority}')"))).to_have_count(1)
    expect(page.locator(".sim-bar.scen").first).to_be_attached()
    expect(page.get_by_role("table", name="Unit utilisation")).to_be_visible()
    browser.shot("simulator-result")
    page.locator("#lang").select_option("es")
    expect(page.get_by_role("heading", name="Simulador de escenarios")).to_be_visible()
