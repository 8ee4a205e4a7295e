"""The cameras in a real browser: the wall's camera layer, KPI and broken list, the camera wall
and the camera page.

300 demo cameras of Makassar (30 road, 270 lorong; synthetic streams, some with faults in their
URL) are registered through the service and checked by one real sweep, so the states, snapshots
and history the pages show are the product's own. The last few cameras stay unchecked
("unknown"): one of them is checked during the test, which publishes a real
`camera.health_changed` event that the open wall must show without reloading.

Same Chromium as test_wall_browser.py (Debian's, never a downloaded one).
`WARROOM_TEST_UPDATE_SCREENSHOTS=1` also copies the wall's screenshot to docs/img/cameras.png.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from conftest import PASSWORD, ROOT, add_user
from test_wall_browser import UNTRANSLATED_JS, WALL_SIZE, browser, watch_for_problems  # noqa: F401 (fixture)

from warroom.auth.principal import cli_principal
from warroom.cameras.service import CameraFilter
from warroom.container import WarRoom
from warroom.demo.cameras import demo_cameras

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

ROAD, LORONG = 30, 270
CAMERAS = ROAD + LORONG
UNCHECKED = 5  # the last cameras are never swept: "unknown" until the test checks one
BROKEN = {"offline", "frozen", "black", "blurred", "covered", "moved"}
PAGE_SIZE = 24
SWEEP_BUDGET_S = 20.0
DOCS_SCREENSHOT = ROOT / "docs" / "img" / "cameras.png"

# The cameras on screen once markercluster has drawn: the sum of the cluster icons' totals plus
# the single markers. None while the layer is still building.
VISIBLE_JS = "() => window.warroom.cameras?.loaded ? window.warroom.cameras.visible().cameras : null"


def run(coro: Any) -> Any:
    """Await `coro` in a thread of its own: Playwright's sync API keeps an event loop in this one."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def id_number(n: int) -> str:
    """A count as the Indonesian wall writes it (1.234)."""
    return f"{n:,}".replace(",", ".")


def count(wr: WarRoom, **filters: Any) -> int:
    return wr.cameras.list(CameraFilter(**filters), limit=1).total


def register_cameras(wr: WarRoom, **sizes: int) -> int:
    """The demo cameras (Makassar's 230 road and 7,260 lorong unless `road`/`lorong` say fewer)."""
    with resources.as_file(resources.files("warroom.demo") / "agencies.csv") as agencies:
        wr.city.import_agencies(agencies, actor=cli_principal())
    wr.cameras.create_many(demo_cameras(wr, **sizes), actor=cli_principal())
    return wr.cameras.count()


def sign_in(page: Page, base: str, username: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base}/")


def wait_visible(page: Page, cameras: int) -> None:
    """Until the map shows exactly `cameras` cameras in its clusters and single markers."""
    page.wait_for_function(f"() => ({VISIBLE_JS})() === {cameras}", timeout=10_000)


