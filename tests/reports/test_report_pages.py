"""The public report pages over the real ASGI app: the form (plain HTML, no script needed), its
errors, the form token, the rate limit, tracking, and the map's data, which must never carry who
reported nor what staff wrote for themselves.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from PIL import Image
from reports_support import a_point_in, reports_city  # noqa: F401 (fixture)
from sqlalchemy import func, select

from warroom.auth.principal import cli_principal
from warroom.config import Settings
from warroom.container import WarRoom
from warroom.db import utcnow
from warroom.reports.models import Report, ReportPhoto
from warroom.reports.schemas import ReportChange, ReportIn

ME = cli_principal()
RATE = 6
REPORTER = {"name": "Budi Santoso", "phone": "0812-3456-7890", "email": "budi.santoso@example.id"}


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """A lower rate limit than the default, so the 429 test stays short."""
    return Settings(data_dir=tmp_path / "data", database_url=database_url, reports={"post_rate_limit": f"{RATE}/minute"})


def jpeg(size: tuple[int, int] = (800, 600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, "JPEG")
    return out.getvalue()


def form_token(client: TestClient, url: str = "/lapor") -> str:
    page = client.get(url)
    assert page.status_code == 200
    match = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert match
    return match.group(1)


def post(
    client: TestClient, fields: dict[str, Any], photos: list[tuple[str, bytes]] | None = None, *, token: str | None = None
) -> Any:
    """The form as a browser without script sends it: every field, three file inputs."""
    body = {"csrf": token if token is not None else form_token(client), "lang": "id", **fields}
    files = [("photo", (name, data, "image/jpeg")) for name, data in photos or []]
    files += [("photo", ("", b"", "application/octet-stream"))] * (3 - len(files))
    return client.post("/lapor", data=body, files=files, follow_redirects=False)


def point(wr: WarRoom, kecamatan: int = 4) -> dict[str, str]:
    lat, lon = a_point_in(wr, kecamatan)
    return {"lat": f"{lat:.6f}", "lon": f"{lon:.6f}"}


def count(wr: WarRoom, model: type) -> int:
    with wr.db.session() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def page_client(reports_city: WarRoom, client: TestClient) -> Iterator[TestClient]:
    yield client


# ---- the form ------------------------------------------------------------------------------------


def test_the_form_renders_every_category_and_the_emergency_notice(reports_city: WarRoom, page_client: TestClient) -> None:
    page = page_client.get("/lapor")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    cookie = page.headers["set-cookie"]
    assert "warroom_lapor=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/lapor" in cookie
    html = page.text
    options = re.findall(r'<option value="([A-Z_]+)"', html)
    assert set(options) >= {c.code for c in reports_city.report_catalog.list()}
    assert options.index("KEBAKARAN") == 0  # emergencies first
    assert re.search(r'<optgroup label="Darurat">', html) and re.search(r'<optgroup label="Infrastruktur">', html)
    assert "telepon 112" in html and 'href="tel:112"' in html
    for name in ("service_code", "lat", "lon", "description", "address", "name", "phone", "email"):
        assert f'name="{name}"' in html
    assert html.count('type="file" name="photo" accept="image/') == 3
    assert 'name="a.JALAN_RUSAK.tingkat"' in html and 'type="datetime-local"' in html and 'type="checkbox"' in html
    assert "Tidak pernah ditampilkan ke publik" in html
    # No inline script (the CSP forbids it): only script files.
    assert all('src="' in tag for tag in re.findall(r"<script[^>]*>", html))
    english = page_client.get("/lapor?lang=en").text
    assert "Report a problem in the city" in english and 'lang="en"' in english and "Damaged road" in english


def test_a_report_filed_without_script_ends_on_its_tracking_page(reports_city: WarRoom, page_client: TestClient) -> None:
    wr = reports_city
    answer = post(page_client, {
        "service_code": "JALAN_RUSAK", **point(wr), "description": "Lubang besar di depan sekolah",
        "address": "Depan SD Inpres", "a.JALAN_RUSAK.tingkat": "berat", "a.JALAN_RUSAK.lebar_m": "1,5",
        "a.SAMPAH.jenis_sampah": "plastik",  # another category's answer: not sent to the service
        **REPORTER,
    }, photos=[("jalan.jpg", jpeg())])
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/lapor/LAP-000001?baru=1"
    page = page_client.get(answer.headers["location"])
    assert page.status_code == 200
    assert "LAP-000001" in page.text and "Terima kasih" in page.text and "Diterima" in page.text
    assert "Dinas Pekerjaan Umum" in page.text and "Kecamatan Contoh 5" in page.text and "sisa 6 hari 23 jam" in page.text
    report = wr.reports.get("LAP-000001")
    assert report.source == "web" and report.attributes == {"tingkat": "berat", "lebar_m": 1.5}
    assert report.reporter.first_name == "Budi Santoso" and report.reporter.phone == "0812-3456-7890"
    assert report.address_string == "Depan SD Inpres" and len(report.photos) == 1
    assert f'src="{report.photos[0].url}"' in page.text
    for secret in REPORTER.values():
        assert secret not in page.text


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param({"description": "Tanpa kategori dan lokasi"}, ["Pilih kategori.", "Tandai lokasi di peta"], id="empty"),
        pytest.param({"service_code": "DRAINASE", "lat": "-6.2", "lon": "106.8"}, ["di luar wilayah kota"], id="outside"),
        pytest.param({"service_code": "DRAINASE", "lat": "selatan", "lon": "119.4"}, ["Isi dengan angka"], id="not-a-number"),
        pytest.param({"service_code": "JALAN_RUSAK", "POINT": ""}, ["Wajib diisi."], id="required-attribute"),
        pytest.param({"service_code": "BANJIR", "POINT": "", "a.BANJIR.tinggi_air_cm": "selutut"}, ["Isian tidak valid."],
                     id="wrong-attribute"),
        pytest.param({"service_code": "DRAINASE", "POINT": "", "email": "budi@"}, ["Alamat email tidak valid."], id="email"),
        pytest.param({"service_code": "DRAINASE", "POINT": "", "description": "x" * 4001}, ["paling banyak 4000"],
                     id="too-long"),
        pytest.param({"service_code": "TIDAK_ADA", "POINT": ""}, ["Kategori ini tidak tersedia"], id="unknown-category"),
    ],
)
def test_errors_come_back_in_the_form_with_the_input_kept(
    reports_city: WarRoom, page_client: TestClient, fields: dict[str, str], expected: list[str]
) -> None:
    wr = reports_city
    if "POINT" in fields:
        fields = {**{k: v for k, v in fields.items() if k != "POINT"}, **point(wr)}
    fields = {"address": "Dekat pasar", **fields}
    answer = post(page_client, fields, photos=[("a.jpg", jpeg())])
    assert answer.status_code == 422, answer.text
    html = answer.text
    assert "Laporan belum terkirim" in html and 'aria-invalid="true"' in html
    for text in expected:
        assert text in html
    assert 'value="Dekat pasar"' in html  # kept
    if fields.get("service_code") in ("DRAINASE", "JALAN_RUSAK", "BANJIR"):
        assert f'value="{fields["service_code"]}" selected' in html
    assert "Pilih foto lagi" in html
    assert count(wr, Report) == 0 and count(wr, ReportPhoto) == 0
    assert not (wr.settings.data_dir / "report-photos").exists() or not any((wr.settings.data_dir / "report-photos").iterdir())


def test_the_form_in_english(reports_city: WarRoom, page_client: TestClient) -> None:
    wr = reports_city
    token = form_token(page_client, "/lapor?lang=en")
    slip = page_client.post("/lapor?lang=en", data={"csrf": token, "lang": "en", "service_code": "DRAINASE"},
                            files=[("photo", ("", b"", "application/octet-stream"))])
    assert slip.status_code == 422 and "Mark the place on the map or enter latitude and longitude." in slip.text
    done = page_client.post("/lapor?lang=en", data={"csrf": token, "lang": "en", "service_code": "DRAINASE", **point(wr)},
                            files=[("photo", ("", b"", "application/octet-stream"))], follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/lapor/LAP-000001?baru=1&lang=en"
    page = page_client.get(done.headers["location"]).text
    assert "Thank you! Your report has been received." in page and ">Received</span>" in page


def test_a_photo_that_is_not_one_is_named_in_the_form(reports_city: WarRoom, page_client: TestClient) -> None:
    wr = reports_city
    answer = post(page_client, {"service_code": "DRAINASE", **point(wr)},
                  photos=[("a.jpg", jpeg()), ("b.jpg", b"\x7fELF" + b"\0" * 300)])
    assert answer.status_code == 422
    assert "Berkas 2 bukan foto JPEG, PNG atau WebP." in answer.text
    big = post(page_client, {"service_code": "DRAINASE", **point(wr)}, photos=[("besar.jpg", b"\xff\xd8" + b"\0" * (5 * 1024 * 1024 + 10))])
    assert big.status_code == 422 and "Foto 1 terlalu besar: paling besar 5 MB." in big.text
    assert count(wr, Report) == 0


def test_a_50_mb_post_is_refused_before_it_is_read(reports_city: WarRoom, page_client: TestClient) -> None:
    sent = 0

    def body() -> Iterator[bytes]:
        nonlocal sent
        for _ in range(50):
            sent += 1
            yield b"\0" * (1024 * 1024)

    answer = page_client.post(
        "/lapor", content=body(),
        headers={"content-type": "multipart/form-data; boundary=x", "content-length": str(50 * 1024 * 1024)},
    )
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "request_too_large"
    assert sent < 50
    assert count(reports_city, Report) == 0


def test_a_post_without_the_form_token_is_refused(reports_city: WarRoom, page_client: TestClient) -> None:
    wr = reports_city
    fields = {"service_code": "DRAINASE", **point(wr), "description": "Got mampet"}
    forged = post(page_client, fields, token="dari-situs-lain-000000000000")
    assert forged.status_code == 403 and "Formulir kedaluwarsa" in forged.text and "Got mampet" in forged.text
    page_client.cookies.clear()  # a cross-site post: the browser does not send the Lax cookie
    token = re.search(r'name="csrf" value="([^"]+)"', forged.text).group(1)  # type: ignore[union-attr]
    assert post(page_client, fields, token=token).status_code == 403
    assert count(wr, Report) == 0
    assert post(page_client, fields).status_code == 303  # with the page's own token it goes through


def test_too_many_posts_from_one_address_get_a_429_page(reports_city: WarRoom, page_client: TestClient) -> None:
    wr = reports_city
    token = form_token(page_client)
    for i in range(RATE):
        assert post(page_client, {"service_code": "DRAINASE", **point(wr, i % 9)}, token=token).status_code == 303
    refused = post(page_client, {"service_code": "DRAINASE", **point(wr)}, token=token)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert "Terlalu banyak laporan" in refused.text and refused.headers["content-type"].startswith("text/html")
    assert count(wr, Report) == RATE


# ---- tracking ------------------------------------------------------------------------------------


def filed(wr: WarRoom, service_code: str = "DRAINASE", kecamatan: int = 4, **fields: Any) -> str:
    lat, lon = a_point_in(wr, kecamatan)
    data = ReportIn.model_validate({"service_code": service_code, "lat": lat, "lon": lon, **fields})
    return wr.reports.create(data, source="web", actor=ME).ticket


def test_tracking_shows_public_notes_but_never_staff_notes_or_the_reporter(
    reports_city: WarRoom, page_client: TestClient
) -> None:
    wr = reports_city
    reporter = {"first_name": "Budi", "last_name": "Santoso", "phone": "0812-3456-7890", "email": "budi@example.id"}
    lat, lon = a_point_in(wr, 3)
    ticket = wr.reports.create(
        ReportIn(service_code="DRAINASE", lat=lat, lon=lon, description="Got mampet", reporter=reporter),  # type: ignore[arg-type]
        source="web", actor=ME, now=utcnow() - timedelta(days=8),
    ).ticket
    wr.reports.change(ticket, ReportChange(status="verified", note="Sudah dicek di lokasi.", public=True), actor=ME)
    wr.reports.change(ticket, ReportChange(note="Pelapor tinggal di rumah no. 12, telp dia dulu.", public=False), actor=ME)
    wr.reports.change(ticket, ReportChange(status="dispatched"), actor=ME)

    html = page_client.get(f"/lapor/{ticket}").text
    assert "Sudah dicek di lokasi." in html and "Status: Diverifikasi" in html and "Status: Diteruskan" in html
    assert re.search(r'<li class="done step-verified">Diverifikasi</li>', html)
    assert re.search(r'<li class="current step-dispatched" aria-current="step">Diteruskan</li>', html)
    assert "terlambat 1 hari" in html and "WITA" in html
    assert "rumah no. 12" not in html
    for secret in ("Budi", "Santoso", "0812", "budi@example.id", ME.name):
        assert secret not in html
    english = page_client.get(f"/lapor/{ticket}?lang=en").text
    assert "Status: <span class=\"rp-status-word\">Forwarded</span>" in english and "1 d" in english and "late" in english


def test_a_merged_report_points_to_the_one_it_was_merged_into(reports_city: WarRoom, page_client: TestClient) -> None:
    wr = reports_city
    master = filed(wr, kecamatan=1)
    twin = filed(wr, kecamatan=2)
    wr.reports.merge(twin, master, actor=ME)
    wr.reports.change(master, ReportChange(status="in_progress"), actor=ME)
    html = page_client.get(f"/lapor/{twin}").text
    assert f"digabungkan dengan laporan {master}" in html and f'href="/lapor/{master}"' in html
    assert 'data-status="in_progress"' in html and "Dikerjakan" in html


def test_an_unknown_ticket_gets_a_friendly_404_and_the_lookup_finds_tickets(
    reports_city: WarRoom, page_client: TestClient
) -> None:
    ticket = filed(reports_city)
    for wrong in ("LAP-999999", "bukan-tiket", "LAP-1<script>"):
        missing = page_client.get(f"/lapor/{wrong}")
        assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
        assert "Laporan tidak ditemukan" in missing.text and 'action="/lapor/lacak"' in missing.text
        assert "<script>" not in missing.text.split("</title>")[1].split("<script src")[0]
    found = page_client.get(f"/lapor/lacak?tiket= {ticket.lower()} ", follow_redirects=False)
    assert found.status_code == 303 and found.headers["location"] == f"/lapor/{ticket}"
    assert page_client.get("/lapor/lacak").status_code == 200


# ---- the public map ------------------------------------------------------------------------------


def test_the_map_data_holds_open_reports_and_nothing_about_who_reported(
    reports_city: WarRoom, page_client: TestClient
) -> None:
    wr = reports_city
    contact = {"reporter": {"first_name": "Budi", "phone": "0812-3456-7890", "email": "budi@example.id"}}
    open_one = filed(wr, "SAMPAH", 0, description="Di depan rumah Pak Budi", **contact)
    closed = filed(wr, "SAMPAH", 1, **contact)
    master = filed(wr, "DRAINASE", 2)
    merged = filed(wr, "DRAINASE", 3)
    wr.reports.change(closed, ReportChange(status="resolved"), actor=ME)
    wr.reports.merge(merged, master, actor=ME)

    answer = page_client.get("/lapor/peta.json", headers={"accept-encoding": "gzip"})
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/geo+json"
    assert answer.headers["content-encoding"] == "gzip" and answer.headers["cache-control"] == "public, max-age=30"
    data = answer.json()
    assert {f["properties"]["ticket"] for f in data["features"]} == {open_one, master}
    for feature in data["features"]:
        assert set(feature["properties"]) == {"ticket", "service_code", "service_name", "status", "kecamatan", "requested"}
        lon, lat = feature["geometry"]["coordinates"]
        assert round(lat, 4) == lat and round(lon, 4) == lon
    for secret in ("Budi", "0812", "budi@example.id", "Di depan rumah", "first_name", "phone", "email", "description"):
        assert secret not in answer.text

    page = page_client.get("/lapor/peta")
    assert page.status_code == 200 and "2 laporan terbuka" in page.text
    assert f'data-ticket="{open_one}"' in page.text and f'data-ticket="{closed}"' not in page.text
    only = page_client.get("/lapor/peta?kecamatan=99.01.01").text
    assert f'data-ticket="{open_one}"' in only and f'data-ticket="{master}"' not in only
    areas = page_client.get("/lapor/wilayah.json").json()
    assert len(areas["features"]) == 9 and set(areas["features"][0]["properties"]) == {"code", "name"}


def test_the_public_pages_are_outside_the_api(reports_city: WarRoom, page_client: TestClient) -> None:
    """They are HTML pages for residents, not API routes: /api/v1's access rules do not list them."""
    app = page_client.app
    paths = {c.path for c in iter_route_contexts(app.routes)}  # type: ignore[attr-defined]
    mine = {p for p in paths if p and "/lapor" in p}
    assert mine == {"/lapor", "/lapor/lacak", "/lapor/peta", "/lapor/peta.json", "/lapor/wilayah.json",
                    "/lapor/{ticket}", "/lapor/{ticket}/foto/{photo_id}"}
