"""The ingest API over HTTP: app keys (shown once, hashed, revocable, scoped to one app), metric
pushes (validated, all or nothing, idempotent), events on the bus, bounded bad input."""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import UTC, datetime, timedelta

import httpx2 as httpx
from apps_support import agencies  # noqa: F401 - fixture
from conftest import add_user, bearer
from fastapi.testclient import TestClient
from ingest_support import app_key, make_app, push, stored_points
from sqlalchemy import select

from warroom.apps.ingest_schemas import MetricsIn
from warroom.auth.models import Credential
from warroom.container import WarRoom


def test_key_is_shown_once_and_only_its_hash_is_stored(agencies: WarRoom, client: TestClient, admin_headers: dict[str, str]) -> None:
    app_id = make_app(agencies)
    created = client.post(f"/api/v1/apps/{app_id}/keys", json={"name": "prod server"}, headers=admin_headers)
    assert created.status_code == 201, created.text
    body = created.json()
    secret = body["key"]
    assert secret.startswith("wra_") and len(secret) > 40
    assert (body["app_id"], body["name"], body["revoked_at"]) == (app_id, "prod server", None)
    default_name = client.post(f"/api/v1/apps/{app_id}/keys", headers=admin_headers).json()
    assert default_name["name"] == "e-Perizinan"

    listed = client.get(f"/api/v1/apps/{app_id}/keys", headers=admin_headers).json()
    assert [k["id"] for k in listed] == [body["id"], default_name["id"]]
    assert all("key" not in k for k in listed) and secret not in json.dumps(listed)

    with agencies.db.session() as s:
        rows = s.scalars(select(Credential)).all()
        dumped = json.dumps([{c.name: str(getattr(row, c.name)) for c in Credential.__table__.columns} for row in rows])
        mine = s.scalar(select(Credential).where(Credential.id == body["id"]))
        assert mine is not None
        assert (mine.kind, mine.role, mine.scopes) == ("appkey", None, [f"app:{app_id}"])
    assert secret not in dumped and secret[4:] not in dumped
    assert hashlib.sha256(secret.encode()).hexdigest() in dumped

    # App keys are not machine API keys: the admin's API key list (and `warroom apikey list`) skip them.
    assert client.get("/api/v1/auth/apikeys", headers=admin_headers).json() == []
    assert agencies.auth.apikeys() == []
    actions = [e["action"] for e in client.get("/api/v1/audit", headers=admin_headers).json()]
    assert actions.count("appkey.create") == 2 and "appkey.list" in actions
    assert client.post("/api/v1/apps/999/keys", headers=admin_headers).status_code == 404


def test_a_key_pushes_only_to_its_own_app_until_revoked(agencies: WarRoom, client: TestClient, admin_headers: dict[str, str]) -> None:
    mine, other = make_app(agencies, "SIAP Makassar"), make_app(agencies, "e-PBB", "BAPENDA")
    key = app_key(agencies, mine)
    point = {"name": "requests_total", "value": 12}
    assert push(client, mine, key, point).status_code == 202

    stolen = push(client, other, key, point)
    assert stolen.status_code == 403
    error = stolen.json()["error"]
    assert error["code"] == "forbidden" and "belongs to another app" in error["message"] and f"app {mine}" in error["message"]
    assert client.post(f"/api/v1/apps/{other}/events", json={"type": "x", "message": "m"}, headers=key).status_code == 403
    assert stored_points(agencies, other) == 0

    assert push(client, mine, {"X-API-Key": "wra_not-a-real-key"}, point).status_code == 401
    assert push(client, mine, {}, point).status_code == 401
    assert push(client, mine, {"Authorization": f"Bearer {key['X-API-Key']}"}, point).status_code == 202
    # Admins push for any app (e.g. to back-fill by hand).
    assert push(client, other, admin_headers, point).status_code == 202

    key_id = client.get(f"/api/v1/apps/{mine}/keys", headers=admin_headers).json()[0]["id"]
    assert client.delete(f"/api/v1/apps/{other}/keys/{key_id}", headers=admin_headers).status_code == 404
    revoked = client.delete(f"/api/v1/apps/{mine}/keys/{key_id}", headers=admin_headers)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    refused = push(client, mine, key, point)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthorized"
    assert stored_points(agencies, mine) == 2
    # A machine API key's revoke route does not reach app keys, and the other way round.
    assert client.delete(f"/api/v1/auth/apikeys/{key_id}", headers=admin_headers).status_code == 404