def test_cameras_on_the_wall_camera_wall_and_camera_page(
    makassar: WarRoom, live_server: str, browser: Browser, tmp_path: Path  # noqa: F811 (fixture)
) -> None:
    from playwright.sync_api import expect

    started = time.monotonic()
    wr = makassar
    add_user(wr, "operator1", "operator")
    add_user(wr, "viewer1", "viewer")
    assert register_cameras(wr, road=ROAD, lorong=LORONG) == CAMERAS
    ids = [c.id for c in wr.cameras.list(CameraFilter(), limit=CAMERAS).items]
    swept = time.monotonic()
    report = run(wr.sweeper.sweep(ids[:-UNCHECKED]))
    sweep_s = time.monotonic() - swept
    print(f"\nsweep of {report.cameras} cameras: {sweep_s:.1f} s, observed {report.observed}")
    assert report.errors == 0
    assert sweep_s < SWEEP_BUDGET_S

    summary = wr.cameras.summary()
    assert summary.total == CAMERAS and summary.by_state.get("unknown") == UNCHECKED
    assert 0 < count(wr, health="broken") < CAMERAS - UNCHECKED, "the demo's faults should break some"

    context = browser.new_context(viewport=WALL_SIZE, locale="id-ID", timezone_id="Asia/Makassar")
    page = context.new_page()
    problems = watch_for_problems(page)

    # Signed out, the camera pages send us to the login page like the wall.
    for path in ("/cameras", f"/cameras/{ids[0]}"):
        page.goto(f"{live_server}{path}")
        expect(page).to_have_url(f"{live_server}/login")
    sign_in(page, live_server, "operator1")

    # ---- the wall: camera layer ----------------------------------------------------------------
    count_label = page.locator("[data-camera-count]")
    expect(count_label).to_have_attribute("data-total", str(CAMERAS), timeout=10_000)
    expect(count_label).to_have_text(f"{CAMERAS} dari {CAMERAS} kamera")
    stats = page.evaluate("window.warroom.cameras.stats")
    print(f"camera layer: {stats['cameras']} markers built in {stats['buildMs']} ms (fetch {stats['fetchMs']} ms)")
    wait_visible(page, CAMERAS)
    # A first real check while the wall is open: the feed shows it (and so does the docs picture).
    run(wr.sweeper.check_now(ids[-2]))
    expect(page.locator('.feed-entry[data-event-type="camera.health_changed"]')).to_have_count(1)
    summary = wr.cameras.summary()
    broken = count(wr, health="broken")
    online = summary.by_state.get("online", 0)
    assert broken == sum(n for state, n in summary.by_state.items() if state in BROKEN)
    clusters = page.locator(".camera-cluster .cc-ring")
    assert clusters.count() > 0, "zoomed out, the cameras should be clustered"
    shown_broken = sum(int(b) for b in clusters.evaluate_all("els => els.map((e) => e.dataset.broken)"))
    assert 0 < shown_broken <= broken

    # KPI tile: online of enabled cameras, with the broken count under it.
    kpi = page.locator("[data-kpi=cameras]")
    expect(kpi.locator(".kpi-value")).to_have_text(f"{id_number(online)} / {id_number(summary.enabled)}")
    expect(kpi.locator(".kpi-note")).to_have_text(f"daring · {id_number(broken)} rusak")
    expect(kpi).not_to_have_class(re.compile(r"is-empty"))

    # Broken by kecamatan: the worst five with any broken camera, in the API's order.
    worst = [k for k in summary.by_kecamatan if k.broken > 0][:5]
    rows = page.locator("#broken-list li")
    expect(rows).to_have_count(len(worst))
    for row, k in zip(rows.all(), worst):
        expect(row).to_have_attribute("data-code", k.code)
        expect(row.locator(".broken-name")).to_have_text(k.name)
        expect(row.locator(".broken-count")).to_have_text(id_number(k.broken))

    # The screenshot for the docs: the whole city with its cameras, as operators see it.
    shot = tmp_path / "cameras.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    if os.environ.get("WARROOM_TEST_UPDATE_SCREENSHOTS") == "1":
        DOCS_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, DOCS_SCREENSHOT)

    # Filters work on the loaded cameras; the count and the map agree with the API.
    def expect_shown(n: int) -> None:
        expect(count_label).to_have_attribute("data-shown", str(n))
        wait_visible(page, n)

    page.select_option("#camera-health", "broken")
    expect_shown(broken)
    expect(count_label).to_have_text(f"{id_number(broken)} dari {CAMERAS} kamera")
    page.select_option("#camera-kind", "road")
    expect_shown(count(wr, health="broken", kind="road"))
    page.select_option("#camera-health", "")
    expect_shown(ROAD)
    page.select_option("#camera-kind", "")
    kec = summary.by_kecamatan[0]
    expect(page.locator(f'#camera-kecamatan option[value="{kec.code}"]')).to_have_text(kec.name)
    page.select_option("#camera-kecamatan", kec.code)
    expect_shown(count(wr, kecamatan=kec.code))
    page.click("[data-action=reset]")
    expect_shown(CAMERAS)
    # A legend entry filters by its state; a second click clears it.
    offline = page.locator('.legend-item[data-state="offline"]')
    expect(offline.locator(".legend-count")).to_have_text(str(summary.by_state.get("offline", 0)))
    offline.click()
    expect_shown(summary.by_state.get("offline", 0))
    expect(page.locator("#camera-health")).to_have_value("offline")
    offline.click()
    expect_shown(CAMERAS)

    # A marker's popup: name, kind, area, state, snapshot and a link to the camera page.
    pictured = next(c for c in wr.cameras.list(CameraFilter(health="broken"), limit=1000).items if c.snapshot_at)
    assert page.evaluate(f"window.warroom.cameras.focus({pictured.id})") is True
    marker = page.locator(f'path.camera-marker[data-camera-id="{pictured.id}"]')
    expect(marker).to_have_attribute("data-state", pictured.health.state)
    marker.click()
    popup = page.locator(".camera-popup").last  # a closed popup fades out for a moment
    expect(popup.locator(".pop-name")).to_have_text(pictured.name)
    expect(popup.locator(".pop-facts .badge")).to_have_attribute("data-state", pictured.health.state)
    assert pictured.kecamatan is not None
    expect(popup.locator(".pop-facts")).to_contain_text(pictured.kecamatan.name)
    image = popup.locator(".pop-snap img")
    expect(image).to_have_attribute("src", re.compile(rf"/api/v1/cameras/{pictured.id}/snapshot\.jpg\?at="))
    page.wait_for_function("img => img.complete && img.naturalWidth === 320", arg=image.element_handle())
    expect(popup.locator("a.pop-open")).to_have_attribute("href", f"/cameras/{pictured.id}")

    # ---- live: a real check of an unchecked camera publishes camera.health_changed ------------
    expect(page.locator("#feed-status")).to_have_attribute("data-state", "live")
    fresh = wr.cameras.get(ids[-1])
    assert fresh.health.state == "unknown"
    assert page.evaluate(f"window.warroom.cameras.focus({fresh.id})") is True
    marker = page.locator(f'path.camera-marker[data-camera-id="{fresh.id}"]')
    expect(marker).to_have_attribute("data-state", "unknown")
    result = run(wr.sweeper.check_now(fresh.id))
    assert result.state != "unknown"
    after = wr.cameras.summary()
    entry = page.locator('.feed-entry[data-event-type="camera.health_changed"]').first
    expect(entry.locator(".feed-type")).to_have_text("Kesehatan kamera berubah")
    state_name = {"online": "Daring", "offline": "Luring", "black": "Gelap", "blurred": "Buram", "covered": "Tertutup"}
    expect(entry.locator(".feed-summary")).to_have_text(f"{fresh.name}: Belum dicek → {state_name[result.state]}")
    expect(marker).to_have_attribute("data-state", result.state)  # recoloured in place, no reload
    expect(kpi.locator(".kpi-value")).to_have_text(
        f"{id_number(after.by_state.get('online', 0))} / {id_number(after.enabled)}"
    )
    expect(page.locator('.legend-item[data-state="unknown"] .legend-count')).to_have_text(str(UNCHECKED - 2))
    assert page.evaluate("window.warroom.cameras.stats.cameras") == CAMERAS  # updated, not refetched
    # A click on the feed entry shows that camera on the map with its popup.
    entry.click()
    expect(popup.locator(".pop-name")).to_have_text(fresh.name)

    # English, without a reload; every key on the page is translated.
    page.click("[data-set-lang=en]")
    expect(kpi.locator(".kpi-note")).to_have_text(re.compile(r"^online · \d+ broken$"))
    expect(count_label).to_have_text(f"{CAMERAS} of {CAMERAS} cameras")
    expect(entry.locator(".feed-type")).to_have_text("Camera health changed")
    expect(entry.locator(".feed-summary")).to_contain_text("Not checked yet →")
    assert page.evaluate(UNTRANSLATED_JS) == []
    page.click("[data-set-lang=id]")

    # ---- the camera wall ------------------------------------------------------------------------
    page.click(".camera-wall-link")
    expect(page).to_have_url(f"{live_server}/cameras")
    tiles = page.locator(".cam-tile")
    expect(tiles).to_have_count(PAGE_SIZE)
    expect(page.locator("#camwall-range")).to_have_text(f"1–{PAGE_SIZE} dari {CAMERAS}")
    expect(tiles.locator(".badge")).to_have_count(PAGE_SIZE)
    first = wr.cameras.list(CameraFilter(), limit=1).items[0]
    expect(tiles.first.locator(".tile-name")).to_have_text(first.name)
    expect(tiles.first.locator("a")).to_have_attribute("href", f"/cameras/{first.id}")
    page.click("#camwall-next")
    expect(page.locator("#camwall-range")).to_have_text(f"{PAGE_SIZE + 1}–{2 * PAGE_SIZE} dari {CAMERAS}")
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(tiles.first).to_have_attribute("data-camera-id", str(ids[PAGE_SIZE]))
    page.select_option("#camwall-filters select[name=health]", "broken")
    expect(page.locator("#camwall-range")).to_have_text(f"1–{min(PAGE_SIZE, broken)} dari {broken}")
    expect(page.locator("#camwall-prev")).to_be_disabled()
    states = tiles.evaluate_all("els => els.map((e) => e.dataset.state)")
    assert states and set(states) <= BROKEN
    page.screenshot(path=str(tmp_path / "camera-wall.png"))
    assert page.evaluate(UNTRANSLATED_JS) == []
    page.fill("#camwall-filters input[name=q]", pictured.name)
    expect(tiles).to_have_count(1)
    expect(page).to_have_url(re.compile(r"health=broken&q="))
    expect(tiles.first.locator(".badge")).to_have_attribute("data-state", pictured.health.state)
    page.wait_for_function(
        "() => { const i = document.querySelector('.cam-tile img'); return i && i.complete && i.naturalWidth > 0; }"
    )

    # ---- the camera page --------------------------------------------------------------------------
    tiles.first.locator("a").click()
    expect(page).to_have_url(f"{live_server}/cameras/{pictured.id}")
    expect(page.locator("#camera-name")).to_have_text(pictured.name)
    expect(page.locator("#camera-state .badge")).to_have_attribute("data-state", pictured.health.state)
    history = page.locator("#history-rows tr")
    expect(history).to_have_count(len(wr.cameras.history(pictured.id)))
    expect(history.first.locator(".history-change")).to_have_text(
        re.compile(rf"^Belum dicek → {state_name[pictured.health.state]}$")
    )
    expect(page.locator('.uptime li[data-window="24h"] .uptime-value')).to_have_text("0%")
    expect(page.locator("#camera-snapshot img")).to_be_visible()
    expect(page.locator('[data-key="camera.kecamatan"]')).to_contain_text(pictured.kecamatan.name)
    check = page.locator("#check-now")
    expect(check).to_be_enabled()
    check.click()
    result_box = page.locator("#check-result")
    expect(result_box).to_be_visible(timeout=15_000)
    expect(result_box.locator('[data-field="check-observed"] .badge')).to_have_attribute(
        "data-state", re.compile(r"^(online|offline|frozen|black|blurred|covered|moved)$")
    )
    expect(result_box.locator('[data-field="check-state"] .badge')).to_have_attribute(
        "data-state", wr.cameras.get(pictured.id).health.state
    )
    assert result_box.locator(".metrics div").count() > 0
    expect(check).to_have_text("Cek sekarang")
    page.screenshot(path=str(tmp_path / "camera.png"))
    assert page.evaluate(UNTRANSLATED_JS) == []
    page.click('[data-nav="wall"]')
    expect(page).to_have_url(f"{live_server}/")
    context.close()
    assert problems == []

    # Other roles see the camera page without "Check now"; an agency officer sees another
    # agency's camera without its pictures (the page does not even ask for them).
    other_agency = "DISKOMINFO" if pictured.agency_code == "DISHUB" else "DISHUB"
    add_user(wr, "officer1", "agency_officer", agency=other_agency)
    for username, pictures in (("viewer1", True), ("officer1", False)):
        context = browser.new_context(viewport=WALL_SIZE, locale="id-ID", timezone_id="Asia/Makassar")
        page = context.new_page()
        problems = watch_for_problems(page)
        sign_in(page, live_server, username)
        page.goto(f"{live_server}/cameras/{pictured.id}")
        expect(page.locator("#camera-name")).to_have_text(pictured.name)
        expect(page.locator("#history-rows tr").first).to_be_visible()
        expect(page.locator("#check-now")).to_have_count(0)
        if pictures:
            expect(page.locator("#camera-snapshot img")).to_be_visible()
        else:
            expect(page.locator("#camera-snapshot .snap-note")).to_have_text(
                "Gambar kamera ini hanya untuk dinas pemiliknya."
            )
        context.close()
        assert problems == [], username
    print(f"camera browser test took {time.monotonic() - started:.1f} s")


