"""The camera registry over HTTP and the CLI's import: locations, filters, credentials kept secret."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from conftest import add_user, bearer
from warroom.auth.principal import cli_principal
from warroom.cameras.importing import write_csv
from warroom.city.schemas import AgencyIn
from warroom.container import WarRoom
from warroom.errors import InvalidInput

CITY_HALL = {"lat": -5.1345, "lon": 119.4125}
SECRET = "s3cret-Pa55"


def camera(name: str = "Jl. Ahmad Yani / Balai Kota", **extra: object) -> dict[str, object]:
    return {"name": name, "kind": "road", **CITY_HALL, "stream_url": "synthetic://street?seed=1&size=320x240", **extra}


@pytest.fixture
def agencies(makassar: WarRoom) -> WarRoom:
    for code, name in (("DISHUB", "Dinas Perhubungan"), ("DISKOMINFO", "Dinas Komunikasi dan Informatika")):
        makassar.city.create_agency(AgencyIn(code=code, name=name), actor=cli_principal())
    return makassar


def test_create_fills_areas_and_hides_the_password(agencies: WarRoom, client: TestClient, admin_headers: dict[str, str], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    body = camera(stream_url=f"rtsp://admin:{SECRET}@10.20.30.40:554/Streaming/101", agency_code="DISHUB")
    created = client.post("/api/v1/cameras", json=body, headers=admin_headers)
    assert created.status_code == 201, created.text
    out = created.json()
    assert out["kecamatan"]["name"] == "Ujung Pandang" and out["kelurahan"]["level"] == "kelurahan"
    assert out["stream_url"] == "rtsp://10.20.30.40:554/Streaming/101" and out["has_credentials"] is True
    assert out["health"]["state"] == "unknown" and out["agency_code"] == "DISHUB"
    for response in (created, client.get(f"/api/v1/cameras/{out['id']}", headers=admin_headers),
                     client.get("/api/v1/cameras", headers=admin_headers), client.get("/api/v1/cameras.geojson", headers=admin_headers)):
        assert SECRET not in response.text
    with agencies.db.engine.connect() as conn:
        row = conn.execute(text("SELECT stream_url, username, password_encrypted FROM cameras")).one()
    assert SECRET not in row.stream_url and row.username == "admin" and SECRET.encode() not in row.password_encrypted
    assert agencies.cameras.stream_spec_for(out["id"]).password == SECRET
    assert SECRET not in caplog.text
    audit = client.get("/api/v1/audit", headers=admin_headers, params={"action": "camera.create"}).json()
    assert SECRET not in json.dumps(audit)


def test_a_camera_outside_the_city_is_refused(agencies: WarRoom, client: TestClient, admin_headers: dict[str, str]) -> None:
    response = client.post("/api/v1/cameras", json=camera(lat=-6.2, lon=106.8), headers=admin_headers)
    assert response.status_code == 422 and response.json()["error"]["code"] == "outside_city"


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"stream_url": "ftp://cam/1"}, "stream URL must start with"),
        ({"kind": "drone"}, "kind"),
        ({"privacy_masks": [[[0, 0], [2, 0], [0, 1]]]}, "fractions of the frame"),
        ({"privacy_masks": [[[0, 0], [1, 0]]]}, "3 to 64 points"),
        ({"lat": "north"}, "lat"),
    ],
)
def test_bad_cameras_are_refused_with_a_reason(agencies: WarRoom, client: TestClient, admin_headers: dict[str, str], change: dict[str, object], fragment: str) -> None:
    response = client.post("/api/v1/cameras", json=camera(**change), headers=admin_headers)
    assert response.status_code == 422 and fragment in response.json()["error"]["message"]


def test_patch_delete_and_filters(agencies: WarRoom, client: TestClient, admin_headers: dict[str, str]) -> None:
    ids = []
    for i, (kind, lat, lon) in enumerate([("road", -5.1345, 119.4125), ("lorong", -5.1345, 119.4125), ("lorong", -5.0967, 119.5225)]):
        ids.append(client.post("/api/v1/cameras", json=camera(name=f"Cam {i}", kind=kind, lat=lat, lon=lon), headers=admin_headers).json()["id"])
    page = client.get("/api/v1/cameras", params={"kind": "lorong", "limit": 1}, headers=admin_headers).json()
    assert page["total"] == 2 and len(page["items"]) == 1 and page["items"][0]["kind"] == "lorong"
    kec = client.get(f"/api/v1/cameras/{ids[0]}", headers=admin_headers).json()["kecamatan"]["code"]
    assert client.get("/api/v1/cameras", params={"kecamatan": kec}, headers=admin_headers).json()["total"] == 2
    assert client.get("/api/v1/cameras", params={"q": "cam 2"}, headers=admin_headers).json()["total"] == 1
    assert client.get("/api/v1/cameras", params={"bbox": "119.5,-5.2,119.6,-5.0"}, headers=admin_headers).json()["total"] == 1
    assert client.get("/api/v1/cameras", params={"health": "unknown"}, headers=admin_headers).json()["total"] == 3
    assert client.get("/api/v1/cameras", params={"health": "broken"}, headers=admin_headers).json()["total"] == 0
    bad_box = client.get("/api/v1/cameras", params={"bbox": "1,2,3"}, headers=admin_headers)
    assert bad_box.status_code == 422 and "four numbers" in bad_box.json()["error"]["message"]
    geo = client.get("/api/v1/cameras.geojson", params={"kind": "road"}, headers=admin_headers).json()
    assert [f["properties"]["id"] for f in geo["features"]] == [ids[0]]
    patched = client.patch(f"/api/v1/cameras/{ids[0]}", json={"lat": -5.0967, "lon": 119.5225, "enabled": False}, headers=admin_headers).json()
    assert patched["kecamatan"]["code"] != kec and patched["enabled"] is False
    assert client.patch(f"/api/v1/cameras/{ids[0]}", json={"lat": -6.2, "lon": 106.8}, headers=admin_headers).status_code == 422
    assert client.delete(f"/api/v1/cameras/{ids[1]}", headers=admin_headers).status_code == 204
    assert client.get(f"/api/v1/cameras/{ids[1]}", headers=admin_headers).status_code == 404
    summary = client.get("/api/v1/cameras/summary", headers=admin_headers).json()
    assert summary["total"] == 2 and summary["enabled"] == 1 and summary["by_state"] == {"unknown": 1}


def test_viewers_read_but_only_admins_change(agencies: WarRoom, client: TestClient, admin_headers: dict[str, str]) -> None:
    cam = client.post("/api/v1/cameras", json=camera(), headers=admin_headers).json()
    add_user(agencies, "viewer1", "viewer")
    viewer = bearer(client, "viewer1")
    assert client.get(f"/api/v1/cameras/{cam['id']}", headers=viewer).status_code == 200
    assert client.patch(f"/api/v1/cameras/{cam['id']}", json={"name": "Xx"}, headers=viewer).status_code == 403
    assert client.post(f"/api/v1/cameras/{cam['id']}/check", headers=viewer).status_code == 403


CSV_OK = (
    "name,kind,lat,lon,stream_url,username,password,agency_code,tags,enabled,privacy_masks\n"
    "Lorong Mariso 1,lorong,-5.1600,119.4050,rtsp://10.0.0.5/s1,admin,pw-1234567,DISKOMINFO,rt01;rw03,true,\"[[[0,0],[0.3,0],[0.3,0.4]]]\"\n"
    "Jl. Sudirman,road,-5.1400,119.4150,http://10.0.0.6/snap.jpg,,,DISHUB,,true,\n"
)


def test_import_csv_then_export_without_passwords(agencies: WarRoom, tmp_path: Path) -> None:
    path = tmp_path / "cameras.csv"
    path.write_text(CSV_OK, encoding="utf-8")
    assert agencies.cameras.import_file(path, actor=cli_principal()).imported == 2
    rows = agencies.cameras.export_rows()
    assert [r["name"] for r in rows] == ["Lorong Mariso 1", "Jl. Sudirman"]
    exported = write_csv(rows)
    assert "pw-1234567" not in exported and "password" not in exported.splitlines()[0]
    assert rows[0]["tags"] == ["rt01", "rw03"] and rows[0]["privacy_masks"] == [[[0, 0], [0.3, 0], [0.3, 0.4]]]
    again = tmp_path / "again.csv"
    again.write_text(exported, encoding="utf-8")
    assert agencies.cameras.import_file(again, actor=cli_principal()).imported == 2


def test_import_reports_every_bad_row_and_imports_nothing(agencies: WarRoom, tmp_path: Path) -> None:
    path = tmp_path / "cameras.csv"
    path.write_text(
        "name,kind,lat,lon,stream_url,agency_code\n"
        "Good,road,-5.14,119.415,rtsp://10.0.0.1/a,\n"
        "Jakarta,road,-6.2,106.8,rtsp://10.0.0.2/a,\n"
        "Bad URL,road,-5.14,119.415,gopher://x,\n"
        "Unknown agency,road,-5.14,119.415,rtsp://10.0.0.3/a,PDAM\n"
        "No lat,road,,119.415,rtsp://10.0.0.4/a,\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput) as err:
        agencies.cameras.import_file(path, actor=cli_principal())
    problems = {p["where"]: p["reason"] for p in err.value.details}
    assert set(problems) == {"line 3", "line 4", "line 5", "line 6"}
    assert "outside the city" in problems["line 3"] and "stream URL" in problems["line 4"]
    assert "unknown agency" in problems["line 5"] and "lat" in problems["line 6"]
    assert agencies.cameras.count() == 0


def test_import_geojson(agencies: WarRoom, tmp_path: Path) -> None:
    path = tmp_path / "cameras.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [119.4125, -5.1345]},
         "properties": {"name": "Balai Kota", "kind": "road", "stream_url": "synthetic://street?seed=3"}},
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}, "properties": {}},
    ]}))
    with pytest.raises(InvalidInput, match="feature 1: geometry must be a Point"):
        agencies.cameras.import_file(path, actor=cli_principal())


def test_check_now_snapshot_and_who_may_see_it(agencies: WarRoom, client: TestClient, admin_headers: dict[str, str]) -> None:
    cam = client.post("/api/v1/cameras", json=camera(agency_code="DISHUB"), headers=admin_headers).json()
    before = client.get(f"/api/v1/cameras/{cam['id']}/snapshot.jpg", headers=admin_headers)
    assert before.status_code == 404 and "next check" in before.json()["error"]["message"]
    add_user(agencies, "op1", "operator")
    checked = client.post(f"/api/v1/cameras/{cam['id']}/check", headers=bearer(client, "op1"))
    assert checked.status_code == 200, checked.text
    body = checked.json()
    assert body["observed"] == "online" and body["state"] == "online"
    assert {"mean", "std", "sharpness", "view_match"} <= set(body["metrics"])
    shown = client.get(f"/api/v1/cameras/{cam['id']}", headers=admin_headers).json()
    assert shown["health"]["state"] == "online" and shown["health"]["last_checked"] is not None
    assert shown["health"]["metrics"]["sharpness"] > 0
    snap = client.get(f"/api/v1/cameras/{cam['id']}/snapshot.jpg", headers=admin_headers)
    assert snap.status_code == 200 and snap.headers["content-type"] == "image/jpeg" and snap.content[:2] == b"\xff\xd8"
    assert client.get(f"/api/v1/cameras/{cam['id']}/snapshot.jpg", headers=admin_headers).status_code == 200
    views = client.get("/api/v1/audit", headers=admin_headers, params={"action": "camera.snapshot_view"}).json()
    assert len(views) == 1  # a wall refreshing the same snapshot is one view per 10 minutes and views[0]["actor"] == "admin" and views[0]["target"] == str(cam["id"])
    add_user(agencies, "kominfo1", "agency_officer", "DISKOMINFO")
    add_user(agencies, "dishub1", "agency_officer", "DISHUB")
    assert client.get(f"/api/v1/cameras/{cam['id']}/snapshot.jpg", headers=bearer(client, "kominfo1")).status_code == 403
    assert client.get(f"/api/v1/cameras/{cam['id']}/snapshot.jpg", headers=bearer(client, "dishub1")).status_code == 200
    history = client.get(f"/api/v1/cameras/{cam['id']}/history", headers=admin_headers).json()
    assert [(h["from_state"], h["to_state"]) for h in history] == [("unknown", "online")]
    uptime = client.get(f"/api/v1/cameras/{cam['id']}/uptime", headers=admin_headers).json()
    assert set(uptime) == {"24h", "7d", "30d"} and uptime["24h"] == 1.0
    assert client.post("/api/v1/cameras/999/check", headers=admin_headers).status_code == 404
