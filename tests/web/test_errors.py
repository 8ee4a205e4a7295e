"""Bad requests get the one error shape with a message that says what was wrong."""

from __future__ import annotations

from fastapi.testclient import TestClient

from warroom.container import WarRoom


def test_a_10_mb_body_is_refused_with_413(client: TestClient, admin_headers: dict[str, str]) -> None:
    body = b'{"code": "X", "name": "' + b"a" * (10 * 1024 * 1024) + b'"}'
    response = client.post(
        "/api/v1/agencies", content=body, headers={**admin_headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "request_too_large" and "1048576 bytes" in error["message"]


def test_a_chunked_body_over_the_limit_is_refused_too(client: TestClient, admin_headers: dict[str, str]) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(20):
            yield b"a" * 100_000

    response = client.post(
        "/api/v1/agencies", content=chunks(), headers={**admin_headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 413 and response.json()["error"]["code"] == "request_too_large"


def test_wrong_types_name_the_field(client: TestClient, admin_headers: dict[str, str]) -> None:
    response = client.post("/api/v1/agencies", json={"code": 12, "name": ["a"]}, headers=admin_headers)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert {d["where"] for d in error["details"]} >= {"body.code", "body.name"}


def test_not_json_at_all(client: TestClient, admin_headers: dict[str, str]) -> None:
    response = client.post(
        "/api/v1/agencies", content=b"{oops", headers={**admin_headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request"


def test_an_internal_error_hides_the_traceback(wr: WarRoom, client: TestClient, admin_headers: dict[str, str]) -> None:
    def broken() -> list[object]:
        raise RuntimeError("secret internals")

    wr.city.agencies = broken  # type: ignore[method-assign]
    crash = TestClient(client.app, raise_server_exceptions=False)
    response = crash.get("/api/v1/agencies", headers=admin_headers)
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert "secret internals" not in response.text


def test_security_headers(client: TestClient) -> None:
    response = client.get("/login")
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
