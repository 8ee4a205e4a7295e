"""The public status page in a real browser: a phone-sized screen, no sign-in, no script.

What only a browser shows: that the page and its stylesheet load under the Content-Security-Policy
with no console error, that the states are drawn (the bars really get their colours), that the
ID/EN switch works, and that everything works the same with JavaScript turned off.

Same Chromium as test_wall_browser.py (Debian's, never a downloaded one).
`WARROOM_TEST_UPDATE_SCREENSHOTS=1` also copies the screenshot to docs/img/status.png.
"""

from __future__ import annotations

import os
import re
import shutil
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest
from conftest import ROOT
from test_wall_browser import browser, watch_for_problems  # noqa: F401 (fixture)

from warroom.apps.probes import ProbeResult
from warroom.apps.schemas import AppIn
from warroom.apps.status_schemas import NoticeIn
from warroom.auth.principal import cli_principal
from warroom.city.schemas import AgencyIn
from warroom.container import WarRoom
from warroom.db import utcnow

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

ME = cli_principal()
WITA = ZoneInfo("Asia/Makassar")
PHONE = {"width": 360, "height": 740}
DOCS_SCREENSHOT = ROOT / "docs" / "img" / "status.png"
PROBE_HOST = "10.20.30.40"
UP = [("http", ProbeResult(ok=True, latency_ms=40.0))]
SLOW = [("http", ProbeResult(ok=True, degraded=True, latency_ms=2500.0))]
DOWN = [("http", ProbeResult(ok=False, error=f"connect to {PROBE_HOST}:8080 refused"))]
GREEN = "rgb(22, 163, 74)"  # --u1 of status.css (light scheme)


def portfolio(wr: WarRoom) -> dict[str, int]:
    """Two agencies, four listed apps in every state, one unlisted, a day of outages, a notice."""
    for code, name in (("DISKOMINFO", "Dinas Komunikasi dan Informatika"), ("BAPENDA", "Badan Pendapatan Daerah")):
        wr.city.create_agency(AgencyIn(code=code, name=name), actor=ME)
    ids = {}
    for name, agency, listed in (
        ("SIAP Makassar", "DISKOMINFO", True), ("Lontara+", "DISKOMINFO", True), ("SIMPEG", "DISKOMINFO", False),
        ("e-PBB Makassar", "BAPENDA", True), ("e-BPHTB", "BAPENDA", True),
    ):
        body: dict[str, Any] = {"name": name, "agency_code": agency, "retries": 1, "status_page": listed,
                                "public_url": "https://app.example.go.id", "probes": [{"type": "http", "url": f"http://{PROBE_HOST}/"}]}
        ids[name] = wr.apps.create(AppIn.model_validate(body), actor=ME).id
    yesterday = utcnow().astimezone(WITA).date() - timedelta(days=1)

    def at(hour: int, minute: int) -> datetime:
        return datetime.combine(yesterday, time(hour, minute), WITA).astimezone(UTC)

    for name, hour, minute, results in (
        ("SIAP Makassar", 9, 0, UP), ("SIAP Makassar", 10, 2, DOWN), ("SIAP Makassar", 10, 17, UP),
        ("e-PBB Makassar", 9, 0, UP), ("e-PBB Makassar", 13, 0, SLOW),
        ("e-BPHTB", 9, 0, UP), ("e-BPHTB", 15, 30, DOWN), ("SIMPEG", 9, 0, DOWN),
    ):
        wr.apps.record(ids[name], results, now=at(hour, minute))
    wr.status_page.notices.create(
        NoticeIn(title="e-BPHTB sedang diperbaiki", body="Tim BAPENDA sedang menangani gangguan.", app_id=ids["e-BPHTB"],
                 state="identified"),
        actor=ME,
    )
    return ids


