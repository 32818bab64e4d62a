"""The hotlist screen's tolerance choice in a real browser: each tolerance shown with its expected false alerts for
the list, a large list's k = 1 warned about and refused until the false alerts are explicitly accepted, the choice
saved (checked against the API), Spanish text, and the import form's force option and merged-lines report."""

from __future__ import annotations

import re
import uuid
from typing import Any

import numpy as np
from e2e_support import Browser, Server

from rtcc.bench import _gen


def _make_large_list(server: Server) -> tuple[str, str]:
    name = f"E2E large {uuid.uuid4().hex[:6]}"
    created = server.api("POST", "/api/v1/hotlists", "supervisor", json={"name": name, "category": "stolen_vehicle"})
    assert created.status_code == 201, created.text
    hid = created.json()["id"]
    plates = sorted(set(_gen.plates(np.random.default_rng(11), 1_300, "CA")))[:1_200]
    rows = "".join(f"{p},CA\n" for p in plates)
    imported = server.api(
        "POST",
        f"/api/v1/hotlists/{hid}/import",
        "supervisor",
        params={"format": "csv", "filename": "large.csv"},
        content=f"plate,state\n{rows}".encode(),
    )
    assert imported.status_code == 200 and imported.json()["entries"] == 1_200, imported.text
    return hid, name


def _open_list(browser: Browser, server: Server, name: str) -> Any:
    page = browser.page
    page.goto(f"{server.base_url}/app/hotlists")
    page.locator("#hotlists tbody tr").filter(has_text=name).get_by_role("button").click()
    page.locator("#hotlist-tolerance table").wait_for()
    return page


def test_tolerance_is_chosen_beside_its_cost_and_confirmed_on_a_large_list(
    server: Server, browser: Browser, sign_in: Any
) -> None:
    hid, name = _make_large_list(server)
    sign_in(browser, "supervisor")
    page = _open_list(browser, server, name)
    card = page.locator("#hotlist-tolerance")
    rows = card.locator("table tbody tr")
    assert rows.count() == 3
    assert "(current)" in rows.nth(0).inner_text()
    costs = [rows.nth(i).locator("td").nth(1).inner_text() for i in range(3)]
    assert all(re.fullmatch(r"[\d.,]+\s?%", c) for c in costs), costs
    report = server.api("GET", f"/api/v1/hotlists/{hid}/tolerance", "supervisor").json()
    assert report["options"][1]["estimated_false_hit_rate"] > report["options"][0]["estimated_false_hit_rate"]

    choice = card.get_by_role("combobox", name="Tolerance", exact=True)
    assert choice.input_value() == "0"
    assert card.locator("#tolerance-cost").inner_text().startswith("Expected false alerts: about")
    assert card.locator("#tolerance-warning").inner_text() == ""
    assert not card.get_by_label("I accept the false alerts this tolerance raises on this list").is_visible()

    choice.select_option("1")
    warning = card.locator("#tolerance-warning")
    assert "at most 1,000 entries; this one has 1,200" in warning.inner_text()
    accept = card.get_by_label("I accept the false alerts this tolerance raises on this list")
    assert accept.is_visible() and not accept.is_checked()
    card.locator("form").scroll_into_view_if_needed()
    browser.shot("hotlists-01-tolerance-warning")
    card.get_by_role("button", name="Save the tolerance").click()
    card.get_by_text("Tick the box to accept the false alerts, or keep tolerance 0.").wait_for()
    assert server.api("GET", f"/api/v1/hotlists/{hid}", "supervisor").json()["max_diff"] == 0

    accept.check()
    card.get_by_role("button", name="Save the tolerance").click()
    card.get_by_text(f"{name} now tolerates 1.").wait_for()
    got = server.api("GET", f"/api/v1/hotlists/{hid}", "supervisor").json()
    assert (got["max_diff"], got["allow_large_fuzzy"]) == (1, True)
    assert "(current)" in card.locator("table tbody tr").nth(1).inner_text()
    assert page.locator("#hotlists tbody tr").filter(has_text=name).locator("td").nth(3).inner_text() == "1"

    card.get_by_role("combobox", name="Tolerance", exact=True).select_option(
        "0"
    )  # back to exact: no confirmation needed
    card.get_by_role("button", name="Save the tolerance").click()
    card.get_by_text(f"{name} now tolerates 0.").wait_for()
    got = server.api("GET", f"/api/v1/hotlists/{hid}", "supervisor").json()
    assert (got["max_diff"], got["allow_large_fuzzy"]) == (0, False)

    page.locator("#lang").select_option("es")
    page = _open_list(browser, server, name)
    card = page.locator("#hotlist-tolerance")
    card.get_by_role("heading", name=f"Tolerancia de coincidencia de {name}").wait_for()
    card.get_by_role("combobox", name="Tolerancia", exact=True).select_option("1")
    assert "es para listas de hasta 1000 registros; esta tiene 1200" in re.sub(
        r"[\s\u202f\u00a0.,](?=\d{3}\b)", "", card.locator("#tolerance-warning").inner_text()
    )
    assert card.locator("#tolerance-cost").inner_text().startswith("Alertas falsas esperadas: cerca del")
    card.locator("form").scroll_into_view_if_needed()
    browser.shot("hotlists-02-tolerance-es")
    page.locator("#lang").select_option("en")


def test_new_lists_default_to_exact_matching_and_imports_report_merged_lines(
    server: Server, browser: Browser, sign_in: Any, tmp_path: Any
) -> None:
    sign_in(browser, "supervisor")
    page = browser.page
    page.goto(f"{server.base_url}/app/hotlists")
    create = page.locator('form[aria-label="Create a hotlist"]')
    assert create.get_by_label("Tolerance", exact=True).input_value() == "0"
    name = f"E2E BOLO {uuid.uuid4().hex[:6]}"
    create.get_by_label("Name").fill(name)
    create.get_by_role("button", name="Create a hotlist").click()
    row = page.locator("#hotlists tbody tr").filter(has_text=name)
    row.wait_for()
    assert row.locator("td").nth(3).inner_text() == "0"

    row.get_by_role("button").click()
    page.locator("#hotlist-tolerance").get_by_text(
        "The list is empty: its cost is estimated once it has entries."
    ).first.wait_for()
    record, other = b"ABC1234 CA1220190515\n", b"XYZ999  CA0220180430\n"
    wrong = b"DATE01/15/2024 06:00\n" + record * 3 + other + b"TOTAL RECORD 0000005\n"
    path = tmp_path / "svs.tbl"
    path.write_bytes(wrong)
    imp = page.locator('form[aria-label="Import a file"]')
    imp.locator("#hotlist-file").set_input_files(str(path))
    imp.get_by_role("button", name="Import a file").click()
    imp.get_by_text(re.compile(r"svs\.tbl:6: the trailer says 5 records but the file holds 4")).wait_for()
    imp.get_by_label("Accept a CLEW file whose trailer count disagrees with its records").check()
    imp.locator("#hotlist-file").set_input_files(str(path))
    imp.get_by_role("button", name="Import a file").click()
    imp.get_by_text("Imported 2 entries (2 added, 0 removed, 2 identical lines merged).").wait_for()
