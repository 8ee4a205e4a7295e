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


def test_openapi_documents_the_api_and_its_sign_in(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/city/locate" in spec["paths"]
    schemes = spec["components"]["securitySchemes"]
    assert schemes["OAuth2PasswordBearer"]["flows"]["password"]["tokenUrl"] == "/api/v1/auth/token"
    assert schemes["APIKeyHeader"]["name"] == "X-API-Key"
    assert client.get("/api/v1/docs").status_code == 200
