"""What a newcomer trips on, in the browser: canvass shows the registered cameras and explains an empty answer."""

from __future__ import annotations

from typing import Any

from e2e_support import Browser, Server  # isort: skip


def test_canvass_draws_the_registry_finds_the_example_and_explains_an_empty_answer(
    server: Server, browser: Browser, sign_in: Any
) -> None:
    page = browser.page
    sign_in(browser, "analyst")
    page.get_by_role("link", name="Canvass").click()
    page.locator("#canvass-map").wait_for()
    note = page.locator("#canvass-registry")
    note.get_by_text("shared cameras are drawn on the map").wait_for()
    shared = int(note.inner_text().split()[0])
    assert shared > 250  # the demo registry
    # the registry is drawn (one canvas layer with the dots) before any canvass
    page.wait_for_function("document.querySelectorAll('#canvass-map canvas').length > 0")
    browser.shot("newcomer-01-canvass-registry")

    # the intersection the form suggests finds a camera
    page.locator("#canvass-place").fill("Artesia Blvd & Norwalk Blvd")
    page.get_by_role("button", name="Find cameras").click()
    page.locator("#canvass-results").get_by_text("Traffic camera Artesia Blvd & Norwalk Blvd").first.wait_for()
    browser.shot("newcomer-02-canvass-example")

    # a point no camera sees: the answer says what was searched and which cameras are nearest
    page.locator("#canvass-place").fill("")
    page.locator("#canvass-lat").fill("33.880000")
    page.locator("#canvass-lon").fill("-118.088000")
    page.get_by_role("button", name="Find cameras").click()
    empty = page.locator("#canvass-empty")
    empty.wait_for()
    text = empty.inner_text()
    assert "No camera could have seen this place." in text
    assert f"Searched {shared} shared cameras" in text and "Nearest cameras:" in text
    assert " m away" in text
    assert empty.locator("li").count() == 3
    browser.shot("newcomer-03-canvass-empty")
