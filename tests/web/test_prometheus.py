"""`GET /metrics`: who may scrape it, and the exposition read back with Prometheus' own parser."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

import warroom
from conftest import add_user, bearer
from warroom.app import create_app
from warroom.apps.probes import ProbeResult
from warroom.apps.schemas import AppIn
from warroom.auth.deps import Access
from warroom.auth.principal import cli_principal
from warroom.auth.schemas import ApiKeyIn
from warroom.city.schemas import AgencyIn
from warroom.config import Settings
from warroom.container import WarRoom
from warroom.db import utcnow

ME = cli_principal()
PROBE_URL = "http://10.20.30.40:8080/health"
UP = [("http", ProbeResult(ok=True, latency_ms=35.0))]
SLOW = [("http", ProbeResult(ok=True, degraded=True, latency_ms=2400.0))]
DOWN = [("http", ProbeResult(ok=False, error="connect to 127.0.0.1:9 refused"))]
INSIDE_SAMPLE_CITY = {"lat": -5.28, "lon": 118.62}


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """One check is enough to change a camera's state here."""
    return Settings(data_dir=tmp_path / "data", database_url=database_url, cameras={"hysteresis_checks": 1})


def key(wr: WarRoom, name: str, *scopes: str) -> str:
    return wr.auth.create_apikey(ApiKeyIn(name=name, scopes=list(scopes)), actor=ME).key


def new_app(wr: WarRoom, name: str, agency: str = "DISKOMINFO", **extra: Any) -> int:
    body = {"name": name, "agency_code": agency, "public_url": "https://siap.example.go.id",
            "probes": [{"type": "http", "url": PROBE_URL}], "retries": 1, **extra}
    return wr.apps.create(AppIn.model_validate(body), actor=ME).id


def test_metrics_declares_one_access_that_is_not_public(wr: WarRoom) -> None:
    routes = [
        c.original_route for c in iter_route_contexts(create_app(wr).routes)
        if isinstance(c.original_route, APIRoute) and c.path == "/metrics"
    ]
    assert len(routes) == 1
    declared = [d.call for d in routes[0].dependant.dependencies if isinstance(d.call, Access)]
    assert len(declared) == 1 and not declared[0].public and declared[0].roles == frozenset({"admin"})


def test_who_may_scrape(wr: WarRoom, client: TestClient, admin_headers: dict[str, str]) -> None:
    add_user(wr, "viewer1", "viewer")
    add_user(wr, "operator1", "operator")
    metrics_key = key(wr, "prometheus", "metrics")
    other_key = key(wr, "open311-portal", "open311")

    anonymous = client.get("/metrics")
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
    assert anonymous.json()["error"]["code"] == "unauthorized"
    assert client.get("/metrics", headers={"Authorization": "Bearer wrk_not-a-key"}).status_code == 401
    for headers in (bearer(client, "viewer1"), bearer(client, "operator1"), {"X-API-Key": other_key}):
        refused = client.get("/metrics", headers=headers)
        assert refused.status_code == 403, refused.text
    for headers in ({"Authorization": f"Bearer {metrics_key}"}, {"X-API-Key": metrics_key}, admin_headers):
        allowed = client.get("/metrics", headers=headers)
        assert allowed.status_code == 200, allowed.text
        assert allowed.headers["content-type"].startswith("text/plain; version=0.0.4")
    revoked = wr.auth.apikeys()[0]
    wr.auth.revoke_apikey(revoked.id, actor=ME)
    assert client.get("/metrics", headers={"Authorization": f"Bearer {metrics_key}"}).status_code == 401


