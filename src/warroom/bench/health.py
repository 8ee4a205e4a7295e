"""`warroom bench health`: the real sweep over thousands of snapshot cameras, with known faults.

A separate process plays the cameras: an HTTP server handing out pre-encoded 640x480 JPEGs of
synthetic street and alley scenes (different frames on each request, as a live camera would),
and, once told, failing in each way for a known set of cameras. warroom then sweeps them the way
the server does: asyncio fetches, decode and checks in a process pool, hysteresis, snapshots and
state written to a real SQLite database. It reports how long each sweep took, the CPU and memory
it used, and whether every injected fault was found with no false alarm.
"""

from __future__ import annotations

import asyncio
import logging
import os
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from warroom.auth.principal import cli_principal
from warroom.bench.camera_server import CameraServer
from warroom.cameras.health import BROKEN_STATES
from warroom.cameras.service import CameraFilter
from warroom.config import CameraSettings, Settings
from warroom.container import WarRoom, build_warroom
from warroom.db import migrate
from warroom.demo.cameras import demo_cameras
from warroom.demo.sample_city import SAMPLE_CITY_NAME, write_sample_city
from warroom.demo.seed import load_city_folder

FAULTS = ("offline", "frozen", "black", "blurred", "covered", "moved")
FAULT_SHARE = 0.015  # of the cameras, per kind of fault
SEED = 42


def run(cameras: int, city_dir: Path | None, workers: int, max_sweeps: int = 7) -> dict[str, Any]:
    # Hundreds of injected faults would each log a warning; the result is the report.
    logging.getLogger("warroom").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="warroom-bench-health-") as tmp:
        server = CameraServer()
        server.start()
        settings = Settings(data_dir=Path(tmp), cameras=CameraSettings(workers=workers, concurrency=256))
        wr = build_warroom(settings)
        try:
            migrate(wr.db)
            _load_city(wr, city_dir, Path(tmp))
            ids = _register(wr, cameras, server.url)
            return asyncio.run(_measure(wr, server, ids, max_sweeps))
        finally:
            wr.close()
            server.stop()


def _load_city(wr: WarRoom, city_dir: Path | None, tmp: Path) -> None:
    if city_dir is not None:
        load_city_folder(wr, city_dir)
    else:
        wr.city.import_areas(write_sample_city(tmp / "city"), actor=cli_principal(), city_name=SAMPLE_CITY_NAME)


def _register(wr: WarRoom, count: int, base_url: str) -> list[int]:
    road = min(230, count // 30)
    placed = demo_cameras(wr, road=road, lorong=count - road)
    rows = []
    for number, (where, camera) in enumerate(placed):
        scene = "street" if camera.kind == "road" else "lorong"
        url = f"{base_url}/cam/{number}.jpg?scene={scene}"
        rows.append((where, camera.model_copy(update={"stream_url": url, "agency_code": None, "privacy_masks": []})))
    wr.cameras.create_many(rows, actor=cli_principal())
    return [c.id for c in wr.cameras.list(CameraFilter(), limit=count).items]


def _plan_faults(ids: list[int]) -> dict[int, str]:
    rng = np.random.default_rng(SEED)
    chosen = rng.permutation(len(ids))
    per_kind = max(1, round(len(ids) * FAULT_SHARE))
    plan: dict[int, str] = {}
    for k, fault in enumerate(FAULTS):
        for index in chosen[k * per_kind:(k + 1) * per_kind]:
            plan[int(index)] = fault  # camera number (URL index) → fault
    return plan


async def _measure(wr: WarRoom, server: CameraServer, ids: list[int], max_sweeps: int) -> dict[str, Any]:
    sweeps: list[dict[str, Any]] = []
    baseline = await wr.sweeper.sweep()  # learns each camera's reference view and sharpness
    plan = _plan_faults(ids)
    server.inject(plan)
    workers_before = _children_cpu(wr)
    cpu_before = time.process_time()
    for _ in range(max_sweeps - 1):
        report = await wr.sweeper.sweep()
        sweeps.append({"seconds": report.seconds, "changes": report.changes, "errors": report.errors,
                       "max_lag_s": report.max_lag_s})
        found, false_alarms = _score(wr, ids, plan)
        if found == len(plan):
            break
    cpu = time.process_time() - cpu_before + _children_cpu(wr) - workers_before
    seconds = [s["seconds"] for s in sweeps]
    return {
        "benchmark": "health",
        "cameras": len(ids),
        "workers": wr.sweeper.workers,
        "baseline_sweep_seconds": baseline.seconds,
        "sweep_seconds": max(seconds),
        "sweeps_after_faults": seconds,
        "checks_per_second": round(len(ids) / (sum(seconds) / len(seconds)), 1),
        "cpu_seconds": round(cpu, 2),
        "cpu_seconds_per_sweep": round(cpu / len(seconds), 2),
        "peak_rss_mb": _peak_rss_mb(wr),
        "hysteresis_checks": wr.settings.cameras.hysteresis_checks,
        "faults_injected": len(plan),
        "faults_found": found,
        "false_alarms": false_alarms,
        "errors": sum(s["errors"] for s in sweeps) + baseline.errors,
        "camera_server_cpu_seconds": server.cpu_seconds(),
    }


def _score(wr: WarRoom, ids: list[int], plan: dict[int, str]) -> tuple[int, int]:
    states = {c.id: c.health.state for c in wr.cameras.list(CameraFilter(), limit=len(ids)).items}
    found = sum(1 for number, fault in plan.items() if states[ids[number]] == fault)
    faulty = {ids[number] for number in plan}
    false_alarms = sum(1 for cid, state in states.items() if cid not in faulty and state in BROKEN_STATES)
    return found, false_alarms


def _worker_pids(wr: WarRoom) -> list[int]:
    pool = getattr(wr.sweeper, "_pool", None)
    return list(getattr(pool, "_processes", {}) or {})


def _children_cpu(wr: WarRoom) -> float:
    """CPU seconds of the check pool's processes so far (/proc: they are still running)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in _worker_pids(wr):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _peak_rss_mb(wr: WarRoom) -> float:
    """Peak resident memory of warroom's processes: this one plus each check worker."""
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for pid in _worker_pids(wr):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak_kb += int(line.split()[1])
        except OSError:
            continue
    return round(peak_kb / 1024, 1)

