"""Signing in: bearer tokens, dashboard sessions with CSRF, rate limits, and what ends them."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import text

from conftest import PASSWORD, add_user, bearer
from warroom.auth.deps import SESSION_COOKIE
from warroom.container import WarRoom
from warroom.db import utcnow


def session_login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    response = client.post("/api/v1/auth/session", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return response.json()["csrf_token"]


def test_passwords_are_stored_as_argon2id(wr: WarRoom) -> None:
    add_user(wr, "siti", "operator")
    with wr.db.engine.connect() as conn:
        stored = conn.execute(text("SELECT password_hash FROM users WHERE username = 'siti'")).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_bearer_token_flow(wr: WarRoom, client: TestClient) -> None:
    add_user(wr, "siti", "operator")
    response = client.post("/api/v1/auth/token", data={"username": "siti", "password": PASSWORD})
    body = response.json()
    assert response.status_code == 200 and body["token_type"] == "bearer"
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json() == {"name": "siti", "role": "operator", "kind": "user", "agency_code": None, "scopes": []}


def test_wrong_password_and_unknown_user_look_the_same(wr: WarRoom, client: TestClient) -> None:
    add_user(wr, "siti", "operator")
    wrong = client.post("/api/v1/auth/token", data={"username": "siti", "password": "nope-nope-nope"})
    unknown = client.post("/api/v1/auth/token", data={"username": "nobody", "password": "nope-nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["code"] == "unauthorized"


def test_failed_logins_are_rate_limited_even_with_the_right_password(wr: WarRoom, client: TestClient) -> None:
    add_user(wr, "siti", "operator")
    for _ in range(wr.settings.auth.login_max_failures):
        assert client.post("/api/v1/auth/token", data={"username": "siti", "password": "guess-guess"}).status_code == 401
    blocked = client.post("/api/v1/auth/token", data={"username": "siti", "password": PASSWORD})
    assert blocked.status_code == 429
    assert blocked.json()["error"]["code"] == "rate_limited"
    assert int(blocked.headers["Retry-After"]) == wr.settings.auth.login_window_minutes * 60
    # Another user from the same address is not locked out by siti's failures.
    add_user(wr, "budi", "viewer")
    assert client.post("/api/v1/auth/token", data={"username": "budi", "password": PASSWORD}).status_code == 200
    failures = wr.audit.entries(action="auth.login_failed")
    assert len(failures) == 5 and failures[0].actor == "siti" and failures[0].ip == "testclient"
    refused = wr.audit.entries(action="auth.login_refused")
    assert len(refused) == 1 and refused[0].outcome == "rate_limited"


def test_expired_token_is_refused(wr: WarRoom, client: TestClient) -> None:
    add_user(wr, "siti", "operator")
    headers = bearer(client, "siti")
    with wr.db.engine.begin() as conn:
        conn.execute(text("UPDATE credentials SET expires_at = :t"), {"t": (utcnow() - timedelta(seconds=1)).replace(tzinfo=None)})
    response = client.get("/api/v1/auth/me", headers=headers)
    assert response.status_code == 401 and "expired" in response.json()["error"]["message"]
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_malformed_authorization_header(client: TestClient) -> None:
    response = client.get("/api/v1/auth/me", headers={"Authorization": "Basic YWRtaW46YWRtaW4="})
    assert response.status_code == 401 and "Bearer" in response.json()["error"]["message"]


def test_session_cookie_is_httponly_and_writes_need_the_csrf_header(wr: WarRoom, client: TestClient) -> None:
    add_user(wr, "admin", "admin")
    response = client.post("/api/v1/auth/session", json={"username": "admin", "password": PASSWORD})
    cookie = response.headers["set-cookie"]
    assert f"{SESSION_COOKIE}=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    csrf = response.json()["csrf_token"]
    assert client.get("/api/v1/auth/me").json()["name"] == "admin"
    body = {"code": "DLH", "name": "Dinas Lingkungan Hidup"}
    forged = client.post("/api/v1/agencies", json=body)
    assert forged.status_code == 403 and forged.json()["error"]["code"] == "csrf"
    wrong = client.post("/api/v1/agencies", json=body, headers={"X-CSRF-Token": "guess"})
    assert wrong.status_code == 403
    assert client.post("/api/v1/agencies", json=body, headers={"X-CSRF-Token": csrf}).status_code == 201


def test_login_body_must_be_json(wr: WarRoom, client: TestClient) -> None:
    add_user(wr, "admin", "admin")
    # A cross-site form post cannot set JSON; it must not sign anyone in.
    response = client.post("/api/v1/auth/session", data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 422
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")


def test_logout_ends_the_session(wr: WarRoom, client: TestClient) -> None:
    add_user(wr, "siti", "operator")
    csrf = session_login(client, "siti")
    cookie = client.cookies.get(SESSION_COOKIE)
    assert client.delete("/api/v1/auth/session", headers={"X-CSRF-Token": csrf}).status_code == 204
    client.cookies.set(SESSION_COOKIE, cookie)  # replaying the old cookie must not work
    assert client.get("/api/v1/auth/me").status_code == 401


def test_an_api_key_cannot_sign_out(client: TestClient, admin_headers: dict[str, str]) -> None:
    key = client.post("/api/v1/auth/apikeys", headers=admin_headers, json={"name": "gateway"}).json()["key"]
    response = client.delete("/api/v1/auth/session", headers={"X-API-Key": key})
    assert response.status_code == 422 and "revokes it" in response.json()["error"]["message"]
    assert client.get("/api/v1/auth/me", headers={"X-API-Key": key}).status_code == 200


def test_a_bearer_token_can_sign_out(wr: WarRoom, client: TestClient) -> None:
    add_user(wr, "siti", "operator")
    headers = bearer(client, "siti")
    assert client.delete("/api/v1/auth/session", headers=headers).status_code == 204
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_password_change_and_disabling_end_every_credential(wr: WarRoom, client: TestClient, admin_headers: dict[str, str]) -> None:
    add_user(wr, "siti", "operator")
    old = bearer(client, "siti")
    changed = client.patch("/api/v1/users/siti", headers=admin_headers, json={"password": "a-brand-new-password"})
    assert changed.status_code == 200
    assert client.get("/api/v1/auth/me", headers=old).status_code == 401
    fresh = bearer(client, "siti", "a-brand-new-password")
    client.patch("/api/v1/users/siti", headers=admin_headers, json={"active": False})
    assert client.get("/api/v1/auth/me", headers=fresh).status_code == 401
    denied = client.post("/api/v1/auth/token", data={"username": "siti", "password": "a-brand-new-password"})
    assert denied.status_code == 401
