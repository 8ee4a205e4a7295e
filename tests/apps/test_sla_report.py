"""The monthly SLA report, checked against a case computed by hand: JSON, CSV, PDF, CLI, API scope."""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import re
import subprocess
import sys
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apps_support import agencies  # noqa: F401 - fixture
from conftest import add_user, bearer
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from warroom.apps.models import ProbeSample
from warroom.apps.probes import ProbeResult
from warroom.apps.schemas import AppIn
from warroom.apps.sla import InvalidMonth, parse_month
from warroom.apps.sla_render import AGENCY_COLUMNS, APP_COLUMNS, to_csv, to_pdf
from warroom.auth.principal import cli_principal
from warroom.config import AppSettings, Settings
from warroom.container import WarRoom

TZ = ZoneInfo("Asia/Makassar")
STEP = timedelta(minutes=10)
ROLLED_AT = datetime(2026, 11, 5, tzinfo=UTC)  # rollups made, raw samples of October pruned (48 h)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Hourly rollups kept 10 years, so October 2026 stays readable whenever the suite runs."""
    return Settings(data_dir=tmp_path / "data", database_url=database_url, apps=AppSettings(rollup_1h_days=3650))


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ).astimezone(UTC)


def within(at: datetime, start: str, end: str) -> bool:
    """`at` in [start, end], local times."""
    return local(start) <= at <= local(end)


def run_month(wr: WarRoom, app_id: int, recorded: list[tuple[str, str]], failing: list[tuple[str, str]], latency: float) -> None:
    """A check every 10 min from 30 Sep 20:00 to 1 Nov 03:00 local. Around outages and maintenance the
    checks go through `AppService.record` (state, history, maintenance); the rest are stored directly."""
    direct = []
    at = local("2026-09-30T20:00")
    while at < local("2026-11-01T03:00"):
        ok = not any(within(at, a, b) for a, b in failing)
        if any(within(at, a, b) for a, b in recorded):
            result = ProbeResult(ok=ok, latency_ms=latency if ok else None, error=None if ok else "connection refused")
            wr.apps.record(app_id, [("tcp", result)], now=at)
        else:
            direct.append({"app_id": app_id, "at": at, "ok": ok, "degraded": False, "latency_ms": latency if ok else None})
        at += STEP
    with wr.db.session() as s:
        s.execute(insert(ProbeSample), direct)


@pytest.fixture
def month(agencies: WarRoom) -> tuple[int, int]:
    """October 2026 in Makassar (UTC+8) for two apps of two agencies.

    SIAP Makassar (DISKOMINFO, critical): ok at 100 ms, except failing 14 Oct 23:30 .. 15 Oct 01:00
    (10 checks; down from the 2nd failure 23:40 until the ok check at 01:10: 90 min, over midnight),
    and a maintenance window 20 Oct 02:00-04:00 (12 checks not counted).
    e-PBB (BAPENDA, medium): ok at 200 ms, except failing 30 Sep 23:00 .. 1 Oct 00:30 (down since
    30 Sep 23:10, so October has 4 failed checks, 40 min down and no new outage) and 31 Oct 22:00 ..
    1 Nov 01:50 (down from 22:10: 12 failed checks and 110 min down in October, the outage open at
    the month's end).
    """
    tcp = [{"type": "tcp", "host": "127.0.0.1", "port": 9}]
    window = {"start": local("2026-10-20T02:00").isoformat(), "end": local("2026-10-20T04:00").isoformat()}
    siap = agencies.apps.create(AppIn(name="SIAP Makassar", agency_code="DISKOMINFO", criticality="critical",
                                      probes=tcp, maintenance=[window]), actor=cli_principal()).id
    pbb = agencies.apps.create(AppIn(name="e-PBB", agency_code="BAPENDA", criticality="medium", probes=tcp),
                               actor=cli_principal()).id
    run_month(agencies, siap, [("2026-10-14T23:00", "2026-10-15T01:30"), ("2026-10-20T01:00", "2026-10-20T05:00")],
              [("2026-10-14T23:30", "2026-10-15T01:00")], 100.0)
    run_month(agencies, pbb, [("2026-09-30T22:00", "2026-10-01T01:00"), ("2026-10-31T21:00", "2026-11-01T03:00")],
              [("2026-09-30T23:00", "2026-10-01T00:30"), ("2026-10-31T22:00", "2026-11-01T01:50")], 200.0)
    return siap, pbb


