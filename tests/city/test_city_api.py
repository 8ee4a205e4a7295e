"""The city over HTTP: /api/v1/city, areas, locate and agencies."""

from __future__ import annotations

from fastapi.testclient import TestClient

from conftest import add_user, bearer
from warroom.container import WarRoom


def test_city_summary(makassar: WarRoom, client: TestClient, admin_headers: dict[str, str]) -> None:
    body = client.get("/api/v1/city", headers=admin_headers).json()
    assert body["name"] == "Kota Makassar" and body["code"] == "73.71"
    assert body["population"] == 1482354 and body["is_sample"] is False
    assert body["counts"] == {"kecamatan": 15, "kelurahan": 153, "agencies": 0}
    min_lon, min_lat, max_lon, max_lat = body["bbox"]
    assert 119.0 < min_lon < max_lon < 119.6 and -5.3 < min_lat < max_lat < -4.9
    # The wall opens on the mainland: the islands of Kepulauan Sangkarrang lie west of 119.35.
    view = body["view_bbox"]
    assert 119.35 < view[0] < view[2] <= max_lon and min_lat <= view[1] < view[3] <= max_lat
    assert (view[2] - view[0]) < (max_lon - min_lon) / 2


def test_areas_as_geojson(makassar: WarRoom, client: TestClient, admin_headers: dict[str, str]) -> None:
    kecamatan = client.get("/api/v1/city/areas", params={"level": "kecamatan"}, headers=admin_headers).json()
    assert kecamatan["type"] == "FeatureCollection" and len(kecamatan["features"]) == 15
    first = kecamatan["features"][0]
    assert first["properties"]["code"] == "73.71.01" and first["properties"]["name"] == "Mariso"
    assert first["geometry"]["type"] in ("Polygon", "MultiPolygon")
    kelurahan = client.get("/api/v1/city/areas", params={"level": "kelurahan"}, headers=admin_headers).json()
    assert len(kelurahan["features"]) == 153
    assert kelurahan["features"][0]["properties"]["kecamatan_name"] == "Mariso"
    bad = client.get("/api/v1/city/areas", params={"level": "rt"}, headers=admin_headers)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_request"


def test_locate(makassar: WarRoom, client: TestClient, admin_headers: dict[str, str]) -> None:
    response = client.get("/api/v1/city/locate", params={"lat": -5.1345, "lon": 119.4125}, headers=admin_headers)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"kelurahan", "kecamatan"}
    assert body["kecamatan"] == {"code": "73.71.04", "name": "Ujung Pandang", "level": "kecamatan"}
    assert body["kelurahan"]["level"] == "kelurahan"


def test_locate_outside_the_city_is_a_422_with_the_error_shape(
    makassar: WarRoom, client: TestClient, admin_headers: dict[str, str]
) -> None:
    response = client.get("/api/v1/city/locate", params={"lat": -6.2, "lon": 106.8}, headers=admin_headers)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "outside_city" and "outside the city" in error["message"]
    assert error["details"] == {"lat": -6.2, "lon": 106.8}


def test_locate_bad_parameters(client: TestClient, admin_headers: dict[str, str]) -> None:
    response = client.get("/api/v1/city/locate", params={"lat": "south", "lon": 119.4}, headers=admin_headers)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_request" and error["details"][0]["where"] == "query.lat"
    assert client.get("/api/v1/city/locate", params={"lat": 95, "lon": 1}, headers=admin_headers).status_code == 422


def test_agencies_crud(wr: WarRoom, client: TestClient, admin_headers: dict[str, str]) -> None:
    created = client.post(
        "/api/v1/agencies", headers=admin_headers,
        json={"code": "dispu", "name": "Dinas Pekerjaan Umum", "email": "pu@example.go.id"},
    )
    assert created.status_code == 201 and created.json()["code"] == "DISPU"
    again = client.post("/api/v1/agencies", headers=admin_headers, json={"code": "DISPU", "name": "Dup"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    patched = client.patch("/api/v1/agencies/DISPU", headers=admin_headers, json={"phone": "0411-123"})
    assert patched.json()["phone"] == "0411-123" and patched.json()["name"] == "Dinas Pekerjaan Umum"
    assert client.get("/api/v1/agencies/dispu", headers=admin_headers).json()["phone"] == "0411-123"
    missing = client.get("/api/v1/agencies/NOPE", headers=admin_headers)
    assert missing.status_code == 404 and "GET /api/v1/agencies" in missing.json()["error"]["message"]
    bad = client.post("/api/v1/agencies", headers=admin_headers, json={"code": "bad code!", "name": "X Y"})
    assert bad.status_code == 422
    unknown_field = client.post("/api/v1/agencies", headers=admin_headers, json={"code": "A", "name": "Ab", "boss": 1})
    assert unknown_field.status_code == 422 and "boss" in unknown_field.json()["error"]["message"]


def test_a_viewer_reads_agencies_but_cannot_write(wr: WarRoom, client: TestClient) -> None:
    add_user(wr, "viewer1", "viewer")
    headers = bearer(client, "viewer1")
    assert client.get("/api/v1/agencies", headers=headers).status_code == 200
    denied = client.post("/api/v1/agencies", headers=headers, json={"code": "X", "name": "Xx"})
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "forbidden"
