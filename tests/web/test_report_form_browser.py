"""The public report form in a real browser, on a phone-sized screen: with script (map pin, "use
my location", the chosen category's questions and notice, a photo) and without (latitude and
longitude typed in), both ending on the tracking page; then the map of open reports.

What only a browser shows: that the pages, Leaflet and the two script modules load under the
Content-Security-Policy with no console error, that a click on the map fills the form, that the
multipart post with a real file goes through, and that the no-script path is complete.

Same Chromium as test_wall_browser.py (Debian's, never a downloaded one).
`WARROOM_TEST_UPDATE_SCREENSHOTS=1` also copies the screenshots to docs/img/report-*.png.
"""

from __future__ import annotations

import io
import os
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PIL import Image
from reports_support import a_point_in, reports_city  # noqa: F401 (fixture)
from test_wall_browser import browser, watch_for_problems  # noqa: F401 (fixture)

from conftest import ROOT
from warroom.container import WarRoom

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
DOCS_IMG = ROOT / "docs" / "img"


def photo_file(tmp_path: Path, name: str = "jalan.jpg") -> Path:
    """A phone photo with its GPS position in EXIF, as residents send them."""
    img = Image.new("RGB", (1600, 1200), (90, 90, 90))
    img.paste((30, 30, 30), (500, 400, 1100, 800))  # the pothole
    exif = Image.Exif()
    exif[0x8825] = {1: "S", 2: (5.0, 8.0, 51.0), 3: "E", 4: (119.0, 25.0, 57.0)}
    path = tmp_path / name
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif.tobytes())
    path.write_bytes(out.getvalue())
    return path


def screenshot(page: Page, tmp_path: Path, name: str) -> None:
    shot = tmp_path / f"{name}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    if os.environ.get("WARROOM_TEST_UPDATE_SCREENSHOTS") == "1":
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, DOCS_IMG / f"{name}.png")


def check_tracking(page: Page, wr: WarRoom, ticket: str, live_server: str) -> None:
    from playwright.sync_api import expect

    expect(page).to_have_url(f"{live_server}/lapor/{ticket}?baru=1")
    expect(page.locator(".rp-ticket")).to_have_text(ticket)
    expect(page.locator(".rp-status-word")).to_have_text("Diterima")
    expect(page.locator(".rp-thanks")).to_contain_text("Terima kasih")
    expect(page.locator(".rp-progress li.current")).to_have_text("Diterima")
    img = page.locator(".rp-photos img")
    expect(img).to_have_count(1)
    img.scroll_into_view_if_needed()
    page.wait_for_function("() => { const i = document.querySelector('.rp-photos img'); return i.complete && i.naturalWidth > 0; }")
    report = wr.reports.get(ticket)
    assert report.source == "web" and len(report.photos) == 1
    assert report.reporter.phone == "0812-1111-2222"
    assert "0812-1111-2222" not in page.content()


def test_report_form_with_a_map_pin_and_a_photo_on_a_phone(
    reports_city: WarRoom, live_server: str, browser: Browser, tmp_path: Path  # noqa: F811
) -> None:
    from playwright.sync_api import expect

    wr = reports_city
    here = a_point_in(wr, 7)
    context = browser.new_context(
        viewport=PHONE, locale="id-ID", timezone_id="Asia/Makassar", has_touch=True, is_mobile=True,
        geolocation={"latitude": here[0], "longitude": here[1]}, permissions=["geolocation"],
    )
    page = context.new_page()
    problems = watch_for_problems(page)
    page.goto(f"{live_server}/lapor")
    expect(page).to_have_title(re.compile(r"^Laporkan masalah di kota · Sombere"))
    expect(page.locator(".rp-emergency")).to_contain_text("telepon 112")

    # The chosen category's notice and questions only.
    page.select_option("#service_code", "KEBAKARAN")
    expect(page.locator("#category-notice")).to_be_visible()
    expect(page.locator("#category-notice")).to_contain_text("telepon 112")
    page.select_option("#service_code", "JALAN_RUSAK")
    expect(page.locator("#category-notice")).to_be_hidden()
    expect(page.locator(".rp-attrs[data-category=JALAN_RUSAK]")).to_be_visible()
    expect(page.locator(".rp-attrs[data-category=SAMPAH]")).to_be_hidden()
    page.select_option("#a-JALAN_RUSAK-tingkat", "sedang")

    # "Use my location", then a tap on the map moves the pin.
    expect(page.locator("#pick-map.leaflet-container")).to_be_visible()
    expect(page.locator("#pick-map path.leaflet-interactive, #pick-map path")).not_to_have_count(0)
    page.click("#locate")
    expect(page.locator("#locate-status")).to_contain_text("Lokasi Anda ditandai")
    assert abs(float(page.input_value("#lat")) - here[0]) < 1e-5 and abs(float(page.input_value("#lon")) - here[1]) < 1e-5
    expect(page.locator("#pick-map .leaflet-marker-icon")).to_have_count(1)
    box = page.locator("#pick-map").bounding_box()
    assert box is not None
    page.locator("#pick-map").tap(position={"x": box["width"] * 0.4, "y": box["height"] * 0.45})
    expect(page.locator("#lat")).not_to_have_value(f"{here[0]:.6f}")
    lat, lon = float(page.input_value("#lat")), float(page.input_value("#lon"))
    place = wr.city.locate(lat, lon)  # the tapped point is in the city
    expect(page.locator("#pick-map .leaflet-marker-icon")).to_have_count(1)

    page.fill("#description", "Lubang di tengah jalan, motor sering jatuh.")
    page.set_input_files("input[type=file][name=photo] >> nth=0", str(photo_file(tmp_path)))
    page.fill("#phone", "0812-1111-2222")
    screenshot(page, tmp_path, "report-form")
    page.click("button.rp-submit")

    check_tracking(page, wr, "LAP-000001", live_server)
    report = wr.reports.get("LAP-000001")
    assert report.kecamatan is not None and report.kecamatan.code == place.kecamatan.code
    assert report.attributes == {"tingkat": "sedang"} and abs(report.lat - lat) < 1e-6
    screenshot(page, tmp_path, "report-track")
    context.close()
    assert problems == [], problems