def test_an_app_key_is_refused_by_staff_routes(agencies: WarRoom, client: TestClient) -> None:
    app_id = make_app(agencies)
    key = app_key(agencies, app_id)
    for method, path in [
        ("GET", "/api/v1/apps"), ("GET", f"/api/v1/apps/{app_id}"), ("GET", "/api/v1/auth/me"),
        ("GET", f"/api/v1/apps/{app_id}/metrics"), ("GET", f"/api/v1/apps/{app_id}/events"),
        ("GET", f"/api/v1/apps/{app_id}/keys"), ("POST", f"/api/v1/apps/{app_id}/keys"),
        ("GET", "/api/v1/wall/tiles"), ("GET", "/api/v1/events/stream"), ("DELETE", "/api/v1/auth/session"),
    ]:
        response = client.request(method, path, headers=key)
        assert response.status_code == 403, (method, path, response.status_code)
        assert "app key" in response.json()["error"]["message"]


def bad(client: TestClient, app_id: int, headers: dict[str, str], content: str) -> dict[str, object]:
    response = client.post(
        f"/api/v1/apps/{app_id}/metrics", content=content, headers={**headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 422, (content[:200], response.status_code, response.text[:300])
    return response.json()["error"]


def test_bad_points_are_refused_with_the_point_named(agencies: WarRoom, client: TestClient) -> None:
    app_id = make_app(agencies)
    key = app_key(agencies, app_id)
    now = datetime.now(UTC)
    labels11 = json.dumps({f"k{i}": "v" for i in range(11)})
    cases = [
        ('{"points": [{"name": "ok", "value": 1}, {"name": "cpu", "value": NaN}]}', "points.1.value", "finite"),
        ('{"points": [{"name": "cpu", "value": Infinity}]}', "points.0.value", "finite"),
        ('{"points": [{"name": "cpu", "value": -Infinity}]}', "points.0.value", "finite"),
        ('{"points": [{"name": "cpu", "value": "12"}]}', "points.0.value", "not a string"),
        ('{"points": [{"name": "cpu", "value": true}]}', "points.0.value", "not a boolean"),
        ('{"points": [{"name": "cpu", "value": null}]}', "points.0.value", "not null"),
        ('{"points": [{"name": "cpu", "value": 1e999}]}', "points.0.value", "finite"),
        ('{"points": [{"name": "cpu", "value": 1' + "0" * 400 + '}]}', "points.0.value", "too large"),
        ('{"points": [{"name": "cpu", "value": 1, "labels": ' + labels11 + "}]}", "points.0.labels", "at most 10"),
        ('{"points": [{"name": "cpu", "value": 1, "labels": {"' + "k" * 65 + '": "v"}}]}', "points.0.labels", "at most 64"),
        ('{"points": [{"name": "cpu", "value": 1, "labels": {"k": "' + "v" * 201 + '"}}]}', "points.0.labels.k", "at most 200"),
        ('{"points": [{"name": "cpu", "value": 1, "labels": {"k": 5}}]}', "points.0.labels.k", "string"),
        ('{"points": [{"name": "cpu", "value": 1, "labels": {"k": "a\\u0000b"}}]}', "points.0.labels.k", "NUL"),
        ('{"points": [{"name": "CPU load", "value": 1}]}', "points.0.name", "pattern"),
        ('{"points": [{"name": "cpu", "value": 1, "at": "2026-01-01T00:00:00"}]}', "points.0.at", "timezone"),
        ('{"points": [{"name": "cpu", "value": 1, "unit": "%"}]}', "points.0.unit", "not permitted"),
        ('{"points": []}', "points", "at least 1"),
        ('{"batch_id": "has space", "points": [{"name": "cpu", "value": 1}]}', "batch_id", "pattern"),
        ('{"points": [{"name": "cpu", "value": 1, "at": "' + (now + timedelta(minutes=10)).isoformat() + '"}]}',
         "points.0.at", "in the future"),
        ('{"points": [{"name": "cpu", "value": 1, "at": "' + (now - timedelta(days=91)).isoformat() + '"}]}',
         "points.0.at", "metrics_retention_days"),
    ]
    for content, where, fragment in cases:
        error = bad(client, app_id, key, content)
        text = json.dumps(error)
        assert where in text and fragment in text, (content[:120], text[:400])
    assert stored_points(agencies, app_id) == 0
    # Within the 5-minute allowance a slightly fast clock is fine.
    soon = (now + timedelta(minutes=2)).isoformat()
    assert push(client, app_id, key, {"name": "cpu", "value": 1, "at": soon}).status_code == 202


def test_one_bad_point_stores_nothing_and_every_bad_point_is_listed(agencies: WarRoom, client: TestClient) -> None:
    app_id = make_app(agencies)
    key = app_key(agencies, app_id)
    points = [{"name": "queue_length", "value": i} for i in range(6)]
    points[1]["value"] = "1"
    points[4]["value"] = None
    response = push(client, app_id, key, *points)
    assert response.status_code == 422
    wheres = [d["where"] for d in response.json()["error"]["details"]]
    assert wheres == ["body.points.1.value", "body.points.4.value"]
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    late = [{"name": "queue_length", "value": i, **({"at": future} if i in (0, 5) else {})} for i in range(6)]
    response = push(client, app_id, key, *late)
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_input"
    assert [d["where"] for d in response.json()["error"]["details"]] == ["body.points.0.at", "body.points.5.at"]
    assert "nothing was stored" in response.json()["error"]["message"]
    assert stored_points(agencies, app_id) == 0
    good = push(client, app_id, key, *[{"name": "queue_length", "value": i, "labels": {"queue": "izin"}} for i in range(6)])
    assert good.status_code == 202 and good.json() == {"accepted": 6, "duplicate": False}
    assert stored_points(agencies, app_id) == 6


def test_a_megabyte_of_labels_is_bounded(agencies: WarRoom, client: TestClient) -> None:
    app_id = make_app(agencies)
    key = app_key(agencies, app_id)
    huge = {"name": "cpu", "value": 1, "labels": {f"k{i}": "v" * 200 for i in range(5000)}}
    too_big = push(client, app_id, key, huge)
    assert too_big.status_code == 413 and too_big.json()["error"]["code"] == "request_too_large"
    # Just under the body limit: refused for what it is, quickly, without echoing the input.
    wide = {"name": "cpu", "value": 1, "labels": {"k": "v" * 900_000}}
    refused = push(client, app_id, key, wide)
    assert refused.status_code == 422 and len(refused.content) < 2000
    assert "at most 200" in refused.json()["error"]["message"]
    many = [{"name": "cpu", "value": 1, "labels": {f"k{j}": "v" * 200 for j in range(11)}} for _ in range(300)]
    refused = push(client, app_id, key, *many)
    assert refused.status_code == 422 and len(refused.json()["error"]["details"]) == 300
    # The server is free for the next push.
    assert push(client, app_id, key, {"name": "cpu", "value": 2}).status_code == 202
    assert stored_points(agencies, app_id) == 1


def test_a_repeated_batch_is_answered_not_stored_twice(agencies: WarRoom, client: TestClient) -> None:
    app_id, other = make_app(agencies), make_app(agencies, "e-PBB", "BAPENDA")
    key, other_key = app_key(agencies, app_id), app_key(agencies, other)
    points = [{"name": "signups", "value": v} for v in (1, 2, 3)]
    first = push(client, app_id, key, *points, batch_id="2026-11-28T01:00:web-1")
    assert (first.status_code, first.json()) == (202, {"accepted": 3, "duplicate": False})
    again = push(client, app_id, key, *points[:1], batch_id="2026-11-28T01:00:web-1")
    assert (again.status_code, again.json()) == (200, {"accepted": 3, "duplicate": True})
    assert stored_points(agencies, app_id) == 3
    # Ids are per app: another app may use the same one.
    assert push(client, other, other_key, *points, batch_id="2026-11-28T01:00:web-1").status_code == 202

    event = {"id": "job-17", "type": "batch.failed", "severity": "warning", "message": "nightly import failed"}
    assert client.post(f"/api/v1/apps/{app_id}/events", json=event, headers=key).status_code == 202
    repeat = client.post(f"/api/v1/apps/{app_id}/events", json=event, headers=key)
    assert (repeat.status_code, repeat.json()) == (200, {"accepted": 1, "duplicate": True})
    assert len(agencies.app_ingest.events(app_id)) == 1
    clash = push(client, app_id, key, *points, batch_id="job-17")
    assert clash.status_code == 409 and "event push" in clash.json()["error"]["message"]


def test_two_identical_pushes_racing_store_once(agencies: WarRoom, live_server: str) -> None:
    app_id = make_app(agencies)
    key = app_key(agencies, app_id)
    body = {"batch_id": "race-1", "points": [{"name": "signups", "value": float(v)} for v in range(200)]}
    start = threading.Barrier(4)
    codes: list[int] = []

    def send() -> None:
        with httpx.Client(timeout=30) as http:
            start.wait()
            response = http.post(f"{live_server}/api/v1/apps/{app_id}/metrics", json=body, headers=key)
            codes.append(response.status_code)
            assert response.json()["accepted"] == 200

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(codes) == [200, 200, 200, 202]
    assert stored_points(agencies, app_id) == 200

    # The same through the service directly, many threads at once: still one copy.
    batch = MetricsIn.model_validate({"batch_id": "race-2", "points": [{"name": "signups", "value": 1}]})
    results: list[bool] = []
    gate = threading.Barrier(8)

    def direct() -> None:
        gate.wait()
        results.append(agencies.app_ingest.push_metrics(app_id, batch).duplicate)

    workers = [threading.Thread(target=direct) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert sorted(results) == [False] + [True] * 7
    assert stored_points(agencies, app_id) == 201


def test_events_land_in_the_table_and_on_the_bus(agencies: WarRoom, client: TestClient, admin_headers: dict[str, str]) -> None:
    app_id = make_app(agencies, "Lontara+", "BAPENDA")
    key = app_key(agencies, app_id)
    portal = client.portal
    assert portal is not None
    stream = portal.call(agencies.bus.stream, ["app.event", "app.metrics"])
    try:
        at = (datetime.now(UTC) - timedelta(minutes=1)).replace(microsecond=0)
        event = {
            "id": "ev-1", "type": "signup.surge", "severity": "critical", "message": "3x the usual sign-ups",
            "data": {"per_minute": 310, "region": "Tamalate"}, "at": at.isoformat(),
        }
        assert client.post(f"/api/v1/apps/{app_id}/events", json=event, headers=key).status_code == 202
        got = portal.call(stream.next, 5.0)
        assert got is not None and got.type == "app.event" and got.agency_code == "BAPENDA"
        wire = got.wire()
        assert wire["source"] == f"app:{app_id}"
        assert {k: wire["payload"][k] for k in ("app_id", "app_name", "client_id", "type", "severity", "message", "data")} == {
            "app_id": app_id, "app_name": "Lontara+", "client_id": "ev-1", "type": "signup.surge",
            "severity": "critical", "message": "3x the usual sign-ups", "data": {"per_minute": 310, "region": "Tamalate"},
        }
        assert push(client, app_id, key, {"name": "signups", "value": 5}, {"name": "errors_total", "value": 1}).status_code == 202
        metrics = portal.call(stream.next, 5.0)
        assert metrics is not None and metrics.type == "app.metrics"
        assert metrics.wire()["payload"] == {"app_id": app_id, "app_name": "Lontara+", "names": ["errors_total", "signups"], "count": 2}
        # A repeat is not announced again.
        assert client.post(f"/api/v1/apps/{app_id}/events", json=event, headers=key).status_code == 200
        assert portal.call(stream.next, 0.3) is None
    finally:
        portal.call(stream.close)

    listed = client.get(f"/api/v1/apps/{app_id}/events", headers=admin_headers).json()
    assert len(listed) == 1 and listed[0]["type"] == "signup.surge" and listed[0]["client_id"] == "ev-1"
    assert datetime.fromisoformat(listed[0]["at"]) == at


def test_bad_events_are_refused(agencies: WarRoom, client: TestClient) -> None:
    app_id = make_app(agencies)
    key = app_key(agencies, app_id)
    url = f"/api/v1/apps/{app_id}/events"
    base = {"type": "batch.failed", "message": "import failed"}
    cases = [
        ({**base, "severity": "fatal"}, "severity"),
        ({**base, "type": "Batch Failed"}, "type"),
        ({**base, "message": ""}, "message"),
        ({**base, "message": "x" * 501}, "message"),
        ({**base, "data": {"blob": "x" * 9000}}, "8192"),
        ({**base, "data": ["not", "an", "object"]}, "data"),
        ({**base, "at": (datetime.now(UTC) + timedelta(hours=2)).isoformat()}, "in the future"),
        ({"message": "no type"}, "type"),
        ([base, base], "body"),
    ]
    for body, fragment in cases:
        response = client.post(url, json=body, headers=key)
        assert response.status_code == 422 and fragment in json.dumps(response.json()), (body, response.text[:300])
    raw = {**key, "Content-Type": "application/json"}
    nan = client.post(url, content='{"type": "x", "message": "m", "data": {"v": NaN}}', headers=raw)
    assert nan.status_code == 422 and "NaN" in nan.json()["error"]["message"]
    # A lone surrogate would break the live stream of every wall when sent on: refused here.
    for content in ('{"type": "x", "message": "m", "data": {"v": "\\ud800"}}', '{"type": "x", "message": "a\\udfffb"}'):
        refused = client.post(url, content=content, headers=raw)
        assert refused.status_code == 422, (content, refused.text)
    deep = '{"type": "x", "message": "m", "data": {"v": ' + "[" * 100_000 + "]" * 100_000 + "}}"
    assert client.post(url, content=deep, headers=raw).status_code == 400
    assert agencies.app_ingest.events(app_id) == []


def test_non_admin_people_may_not_push(agencies: WarRoom, client: TestClient) -> None:
    app_id = make_app(agencies)
    add_user(agencies, "op1", "operator")
    response = push(client, app_id, bearer(client, "op1"), {"name": "cpu", "value": 1})
    assert response.status_code == 403 and "operator" in response.json()["error"]["message"]
