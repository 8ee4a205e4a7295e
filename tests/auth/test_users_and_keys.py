"""Users, agency officers, API keys for machines, and the append-only audit log."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from conftest import PASSWORD, bearer
from warroom.auth.principal import cli_principal
from warroom.city.schemas import AgencyIn
from warroom.container import WarRoom


def test_create_users_of_every_role(wr: WarRoom, client: TestClient, admin_headers: dict[str, str]) -> None:
    wr.city.create_agency(AgencyIn(code="DISPU", name="Dinas Pekerjaan Umum"), actor=cli_principal())
    for name, role, agency in [("op", "operator", None), ("view", "viewer", None), ("pu", "agency_officer", "DISPU")]:
        response = client.post(
            "/api/v1/users", headers=admin_headers,
            json={"username": name, "password": PASSWORD, "role": role, "agency_code": agency},
        )
        assert response.status_code == 201, response.text
        assert response.json()["agency_code"] == agency
    listed = client.get("/api/v1/users", headers=admin_headers).json()
    assert [u["username"] for u in listed] == ["admin", "op", "pu", "view"]
    assert all("password" not in key for u in listed for key in u)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"username": "Bad Name", "password": PASSWORD, "role": "viewer"}, "lower-case"),
        ({"username": "short", "password": "short", "role": "viewer"}, "at least 10"),
        ({"username": "x1", "password": PASSWORD, "role": "mayor"}, "role"),
        ({"username": "x2", "password": PASSWORD, "role": "agency_officer"}, "needs an agency"),
        ({"username": "x3", "password": PASSWORD, "role": "viewer", "agency_code": "DISPU"}, "only an agency_officer"),
        ({"username": "x4", "password": PASSWORD, "role": "agency_officer", "agency_code": "NOPE"}, "no agency"),
    ],
)
def test_bad_users_are_refused_with_a_reason(
    client: TestClient, admin_headers: dict[str, str], body: dict[str, object], fragment: str
) -> None:
    response = client.post("/api/v1/users", headers=admin_headers, json=body)
    assert response.status_code in (404, 422)
    assert fragment in response.json()["error"]["message"]


def test_duplicate_user_is_a_conflict(client: TestClient, admin_headers: dict[str, str]) -> None:
    response = client.post("/api/v1/users", headers=admin_headers, json={"username": "admin", "password": PASSWORD, "role": "viewer"})
    assert response.status_code == 409


def test_api_key_lifecycle(wr: WarRoom, client: TestClient, admin_headers: dict[str, str]) -> None:
    created = client.post(
        "/api/v1/auth/apikeys", headers=admin_headers,
        json={"name": "open311-gateway", "role": "viewer", "scopes": ["open311"]},
    )
    assert created.status_code == 201
    key = created.json()["key"]
    assert key.startswith("wrk_")
    for headers in ({"X-API-Key": key}, {"Authorization": f"Bearer {key}"}):
        me = client.get("/api/v1/auth/me", headers=headers).json()
        assert me == {"name": "apikey:open311-gateway", "role": "viewer", "kind": "apikey", "agency_code": None, "scopes": ["open311"]}
    listed = client.get("/api/v1/auth/apikeys", headers=admin_headers).json()
    assert len(listed) == 1 and "key" not in listed[0] and listed[0]["last_used_at"] is not None
    with wr.db.engine.connect() as conn:
        stored = conn.execute(text("SELECT secret_hash FROM credentials WHERE kind = 'apikey'")).scalar_one()
    assert key not in stored and len(stored) == 64
    revoked = client.delete(f"/api/v1/auth/apikeys/{created.json()['id']}", headers=admin_headers)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert client.get("/api/v1/auth/me", headers={"X-API-Key": key}).status_code == 401
    assert client.delete("/api/v1/auth/apikeys/999", headers=admin_headers).status_code == 404


def test_writes_and_sensitive_reads_are_audited(wr: WarRoom, client: TestClient, admin_headers: dict[str, str]) -> None:
    client.post("/api/v1/users", headers=admin_headers, json={"username": "op", "password": PASSWORD, "role": "operator"})
    client.get("/api/v1/users", headers=admin_headers)
    client.post("/api/v1/auth/token", data={"username": "op", "password": "wrong-wrong"})
    entries = client.get("/api/v1/audit", headers=admin_headers).json()
    actions = [e["action"] for e in entries]
    # Newest first; reading the audit log is itself audited.
    assert actions[:4] == ["audit.read", "auth.login_failed", "user.list", "user.create"]
    create = entries[3]
    assert create["actor"] == "admin" and create["role"] == "admin" and create["target"] == "op"
    assert create["ip"] == "testclient"
    assert create["at"].endswith(("Z", "+00:00"))
    assert "auth.login" in actions


def test_the_audit_log_cannot_be_rewritten(wr: WarRoom, client: TestClient, admin_headers: dict[str, str]) -> None:
    for statement in ("UPDATE audit_log SET actor = 'nobody'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            with wr.db.engine.begin() as conn:
                conn.execute(text(statement))
    with wr.db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_log WHERE actor = 'admin'")).scalar_one() >= 1


def test_agency_officer_token_carries_the_agency(wr: WarRoom, client: TestClient, admin_headers: dict[str, str]) -> None:
    wr.city.create_agency(AgencyIn(code="DLH", name="Dinas Lingkungan Hidup"), actor=cli_principal())
    client.post("/api/v1/users", headers=admin_headers, json={"username": "dlh1", "password": PASSWORD, "role": "agency_officer", "agency_code": "DLH"})
    me = client.get("/api/v1/auth/me", headers=bearer(client, "dlh1")).json()
    assert me["role"] == "agency_officer" and me["agency_code"] == "DLH"


def test_a_scoped_key_has_no_staff_role_unless_given_one(client: TestClient, admin_headers: dict[str, str]) -> None:
    """An Open311 client's key files reports; it must not read reporters' details as a viewer."""
    scoped = client.post("/api/v1/auth/apikeys", json={"name": "open311-gateway", "scopes": ["open311"]}, headers=admin_headers)
    assert scoped.status_code == 201, scoped.text
    assert scoped.json()["role"] is None
    key = {"X-API-Key": scoped.json()["key"]}
    for path in ("/api/v1/reports", "/api/v1/cameras", "/api/v1/apps"):
        refused = client.get(path, headers=key)
        assert refused.status_code == 403, path
        assert "no staff role" in refused.json()["error"]["message"] and "open311" in refused.json()["error"]["message"]
    plain = client.post("/api/v1/auth/apikeys", json={"name": "dashboard-kiosk"}, headers=admin_headers).json()
    assert plain["role"] == "viewer"
    assert client.get("/api/v1/cameras", headers={"X-API-Key": plain["key"]}).status_code == 200
    both = client.post(
        "/api/v1/auth/apikeys", json={"name": "ops-bot", "role": "operator", "scopes": ["open311"]}, headers=admin_headers
    ).json()
    assert both["role"] == "operator"