# The hand-computed October. 31 days x 144 checks a day = 4,464 checks per app.
SIAP = {
    "name": "SIAP Makassar", "agency_code": "DISKOMINFO", "criticality": "critical",
    "checks": 4452,  # 4,464 - 12 in maintenance
    "failed": 10,
    "uptime_pct": 99.7754,  # 100 * 4,442 / 4,452 = 99.77538...
    "target_pct": 99.9, "met": False, "outages": 1,
    "down_minutes": 90.0,  # 23:40 -> 01:10
}
PBB = {
    "name": "e-PBB", "agency_code": "BAPENDA", "criticality": "medium",
    "checks": 4464,
    "failed": 16,  # 4 on 1 Oct (00:00..00:30) + 12 on 31 Oct (22:00..23:50)
    "uptime_pct": 99.6416,  # 100 * 4,448 / 4,464 = 99.64157...
    "target_pct": 99.0, "met": True,
    "outages": 1,  # the one begun on 30 Sep counts in September
    "down_minutes": 150.0,  # 40 (00:00 -> 00:40) + 110 (22:10 -> 24:00)
}
# p95 from the hourly rollups' bins: the rank is ceil(0.95 n), placed k/n into the bin.
P95_BINNED = {"SIAP Makassar": 98.8,  # bin (75, 100]: rank 4,220 of 4,442 -> 75 + 25 * 4,220 / 4,442 = 98.75
              "e-PBB": 197.5}  # bin (150, 200]: rank 4,226 of 4,448 -> 150 + 50 * 4,226 / 4,448 = 197.50
TOTAL = {"apps": 2, "checks": 8916, "uptime_pct": 99.7084,  # 100 * (4,442 + 4,448) / 8,916 = 99.70839...
         "apps_met": 1, "outages": 2, "down_minutes": 240.0}


def check_october(report: dict, p95: dict[str, float]) -> None:
    apps = {a["name"]: a for a in report["apps"]}
    assert [a["name"] for a in report["apps"]] == ["e-PBB", "SIAP Makassar"]  # by agency code, then name
    for expected in (SIAP, PBB):
        got = apps[expected["name"]]
        assert {k: got[k] for k in expected} == expected
        assert got["p95_ms"] == p95[expected["name"]]
    agencies = {a["agency_code"]: a for a in report["agencies"]}
    assert {k: agencies["DISKOMINFO"][k] for k in ("apps", "checks", "uptime_pct", "apps_met", "outages", "down_minutes")} == {
        "apps": 1, "checks": 4452, "uptime_pct": 99.7754, "apps_met": 0, "outages": 1, "down_minutes": 90.0}
    assert agencies["BAPENDA"]["agency_name"] == "Badan Pendapatan Daerah"
    assert {k: report["total"][k] for k in TOTAL} == TOTAL
    assert report["start"].startswith("2026-09-30T16:00:00") and report["end"].startswith("2026-10-31T16:00:00")
    assert report["partial"] is False


