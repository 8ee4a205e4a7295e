"""`warroom appkey add|list|revoke`, run as a real process against the test's database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from apps_support import agencies  # noqa: F401 - fixture
from fastapi.testclient import TestClient
from ingest_support import make_app, push

from warroom.container import WarRoom


def warroom(tmp_path: Path, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARROOM_") or k.startswith("WARROOM_TEST_")}
    env.update(WARROOM_DATA_DIR=str(tmp_path / "data"), WARROOM_DATABASE_URL=database_url)
    return subprocess.run(
        [sys.executable, "-m", "warroom", *args], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120
    )


def test_appkey_commands(agencies: WarRoom, client: TestClient, tmp_path: Path, database_url: str) -> None:
    app_id = make_app(agencies)
    added = warroom(tmp_path, database_url, "appkey", "add", str(app_id), "--name", "backend-1")
    assert added.returncode == 0, added.stderr
    key = added.stdout.strip().splitlines()[-1]
    assert key.startswith("wra_") and len(key) > 40 and " " not in key
    assert push(client, app_id, {"X-API-Key": key}, {"name": "cpu", "value": 1}).status_code == 202

    listed = warroom(tmp_path, database_url, "appkey", "list", str(app_id))
    assert listed.returncode == 0 and "backend-1\tactive" in listed.stdout and key not in listed.stdout
    # Machine API keys and app keys stay apart.
    assert "backend-1" not in warroom(tmp_path, database_url, "apikey", "list").stdout

    key_id = listed.stdout.split("\t", 1)[0]
    assert warroom(tmp_path, database_url, "appkey", "revoke", key_id).returncode == 0
    assert "revoked" in warroom(tmp_path, database_url, "appkey", "list", str(app_id)).stdout
    assert push(client, app_id, {"X-API-Key": key}, {"name": "cpu", "value": 1}).status_code == 401

    missing = warroom(tmp_path, database_url, "appkey", "add", "999")
    assert missing.returncode == 1 and "no app with id 999" in missing.stderr and "Traceback" not in missing.stderr
