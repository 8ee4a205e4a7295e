"""The app portfolio in a real browser: the wall's "Aplikasi" panel and KPI tile, a metric tile,
the apps page and one app's page.

Apps are registered through the service and probed for real against a local fake app (`ok`,
`slow`, `fail`, `flap` routes), so the states, samples and rollups the pages show are the
product's own. Earlier hours are recorded with the service's clock argument, then rolled up, so
the sparklines have a day behind them. During the test one app breaks: its check publishes a
real `app.status_changed` event that the open wall must show without reloading.

Same Chromium as test_wall_browser.py (Debian's, never a downloaded one).
`WARROOM_TEST_UPDATE_SCREENSHOTS=1` also copies the screenshots to docs/img/.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx2 as httpx
import pytest
from apps_support import FakeApp, agencies, fake_app, flapper  # noqa: F401 (fixtures)
from conftest import PASSWORD, ROOT, add_user
from test_cameras_browser import sign_in
from test_wall_browser import UNTRANSLATED_JS, WALL_SIZE, browser, watch_for_problems  # noqa: F401 (fixture)

from warroom.apps.probes import ProbeResult
from warroom.apps.schemas import AppIn
from warroom.apps.service import AppFilter
from warroom.auth.principal import cli_principal
from warroom.container import WarRoom
from warroom.db import utcnow

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

# name, agency, route, extra probe settings: slow answers in 0.3 s, over its 100 ms budget.
APPS = [
    ("Lontara+", "DISKOMINFO", "/ok", {}),
    ("SSO Pemkot", "DISKOMINFO", "/ok", {}),
    ("Open Data Makassar", "DISKOMINFO", "/slow", {"max_latency_ms": 100}),
    ("Sombere Pengaduan", "DISKOMINFO", "/flap", {}),
    ("e-PBB Makassar", "BAPENDA", "/ok", {}),
    ("e-BPHTB", "BAPENDA", "/fail", {}),
    ("Pajak Restoran Online", "BAPENDA", "/ok", {}),
]
HOURS_BEHIND = 6
SCREENSHOTS = {"wall": "apps-wall.png", "apps": "apps.png", "app": "app.png"}


def run(coro: Any) -> Any:
    """Await `coro` in a thread of its own: Playwright's sync API keeps an event loop in this one."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def register(wr: WarRoom, fake: FakeApp) -> dict[str, int]:
    ids = {}
    for name, agency, route, extra in APPS:
        app = wr.apps.create(
            AppIn(name=name, agency_code=agency, probes=[fake.probe(route, **extra)], retries=1),  # type: ignore[list-item]
            actor=cli_principal(),
        )
        ids[name] = app.id
    return ids


def history_behind(wr: WarRoom, ids: dict[str, int]) -> None:
    """Hours of earlier checks through the service's own clock: ok with latencies that grow."""
    now = utcnow()
    for app_id in ids.values():
        for hour in range(HOURS_BEHIND, 0, -1):
            for minute in (5, 25, 45):
                at = now - timedelta(hours=hour) + timedelta(minutes=minute)
                result = ProbeResult(ok=True, latency_ms=20.0 + 10 * (HOURS_BEHIND - hour))
                wr.apps.record(app_id, [("http", result)], now=at)
    wr.app_rollups.roll_up(now)


def check_all(wr: WarRoom, ids: dict[str, int]) -> None:
    async def checks() -> None:
        for app_id in ids.values():
            await wr.app_sweeper.check_now(app_id)

    run(checks())