def test_october_by_hand_from_raw_then_from_rollups(agencies: WarRoom, month: tuple[int, int]) -> None:
    sla = agencies.app_sla
    raw = sla.report("2026-10", now=ROLLED_AT).model_dump(mode="json")
    check_october(raw, {"SIAP Makassar": 100.0, "e-PBB": 200.0})  # all raw: exact percentiles
    agencies.app_rollups.roll_up(ROLLED_AT)
    with agencies.db.session() as s:
        assert s.scalar(select(ProbeSample.id).where(ProbeSample.at < local("2026-11-01T00:00"))) is None  # pruned
    check_october(sla.report("2026-10", now=ROLLED_AT).model_dump(mode="json"), P95_BINNED)
    check_october(sla.report("2026-10").model_dump(mode="json"), P95_BINNED)  # today, whatever today is

    # The current month counts to now: at 1 Nov 01:05 local, e-PBB has been down all 65 minutes
    # (7 failed checks 00:00..01:00, no new outage), SIAP up for its 7 checks.
    now = local("2026-11-01T01:05")
    november = sla.report("2026-11", now=now)
    got = {a.name: (a.checks, a.failed, a.uptime_pct, a.met, a.outages, a.down_minutes) for a in november.apps}
    assert got == {"SIAP Makassar": (7, 0, 100.0, True, 0, 0.0), "e-PBB": (7, 7, 0.0, False, 0, 65.0)}
    assert november.partial is True

    only = sla.report("2026-10", "bapenda", now=ROLLED_AT)
    assert only.agency == "BAPENDA" and [a.name for a in only.apps] == ["e-PBB"] and only.total.checks == 4464


def test_csv_and_pdf_carry_the_same_numbers(agencies: WarRoom, month: tuple[int, int]) -> None:
    agencies.app_rollups.roll_up(ROLLED_AT)
    report = agencies.app_sla.report("2026-10", now=ROLLED_AT)
    apps_part, agencies_part = to_csv(report).split("\r\n\r\n")
    rows = list(csv.DictReader(io.StringIO(apps_part)))
    assert tuple(rows[0]) == APP_COLUMNS
    siap = next(r for r in rows if r["name"] == "SIAP Makassar")
    assert (siap["checks"], siap["failed"], siap["uptime_pct"], siap["met"], siap["down_minutes"], siap["p95_ms"]) == (
        "4452", "10", "99.7754", "no", "90.0", "98.8")
    totals = list(csv.DictReader(io.StringIO(agencies_part)))
    assert tuple(totals[0]) == AGENCY_COLUMNS
    assert [(r["agency_code"], r["checks"], r["uptime_pct"], r["apps_met"]) for r in totals] == [
        ("BAPENDA", "4464", "99.6416", "1"), ("DISKOMINFO", "4452", "99.7754", "0"), ("*", "8916", "99.7084", "1")]

    pdf = to_pdf(report)
    assert pdf.startswith(b"%PDF-") and b"%%EOF" in pdf[-32:]
    assert len(re.findall(rb"/Type /Page\b", pdf)) >= 1
    text = pdf_text(pdf)
    for expected in ("Laporan SLA Aplikasi", "Oktober 2026", "SIAP Makassar", "e-PBB", "99,775", "Uptime per dinas"):
        assert expected in text, expected


def pdf_text(pdf: bytes) -> str:
    """The text the PDF shows: reportlab writes `(...) Tj` in ASCII85 + Flate encoded content streams."""
    shown = []
    for head, stream in re.findall(rb"<<([^>]*)>>\s*stream\r?\n(.*?)endstream", pdf, re.S):
        if b"/ASCII85Decode" in head:
            stream = base64.a85decode(stream.strip().removesuffix(b"~>"))
        if b"/FlateDecode" in head:
            stream = zlib.decompress(stream)
        shown += [s.decode("cp1252") for s in re.findall(rb"\(((?:[^()\\]|\\.)*)\)\s*Tj", stream)]
    return "\n".join(shown)


