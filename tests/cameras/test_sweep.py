"""The sweep over real sources: synthetic streams, HTTP snapshot cameras, hysteresis, snapshots."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import pytest
from aiohttp import web

from warroom.auth.principal import cli_principal
from warroom.bus import Event
from warroom.cameras import checks as checks_module
from warroom.cameras.schemas import CameraIn, CameraPatch
from warroom.cameras.service import CameraFilter
from warroom.cameras.sources.synthetic import encode_jpeg, render_frame
from warroom.config import CameraSettings, Settings
from warroom.container import WarRoom, build_warroom
from warroom.db import migrate
from warroom.demo.sample_city import write_sample_city

FAULTS = ["offline", "frozen", "black", "blurred", "covered", "moved"]
# Inside the generated sample city (kelurahan squares from 118.60 E, -5.30 S).
INSIDE = (-5.25, 118.65)


@pytest.fixture
def room(tmp_path: Path, database_url: str) -> Iterator[WarRoom]:
    settings = Settings(
        data_dir=tmp_path / "data", database_url=database_url,
        cameras=CameraSettings(hysteresis_checks=2, workers=2, connect_timeout_s=2, read_timeout_s=2),
    )
    wr = build_warroom(settings)
    migrate(wr.db)
    wr.city.import_areas(write_sample_city(tmp_path / "city"), actor=cli_principal())
    yield wr
    wr.close()


def register(wr: WarRoom, urls: dict[str, str], masks: dict[str, list] | None = None) -> dict[str, int]:
    rows = [
        (name, CameraIn(name=name, kind="lorong", lat=INSIDE[0], lon=INSIDE[1], stream_url=url,
                        privacy_masks=(masks or {}).get(name, [])))
        for name, url in urls.items()
    ]
    wr.cameras.create_many(rows, actor=cli_principal())
    return {c.name: c.id for c in wr.cameras.list(_everything(), limit=1000).items}


def _everything() -> CameraFilter:
    return CameraFilter()


def states(wr: WarRoom) -> dict[str, str]:
    return {c.name: c.health.state for c in wr.cameras.list(_everything(), limit=1000).items}


async def sweeps(wr: WarRoom, count: int, between=None) -> tuple[list[Event], list]:  # type: ignore[no-untyped-def, type-arg]
    """`count` sweeps with the bus running; `between(n)` runs after sweep n (e.g. turn a camera)."""
    await wr.bus.start()
    seen: list[Event] = []

    async def collect(event: Event) -> None:
        seen.append(event)

    wr.bus.subscribe(collect, types=["camera.health_changed"])
    reports = []
    for n in range(count):
        reports.append(await wr.sweeper.sweep())
        if between is not None:
            between(n)
    await asyncio.sleep(0.05)
    await wr.bus.stop()
    return seen, reports


def test_synthetic_faults_are_found_in_a_process_pool(room: WarRoom) -> None:
    urls = {f: f"synthetic://lorong?seed={i}&size=320x240&fault={f}" for i, f in enumerate(FAULTS)}
    urls["moved"] = "synthetic://lorong?seed=9&size=320x240"  # turned away after the first check
    urls |= {f"healthy-{i}": f"synthetic://street?seed={10 + i}&size=320x240" for i in range(3)}
    ids = register(room, urls)

    def turn_the_camera(n: int) -> None:
        if n == 0:
            room.cameras.update(ids["moved"], CameraPatch(stream_url=urls["moved"] + "&fault=moved"), actor=cli_principal())

    # 1 sweep to learn, then hysteresis (2) for each fault; frozen needs one more to see a repeat.
    events, reports = asyncio.run(sweeps(room, 4, turn_the_camera))
    final = states(room)
    assert {f: final[f] for f in FAULTS} == {f: f for f in FAULTS}
    assert all(final[f"healthy-{i}"] == "online" for i in range(3))
    assert all(r.errors == 0 and r.cameras == 9 for r in reports)
    changed = {(e.payload.name, e.payload.to_state) for e in events}  # type: ignore[attr-defined]
    assert {(f, f) for f in FAULTS if f != "offline"} <= changed and ("offline", "offline") in changed
    history = room.cameras.history(ids["black"])
    assert [h.to_state for h in history][:1] == ["black"]
    assert room.cameras.get(ids["healthy-0"]).snapshot_at is not None


class SnapshotCameras:
    """Real HTTP snapshot cameras on a local server: JPEGs, a dead one, one answering HTML."""

    def __init__(self) -> None:
        self.frames = [encode_jpeg(render_frame("street", 5, 3.0 * k, size=(640, 480))) for k in range(4)]
        self.count = 0
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.started = threading.Event()

    def _serve(self) -> None:
        async def jpeg(request: web.Request) -> web.Response:
            self.count += 1
            return web.Response(body=self.frames[self.count % 4], content_type="image/jpeg")

        async def dead(request: web.Request) -> web.Response:
            return web.Response(status=503)

        async def html(request: web.Request) -> web.Response:
            return web.Response(text="<html>login</html>", content_type="text/html")

        app = web.Application()
        app.router.add_get("/snap.jpg", jpeg)
        app.router.add_get("/dead.jpg", dead)
        app.router.add_get("/page", html)
        runner = web.AppRunner(app)
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(runner.setup())
        self.loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", self.port).start())
        self.started.set()
        self.loop.run_forever()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
def snapshot_cameras() -> Iterator[SnapshotCameras]:
    server = SnapshotCameras()
    server.thread.start()
    assert server.started.wait(10)
    yield server
    server.loop.call_soon_threadsafe(server.loop.stop)


def test_http_snapshot_cameras_and_masked_snapshots(room: WarRoom, snapshot_cameras: SnapshotCameras) -> None:
    masks = {"masked": [[[0.0, 0.0], [0.5, 0.0], [0.5, 0.5], [0.0, 0.5]]]}
    ids = register(room, {
        "plain": snapshot_cameras.url("/snap.jpg"), "masked": snapshot_cameras.url("/snap.jpg"),
        "dead": snapshot_cameras.url("/dead.jpg"), "html": snapshot_cameras.url("/page"),
    }, masks)
    asyncio.run(sweeps(room, 1))
    final = {c.name: c for c in room.cameras.list(_everything()).items}
    assert final["plain"].health.state == "online" and final["masked"].health.state == "online"
    assert final["dead"].health.state == final["html"].health.state == "offline"
    with room.db.engine.connect() as conn:
        from sqlalchemy import text

        metrics = dict(conn.execute(text("SELECT camera_id, metrics FROM camera_health")).all())
    assert "HTML" in str(metrics[ids["html"]]) or "html" in str(metrics[ids["html"]])
    plain = cv2.imread(str(room.cameras.snapshot_file(ids["plain"])))
    masked = cv2.imread(str(room.cameras.snapshot_file(ids["masked"])))
    assert plain.shape == masked.shape == (480, 640, 3)
    assert masked[:230, :310].max() <= 8, "the privacy mask must be burnt into the stored snapshot"
    assert plain[:230, :310].mean() > 40


def test_one_cameras_crash_never_stops_the_others(room: WarRoom, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    ids = register(room, {f"cam-{i}": f"synthetic://street?seed={i}&size=320x240" for i in range(4)})
    real = checks_module.check_stream

    def flaky(job):  # type: ignore[no-untyped-def]
        if job.camera_id == ids["cam-2"]:
            raise RuntimeError("a bug in a decoder")
        return real(job)

    monkeypatch.setattr(checks_module, "check_stream", flaky)
    room.sweeper._given = ThreadPoolExecutor(2)  # threads, so the patched function is the one that runs
    _, (report,) = asyncio.run(sweeps(room, 1))
    assert report.errors == 1 and report.cameras == 4
    final = states(room)
    assert final["cam-2"] == "unknown" and {final[f"cam-{i}"] for i in (0, 1, 3)} == {"online"}
    assert "check of camera" in caplog.text and "a bug in a decoder" in caplog.text


def test_credentials_never_reach_the_logs(room: WarRoom, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    register(room, {"refused": "rtsp://admin:Rahasia-999@127.0.0.1:9/stream", "web": "http://admin:Rahasia-999@127.0.0.1:9/snap.jpg"})
    asyncio.run(sweeps(room, 1))
    assert set(states(room).values()) == {"offline"}
    assert "Rahasia-999" not in caplog.text
    for cam in room.cameras.list(_everything()).items:
        assert "Rahasia-999" not in str(cam.model_dump())


def test_sweep_spreads_checks_and_reports_lag(room: WarRoom) -> None:
    register(room, {f"cam-{i}": f"synthetic://street?seed={i}&size=320x240" for i in range(6)})
    _, _ = asyncio.run(sweeps(room, 1))  # warm the pool
    report = asyncio.run(room.sweeper.sweep(spread_s=1.5, shard_size=2))
    # Three shards planned at 0-0.5, 0.5-1.0 and 1.0-1.5 s: the last cannot start before 1 s.
    assert report.cameras == 6 and report.seconds >= 1.0
    assert report.max_lag_s >= 0 and room.sweeper.last is report


def test_night_is_judged_in_the_citys_time() -> None:
    from datetime import UTC, datetime

    from warroom.cameras.checks import is_night

    # 11:00 UTC is 19:00 in Makassar (WITA, UTC+8): night.
    assert is_night(datetime(2026, 11, 28, 11, 0, tzinfo=UTC), "Asia/Makassar", (18, 6))
    assert not is_night(datetime(2026, 11, 28, 2, 0, tzinfo=UTC), "Asia/Makassar", (18, 6))