def test_apps_on_the_wall_apps_page_and_app_page(
    sample_city: WarRoom, agencies: WarRoom, flapper: FakeApp, live_server: str, browser: Browser,  # noqa: F811
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    wr = agencies
    ids = register(wr, flapper)
    history_behind(wr, ids)
    check_all(wr, ids)
    states = {a.name: a.status.state for a in wr.apps.list(AppFilter(), limit=100).items}
    assert states["e-BPHTB"] == "down" and states["Open Data Makassar"] == "degraded", states
    assert states["Sombere Pengaduan"] == "up"

    # An app pushes a figure, bound to a KPI tile by an admin (through the API, as an admin would).
    add_user(wr, "admin1", "admin")
    add_user(wr, "operator1", "operator")
    with httpx.Client(base_url=live_server) as api:
        token = api.post("/api/v1/auth/token", data={"username": "admin1", "password": PASSWORD}).json()["access_token"]
        admin = {"Authorization": f"Bearer {token}"}
        key = api.post(f"/api/v1/apps/{ids['e-PBB Makassar']}/keys", json={"name": "pbb"}, headers=admin)
        assert key.status_code == 201, key.text
        push = api.post(
            f"/api/v1/apps/{ids['e-PBB Makassar']}/metrics",
            json={"points": [{"name": "payments_total", "value": 1234}]},
            headers={"Authorization": f"Bearer {key.json()['key']}"},
        )
        assert push.status_code == 202, push.text
        tile = api.post(
            "/api/v1/wall/tiles",
            json={"title": "Pembayaran PBB", "app_id": ids["e-PBB Makassar"], "metric": "payments_total", "aggregate": "last"},
            headers=admin,
        )
        assert tile.status_code == 201, tile.text

    context = browser.new_context(viewport=WALL_SIZE, locale="id-ID", timezone_id="Asia/Makassar")
    page = context.new_page()
    problems = watch_for_problems(page)
    sign_in(page, live_server, "operator1")

    # The KPI tile: apps answering (up or slow) of all, and the down count under it.
    total = len(APPS)
    expect(page.locator("[data-kpi=apps] .kpi-value")).to_have_text(f"{total - 1} / {total}")
    expect(page.locator("#apps-kpi-note")).to_have_text("1 mati · 1 lambat")

    # The panel starts with problems only: the down app and the slow one, most urgent first.
    rows = page.locator("#apps-list .app-row")
    expect(rows).to_have_count(2)
    expect(page.locator("#apps-list .app-row[data-app-state=down] .app-name")).to_have_text("e-BPHTB")
    expect(page.locator("#apps-list .app-row[data-app-state=degraded] .app-name")).to_have_text("Open Data Makassar")
    expect(page.locator("#apps-list .apps-group[data-agency=BAPENDA] .apps-group-problems")).to_have_text("1 gangguan")
    # All apps, grouped by agency, each with a sparkline drawn from the rolled-up hours.
    page.click("[data-apps-filter=all]")
    expect(rows).to_have_count(total)
    expect(page.locator("#apps-list .apps-group")).to_have_count(2)
    assert page.locator("#apps-list .app-row .spark path").count() == total
    expect(page.locator(f"#apps-list .app-row[data-app-id='{ids['Lontara+']}'] .app-uptime")).to_have_text("100%")

    # The metric tile shows the pushed value.
    expect(page.locator("#metric-tiles")).to_be_visible()
    expect(page.locator(".metric-tile .metric-tile-title")).to_have_text("Pembayaran PBB")
    expect(page.locator(".metric-tile .metric-tile-value")).to_have_text("1.234")

    # A live change: the flapping app fails now; the event moves it without a reload.
    flapper.mode["flap"] = False
    run(wr.app_sweeper.check_now(ids["Sombere Pengaduan"]))
    expect(page.locator(f"#apps-list .app-row[data-app-id='{ids['Sombere Pengaduan']}']")).to_have_attribute("data-app-state", "down")
    expect(page.locator("[data-kpi=apps] .kpi-value")).to_have_text(f"{total - 2} / {total}")
    expect(page.locator("#feed-list .feed-entry[data-event-type='app.status_changed']").first).to_contain_text("Sombere Pengaduan")

    shoot(page, tmp_path, "wall")

    # English.
    page.click("[data-set-lang=en]")
    expect(page.locator("#apps-kpi-note")).to_have_text("2 down · 1 slow")
    expect(page.locator("[data-apps-filter=problems]")).to_have_text("Problems only")
    assert page.evaluate(UNTRANSLATED_JS) == []
    page.click("[data-set-lang=id]")

    # The apps page, filtered by agency from its URL.
    page.goto(f"{live_server}/apps?agency=BAPENDA")
    expect(page.locator("#apps-list .app-row")).to_have_count(3)
    expect(page.locator("#apps-status")).to_have_text(f"3 dari {total} aplikasi")
    page.select_option("select[name=state]", "problems")
    expect(page.locator("#apps-list .app-row")).to_have_count(1)
    assert "state=problems" in page.url
    assert page.evaluate(UNTRANSLATED_JS) == []
    page.select_option("select[name=state]", "")
    shoot(page, tmp_path, "apps")

    # One app's page: its pushed metric, uptime, and "Check now" with each probe's result.
    page.goto(f"{live_server}/apps/{ids['e-PBB Makassar']}")
    expect(page.locator("#app-name")).to_have_text("e-PBB Makassar")
    expect(page.locator("#uptime-rows tr[data-window='24h'] td").first).to_have_text("100%")
    expect(page.locator(".metric-chart[data-metric=payments_total] h3")).to_contain_text("1.234")
    page.click("#check-now")
    expect(page.locator("#check-results tbody tr")).to_have_count(1)
    expect(page.locator("#check-results tbody tr td").nth(1)).to_have_text("Berhasil")
    assert page.evaluate(UNTRANSLATED_JS) == []
    shoot(page, tmp_path, "app")

    assert problems == []
    context.close()


def shoot(page: Page, folder: Path, name: str) -> None:
    shot = folder / SCREENSHOTS[name]
    page.screenshot(path=str(shot))
    if os.environ.get("WARROOM_TEST_UPDATE_SCREENSHOTS") == "1":
        target = ROOT / "docs" / "img" / SCREENSHOTS[name]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, target)
