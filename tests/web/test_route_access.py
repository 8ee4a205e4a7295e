"""Every /api/v1 route declares who may call it, and refuses everyone else.

The routes are read from the app itself, so a route added later without an `Access` declaration,
or one that lets the wrong role through, fails here.
"""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from conftest import add_user, bearer
from warroom.app import create_app
from warroom.apps.schemas import AppIn
from warroom.auth.deps import Access
from warroom.auth.principal import ROLES, cli_principal
from warroom.auth.schemas import AppKeyIn
from warroom.city.schemas import AgencyIn
from warroom.container import WarRoom

# Routes meant for anyone, and why.
PUBLIC = {
    ("GET", "/api/v1/health"): "load balancers and monitors",
    ("POST", "/api/v1/auth/token"): "signing in",
    ("POST", "/api/v1/auth/session"): "signing in",
}


def access_of(route: APIRoute) -> list[Access]:
    found: list[Access] = []
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        if isinstance(dep.call, Access):
            found.append(dep.call)
        stack.extend(dep.dependencies)
    return found


def api_routes(wr: WarRoom) -> list[tuple[str, str, APIRoute]]:
    app = create_app(wr)
    # Included routers are resolved lazily; iter_route_contexts gives each route with its full path.
    return [
        (method, context.path, context.original_route)
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute) and (context.path or "").startswith("/api/v1")
        for method in sorted(context.original_route.methods)
    ]


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_api_route_declares_exactly_one_access(wr: WarRoom) -> None:
    routes = api_routes(wr)
    assert len(routes) >= 15
    for method, path, route in routes:
        declared = access_of(route)
        assert len(declared) == 1, f"{method} {path} declares {declared}; use exactly one Access"
        assert declared[0].public == ((method, path) in PUBLIC), f"{method} {path}: public is {declared[0].public}"


@pytest.fixture
def role_headers(wr: WarRoom, client: TestClient) -> dict[str, dict[str, str]]:
    wr.city.create_agency(AgencyIn(code="DISPU", name="Dinas Pekerjaan Umum"), actor=cli_principal())
    headers = {}
    for role in ROLES:
        add_user(wr, f"u-{role.replace('_', '-')}", role, "DISPU" if role == "agency_officer" else None)
        headers[role] = bearer(client, f"u-{role.replace('_', '-')}")
    return headers


def test_anonymous_and_wrong_roles_are_refused(
    wr: WarRoom, client: TestClient, role_headers: dict[str, dict[str, str]]
) -> None:
    checked = 0
    for method, path, route in api_routes(wr):
        (access,) = access_of(route)
        if access.public:
            continue
        url = concrete(path)
        anonymous = client.request(method, url)
        assert anonymous.status_code == 401, f"{method} {path} let an anonymous caller through"
        assert anonymous.json()["error"]["code"] == "unauthorized"
        for role in ROLES:
            if access.roles is not None and role not in access.roles:
                response = client.request(method, url, headers=role_headers[role])
                assert response.status_code == 403, f"{method} {path} let a {role} through"
                checked += 1
    assert checked >= 10


def test_admin_only_routes(wr: WarRoom) -> None:
    admin_only = {(m, p) for m, p, r in api_routes(wr) if access_of(r)[0].roles == frozenset({"admin"})}
    expected = {
        ("GET", "/api/v1/users"), ("POST", "/api/v1/users"), ("PATCH", "/api/v1/users/{username}"),
        ("GET", "/api/v1/audit"), ("GET", "/api/v1/auth/apikeys"), ("POST", "/api/v1/auth/apikeys"),
        ("DELETE", "/api/v1/auth/apikeys/{key_id}"), ("POST", "/api/v1/agencies"), ("PATCH", "/api/v1/agencies/{code}"),
    }
    assert expected <= admin_only


# Routes that also admit an API key carrying a scope (an app's own push key), and why.
SCOPED = {
    ("POST", "/api/v1/apps/{app_id}/metrics"): "an app pushing its own metrics",
    ("POST", "/api/v1/apps/{app_id}/events"): "an app pushing its own events",
}


def test_app_keys_are_refused_everywhere_but_their_own_pushes(wr: WarRoom, client: TestClient) -> None:
    routes = api_routes(wr)
    assert {(m, p) for m, p, r in routes if access_of(r)[0].scope_prefix is not None} == set(SCOPED)
    wr.city.create_agency(AgencyIn(code="DISPU", name="Dinas Pekerjaan Umum"), actor=cli_principal())
    probe = {"type": "tcp", "host": "127.0.0.1", "port": 9}
    ids = [wr.apps.create(AppIn(name=f"App {i}", agency_code="DISPU", probes=[probe]), actor=cli_principal()).id for i in (1, 2)]  # type: ignore[list-item]
    assert ids == [1, 2]
    key = {"X-API-Key": wr.app_ingest.create_key(2, AppKeyIn(), actor=cli_principal()).key}
    checked = 0
    for method, path, route in routes:
        (access,) = access_of(route)
        if access.public:
            continue
        response = client.request(method, concrete(path), headers=key)  # app 1: not the key's app
        assert response.status_code == 403, f"{method} {path} let app 2's key through"
        expected = "another app" if (method, path) in SCOPED else "app key"
        assert expected in response.json()["error"]["message"], (method, path, response.text)
        checked += 1
    assert checked >= 20
