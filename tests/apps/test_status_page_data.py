"""The public status page's content: only listed apps, nothing internal, outages in plain words and
city time, 90 daily bars, operator notices (escaped), and the 15-second cache."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apps_support import agencies  # noqa: F401 - fixture
from conftest import add_user, bearer
from fastapi.testclient import TestClient

from warroom.apps.probes import ProbeResult
from warroom.apps.schemas import AppIn
from warroom.apps.status_page import StatusPageService
from warroom.apps.status_schemas import NoticeIn
from warroom.auth.principal import cli_principal
from warroom.container import WarRoom
from warroom.db import utcnow

ME = cli_principal()
WITA = ZoneInfo("Asia/Makassar")
PUBLIC_HOST = "siap.makassarkota.go.id"
PROBE_HOST = "10.20.30.40"
PROBE_URL = f"http://{PROBE_HOST}:8080/health"
SECRET_ERROR = "connect to 127.0.0.1:8443 failed: Connection refused"
DOWN = [("http", ProbeResult(ok=False, error=SECRET_ERROR))]
SLOW = [("http", ProbeResult(ok=True, degraded=True, latency_ms=2400.0, failed_conditions=["latency_ms < 800"]))]
UP = [("http", ProbeResult(ok=True, latency_ms=35.0))]


def new_app(wr: WarRoom, name: str, agency: str = "DISKOMINFO", **extra: Any) -> int:
    body = {
        "name": name, "agency_code": agency, "public_url": f"https://{PUBLIC_HOST}/", "contact": "it@makassarkota.go.id",
        "probes": [{"type": "http", "url": PROBE_URL}], "retries": 1, **extra,
    }
    return wr.apps.create(AppIn.model_validate(body), actor=ME).id


def wita(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), WITA).astimezone(UTC)


def days_ago(n: int) -> date:
    return utcnow().astimezone(WITA).date() - timedelta(days=n)


def assert_nothing_internal(text: str) -> None:
    for secret in (PUBLIC_HOST, PROBE_HOST, PROBE_URL, "127.0.0.1", "Connection refused", "makassarkota.go.id", "latency_ms"):
        assert secret not in text, f"{secret!r} leaked onto the public page"


def test_only_listed_apps_and_nothing_internal(agencies: WarRoom, client: TestClient) -> None:
    wr = agencies
    siap = new_app(wr, "SIAP Makassar")
    hidden = new_app(wr, "SIMPEG Internal", status_page=False)
    off = new_app(wr, "Aplikasi Lama", enabled=False)
    pbb = new_app(wr, "e-PBB Makassar", "BAPENDA")
    for app_id in (siap, hidden, off):
        wr.apps.record(app_id, DOWN)  # the error (with an IP) is in the history and the status
    wr.apps.record(pbb, UP)
    assert SECRET_ERROR in wr.apps.history(siap)[0].error  # the secret really is in the database

    pages = {url: client.get(url) for url in (
        "/status", "/status?lang=en", "/status/DISKOMINFO", "/status/diskominfo?lang=en", "/status.json",
        "/status.json?agency=DISKOMINFO",
    )}
    for url, response in pages.items():
        assert response.status_code == 200, (url, response.text)
        assert response.headers["cache-control"] == "public, max-age=15"
        assert_nothing_internal(response.text)
        assert "SIAP Makassar" in response.text
        assert "SIMPEG Internal" not in response.text and "Aplikasi Lama" not in response.text
    assert pages["/status"].headers["content-type"].startswith("text/html")

    html = pages["/status"].text
    assert re.search(r'data-overall="down"[^>]*>\s*<span[^>]*></span>Sebagian layanan tidak dapat diakses', html)
    assert 'data-state="down"' in html and "Tidak dapat diakses" in html and "e-PBB Makassar" in html
    assert 'id="ag-BAPENDA">Badan Pendapatan Daerah' in html and 'href="/status/BAPENDA?lang=id"' in html
    assert "Some services are unavailable" in pages["/status?lang=en"].text
    assert '<html lang="en">' in pages["/status?lang=en"].text

    body = pages["/status.json"].json()
    assert body["overall"] == "down" and body["zone_label"] == "WITA"
    assert body["counts"] == {"up": 1, "degraded": 0, "down": 1, "maintenance": 0, "unknown": 0}
    assert [(g["code"], [a["name"] for a in g["apps"]]) for g in body["agencies"]] == [
        ("BAPENDA", ["e-PBB Makassar"]), ("DISKOMINFO", ["SIAP Makassar"]),
    ]
    assert {o["app"] for o in body["outages"]} == {"SIAP Makassar"}
    assert "contact" not in pages["/status.json"].text and "probes" not in pages["/status.json"].text


def test_agency_pages_and_unknown_agency(agencies: WarRoom, client: TestClient) -> None:
    wr = agencies
    new_app(wr, "SIAP Makassar")
    new_app(wr, "e-PBB Makassar", "BAPENDA")
    page = client.get("/status/bapenda")
    assert page.status_code == 200
    assert "e-PBB Makassar" in page.text and "SIAP Makassar" not in page.text
    assert "<title>Status layanan Badan Pendapatan Daerah</title>" in page.text
    assert 'href="/status?lang=id"' in page.text  # back to the whole city
    assert client.get("/status.json", params={"agency": "BAPENDA"}).json()["agency_code"] == "BAPENDA"

    missing = client.get("/status/NOPE<b>")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert "Dinas tidak ditemukan" in missing.text and "NOPE&lt;b&gt;" in missing.text
    assert "Agency not found" in client.get("/status/NOPE", params={"lang": "en"}).text
    missing_json = client.get("/status.json", params={"agency": "NOPE"})
    assert missing_json.status_code == 404 and missing_json.json()["error"]["code"] == "not_found"


def test_outages_in_plain_words_and_city_time(agencies: WarRoom, client: TestClient) -> None:
    wr = agencies
    siap = new_app(wr, "SIAP Makassar")
    flappy = new_app(wr, "e-Retribusi Sampah")
    day, late, old = days_ago(2), days_ago(1), days_ago(20)
    steps = [
        (siap, old, 9, 0, DOWN), (siap, old, 9, 30, UP),  # before the 14 days: not listed
        (siap, day, 10, 2, DOWN), (siap, day, 10, 17, UP),
        (siap, day, 11, 0, SLOW), (siap, day, 11, 30, UP),
        (siap, late, 23, 50, DOWN),  # still down: "sejak"
    ]
    for minute in range(0, 50, 10):  # five short outages in one day: a count, not a list
        steps += [(flappy, day, 14, minute, DOWN), (flappy, day, 14, minute + 2, UP)]
    for app_id, on, hour, minute, results in steps:
        wr.apps.record(app_id, results, now=wita(on, hour, minute))

    html = client.get("/status").text
    outages = re.findall(r'<span class="outage-text">([^<]*)</span>', html)
    assert "Tidak dapat diakses 10.02–10.17 WITA" in outages
    assert "Lambat 11.00–11.30 WITA" in outages
    assert "Tidak dapat diakses sejak 23.50 WITA" in outages
    assert "Tidak dapat diakses 5 kali, total 10 menit" in outages
    assert not any("09.00" in text for text in outages)
    assert outages[0] == "Tidak dapat diakses sejak 23.50 WITA"  # the ongoing one first
    assert_nothing_internal(html)

    english = client.get("/status", params={"lang": "en"}).text
    assert "Unavailable 10:02–10:17 WITA" in english and "Slow 11:00–11:30 WITA" in english
    assert "Unavailable 5 times, 10 min in total" in english

    body = client.get("/status.json").json()
    slow = next(o for o in body["outages"] if o["kind"] == "degraded")
    assert (slow["app"], slow["date"], slow["count"], slow["total_s"]) == ("SIAP Makassar", day.isoformat(), 1, 1800.0)
    assert slow["periods"] == [{"start": wita(day, 11, 0).isoformat().replace("+00:00", "Z"),
                                "end": wita(day, 11, 30).isoformat().replace("+00:00", "Z")}]
    flapping = next(o for o in body["outages"] if o["app"] == "e-Retribusi Sampah")
    assert (flapping["count"], len(flapping["periods"]), flapping["ongoing"]) == (5, 3, False)


def test_ninety_daily_bars(agencies: WarRoom, client: TestClient) -> None:
    wr = agencies
    siap = new_app(wr, "SIAP Makassar")
    new_app(wr, "e-PBB Makassar", "BAPENDA")  # never checked: 90 grey bars
    for on, results in ((days_ago(3), UP), (days_ago(3), UP), (days_ago(5), UP), (days_ago(5), DOWN)):
        wr.apps.record(siap, results, now=wita(on, 12, 0))

    body = client.get("/status.json").json()
    apps = {a["name"]: a for g in body["agencies"] for a in g["apps"]}
    siap_days = {d["date"]: d["uptime"] for d in apps["SIAP Makassar"]["days"]}
    assert len(siap_days) == 90 and list(siap_days)[-1] == days_ago(0).isoformat()
    assert siap_days[days_ago(3).isoformat()] == 1.0 and siap_days[days_ago(5).isoformat()] == 0.5
    assert apps["SIAP Makassar"]["uptime_90d"] == 0.75
    assert apps["e-PBB Makassar"]["uptime_90d"] is None

    html = client.get("/status").text
    bars = re.findall(r'<ol class="bars"[^>]*>(.*?)</ol>', html)
    assert len(bars) == 2 and all(len(re.findall(r"<li ", b)) == 90 for b in bars)
    siap_bars = re.search(rf'data-app="{siap}".*?<ol class="bars"[^>]*>(.*?)</ol>', html, re.S).group(1)  # type: ignore[union-attr]
    classes = re.findall(r'<li class="(u\d)" title="([^"]*)"', siap_bars)
    assert classes.count(("u1", f"{days_ago(3).day} {short_month(days_ago(3))}: 100%")) == 1
    assert classes.count(("u4", f"{days_ago(5).day} {short_month(days_ago(5))}: 50,00%")) == 1
    assert sum(1 for c, _ in classes if c == "u0") == 88
    assert "Ketersediaan 90 hari: <strong>75,00%</strong>" in html


def short_month(d: date) -> str:
    return ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")[d.month - 1]


def test_notices_lifecycle_and_escaping(agencies: WarRoom, client: TestClient, admin_headers: dict[str, str]) -> None:
    wr = agencies
    siap = new_app(wr, "SIAP Makassar")
    hidden = new_app(wr, "SIMPEG Internal", status_page=False)
    new_app(wr, "e-PBB Makassar", "BAPENDA")
    add_user(wr, "op1", "operator")
    add_user(wr, "viewer1", "viewer")
    op, viewer = bearer(client, "op1"), bearer(client, "viewer1")
    assert client.get("/status").status_code == 200  # cached now: a notice must still show at once

    title = "<script>alert('x')</script> SIAP lambat"
    created = client.post("/api/v1/status/notices", headers=op, json={
        "title": title, "body": "Sedang diperbaiki.\n<b>Mohon</b> bersabar.", "state": "investigating", "app_id": siap,
    })
    assert created.status_code == 201, created.text
    notice = created.json()
    assert (notice["agency_code"], notice["author"], notice["resolved_at"]) == ("DISKOMINFO", "op1", None)
    assert client.post("/api/v1/status/notices", headers=viewer, json={"title": "Tidak boleh"}).status_code == 403
    assert client.post("/api/v1/status/notices", json={"title": "Tidak boleh"}).status_code == 401
    city_wide = client.post("/api/v1/status/notices", headers=op, json={"title": "Jaringan kota dipantau", "state": "monitoring"}).json()
    bapenda = client.post("/api/v1/status/notices", headers=op, json={"title": "Pajak daerah", "agency_code": "BAPENDA"}).json()
    assert bapenda["agency_code"] == "BAPENDA"
    internal = client.post("/api/v1/status/notices", headers=op, json={"title": "Kepegawaian terganggu", "app_id": hidden}).json()
    assert client.post("/api/v1/status/notices", headers=op, json={"title": "Salah", "app_id": 999}).status_code == 404
    mismatch = client.post("/api/v1/status/notices", headers=op, json={"title": "Salah", "app_id": siap, "agency_code": "BAPENDA"})
    assert mismatch.status_code == 422 and "DISKOMINFO" in mismatch.json()["error"]["message"]

    html = client.get("/status").text
    assert "<script>" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; SIAP lambat" in html
    assert "&lt;b&gt;Mohon&lt;/b&gt;" in html and "Sedang diselidiki" in html
    notice_ids = re.findall(r'<article class="notice nt-(\w+)" data-notice="(\d+)"', html)
    assert ("investigating", str(notice["id"])) in notice_ids and ("monitoring", str(city_wide["id"])) in notice_ids
    assert f'data-notice="{internal["id"]}"' in html and "SIMPEG Internal" not in html  # the unlisted app stays unnamed
    agency_page = client.get("/status/DISKOMINFO").text
    assert "Jaringan kota dipantau" in agency_page and "Pajak daerah" not in agency_page
    assert "Pajak daerah" in client.get("/status/BAPENDA").text

    assert client.patch(f"/api/v1/status/notices/{notice['id']}", headers=op, json={}).status_code == 422
    assert client.patch(f"/api/v1/status/notices/{notice['id']}", headers=viewer, json={"state": "resolved"}).status_code == 403
    resolved = client.patch(f"/api/v1/status/notices/{notice['id']}", headers=op, json={"state": "resolved"}).json()
    assert resolved["state"] == "resolved" and resolved["resolved_at"] is not None
    body = client.get("/status.json").json()
    assert notice["id"] not in [n["id"] for n in body["notices"]]
    assert [n["id"] for n in body["resolved_notices"]] == [notice["id"]]
    assert body["resolved_notices"][0]["title"] == title and body["resolved_notices"][0]["app"] == "SIAP Makassar"
    assert "author" not in body["resolved_notices"][0] and "op1" not in client.get("/status.json").text
    reopened = client.patch(f"/api/v1/status/notices/{notice['id']}", headers=op, json={"state": "identified"}).json()
    assert reopened["resolved_at"] is None

    listed = client.get("/api/v1/status/notices", headers=viewer)
    assert listed.status_code == 200 and len(listed.json()) == 4
    assert [n["id"] for n in client.get("/api/v1/status/notices", params={"active": "false"}, headers=viewer).json()] == []
    assert client.get("/api/v1/status/notices").status_code == 401
    audit = client.get("/api/v1/audit", params={"action": "status_notice.update"}, headers=admin_headers).json()
    entries = audit["items"] if isinstance(audit, dict) else audit
    assert len(entries) == 2 and all(e["actor"] == "op1" for e in entries)


def test_the_built_page_is_kept_for_fifteen_seconds(agencies: WarRoom) -> None:
    wr = agencies
    clock = [1000.0]
    service = StatusPageService(wr.db, wr.audit, wr.city, wr.app_rollups, "Asia/Makassar", clock=lambda: clock[0])
    siap = new_app(wr, "SIAP Makassar")
    first = service.public()
    wr.apps.record(siap, DOWN)
    clock[0] += 14.0
    assert service.public() is first and first.overall == "unknown"  # the crowd is served from memory
    assert service.public("diskominfo") is not first  # each agency has its own copy
    clock[0] += 1.5
    fresh = service.public()
    assert fresh is not first and fresh.overall == "down"
    service.notices.create(NoticeIn(title="Sedang diperbaiki"), actor=ME)
    assert service.public() is not fresh and service.public().notices[0].title == "Sedang diperbaiki"
