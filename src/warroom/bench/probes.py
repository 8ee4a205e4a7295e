"""`warroom bench probes`: the real app sweep over thousands of local HTTP targets, and its idle cost.

Separate processes play the city's applications (`bench.app_server`): most answer at once, a few
answer only after the probe has given up (slow), and a few point at a port nothing listens on
(refused). Each target is an app with one http probe in a throw-away war room (SQLite in a temp
dir, the sample city, the demo's agencies). warroom then checks them all the way the server does:
`AppSweeper.check_all` runs every probe on one event loop and writes the results in batches
through `AppService.record_many` (states, samples, history). A sweep's time is wall time from
the first probe to the last result written.

The second measurement is what the demo's portfolio costs at rest: the real `run_forever` over
146 apps at 20 s for a span, CPU time of this process (probing, deciding, writing; the target
servers excluded) divided by wall time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import platform
import resource
import tempfile
import time
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select

from warroom.apps.models import ProbeSample
from warroom.apps.probes import HttpProbe
from warroom.apps.schemas import AppIn
from warroom.auth.principal import cli_principal
from warroom.bench.app_server import AppServers
from warroom.config import AppSettings, Settings
from warroom.container import WarRoom, build_warroom
from warroom.db import migrate
from warroom.demo.sample_city import SAMPLE_CITY_NAME, write_sample_city

SEED = 4
IDLE_APPS = 146  # the demo's (and Makassar's) portfolio
IDLE_INTERVAL_S = 20


def run(
    targets: int = 10_000,
    *,
    slow_share: float = 0.02,
    refused_share: float = 0.02,
    timeout: float = 2.0,
    duration: float = 60.0,
    concurrency: int = 500,
    sweeps: int = 2,
) -> dict[str, Any]:
    """Both measurements; one JSON-ready dict (see docs/apps.md, Benchmark)."""
    quiet = logging.getLogger("warroom")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # hundreds of targets going down on purpose would each log a warning
    servers = AppServers(slow_s=timeout + 5)
    try:
        servers.start()
        with tempfile.TemporaryDirectory(prefix="warroom-bench-probes-") as tmp:
            sweep = _sweeps(Path(tmp) / "sweep", servers, targets, slow_share, refused_share, timeout,
                            concurrency, sweeps)
            idle = _idle(Path(tmp) / "idle", servers, duration)
        server_cpu = servers.cpu_seconds()
    finally:
        servers.stop()
        quiet.setLevel(level)
    worst = max(s["seconds"] for s in sweep["sweeps"])
    return {
        "benchmark": "probes",
        "targets": targets,
        "sweep_seconds": worst,
        "probes_per_second": round(targets / worst, 1),
        "cpu_percent_at_146x20s": idle["cpu_percent"],
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        **sweep,
        "idle": idle,
        "target_servers": {"processes": servers.processes, "ports": len(servers.bases), "cpu_seconds": server_cpu},
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
    }


def _war_room(folder: Path, concurrency: int) -> WarRoom:
    # SQLite in the temp dir whatever WARROOM_DATABASE_URL says: a benchmark never touches real data.
    settings = Settings(data_dir=folder, database_url=f"sqlite:///{folder / 'warroom.db'}",
                        apps=AppSettings(probe_concurrency=concurrency))
    wr = build_warroom(settings)
    migrate(wr.db)
    wr.city.import_areas(write_sample_city(folder / "city"), actor=cli_principal(), city_name=SAMPLE_CITY_NAME)
    with resources.as_file(resources.files("warroom.demo") / "agencies.csv") as csv_path:
        wr.city.import_agencies(csv_path, actor=cli_principal())
    return wr


def _plan(targets: int, slow_share: float, refused_share: float) -> dict[int, str]:
    """Target number → "slow" or "refused", spread at random over the portfolio; the rest are ok."""
    order = np.random.default_rng(SEED).permutation(targets)
    slow, refused = round(targets * slow_share), round(targets * refused_share)
    plan = {int(n): "slow" for n in order[:slow]}
    plan.update({int(n): "refused" for n in order[slow:slow + refused]})
    return plan


def _register(wr: WarRoom, servers: AppServers, plan: dict[int, str], count: int, timeout: float,
              interval_s: int = IDLE_INTERVAL_S) -> None:
    codes = [a.code for a in wr.city.agencies()]
    rows = []
    for n in range(count):
        kind = plan.get(n, "ok")
        base = servers.refused if kind == "refused" else servers.bases[n % len(servers.bases)]
        # A third of the healthy ones are judged on their JSON body too, so bodies get read.
        condition = 'json.status == "up"' if kind == "ok" and n % 3 == 0 else None
        probe = HttpProbe(url=f"{base}/{'slow' if kind == 'slow' else 'ok'}/app-{n}", timeout_s=timeout,
                          json_path_condition=condition)
        rows.append((f"target {n}", AppIn(name=f"bench app {n}", agency_code=codes[n % len(codes)], probes=[probe],
                                          interval_s=interval_s)))
    wr.apps.create_many(rows, actor=cli_principal())


def _sweeps(folder: Path, servers: AppServers, targets: int, slow_share: float, refused_share: float,
            timeout: float, concurrency: int, sweeps: int) -> dict[str, Any]:
    wr = _war_room(folder, concurrency)
    try:
        plan = _plan(targets, slow_share, refused_share)
        _register(wr, servers, plan, targets, timeout)
        jobs = wr.apps.jobs()

        async def measure() -> list[dict[str, Any]]:
            rounds = []
            for _ in range(sweeps):
                started = time.perf_counter()
                outcomes = await wr.app_sweeper.check_all(jobs)
                seconds = round(time.perf_counter() - started, 3)
                seen = Counter(o.observed for o in outcomes if o is not None)
                rounds.append({"seconds": seconds, "up": seen["up"], "degraded": seen["degraded"],
                               "down": seen["down"], "errors": sum(1 for o in outcomes if o is None)})
            return rounds

        rounds = asyncio.run(measure())
        with wr.db.session() as s:
            samples = s.scalar(select(func.count()).select_from(ProbeSample)) or 0
    finally:
        wr.close()
    kinds = Counter(plan.values())
    last = rounds[-1]
    return {
        "sweeps": rounds,
        "concurrency": concurrency,
        "timeout_s": timeout,
        "slow_targets": kinds["slow"],
        "refused_targets": kinds["refused"],
        "up": last["up"],
        "degraded": last["degraded"],
        "down": last["down"],
        "errors": sum(r["errors"] for r in rounds),
        "samples_written": samples,
    }


def _idle(folder: Path, servers: AppServers, duration: float) -> dict[str, Any]:
    """The production loop over 146 healthy apps at 20 s, with the default settings, for `duration`."""
    wr = _war_room(folder, AppSettings().probe_concurrency)
    try:
        _register(wr, servers, {}, IDLE_APPS, timeout=5.0)

        async def measure() -> tuple[float, float]:
            task = asyncio.create_task(wr.app_sweeper.run_forever())
            wall, cpu = time.perf_counter(), time.process_time()
            await asyncio.sleep(duration)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            return time.perf_counter() - wall, time.process_time() - cpu

        wall, cpu = asyncio.run(measure())
        with wr.db.session() as s:
            checks = s.scalar(select(func.count()).select_from(ProbeSample)) or 0
    finally:
        wr.close()
    return {
        "apps": IDLE_APPS,
        "interval_s": IDLE_INTERVAL_S,
        "span_s": round(wall, 1),
        "checks": checks,
        "cpu_seconds": round(cpu, 3),
        "cpu_percent": round(cpu / wall * 100, 2),
    }