def test_report_form_without_javascript(
    reports_city: WarRoom, live_server: str, browser: Browser, tmp_path: Path  # noqa: F811
) -> None:
    from playwright.sync_api import expect

    wr = reports_city
    context = browser.new_context(viewport=PHONE, locale="id-ID", java_script_enabled=False)
    page = context.new_page()
    problems = watch_for_problems(page)
    page.goto(f"{live_server}/lapor")
    expect(page.locator("#pick-map")).to_be_hidden()
    expect(page.locator("#locate")).to_be_hidden()
    # Without script every category's questions are shown, named for their category.
    expect(page.locator(".rp-attrs[data-category=SAMPAH] legend").first).to_contain_text("Sampah menumpuk")

    # First a slip: no place. The form comes back with the error and what was typed.
    page.select_option("#service_code", "SAMPAH")
    page.fill("#description", "Sampah menumpuk tiga hari di ujung lorong.")
    page.click("button.rp-submit")
    expect(page.locator(".rp-errors")).to_contain_text("Laporan belum terkirim")
    expect(page.locator("#err-location")).to_have_text("Tandai lokasi di peta atau isi garis lintang dan bujur.")
    expect(page.locator("#description")).to_have_value("Sampah menumpuk tiga hari di ujung lorong.")
    problems[:] = [p for p in problems if "422" not in p]  # the refused post, on purpose

    lat, lon = a_point_in(wr, 5)
    page.fill("#lat", f"{lat:.6f}".replace(".", ","))  # a comma, as Indonesian keyboards write it
    page.fill("#lon", f"{lon:.6f}")
    page.check("input[name='a.SAMPAH.jenis_sampah'][value=plastik]")
    page.set_input_files("input[type=file][name=photo] >> nth=0", str(photo_file(tmp_path, "sampah.jpg")))
    page.fill("#phone", "0812-1111-2222")
    page.click("button.rp-submit")

    check_tracking(page, wr, "LAP-000001", live_server)
    assert wr.reports.get("LAP-000001").attributes == {"jenis_sampah": ["plastik"]}

    page.goto(f"{live_server}/lapor/peta")
    expect(page.locator("#reports-map")).to_be_hidden()
    expect(page.locator("table.rp-list tbody tr")).to_have_count(1)
    page.click("table.rp-list a")
    expect(page).to_have_url(f"{live_server}/lapor/LAP-000001")
    context.close()
    assert problems == [], problems


def test_the_map_of_open_reports(
    reports_city: WarRoom, live_server: str, browser: Browser, tmp_path: Path  # noqa: F811
) -> None:
    from playwright.sync_api import expect

    from warroom.auth.principal import cli_principal
    from warroom.reports.schemas import ReportIn

    wr = reports_city
    for i, code in enumerate(("SAMPAH", "DRAINASE", "LAMPU_MATI")):
        lat, lon = a_point_in(wr, i * 3)
        wr.reports.create(ReportIn(service_code=code, lat=lat, lon=lon, description=f"rahasia {i}"),
                          source="web", actor=cli_principal())
    context = browser.new_context(viewport=PHONE, locale="id-ID")
    page = context.new_page()
    problems = watch_for_problems(page)
    page.goto(f"{live_server}/lapor/peta")
    expect(page.locator("#reports-map.leaflet-container")).to_be_visible()
    dots = page.locator("#reports-map path.leaflet-interactive")
    expect(dots).to_have_count(3)
    expect(page.locator("#map-status")).to_be_hidden()
    dots.first.click(force=True)
    popup = page.locator(".leaflet-popup-content .rp-popup")
    expect(popup).to_be_visible()
    expect(popup.locator("a")).to_have_text(re.compile(r"^LAP-00000\d$"))
    expect(popup).to_contain_text("Diterima")
    assert "rahasia" not in page.content()
    screenshot(page, tmp_path, "report-map")
    context.close()
    assert problems == [], problems