def test_exposition_values(sample_city: WarRoom, client: TestClient, admin_headers: dict[str, str]) -> None:
    wr = sample_city
    for code, name in (("DISKOMINFO", "Dinas Komunikasi dan Informatika"), ("BAPENDA", "Badan Pendapatan Daerah")):
        wr.city.create_agency(AgencyIn(code=code, name=name), actor=ME)
    now = utcnow()
    window = [{"start": (now - timedelta(hours=1)).isoformat(), "end": (now + timedelta(hours=1)).isoformat()}]
    apps = {
        "SIAP Makassar": new_app(wr, "SIAP Makassar"),
        "e-PBB": new_app(wr, "e-PBB", "BAPENDA"),
        "SIMPEG": new_app(wr, "SIMPEG", status_page=False),  # not public, still scraped
        "Lontara+": new_app(wr, "Lontara+"),
        "Dottoro'ta": new_app(wr, "Dottoro'ta", maintenance=window),
        "Aplikasi Lama": new_app(wr, "Aplikasi Lama", enabled=False),
    }
    for name, checks in (("SIAP Makassar", [UP, UP]), ("e-PBB", [SLOW]), ("SIMPEG", [UP, DOWN]), ("Dottoro'ta", [DOWN])):
        for results in checks:
            wr.apps.record(apps[name], results)
    cameras = {}
    for name, url, enabled in (
        ("Jl. Contoh 1", "synthetic://street?seed=1&size=320x240", True),
        ("Jl. Contoh 2", "synthetic://street?seed=2&size=320x240&fault=offline", True),
        ("Jl. Contoh 3", "synthetic://street?seed=3&size=320x240", False),
    ):
        body = {"name": name, "kind": "road", "stream_url": url, "enabled": enabled, **INSIDE_SAMPLE_CITY}
        created = client.post("/api/v1/cameras", json=body, headers=admin_headers)
        assert created.status_code == 201, created.text
        cameras[name] = created.json()["id"]
    for name in ("Jl. Contoh 1", "Jl. Contoh 2"):
        assert client.post(f"/api/v1/cameras/{cameras[name]}/check", headers=admin_headers).status_code == 200

    response = client.get("/metrics", headers={"Authorization": f"Bearer {key(wr, 'prometheus', 'metrics')}"})
    assert response.status_code == 200
    assert "10.20.30.40" not in response.text and "example.go.id" not in response.text and "127.0.0.1" not in response.text
    families = {f.name: f for f in text_string_to_metric_families(response.text)}
    ids = {str(app_id): name for name, app_id in apps.items()}

    def values(metric: str, **match: str) -> dict[str, float]:
        found = {}
        for sample in families[metric].samples:
            if all(sample.labels.get(k) == v for k, v in match.items()):
                assert ids[sample.labels["app_id"]] == sample.labels["app"]
                found[sample.labels["app"]] = sample.value
        return found

    assert values("warroom_app_up") == {"SIAP Makassar": 1.0, "e-PBB": 1.0, "SIMPEG": 0.0}
    assert values("warroom_app_state", state="up") == {
        "SIAP Makassar": 1.0, "e-PBB": 0.0, "SIMPEG": 0.0, "Lontara+": 0.0, "Dottoro'ta": 0.0,
    }
    current = {(s.labels["app"], s.labels["state"]) for s in families["warroom_app_state"].samples if s.value == 1.0}
    assert current == {("SIAP Makassar", "up"), ("e-PBB", "degraded"), ("SIMPEG", "down"), ("Lontara+", "unknown"),
                       ("Dottoro'ta", "maintenance")}
    assert len(families["warroom_app_state"].samples) == 5 * 5
    assert {s.labels["agency"] for s in families["warroom_app_state"].samples} == {"DISKOMINFO", "BAPENDA"}
    assert values("warroom_app_latency_ms") == {"SIAP Makassar": 35.0, "e-PBB": 2400.0}
    assert values("warroom_app_uptime_ratio", window="24h") == {"SIAP Makassar": 1.0, "e-PBB": 1.0, "SIMPEG": 0.5}
    assert set(values("warroom_app_last_check_timestamp_seconds")) == {"SIAP Makassar", "e-PBB", "SIMPEG", "Dottoro'ta"}
    cams = {s.labels["health"]: s.value for s in families["warroom_cameras"].samples}
    assert cams["online"] == 1.0 and cams["offline"] == 1.0 and cams["unknown"] == 0.0 and sum(cams.values()) == 2.0
    assert [(s.labels, s.value) for s in families["warroom_build_info"].samples] == [({"version": warroom.__version__}, 1.0)]
