"""The war-room wall in a real browser: login, the Makassar map, the live feed, the language switch.

Drives Debian's Chromium (/usr/bin/chromium) through Playwright's Python API against the real
uvicorn server of `live_server`, because what can break here is what only a browser runs: the
Content-Security-Policy (no inline script), Leaflet drawing the imported boundaries, clicks on
SVG paths, the EventSource stream with the session cookie, and the JS translations. Playwright's
own browsers are never downloaded.

`WARROOM_TEST_UPDATE_SCREENSHOTS=1` also copies the screenshot to docs/img/wall.png.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pytest
from pydantic import BaseModel

from conftest import PASSWORD, ROOT, add_user, missing
from warroom.bus import Event
from warroom.container import WarRoom

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WALL_SIZE = {"width": 1920, "height": 1080}  # the wall screen on the 10th floor
FEED_DEADLINE_S = 2.0
DOCS_SCREENSHOT = ROOT / "docs" / "img" / "wall.png"
# Chromium logs every failed fetch; the wrong-password attempt is one on purpose.
EXPECTED_CONSOLE = re.compile(r"Failed to load resource: the server responded with a status of 401")

# The first kecamatan path (largest first) whose middle is really that path on screen, so a
# click there hits it rather than a neighbour, the sea inside its bounding box or the info panel.
CLICKABLE_AREA_JS = """
([selector, codes]) => {
  const paths = [...document.querySelectorAll(selector)]
    .filter((p) => codes === null || codes.includes(p.dataset.code))
    .map((p) => ({ p, r: p.getBoundingClientRect() }))
    .sort((a, b) => b.r.width * b.r.height - a.r.width * a.r.height);
  for (const { p, r } of paths) {
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    if (document.elementFromPoint(x, y) === p) return { code: p.dataset.code, x, y };
  }
  return null;
}
"""

# Notes the wall-clock time (ms) each feed entry appears, to measure latency inside the page.
WATCH_FEED_JS = """
() => {
  window.__feedSeen = {};
  new MutationObserver(() => {
    for (const li of document.querySelectorAll(".feed-entry")) {
      window.__feedSeen[li.dataset.eventId] ??= Date.now();
    }
  }).observe(document.getElementById("feed-list"), { childList: true });
}
"""

UNTRANSLATED_JS = """
async () => {
  const i18n = await import("/static/i18n.js");
  const keys = new Set([...document.querySelectorAll("[data-i18n]")].map((el) => el.dataset.i18n));
  for (const el of document.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of el.dataset.i18nAttr.split(";")) keys.add(pair.split(":")[1]);
  }
  const missing = [...keys].filter((k) => !i18n.hasTranslation(k, "id") || !i18n.hasTranslation(k, "en"));
  return [...missing, ...i18n.untranslated()];
}
"""


class Note(BaseModel):
    text: str
    kelurahan: str


class NoteEvent(Event):
    type: Literal["test.note"] = "test.note"
    payload: Note


@pytest.fixture
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        missing("browser", f"{CHROMIUM} is not installed (Debian: apt install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def watch_for_problems(page: Page) -> list[str]:
    """Uncaught JS errors, CSP violations and failed loads the page reports, for the final check."""
    problems: list[str] = []
    page.on("pageerror", lambda err: problems.append(f"JS error: {err}"))
    page.on(
        "console",
        lambda msg: problems.append(f"console: {msg.text}")
        if msg.type == "error" and not EXPECTED_CONSOLE.search(msg.text)
        else None,
    )
    page.on("response", lambda r: problems.append(f"HTTP {r.status} {r.url}") if r.status >= 404 else None)
    return problems


def click_area(page: Page, selector: str, codes: list[str] | None = None) -> str:
    """Click the middle of a visible area path; returns its code."""
    spot: dict[str, Any] | None = page.evaluate(CLICKABLE_AREA_JS, [selector, codes])
    assert spot is not None, f"no {selector} has its own middle visible on the map"
    page.mouse.click(spot["x"], spot["y"])
    return str(spot["code"])


def test_wall_signs_in_shows_makassar_and_streams_events(
    makassar: WarRoom, live_server: str, browser: Browser, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    started = time.monotonic()
    wr = makassar
    add_user(wr, "operator1", "operator")
    kecamatan = {f["properties"]["code"]: f["properties"] for f in wr.city.areas_geojson("kecamatan")["features"]}
    kelurahan = [f["properties"] for f in wr.city.areas_geojson("kelurahan")["features"]]
    assert (len(kecamatan), len(kelurahan)) == (15, 153), "the Makassar fixture changed"

    context = browser.new_context(viewport=WALL_SIZE, locale="id-ID", timezone_id="Asia/Makassar")
    page = context.new_page()
    problems = watch_for_problems(page)

    # Signed out: the wall sends us to the login page.
    page.goto(f"{live_server}/")
    expect(page).to_have_url(f"{live_server}/login")
    expect(page).to_have_title("warroom — War Room")
    expect(page.locator("label[for=username]")).to_have_text("Nama pengguna")

    # The login page switches language in place.
    page.click("[data-set-lang=en]")
    expect(page.locator("label[for=username]")).to_have_text("User name")
    expect(page.locator("button[type=submit]")).to_have_text("Sign in")
    assert page.evaluate("document.documentElement.lang") == "en"

    # A wrong password shows the server's message and stays on the page.
    page.fill("#username", "operator1")
    page.fill("#password", "not-the-password")
    page.click("button[type=submit]")
    expect(page.locator("#login-error")).to_be_visible()
    expect(page.locator("#login-error")).to_contain_text("wrong user name or password")
    expect(page).to_have_url(f"{live_server}/login")

    # Back to Indonesian (remembered for the wall), then the right password.
    page.click("[data-set-lang=id]")
    expect(page.locator("label[for=username]")).to_have_text("Nama pengguna")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{live_server}/")

    # The header: the city from the API, not a sample, and who is signed in.
    expect(page.locator("#city-name")).to_have_text("Kota Makassar")
    expect(page.locator("#sample-badge")).to_be_hidden()
    expect(page.locator("#user-name")).to_have_text("operator1")
    expect(page.locator("#user-role")).to_have_text("Operator")
    expect(page.locator("[data-kpi=cameras] .kpi-label")).to_have_text("Kamera")
    for name in ("cameras", "apps", "reports", "incidents"):
        expect(page.locator(f"[data-kpi={name}] .kpi-value")).to_have_text("—")
    assert page.evaluate("window.warroom.setKpi('cameras', 1234)") is True
    expect(page.locator("[data-kpi=cameras] .kpi-value")).to_have_text("1.234")

    # The map: every boundary drawn, one path per area.
    expect(page.locator("path.area-kecamatan")).to_have_count(15)
    expect(page.locator("path.area-kelurahan")).to_have_count(153)
    expect(page.locator("#map-status")).to_be_hidden()

    # A click on a kecamatan shows it; a second click inside picks one of its kelurahan.
    info = page.locator("#area-info")
    expect(info).to_be_hidden()
    code = click_area(page, "path.area-kecamatan")
    expect(info).to_be_visible()
    expect(info.locator(".area-name")).to_have_text(kecamatan[code]["name"])
    expect(info.locator("[data-field=code]")).to_have_text(code)
    expect(info.locator("[data-field=level]")).to_have_text("Kecamatan")
    expect(info.locator("[data-field=kelurahan_count]")).to_have_text(str(kecamatan[code]["kelurahan_count"]))
    inside = [k["code"] for k in kelurahan if k["kecamatan_code"] == code]
    kel_code = click_area(page, "path.area-kelurahan", inside)
    kel = next(k for k in kelurahan if k["code"] == kel_code)
    expect(info.locator(".area-name")).to_have_text(kel["name"])
    expect(info.locator("[data-field=kecamatan_name]")).to_have_text(kecamatan[code]["name"])

    # The live feed: "live" once the server's `ready` event says the stream is subscribed; an
    # event published on the bus is then on the wall within 2 s.
    status = page.locator("#feed-status")
    expect(status).to_have_attribute("data-state", "live")
    expect(status).to_have_text("Langsung")
    page.evaluate(WATCH_FEED_JS)
    event = NoteEvent(source="test", payload=Note(text="Genangan air di Jl. Perintis Kemerdekaan", kelurahan=kel["name"]))
    published_ms = time.time() * 1000
    published = time.monotonic()
    wr.bus.publish(event)
    entry = page.locator(f'.feed-entry[data-event-id="{event.id}"]')
    entry.wait_for(state="visible", timeout=FEED_DEADLINE_S * 1000)
    seen_by_test = time.monotonic() - published
    seen_in_page = (page.evaluate(f"window.__feedSeen[{event.id!r}]") - published_ms) / 1000
    print(f"\nfeed latency: {seen_in_page * 1000:.0f} ms in the page, {seen_by_test * 1000:.0f} ms seen by the test")
    assert seen_by_test < FEED_DEADLINE_S
    expect(entry).to_have_attribute("data-event-type", "test.note")
    expect(entry.locator(".feed-type")).to_have_text("test.note")  # no label registered: the raw type
    expect(entry.locator(".feed-source")).to_have_text("test")
    expect(entry.locator(".feed-summary")).to_contain_text("text: Genangan air di Jl. Perintis Kemerdekaan")
    expect(entry.locator(".feed-time")).to_have_text(re.compile(r"^\d\d:\d\d:\d\d$"))
    expect(page.locator(".feed-empty")).to_have_count(0)

    # English at the click of a button, without a reload, and remembered.
    page.click("[data-set-lang=en]")
    expect(page.locator("[data-kpi=cameras] .kpi-label")).to_have_text("Cameras")
    expect(page.locator("[data-kpi=reports] .kpi-label")).to_have_text("Citizen reports")
    expect(page.locator("[data-kpi=cameras] .kpi-value")).to_have_text("1,234")
    expect(status).to_have_text("Live")
    expect(info.locator("[data-field=level]")).to_have_text("Urban village (kelurahan)")
    expect(page.locator("#logout")).to_have_text("Sign out")
    assert page.evaluate("localStorage.getItem('warroom.lang')") == "en"
    assert page.evaluate(UNTRANSLATED_JS) == []
    expect(page.locator(".feed-entry")).to_have_count(1)  # the switch redrew, it did not reload

    # The picture for the docs: Indonesian, as operators see it; no made-up KPI value.
    page.click("[data-set-lang=id]")
    expect(page.locator("[data-kpi=cameras] .kpi-label")).to_have_text("Kamera")
    page.evaluate("window.warroom.setKpi('cameras', null)")
    shot = tmp_path / "wall.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    if os.environ.get("WARROOM_TEST_UPDATE_SCREENSHOTS") == "1":
        DOCS_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, DOCS_SCREENSHOT)

    # Signing out ends the session: the wall sends us back to the login page.
    page.click("#logout")
    expect(page).to_have_url(f"{live_server}/login")
    page.goto(f"{live_server}/")
    expect(page).to_have_url(f"{live_server}/login")

    context.close()
    assert problems == []
    print(f"browser part took {time.monotonic() - started:.1f} s")
