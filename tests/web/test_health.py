from fastapi.testclient import TestClient

import warroom


def test_health_reports_version_and_database(client: TestClient) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": warroom.__version__, "database": "ok"}


def test_unknown_endpoint_uses_the_one_error_shape(client: TestClient) -> None:
    response = client.get("/api/v1/nope")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert "/api/v1/nope" in response.json()["error"]["message"]
