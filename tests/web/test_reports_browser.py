"""Citizen reports on the wall, in a real browser: the "Laporan warga" tab beside "Aplikasi", the
KPI tile's "within SLA %", the queue, ticking SLA countdowns, the map layer, and a breach that
turns late live.

Reports are filed through the service with its clock argument (so some are days old, some
resolved on time and one late) and one through the real Open311 endpoint with an API key; the
SLA job (`check_sla`) then runs with a clock past a deadline while the wall is open: its
`report.sla_breached` event must show the report as late without a reload.

Same Chromium as test_wall_browser.py (Debian's, never a downloaded one).
`WARROOM_TEST_UPDATE_SCREENSHOTS=1` also copies the screenshot to docs/img/reports-wall.png.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import httpx2 as httpx
import pytest
from reports_support import a_point_in, reports_city  # noqa: F401 (fixture)
from test_cameras_browser import sign_in
from test_wall_browser import UNTRANSLATED_JS, WALL_SIZE, browser, watch_for_problems  # noqa: F401 (fixture)

from conftest import ROOT, add_user
from warroom.apps.schemas import AppIn
from warroom.auth.principal import cli_principal
from warroom.auth.schemas import ApiKeyIn
from warroom.container import WarRoom
from warroom.db import utcnow
from warroom.reports.schemas import ReportChange, ReportIn

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

ME = cli_principal()
SHOT = "reports-wall.png"
LATE_PINS = "document.querySelectorAll('.leaflet-reports-pane .report-pin.is-late').length"
COUNTDOWN = re.compile(r"^sisa (\d+ hari )?\d\d:\d\d:\d\d$")


def wait_until(page: Page, js: str, timeout_s: float = 5.0) -> None:
    """Poll `js` until true. (`page.wait_for_function` evaluates strings, which the CSP forbids.)"""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(js):
        assert time.monotonic() < deadline, f"still false after {timeout_s} s: {js}"
        time.sleep(0.05)


def file(wr: WarRoom, t0: datetime, code: str, kecamatan: int, hours: float, **attributes: str) -> str:
    lat, lon = a_point_in(wr, kecamatan)
    data = ReportIn(service_code=code, lat=lat, lon=lon, attributes=attributes, description="Mohon segera ditangani")
    return wr.reports.create(data, source="web", actor=ME, now=t0 + timedelta(hours=hours)).ticket


def change(wr: WarRoom, t0: datetime, ticket: str, status: str, hours: float) -> None:
    wr.reports.change(ticket, ReportChange(status=status), actor=ME, now=t0 + timedelta(hours=hours))  # type: ignore[arg-type]


def test_reports_tab_kpi_countdowns_map_layer_and_a_live_breach(
    reports_city: WarRoom, live_server: str, browser: Browser, tmp_path: Path  # noqa: F811
) -> None:
    from playwright.sync_api import expect

    wr = reports_city
    t0 = utcnow()
    # One app, so the apps tab exists and the reports tab is the second one.
    wr.apps.create(AppIn(name="Lontara+", agency_code="DISKOMINFO",
                         probes=[{"type": "http", "url": "http://127.0.0.1:9/health"}]), actor=ME)  # type: ignore[list-item]
    on_time = file(wr, t0, "DRAINASE", 0, -240)
    change(wr, t0, on_time, "dispatched", -239)
    change(wr, t0, on_time, "resolved", -96)  # resolve deadline was -72 h: on time
    late_closed = file(wr, t0, "PKL", 1, -240)
    change(wr, t0, late_closed, "dispatched", -239)
    change(wr, t0, late_closed, "resolved", -48)  # a day late
    rubbish = file(wr, t0, "SAMPAH", 2, -1)  # coordinate deadline in 5 h
    flood = file(wr, t0, "BANJIR", 4, -3, tinggi_air_cm="40")  # coordinate deadline 1 h ago: late
    tree = file(wr, t0, "POHON_TUMBANG", 5, -2)
    change(wr, t0, tree, "dispatched", -1.5)  # coordinated on time; resolve due in 22 h
    # One through the real Open311 endpoint, as a city app's backend would.
    key = wr.auth.create_apikey(ApiKeyIn(name="lontara-app", scopes=["open311"]), actor=ME).key
    lat, lon = a_point_in(wr, 3)
    with httpx.Client(base_url=live_server) as http:
        posted = http.post("/open311/v2/requests.json", data={
            "api_key": key, "service_code": "JALAN_RUSAK", "lat": str(lat), "long": str(lon),
            "attribute[tingkat]": "berat", "description": "Lubang besar di tengah jalan",
        })
    assert posted.status_code == 200, posted.text
    road = posted.json()[0]["service_request_id"]
    open_tickets = {rubbish, flood, tree, road}
    # By hand: counted = the two closed in the last 30 days + the flood (open, late) = 3; of
    # those the late-closed one and the flood missed a deadline: 1 of 3 within SLA.
    add_user(wr, "operator1", "operator")

    context = browser.new_context(viewport=WALL_SIZE, locale="id-ID", timezone_id="Asia/Makassar")
    page = context.new_page()
    problems = watch_for_problems(page)
    sign_in(page, live_server, "operator1")

    kpi = page.locator("[data-kpi=reports]")
    expect(kpi.locator(".kpi-value")).to_have_text("33,3%")
    expect(page.locator("#reports-kpi-note")).to_have_text("4 terbuka · 1 terlambat")

    # Two tabs, the apps one first (nothing remembered yet); the reports layer is off the map.
    apps_tab, reports_tab = page.locator("#tab-apps"), page.locator("#tab-reports")
    expect(apps_tab).to_have_attribute("aria-selected", "true")
    expect(reports_tab).to_have_attribute("aria-selected", "false")
    expect(reports_tab.locator("[data-tab-badge=reports]")).to_have_text("1")
    expect(page.locator("#apps-panel")).to_be_visible()
    expect(page.locator("#reports-panel")).to_be_hidden()
    assert page.evaluate("window.warroom.reports.shown().reports") == 0

    reports_tab.click()
    expect(reports_tab).to_have_attribute("aria-selected", "true")
    expect(page.locator("#apps-panel")).to_be_hidden()
    panel = page.locator("#reports-panel")
    expect(panel).to_be_visible()
    expect(panel.locator("[data-reports-status]")).to_have_text("4 laporan terbuka · 1 terlambat")
    expect(panel.locator(".reports-chip[data-report-status=received] .reports-chip-count")).to_have_text("3")
    expect(panel.locator(".reports-chip[data-report-status=dispatched] .reports-chip-count")).to_have_text("1")
    expect(panel.locator(".reports-agency[data-agency=BPBD]")).to_have_attribute("data-late", "1")
    expect(panel.locator(".reports-agency")).to_have_count(3)  # DLH (rubbish, tree), BPBD (flood), DISPU (road)
    expect(panel.locator(".reports-agency").first).to_have_attribute("data-agency", "BPBD")  # late first
    # The late flood first, in red; the others count down, soonest first, and tick.
    late_rows = panel.locator("[data-reports-breached] .report-row")
    expect(late_rows).to_have_count(1)
    expect(late_rows.first).to_have_attribute("data-ticket", flood)
    expect(late_rows.first.locator(".report-countdown")).to_have_text(re.compile(r"^terlambat \d\d:\d\d:\d\d$"))
    next_rows = panel.locator("[data-reports-next] .report-row")
    expect(next_rows).to_have_count(3)
    assert [next_rows.nth(i).get_attribute("data-ticket") for i in range(3)] == [rubbish, road, tree]
    countdown = next_rows.first.locator(".report-countdown")
    expect(countdown).to_have_text(COUNTDOWN)
    first = countdown.text_content()
    expect(countdown).not_to_have_text(first or "", timeout=3000)  # it ticks

    # The map layer: every open report, clustered or alone.
    wait_until(page, "window.warroom.reports.shown().reports === 4")
    assert page.evaluate("[...window.warroom.reports.markers.keys()].sort()") == sorted(open_tickets)
    assert page.evaluate(LATE_PINS) == 1  # the flood

    # The SLA job runs with a clock past the rubbish's coordinate deadline: live, without reload.
    # (It marks the flood too: late by the clock so far, now marked by the job as well.)
    assert wr.reports.check_sla(now=t0 + timedelta(hours=5.5)) == 2
    row = panel.locator(f"[data-reports-breached] .report-row[data-ticket='{rubbish}']")
    expect(row).to_have_attribute("data-late", "true")
    expect(row.locator(".report-countdown")).to_have_text("terlambat")
    expect(kpi.locator(".kpi-value")).to_have_text("25%")
    expect(page.locator("#reports-kpi-note")).to_have_text("4 terbuka · 2 terlambat")
    breach = page.locator(f"#feed-list .feed-entry[data-event-type='report.sla_breached'][data-ticket='{rubbish}']")
    expect(breach.locator(".feed-type")).to_have_text("Laporan melewati tenggat")
    expect(breach.locator(".feed-summary")).to_contain_text(f"{rubbish} · Sampah menumpuk: terlambat koordinasi (DLH)")
    wait_until(page, f"{LATE_PINS} === 2")

    # A report filed now (as the web form does) arrives live: in the feed, the queue and the map.
    fresh = file(wr, utcnow(), "LAMPU_MATI", 7, 0)
    filed = page.locator(f"#feed-list .feed-entry[data-event-type='report.filed'][data-ticket='{fresh}']")
    expect(filed.locator(".feed-type")).to_have_text("Laporan warga baru")
    expect(filed.locator(".feed-summary")).to_contain_text(f"{fresh} · Lampu jalan mati · ")
    expect(page.locator("#reports-kpi-note")).to_have_text("5 terbuka · 2 terlambat")
    expect(panel.locator(".reports-chip[data-report-status=received] .reports-chip-count")).to_have_text("4")
    wait_until(page, "window.warroom.reports.shown().reports === 5")

    # A click on the late row shows the report on the map with its popup.
    row.locator("button").click()
    expect(page.locator(f".report-pop[data-ticket='{rubbish}']")).to_be_visible()
    expect(page.locator(".report-pop .pop-name")).to_have_text("Sampah menumpuk")

    wait_until(page, "getComputedStyle(document.querySelector('.report-popup')).opacity === '1'")  # faded in
    shot = tmp_path / SHOT
    page.screenshot(path=str(shot))
    if os.environ.get("WARROOM_TEST_UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(shot, ROOT / "docs" / "img" / SHOT)

    # English, without a reload.
    page.click("[data-set-lang=en]")
    expect(page.locator("#reports-kpi-note")).to_have_text("5 open · 2 late")
    expect(reports_tab).to_contain_text("Citizen reports")
    expect(panel.locator("[data-reports-status]")).to_have_text("5 open reports · 2 late")
    expect(row.locator(".report-countdown")).to_have_text("late")
    expect(next_rows.first.locator(".report-countdown")).to_have_text(re.compile(r"^(\d+ d )?\d\d:\d\d:\d\d left$"))
    expect(breach.locator(".feed-type")).to_have_text("Report missed its deadline")
    assert page.evaluate(UNTRANSLATED_JS) == []
    page.click("[data-set-lang=id]")

    # The tab is remembered; the KPI tile opens it from the apps tab too.
    page.reload()
    expect(page.locator("#tab-reports")).to_have_attribute("aria-selected", "true")
    page.locator("#tab-apps").click()
    expect(page.locator("#apps-panel")).to_be_visible()
    kpi.locator("a").click()
    expect(page.locator("#reports-panel")).to_be_visible()
    assert page.evaluate("localStorage.getItem('warroom.side.tab')") == "reports"

    assert problems == []
    context.close()
