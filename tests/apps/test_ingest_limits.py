"""Per-key rate limits and the point cap of the ingest API, with tiny limits configured."""

from __future__ import annotations

from pathlib import Path

import pytest
from apps_support import agencies  # noqa: F401 - fixture
from fastapi.testclient import TestClient
from ingest_support import app_key, make_app, push, stored_points

from warroom.config import AppSettings, Settings
from warroom.container import WarRoom, build_warroom
from warroom.errors import ConfigError


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data", database_url=database_url,
        apps=AppSettings(ingest_rate_limit="3/minute", ingest_max_points=5),
    )


def test_each_key_is_limited_on_its_own(agencies: WarRoom, client: TestClient, admin_headers: dict[str, str]) -> None:
    app_id = make_app(agencies)
    first, second = app_key(agencies, app_id, "web-1"), app_key(agencies, app_id, "web-2")
    point = {"name": "cpu", "value": 1}
    assert [push(client, app_id, first, point).status_code for _ in range(3)] == [202, 202, 202]
    over = push(client, app_id, first, point)
    assert over.status_code == 429
    error = over.json()["error"]
    assert error["code"] == "rate_limited" and "3/minute" in error["message"]
    retry = int(over.headers["Retry-After"])
    assert 1 <= retry <= 60 and error["details"]["retry_after_s"] == retry
    # Events count against the same budget; other keys and admins have their own.
    assert client.post(f"/api/v1/apps/{app_id}/events", json={"type": "x", "message": "m"}, headers=first).status_code == 429
    assert push(client, app_id, second, point).status_code == 202
    assert push(client, app_id, admin_headers, point).status_code == 202
    assert stored_points(agencies, app_id) == 5
    # A stolen key used against another app is refused for that, without touching the budget.
    other = make_app(agencies, "e-PBB", "BAPENDA")
    assert push(client, other, second, point).status_code == 403
    assert [push(client, app_id, second, point).status_code for _ in range(3)] == [202, 202, 429]


def test_too_many_points_in_one_push(agencies: WarRoom, client: TestClient) -> None:
    app_id = make_app(agencies)
    key = app_key(agencies, app_id)
    response = push(client, app_id, key, *[{"name": "cpu", "value": i} for i in range(6)])
    assert response.status_code == 422
    assert "ingest_max_points" in response.json()["error"]["message"] and "nothing was stored" in response.json()["error"]["message"]
    # Counted before the points are checked one by one: no error listing per bad point.
    bad = push(client, app_id, key, *[{"name": "cpu", "value": "x"} for _ in range(200)])
    assert bad.status_code == 422 and bad.json()["error"]["details"] == {"points": 200, "limit": 5}
    assert push(client, app_id, key, *[{"name": "cpu", "value": i} for i in range(5)]).status_code == 202


def test_unusable_rate_limit_storage_stops_start_up(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="rate_limit_storage"):
        build_warroom(Settings(data_dir=tmp_path / "x", apps=AppSettings(rate_limit_storage="nosuch://here")))
