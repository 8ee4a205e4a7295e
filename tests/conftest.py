"""Shared fixtures: a real database per test, a real war room, a real ASGI client and server.

Database: a fresh SQLite file per test; with WARROOM_TEST_DATABASE_URL (the Makefile's second pass),
a fresh PostgreSQL schema per test instead, dropped afterwards.

Outside things (the shared Makassar data, Chromium, PostgreSQL) are required: a test that needs one
fails with a clear message when it is missing, unless WARROOM_TEST_OPTIONAL names it
(`data`, `browser`, `postgres`, `rtsp`), in which case it is skipped with that reason.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from warroom.app import create_app
from warroom.auth.principal import cli_principal
from warroom.auth.schemas import UserIn
from warroom.config import Settings
from warroom.container import WarRoom, build_warroom
from warroom.db import migrate
from warroom.demo.sample_city import write_sample_city

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("WARROOM_TEST_SHARED_DATA", ROOT.parent / "shared" / "data"))
PASSWORD = "correct-horse-battery"


def missing(what: str, reason: str) -> None:
    """Skip when `what` is listed as optional, else fail: CI has everything."""
    optional = {s.strip() for s in os.environ.get("WARROOM_TEST_OPTIONAL", "").split(",")}
    if what in optional:
        pytest.skip(f"{reason} (WARROOM_TEST_OPTIONAL lists {what})")
    pytest.fail(f"{reason}. Provide it, or set WARROOM_TEST_OPTIONAL={what} to skip such tests here.")


def shared(relative: str) -> Path:
    path = SHARED_DATA / relative
    if not path.exists():
        missing("data", f"shared data {path} is absent")
    return path


@pytest.fixture
def makassar_dir() -> Path:
    return shared("makassar")


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    base = os.environ.get("WARROOM_TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path / 'warroom.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url)


@pytest.fixture
def wr(settings: Settings) -> Iterator[WarRoom]:
    room = build_warroom(settings)
    migrate(room.db)
    yield room
    room.close()


@pytest.fixture
def sample_city(wr: WarRoom, tmp_path: Path) -> WarRoom:
    """The generated sample city: 9 kecamatan of 4 kelurahan each, fast to import."""
    wr.city.import_areas(write_sample_city(tmp_path / "city"), actor=cli_principal(), city_name="Kota Contoh")
    return wr


@pytest.fixture
def makassar(wr: WarRoom, makassar_dir: Path) -> WarRoom:
    from warroom.demo.seed import load_city_folder

    load_city_folder(wr, makassar_dir)
    return wr


@pytest.fixture
def client(wr: WarRoom) -> Iterator[TestClient]:
    with TestClient(create_app(wr)) as test_client:
        yield test_client


def add_user(wr: WarRoom, username: str, role: str, agency: str | None = None) -> str:
    wr.auth.create_user(UserIn(username=username, password=PASSWORD, role=role, agency_code=agency), actor=cli_principal())
    return username


def bearer(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
def admin_headers(wr: WarRoom, client: TestClient) -> dict[str, str]:
    add_user(wr, "admin", "admin")
    return bearer(client, "admin")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def live_server(wr: WarRoom) -> Iterator[str]:
    """The app on a real uvicorn server in a thread; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(
        create_app(wr), host="127.0.0.1", port=port, log_level="warning", lifespan="on", timeout_graceful_shutdown=2
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the test server did not start within 10 s")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
