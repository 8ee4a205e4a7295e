"""The app portfolio over HTTP: CRUD and filters, "check now", history and uptime, who may do what."""

from __future__ import annotations

from typing import Any

from apps_support import FakeApp, agencies, fake_app  # noqa: F401 - fixtures
from conftest import add_user, bearer
from fastapi.testclient import TestClient

from warroom.container import WarRoom


def app_body(server: FakeApp, name: str = "SIAP Makassar", **extra: Any) -> dict[str, Any]:
    return {"name": name, "agency_code": "DISKOMINFO", "probes": [server.probe("/ok")], **extra}


def test_crud_and_filters(agencies: WarRoom, client: TestClient, admin_headers: dict[str, str], fake_app: FakeApp) -> None:
    created = client.post("/api/v1/apps", json=app_body(fake_app, criticality="critical"), headers=admin_headers)
    assert created.status_code == 201, created.text
    out = created.json()
    assert out["status"]["state"] == "unknown" and out["status"]["last_checked"] is None
    assert out["agency_code"] == "DISKOMINFO" and out["probes"][0]["type"] == "http" and out["interval_s"] == 20
    ids = [out["id"]]
    for name, agency in (("e-PBB Makassar", "BAPENDA"), ("e-BPHTB", "BAPENDA")):
        ids.append(client.post("/api/v1/apps", json=app_body(fake_app, name, agency_code=agency), headers=admin_headers).json()["id"])
    page = client.get("/api/v1/apps", params={"agency": "BAPENDA", "limit": 1}, headers=admin_headers).json()
    assert page["total"] == 2 and len(page["items"]) == 1
    assert client.get("/api/v1/apps", params={"q": "bphtb"}, headers=admin_headers).json()["total"] == 1
    assert client.get("/api/v1/apps", params={"state": "unknown"}, headers=admin_headers).json()["total"] == 3
    assert client.get("/api/v1/apps", params={"state": "down"}, headers=admin_headers).json()["total"] == 0
    assert client.get("/api/v1/apps", params={"agency": "NOPE"}, headers=admin_headers).status_code == 404
    patched = client.patch(f"/api/v1/apps/{ids[0]}", json={"retries": 4, "agency_code": "BAPENDA", "enabled": False},
                           headers=admin_headers).json()
    assert (patched["retries"], patched["agency_code"], patched["enabled"]) == (4, "BAPENDA", False)
    assert client.get("/api/v1/apps", params={"enabled": False}, headers=admin_headers).json()["total"] == 1
    assert client.delete(f"/api/v1/apps/{ids[1]}", headers=admin_headers).status_code == 204
    assert client.get(f"/api/v1/apps/{ids[1]}", headers=admin_headers).status_code == 404


def test_bad_apps_are_refused_with_a_reason(agencies: WarRoom, client: TestClient, admin_headers: dict[str, str], fake_app: FakeApp) -> None:
    cases = [
        ({"probes": [{"type": "smtp", "host": "x"}]}, "smtp"),
        ({"probes": [{"type": "http", "url": "ftp://x/"}]}, "http:// or https://"),
        ({"probes": []}, "probes"),
        ({"criticality": "urgent"}, "criticality"),
        ({"maintenance": [{"start": "2026-01-02T00:00:00Z", "end": "2026-01-01T00:00:00Z"}]}, "end after it starts"),
    ]
    for change, fragment in cases:
        response = client.post("/api/v1/apps", json={**app_body(fake_app), **change}, headers=admin_headers)
        assert response.status_code == 422 and fragment in response.json()["error"]["message"], (change, response.text)
    unknown = client.post("/api/v1/apps", json=app_body(fake_app, agency_code="NOPE"), headers=admin_headers)
    assert unknown.status_code == 404


def test_check_now_history_and_uptime(agencies: WarRoom, client: TestClient, admin_headers: dict[str, str], fake_app: FakeApp) -> None:
    body = app_body(fake_app, probes=[fake_app.probe("/ok"), fake_app.probe("/fail")], retries=1)
    app_id = client.post("/api/v1/apps", json=body, headers=admin_headers).json()["id"]
    check = client.post(f"/api/v1/apps/{app_id}/check", headers=admin_headers)
    assert check.status_code == 200, check.text
    out = check.json()
    assert set(out) == {"observed", "state", "results"} and (out["observed"], out["state"]) == ("down", "down")
    assert [(r["type"], r["ok"], r["status"]) for r in out["results"]] == [("http", True, 200), ("http", False, 500)]
    assert out["results"][0]["latency_ms"] is not None and out["results"][1]["error"]
    status = client.get(f"/api/v1/apps/{app_id}", headers=admin_headers).json()["status"]
    assert status["state"] == "down" and status["since"] and status["last_checked"]
    history = client.get(f"/api/v1/apps/{app_id}/history", headers=admin_headers).json()
    assert [(h["from_state"], h["to_state"]) for h in history] == [("unknown", "down")] and history[0]["error"]
    uptime = client.get(f"/api/v1/apps/{app_id}/uptime", headers=admin_headers).json()
    assert set(uptime) == {"24h", "7d", "30d"} and uptime["24h"]["samples"] == 1 and uptime["24h"]["uptime"] == 0.0
    assert client.post("/api/v1/apps/9999/check", headers=admin_headers).status_code == 404
    audit = client.get("/api/v1/audit", params={"action": "app.check"}, headers=admin_headers).json()
    assert len(audit["items"] if isinstance(audit, dict) else audit) == 1


def test_roles(agencies: WarRoom, client: TestClient, admin_headers: dict[str, str], fake_app: FakeApp) -> None:
    app_id = client.post("/api/v1/apps", json=app_body(fake_app), headers=admin_headers).json()["id"]
    add_user(agencies, "viewer1", "viewer")
    add_user(agencies, "operator1", "operator")
    add_user(agencies, "officer1", "agency_officer", "BAPENDA")
    viewer, operator, officer = bearer(client, "viewer1"), bearer(client, "operator1"), bearer(client, "officer1")
    for headers in (viewer, operator, officer):
        assert client.get(f"/api/v1/apps/{app_id}", headers=headers).status_code == 200
        assert client.get("/api/v1/apps", headers=headers).status_code == 200
        assert client.patch(f"/api/v1/apps/{app_id}", json={"name": "Xx"}, headers=headers).status_code == 403
        assert client.post("/api/v1/apps", json=app_body(fake_app), headers=headers).status_code == 403
        assert client.delete(f"/api/v1/apps/{app_id}", headers=headers).status_code == 403
    assert client.post(f"/api/v1/apps/{app_id}/check", headers=viewer).status_code == 403
    assert client.post(f"/api/v1/apps/{app_id}/check", headers=operator).status_code == 200
    assert client.get(f"/api/v1/apps/{app_id}").status_code == 401