# Long tasks (main thread blocked > 50 ms) while the page loads: what an operator would feel.
WATCH_LONG_TASKS_JS = """
window.__longTasks = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.__longTasks.push(Math.round(entry.duration));
}).observe({ type: "longtask", buffered: true });
"""
FULL_BUILD_BUDGET_MS = 3000
LONGEST_TASK_BUDGET_MS = 1000


def test_camera_layer_with_all_of_makassars_cameras(
    makassar: WarRoom, live_server: str, browser: Browser  # noqa: F811 (fixture)
) -> None:
    """All 7,490 demo cameras: the layer builds in chunks, fast, and clusters account for every one."""
    from playwright.sync_api import expect

    wr = makassar
    add_user(wr, "operator1", "operator")
    cameras = register_cameras(wr)
    context = browser.new_context(viewport=WALL_SIZE, locale="id-ID", timezone_id="Asia/Makassar")
    context.add_init_script(WATCH_LONG_TASKS_JS)
    page = context.new_page()
    problems = watch_for_problems(page)
    sign_in(page, live_server, "operator1")
    expect(page.locator("[data-camera-count]")).to_have_attribute("data-total", str(cameras), timeout=20_000)
    wait_visible(page, cameras)
    stats = page.evaluate("window.warroom.cameras.stats")
    longest = max(page.evaluate("window.__longTasks"), default=0)
    print(
        f"\ncamera layer: {stats['cameras']} markers built in {stats['buildMs']} ms "
        f"(fetch {stats['fetchMs']} ms); longest main-thread task while loading the wall {longest} ms"
    )
    assert stats["cameras"] == cameras
    assert stats["buildMs"] < FULL_BUILD_BUDGET_MS
    assert longest < LONGEST_TASK_BUDGET_MS
    # Zoomed out it is clusters, not thousands of markers.
    assert page.locator(".camera-cluster").count() < 300
    page.select_option("#camera-kind", "road")
    expect(page.locator("[data-camera-count]")).to_have_attribute("data-shown", str(count(wr, kind="road")))
    context.close()
    assert problems == []
