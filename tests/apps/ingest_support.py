"""Shared by the ingest tests (imported, not a conftest): registered apps and their push keys."""

from __future__ import annotations

from fastapi.testclient import TestClient

from warroom.apps.schemas import AppIn
from warroom.auth.principal import cli_principal
from warroom.auth.schemas import AppKeyIn
from warroom.container import WarRoom


def make_app(wr: WarRoom, name: str = "e-Perizinan", agency: str = "DISKOMINFO") -> int:
    """An app that is never probed here (closed port): the ingest API does not care."""
    data = AppIn(name=name, agency_code=agency, probes=[{"type": "tcp", "host": "127.0.0.1", "port": 9}])  # type: ignore[list-item]
    return wr.apps.create(data, actor=cli_principal()).id


def app_key(wr: WarRoom, app_id: int, name: str | None = None) -> dict[str, str]:
    """Headers carrying a fresh key of `app_id`."""
    created = wr.app_ingest.create_key(app_id, AppKeyIn(name=name), actor=cli_principal())
    return {"X-API-Key": created.key}


def push(client: TestClient, app_id: int, headers: dict[str, str], *points: dict[str, object], **extra: object):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/apps/{app_id}/metrics", json={"points": list(points), **extra}, headers=headers)


def stored_points(wr: WarRoom, app_id: int) -> int:
    return sum(m.points for m in wr.app_ingest.metrics(app_id))
