"""Reading pushed metrics back (summaries, raw and averaged series), wall KPI tiles over the city's
local day, who may read what, and retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apps_support import agencies  # noqa: F401 - fixture
from conftest import add_user, bearer
from fastapi.testclient import TestClient
from ingest_support import app_key, make_app, push, stored_points

from warroom.apps.ingest_schemas import EventIn, MetricsIn, TileIn
from warroom.auth.principal import cli_principal
from warroom.container import WarRoom

WITA = ZoneInfo("Asia/Makassar")


def points(*items: tuple[str, float, datetime]) -> MetricsIn:
    return MetricsIn.model_validate({"points": [{"name": n, "value": v, "at": at.isoformat()} for n, v, at in items]})


def test_metric_list_and_series(agencies: WarRoom, client: TestClient, admin_headers: dict[str, str]) -> None:
    app_id = make_app(agencies)
    key = app_key(agencies, app_id)
    now = datetime.now(UTC)
    # Whole 10-minute buckets an hour ago: bucket starts are multiples of the step since 1970.
    t0 = datetime.fromtimestamp((int((now - timedelta(hours=1)).timestamp()) // 600) * 600, UTC)
    series = [(t0, 1.0), (t0 + timedelta(seconds=60), 2.0), (t0 + timedelta(seconds=599), 6.0), (t0 + timedelta(seconds=630), 10.0)]
    body = [{"name": "queue_length", "value": v, "at": at.isoformat()} for at, v in series]
    assert push(client, app_id, key, *body, {"name": "signups", "value": 7}).status_code == 202

    listed = client.get(f"/api/v1/apps/{app_id}/metrics", headers=admin_headers).json()
    assert [(m["name"], m["points"], m["last_value"]) for m in listed] == [("queue_length", 4, 10.0), ("signups", 1, 7.0)]
    assert datetime.fromisoformat(listed[0]["last_at"]) == series[-1][0]

    url = f"/api/v1/apps/{app_id}/metrics/queue_length"
    raw = client.get(url, headers=admin_headers).json()
    assert raw["name"] == "queue_length" and raw["step"] is None and raw["truncated"] is False
    assert [(datetime.fromisoformat(t), v) for t, v in raw["points"]] == series
    stepped = client.get(url, params={"step": 600, "since": (t0 - timedelta(minutes=1)).isoformat()}, headers=admin_headers).json()
    assert stepped["step"] == 600
    assert [(datetime.fromisoformat(t), v) for t, v in stepped["points"]] == [(t0, 3.0), (t0 + timedelta(seconds=600), 10.0)]
    window = client.get(url, params={"since": (t0 + timedelta(seconds=30)).isoformat(), "until": (t0 + timedelta(seconds=600)).isoformat()},
                        headers=admin_headers).json()
    assert [v for _, v in window["points"]] == [2.0, 6.0]

    # A month at one-minute steps would be 43,200 points: the step grows to fit 2,000.
    month = client.get(url, params={"step": 60, "since": (now - timedelta(days=30)).isoformat()}, headers=admin_headers).json()
    assert month["step"] == 1320 and 1 <= len(month["points"]) <= 2000

    for params in ({"step": 59}, {"since": "2026-01-01T00:00:00"}, {"since": now.isoformat(), "until": (now - timedelta(hours=1)).isoformat()}):
        assert client.get(url, params=params, headers=admin_headers).status_code == 422, params
    assert client.get(f"/api/v1/apps/{app_id}/metrics/Bad-Name", headers=admin_headers).status_code == 422
    assert client.get(f"/api/v1/apps/{app_id}/metrics/nothing_here", headers=admin_headers).json()["points"] == []
    assert client.get("/api/v1/apps/999/metrics", headers=admin_headers).status_code == 404


def test_raw_series_keep_the_newest_2000_points(agencies: WarRoom) -> None:
    app_id = make_app(agencies)
    now = datetime.now(UTC)
    start = now - timedelta(hours=1)
    for chunk in range(3):
        batch = [("ticks", float(i), start + timedelta(seconds=i)) for i in range(chunk * 700, min((chunk + 1) * 700, 2001))]
        agencies.app_ingest.push_metrics(app_id, points(*batch), now=now)
    raw = agencies.app_ingest.series(app_id, "ticks", until=now)
    assert raw.truncated and len(raw.points) == 2000
    assert raw.points[0][1] == 1.0 and raw.points[-1][1] == 2000.0


def test_officers_read_only_their_agencys_apps(agencies: WarRoom, client: TestClient, admin_headers: dict[str, str]) -> None:
    theirs, other = make_app(agencies, "e-PBB", "BAPENDA"), make_app(agencies, "SIAP Makassar", "DISKOMINFO")
    for app_id in (theirs, other):
        agencies.app_ingest.push_metrics(app_id, MetricsIn.model_validate({"points": [{"name": "cpu", "value": 1}]}))
        agencies.app_ingest.push_event(app_id, EventIn(type="deploy.done", message="v2 live"))
        assert client.post("/api/v1/wall/tiles", json={"title": f"CPU {app_id}", "app_id": app_id, "metric": "cpu", "aggregate": "last"},
                           headers=admin_headers).status_code == 201
    add_user(agencies, "officer", "agency_officer", "BAPENDA")
    add_user(agencies, "viewer", "viewer")
    officer, viewer = bearer(client, "officer"), bearer(client, "viewer")
    for path in ("metrics", "metrics/cpu", "events"):
        assert client.get(f"/api/v1/apps/{theirs}/{path}", headers=officer).status_code == 200
        refused = client.get(f"/api/v1/apps/{other}/{path}", headers=officer)
        assert refused.status_code == 403 and "own agency" in refused.json()["error"]["message"]
        assert client.get(f"/api/v1/apps/{other}/{path}", headers=viewer).status_code == 200
    assert [t["app_id"] for t in client.get("/api/v1/wall/tiles", headers=officer).json()] == [theirs]
    assert [t["app_id"] for t in client.get("/api/v1/wall/tiles", headers=viewer).json()] == [theirs, other]
    assert client.post("/api/v1/wall/tiles", json={"title": "x", "app_id": theirs, "metric": "cpu", "aggregate": "last"},
                       headers=viewer).status_code == 403


def test_tiles_aggregate_over_the_citys_local_day(agencies: WarRoom) -> None:
    app_id = make_app(agencies, "e-Perizinan DPMPTSP")
    now = datetime(2026, 3, 10, 10, 0, tzinfo=WITA)  # 02:00 UTC: UTC's day began 8 hours later than the city's
    local = [
        ("permits_issued", 100.0, datetime(2026, 3, 9, 23, 30, tzinfo=WITA)),  # yesterday
        ("permits_issued", 5.0, datetime(2026, 3, 10, 0, 15, tzinfo=WITA)),  # 16:15 UTC on the 9th, yet today in Makassar
        ("permits_issued", 7.0, datetime(2026, 3, 10, 8, 0, tzinfo=WITA)),
        ("permits_issued", 3.0, datetime(2026, 3, 10, 9, 59, tzinfo=WITA)),
        ("queue_length", 40.0, datetime(2026, 3, 9, 12, 0, tzinfo=WITA)),  # nothing today
    ]
    agencies.app_ingest.push_metrics(app_id, points(*local), now=now)
    tiles = agencies.wall_tiles
    for title, metric, aggregate, position in [
        ("Izin terbit hari ini", "permits_issued", "sum_today", 1), ("Izin terbanyak", "permits_issued", "max_today", 2),
        ("Izin terakhir", "permits_issued", "last", 3), ("Antrean hari ini", "queue_length", "max_today", 4),
        ("Antrean", "queue_length", "last", 0), ("Belum ada", "never_pushed", "last", 5),
    ]:
        tiles.create(TileIn(title=title, app_id=app_id, metric=metric, aggregate=aggregate, unit="izin", position=position), actor=cli_principal())
    out = {t.title: t for t in tiles.list(now=now)}
    assert [t.title for t in tiles.list(now=now)][0] == "Antrean"
    assert (out["Izin terbit hari ini"].value, out["Izin terbit hari ini"].at) == (15.0, local[3][2])
    assert (out["Izin terbanyak"].value, out["Izin terbanyak"].at) == (7.0, local[3][2])
    assert (out["Izin terakhir"].value, out["Izin terakhir"].at) == (3.0, local[3][2])
    assert (out["Antrean hari ini"].value, out["Antrean hari ini"].at) == (None, None)
    assert out["Antrean"].value == 40.0 and out["Belum ada"].value is None
    assert out["Izin terbit hari ini"].app_name == "e-Perizinan DPMPTSP" and out["Izin terbit hari ini"].unit == "izin"
    # Just after local midnight the sums start again, although it is still the 10th in UTC.
    assert next(t for t in tiles.list(now=datetime(2026, 3, 11, 0, 1, tzinfo=WITA)) if t.title == "Izin terbit hari ini").value is None


def test_tile_api(agencies: WarRoom, client: TestClient, admin_headers: dict[str, str]) -> None:
    app_id = make_app(agencies)
    key = app_key(agencies, app_id)
    for value in (4, 6):
        assert push(client, app_id, key, {"name": "signups", "value": value}).status_code == 202
    made = []
    for aggregate in ("sum_today", "max_today", "last"):
        response = client.post("/api/v1/wall/tiles", json={"title": f"Sign-ups {aggregate}", "app_id": app_id, "metric": "signups",
                                                            "aggregate": aggregate, "position": len(made)}, headers=admin_headers)
        assert response.status_code == 201, response.text
        made.append(response.json())
    listed = client.get("/api/v1/wall/tiles", headers=admin_headers).json()
    assert set(listed[0]) == {"id", "title", "app_id", "app_name", "metric", "aggregate", "unit", "position", "value", "at"}
    assert [(t["aggregate"], t["value"]) for t in listed] == [("sum_today", 10.0), ("max_today", 6.0), ("last", 6.0)]
    assert all(t["at"] for t in listed)
    for body, status in [
        ({"title": "x", "app_id": 999, "metric": "signups", "aggregate": "last"}, 422),
        ({"title": "x", "app_id": app_id, "metric": "signups", "aggregate": "avg_today"}, 422),
        ({"title": "x", "app_id": app_id, "metric": "Sign ups", "aggregate": "last"}, 422),
        ({"title": "", "app_id": app_id, "metric": "signups", "aggregate": "last"}, 422),
    ]:
        assert client.post("/api/v1/wall/tiles", json=body, headers=admin_headers).status_code == status, body
    assert client.delete(f"/api/v1/wall/tiles/{made[0]['id']}", headers=admin_headers).status_code == 204
    assert client.delete(f"/api/v1/wall/tiles/{made[0]['id']}", headers=admin_headers).status_code == 404
    assert len(client.get("/api/v1/wall/tiles", headers=admin_headers).json()) == 2
    actions = [e["action"] for e in client.get("/api/v1/audit", headers=admin_headers).json()]
    assert actions.count("tile.create") == 3 and actions.count("tile.delete") == 1


def test_prune_keeps_retention_and_forgets_old_ids(agencies: WarRoom) -> None:
    app_id = make_app(agencies)
    now = datetime(2026, 6, 1, tzinfo=UTC)
    ingest = agencies.app_ingest
    ingest.push_metrics(app_id, points(("cpu", 1.0, now - timedelta(days=89)), ("cpu", 2.0, now - timedelta(days=1))), now=now)
    ingest.push_event(app_id, EventIn(type="old.news", message="m", at=now - timedelta(days=89)), now=now)
    batch = MetricsIn.model_validate({"batch_id": "b-1", "points": [{"name": "cpu", "value": 3, "at": now.isoformat()}]})
    assert not ingest.push_metrics(app_id, batch, now=now).duplicate
    assert ingest.prune(now) == {"metric_points": 0, "events": 0, "receipts": 0}
    assert ingest.prune(now + timedelta(days=2)) == {"metric_points": 1, "events": 1, "receipts": 0}
    assert stored_points(agencies, app_id) == 2
    assert ingest.push_metrics(app_id, batch, now=now + timedelta(days=3)).duplicate
    assert ingest.prune(now + timedelta(days=8))["receipts"] == 1
    # After a week the id is forgotten: the same batch is a new push.
    assert not ingest.push_metrics(app_id, batch, now=now + timedelta(days=8)).duplicate
