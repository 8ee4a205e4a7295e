"""`warroom demo`: seeds once, reuses its data dir, serves, and stops cleanly on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2 as httpx

from conftest import free_port
from warroom.container import WarRoom
from warroom.demo.seed import seed_demo


def test_seed_with_makassar_then_reuse(wr: WarRoom, makassar_dir: Path) -> None:
    first = seed_demo(wr, makassar_dir)
    assert first[0].startswith("city: Kota Makassar (15 kecamatan, 153 kelurahan)")
    city = wr.city.city()
    assert city.is_sample is False and city.population == 1482354
    agencies = len(wr.city.agencies())
    assert agencies >= 20
    second = seed_demo(wr, makassar_dir)
    assert "already in" in second[0] and len(second) == 1
    assert len(wr.city.agencies()) == agencies


def test_seed_without_a_city_generates_a_labelled_sample(wr: WarRoom) -> None:
    lines = seed_demo(wr, None)
    city = wr.city.city()
    assert city.is_sample is True and "sample city" in city.name
    assert (city.counts.kecamatan, city.counts.kelurahan) == (9, 36)
    assert "generated the sample city" in lines[0]


def test_demo_serves_makassar_and_stops_on_ctrl_c(tmp_path: Path, makassar_dir: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARROOM_") or k.startswith("WARROOM_TEST_")}
    env["WARROOM_ADMIN_PASSWORD"] = "demo-admin-password"
    command = [sys.executable, "-m", "warroom", "demo", "--city", str(makassar_dir),
               "--data-dir", str(tmp_path / "wr"), "--port", str(port)]
    base = f"http://127.0.0.1:{port}"

    def start() -> subprocess.Popen[str]:
        proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    return proc
            except httpx.TransportError:
                time.sleep(0.2)
        proc.kill()
        raise AssertionError("warroom demo did not serve within 60 s")

    def stop(proc: subprocess.Popen[str]) -> str:
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=20)
        assert proc.returncode == 0, output
        return output

    proc = start()
    token = httpx.post(f"{base}/api/v1/auth/token", data={"username": "admin", "password": "demo-admin-password"})
    admin = {"Authorization": f"Bearer {token.json()['access_token']}"}
    city = httpx.get(f"{base}/api/v1/city", headers=admin).json()
    assert city["name"] == "Kota Makassar" and city["counts"]["kecamatan"] == 15
    assert httpx.get(f"{base}/", follow_redirects=False).headers["location"] == "/login"
    # The demo's apps push their own figures through the ingest API into the wall's tiles.
    tiles = wait_for_tile_values(base, admin)
    assert [t["title"] for t in tiles] == ["Izin terbit hari ini", "Pembayaran PBB hari ini", "Antrian e-KTP"]
    assert httpx.get(f"{base}/api/v1/apps/overview", headers=admin).json()["total"] == 146
    output = stop(proc)
    assert f"http://localhost:{port}/" in output and f"http://localhost:{port}/status" in output
    assert "sign in as admin with password demo-admin-password (shown once)" in output

    # A second run reuses the data dir: nothing re-seeded, the password is not shown again; the
    # pushing apps get new keys (the first run's are revoked) and their tiles are not doubled.
    restarted = datetime.now(UTC)
    proc = start()
    assert len(wait_for_tile_values(base, admin, after=restarted)) == 3
    output = stop(proc)
    assert "already in" in output and "demo-admin-password" not in output


def wait_for_tile_values(
    base: str, headers: dict[str, str], *, after: datetime | None = None, within_s: float = 30
) -> list[dict[str, Any]]:
    """The wall tiles once each shows a value pushed (after `after`; the demo pushes every 10 s)."""
    deadline = time.monotonic() + within_s
    while True:
        tiles = httpx.get(f"{base}/api/v1/wall/tiles", headers=headers).json()
        if tiles and all(t["at"] is not None and (after is None or datetime.fromisoformat(t["at"]) > after) for t in tiles):
            return tiles
        assert time.monotonic() < deadline, f"the demo's tiles got no pushed values within {within_s} s: {tiles}"
        time.sleep(0.5)
