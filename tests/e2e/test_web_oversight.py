"""The contract oversight screens in the browser, on the demo city: the city's contract viewer opens /app/oversight,
sees response times by priority with confidence intervals and a data-quality score, the residential alarm change's
before/after (the after side's median below the before side's), the DEMO contract labelled as such, and downloads a
council report the supervisor filed (the download is audited with the viewer's role). In Spanish too."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from e2e_support import Browser, Server
from playwright.sync_api import expect
from sqlalchemy import select

from rtcc.audit.models import AuditEntry
from rtcc.demo import seed_oversight

LONG = 30_000  # ms: generous, for a slow machine
# the simulated history (about 9,600 calls) is imported in the test: more than the default 120 s on a busy machine
pytestmark = pytest.mark.timeout(300)


def test_the_contract_viewer_reads_kpis_the_alarm_change_the_contract_and_a_report(
    server: Server, browser: Browser, sign_in: Callable[[Browser, str], None]
) -> None:
    seed_oversight.seed_history(server.runtime.db)  # the demo loads it in the background after start
    filed = server.api("POST", "/api/v1/oversight/reports", "supervisor", json={"month": "2024-11"})
    assert filed.status_code == 201, filed.text
    page = browser.page
    sign_in(browser, "contract_viewer")
    page.get_by_role("link", name="Oversight").click()
    expect(page.get_by_role("heading", name="Contract oversight")).to_be_visible()
    kpis = page.locator("table.ov-kpis")
    expect(kpis).to_be_visible(timeout=LONG)
    expect(kpis.get_by_role("cell", name="Priority", exact=True)).to_be_visible()
    expect(kpis.get_by_role("cell", name="All calls")).to_be_visible()
    expect(kpis.locator(".ov-ci").first).to_have_text(re.compile(r"\(\d+\.\d\u2013\d+\.\d\)"))
    page.get_by_label("Group by").select_option("shift")
    page.get_by_role("button", name="Show").click()
    expect(kpis.get_by_role("cell", name="pm", exact=True)).to_be_visible(timeout=LONG)
    browser.shot("oversight-kpis")

    page.get_by_role("tab", name="Rule changes").click()
    change = page.locator("table.ov-change")
    expect(change).to_be_visible(timeout=LONG)
    expect(page.get_by_role("heading", name=re.compile(r"ALARM_BURG_RES: Routine to Priority"))).to_be_visible()
    medians = [float(x) for x in change.locator("tbody tr td:nth-child(3) strong").all_inner_texts()]
    assert len(medians) == 2 and medians[1] < 0.75 * medians[0]
    expect(page.locator(".ov-diff")).to_contain_text("Difference in median response: -")
    browser.shot("oversight-change")

    page.get_by_role("tab", name="Contract").click()
    expect(page.get_by_text("DEMO values: not the real agreement.")).to_be_visible()
    expect(page.get_by_role("table", name=re.compile("Response-time targets"))).to_contain_text("Emergent")

    page.get_by_role("tab", name="Council reports").click()
    expect(page.get_by_role("cell", name="2024-11", exact=True)).to_be_visible()
    assert page.get_by_role("button", name="Generate").count() == 0  # read-only
    with page.expect_download() as dl:
        page.get_by_role("link", name="Download 2024-11 PDF").click()
    assert dl.value.suggested_filename == "council-report-2024-11.pdf"
    with server.runtime.db.read() as s:
        roles = s.scalars(select(AuditEntry.actor_role).where(AuditEntry.action == "oversight.report.read")).all()
    assert "contract_viewer" in roles

    page.locator("#lang").select_option("es")
    expect(page.get_by_role("heading", name="Supervisión del contrato")).to_be_visible()
    expect(page.get_by_role("tab", name="Informes al concejo")).to_be_visible()