def check_page(page: Page, lang: str) -> None:
    from playwright.sync_api import expect

    expect(page.locator("section.agency")).to_have_count(2)
    expect(page.locator("section.agency h2")).to_have_text(["Badan Pendapatan Daerah", "Dinas Komunikasi dan Informatika"])
    expect(page.locator("section.agency[data-agency=BAPENDA] .app-name")).to_have_text(["e-BPHTB", "e-PBB Makassar"])
    expect(page.locator("section.agency[data-agency=DISKOMINFO] .app-name")).to_have_text(["Lontara+", "SIAP Makassar"])
    expect(page.locator(".app")).to_have_count(4)
    for i in range(4):
        expect(page.locator(".app").nth(i).locator("ol.bars > li")).to_have_count(90)
    expect(page.locator("script")).to_have_count(0)
    words = {
        "id": ("Sebagian layanan tidak dapat diakses", "Tidak dapat diakses 10.02–10.17 WITA", "Penyebab ditemukan", "Lambat"),
        "en": ("Some services are unavailable", "Unavailable 10:02–10:17 WITA", "Identified", "Slow"),
    }[lang]
    expect(page.locator(".sp-banner")).to_have_text(words[0])
    expect(page.locator(".outage-text").filter(has_text=words[1])).to_have_count(1)
    expect(page.locator(".sp-notices .notice-meta strong")).to_have_text(words[2])
    since = "sejak" if lang == "id" else "since"
    expect(page.locator(".app[data-state=degraded] .state")).to_have_text(words[3])
    expect(page.locator(".app[data-state=degraded] .since")).to_have_text(re.compile(rf"^{since} \d+ \w+ 13[.:]00 WITA$"))
    assert page.evaluate("document.documentElement.lang") == lang
    content = page.content()
    assert PROBE_HOST not in content and "example.go.id" not in content and "SIMPEG" not in content


def test_status_page_on_a_phone_with_and_without_javascript(
    wr: WarRoom, live_server: str, browser: Browser, tmp_path: Path  # noqa: F811
) -> None:
    from playwright.sync_api import expect

    ids = portfolio(wr)
    for javascript in (True, False):
        context = browser.new_context(
            viewport=PHONE, locale="id-ID", timezone_id="Asia/Makassar", java_script_enabled=javascript,
        )
        page = context.new_page()
        problems = watch_for_problems(page)
        page.goto(f"{live_server}/status")
        expect(page).to_have_title("Status layanan digital")  # no city imported: no city name
        check_page(page, "id")

        # Colour from the stylesheet (it loaded under the CSP), and a title on every bar.
        siap = page.locator(f".app[data-app='{ids['SIAP Makassar']}']")
        yesterday_bar = siap.locator("ol.bars > li").nth(88)
        assert yesterday_bar.get_attribute("class") == "u4"  # 2 of 3 checks answered
        assert yesterday_bar.get_attribute("title").endswith(": 66,67%")
        assert siap.locator("ol.bars > li").first.get_attribute("title").endswith(": tidak ada data")
        lontara_state = page.locator(f".app[data-app='{ids['Lontara+']}'] .state")
        expect(lontara_state).to_have_text("Belum diketahui")
        green = page.locator(f".app[data-app='{ids['e-PBB Makassar']}'] ol.bars > li").nth(88)  # slow still answers
        assert green.get_attribute("class") == "u1"
        assert green.evaluate("el => getComputedStyle(el).backgroundColor") == GREEN
        assert page.locator(".sp-banner").evaluate("el => getComputedStyle(el).backgroundColor") != "rgba(0, 0, 0, 0)"

        # English at a click, by a plain link (no script needed).
        page.click("a[data-lang=en]")
        expect(page).to_have_url(f"{live_server}/status?lang=en")
        check_page(page, "en")

        # One agency's page, and back.
        page.click("a[href='/status/BAPENDA?lang=en']")
        expect(page).to_have_url(f"{live_server}/status/BAPENDA?lang=en")
        expect(page.locator(".app-name")).to_have_text(["e-BPHTB", "e-PBB Makassar"])
        expect(page.locator("h1")).to_have_text("Badan Pendapatan Daerah")
        page.click("a[data-lang=id]")
        expect(page.locator(".sp-back a")).to_have_text("← Semua layanan kota")
        page.click(".sp-back a")
        expect(page).to_have_url(f"{live_server}/status?lang=id")

        # A mistyped agency: a friendly page with its 404.
        missing = page.goto(f"{live_server}/status/NOPE")
        assert missing is not None and missing.status == 404
        expect(page.locator("h1")).to_have_text("Dinas tidak ditemukan")
        problems[:] = [p for p in problems if not p.startswith("HTTP 404") and "404" not in p]

        if javascript:
            page.goto(f"{live_server}/status")
            shot = tmp_path / "status.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
            if os.environ.get("WARROOM_TEST_UPDATE_SCREENSHOTS") == "1":
                DOCS_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(shot, DOCS_SCREENSHOT)
        context.close()
        assert problems == [], f"javascript={javascript}: {problems}"