def test_api_formats_scope_and_bad_months(agencies: WarRoom, month: tuple[int, int], client: TestClient) -> None:
    agencies.app_rollups.roll_up(ROLLED_AT)
    add_user(agencies, "kepala", "viewer")
    add_user(agencies, "pbb", "agency_officer", "BAPENDA")
    viewer, officer = bearer(client, "kepala"), bearer(client, "pbb")

    body = client.get("/api/v1/apps/sla", params={"month": "2026-10"}, headers=viewer)
    assert body.status_code == 200, body.text
    check_october(body.json(), P95_BINNED)
    got = client.get("/api/v1/apps/sla", params={"month": "2026-10", "format": "csv", "agency": "DISKOMINFO"}, headers=viewer)
    assert got.headers["content-type"] == "text/csv; charset=utf-8"
    assert got.headers["content-disposition"] == 'attachment; filename="sla-2026-10-DISKOMINFO.csv"'
    assert "SIAP Makassar" in got.text and "e-PBB" not in got.text
    pdf = client.get("/api/v1/apps/sla", params={"month": "2026-10", "format": "pdf"}, headers=viewer)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    assert pdf.headers["content-disposition"] == 'attachment; filename="sla-2026-10.pdf"'

    # An agency officer gets their own agency's report, and nobody else's.
    own = client.get("/api/v1/apps/sla", params={"month": "2026-10"}, headers=officer).json()
    assert own["agency"] == "BAPENDA" and [a["name"] for a in own["apps"]] == ["e-PBB"]
    other = client.get("/api/v1/apps/sla", params={"month": "2026-10", "agency": "DISKOMINFO"}, headers=officer)
    assert other.status_code == 403 and "own agency" in other.json()["error"]["message"]

    for bad, says in (("2026-13", "month 01..12"), ("Oktober 2026", "look like 2026-11"), ("2999-01", "has not begun")):
        refused = client.get("/api/v1/apps/sla", params={"month": bad}, headers=viewer)
        assert refused.status_code == 400, bad
        assert refused.json()["error"]["code"] == "invalid_month" and says in refused.json()["error"]["message"]
    assert client.get("/api/v1/apps/sla", params={"month": "2026-10"}).status_code == 401
    assert client.get("/api/v1/apps/sla", params={"month": "2026-10", "agency": "NOPE"}, headers=viewer).status_code == 404


def test_parse_month_edges() -> None:
    now = datetime(2026, 11, 28, 3, tzinfo=UTC)
    december = parse_month("2025-12", TZ, now)
    assert (december.start, december.end) == (datetime(2025, 11, 30, 16, tzinfo=UTC), datetime(2025, 12, 31, 16, tzinfo=UTC))
    assert parse_month("2026-11", TZ, now).label == "2026-11"
    # 1 Dec 00:30 in Makassar is still 30 Nov in UTC: the local calendar decides.
    assert parse_month("2026-12", TZ, datetime(2026, 11, 30, 16, 30, tzinfo=UTC)).month == 12
    with pytest.raises(InvalidMonth):
        parse_month("2026-12", TZ, datetime(2026, 11, 30, 15, 30, tzinfo=UTC))


def test_cli_writes_the_report(agencies: WarRoom, month: tuple[int, int], tmp_path: Path, database_url: str) -> None:
    agencies.app_rollups.roll_up(ROLLED_AT)
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARROOM_") or k.startswith("WARROOM_TEST_")}
    env.update(WARROOM_DATA_DIR=str(tmp_path / "data"), WARROOM_DATABASE_URL=database_url,
               WARROOM_APPS__ROLLUP_1H_DAYS="3650")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "warroom", "report", "sla", *args], capture_output=True,
                              text=True, env=env, cwd=tmp_path, timeout=120)

    done = run("--month", "2026-10", "-o", str(tmp_path / "oktober.pdf"))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "oktober.pdf").read_bytes().startswith(b"%PDF-") and "2 apps" in done.stdout
    done = run("--month", "2026-10", "--agency", "BAPENDA", "--format", "json", "-o", str(tmp_path / "pbb.json"))
    assert done.returncode == 0, done.stderr
    assert [a["name"] for a in json.loads((tmp_path / "pbb.json").read_text())["apps"]] == ["e-PBB"]
    refused = run("--month", "2026-13", "-o", str(tmp_path / "x.csv"))
    assert refused.returncode == 1 and "month 01..12" in refused.stderr and "Traceback" not in refused.stderr
