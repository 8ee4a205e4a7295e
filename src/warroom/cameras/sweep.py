"""The sweep: every enabled camera checked once per interval, on both cores, none waiting on another.

The cameras are cut into shards and each shard runs in a worker process on its own event loop
(`cameras.shard`): fetching and judging both cost CPU, so both happen there and every core works,
while each hung camera only holds its own slot. Shards are spread over the interval with jitter
rather than fired at once, and each one's start is compared with its plan: that lag is the sweep's
own health, reported with every round. Outcomes are recorded a shard at a time, so the database
sees a few dozen transactions per sweep, not thousands.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import random
import time
from collections import Counter
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime

from starlette.concurrency import run_in_threadpool

from warroom.bus import EventBus
from warroom.cameras import checks as camera_checks
from warroom.cameras.checks import CheckOutcome, PreparedCheck
from warroom.cameras.schemas import CheckOut
from warroom.cameras.service import CameraService
from warroom.cameras.shard import ShardResult, run_shard
from warroom.config import CameraSettings
from warroom.db import utcnow

_LOG = logging.getLogger(__name__)
# Cameras per shard: small enough that shards spread evenly over the processes and over the
# interval, large enough that each worker keeps many cameras in flight.
SHARD = 250


@dataclass
class SweepReport:
    started_at: datetime
    cameras: int
    seconds: float
    checks_per_second: float
    observed: dict[str, int] = field(default_factory=dict)
    changes: int = 0
    errors: int = 0
    max_lag_s: float = 0.0


class CameraSweeper:
    def __init__(
        self, service: CameraService, bus: EventBus, settings: CameraSettings, executor: Executor | None = None
    ) -> None:
        self._service = service
        self._bus = bus
        self._settings = settings
        self._given = executor  # tests may run checks in threads; the server uses processes
        self._pool: Executor | None = None
        self.last: SweepReport | None = None

    @property
    def workers(self) -> int:
        """Worker processes: two per core by default, as each also waits on cameras' network I/O."""
        return self._settings.workers or 2 * (os.cpu_count() or 1)

    def _executor(self) -> Executor:
        if self._given is not None:
            return self._given
        if self._pool is None:
            # spawn, not fork: the server has threads, and a forked copy of their locks can hang.
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    async def check_now(self, camera_id: int) -> CheckOut:
        """The operator's "check now": one camera, right away, recorded like any other check."""
        (check,) = await run_in_threadpool(self._service.prepare_checks, [camera_id])
        outcome = await run_in_threadpool(camera_checks.check_stream, check.job)
        for event in await run_in_threadpool(self._service.record, [(check, outcome)]):
            self._publish(event)
        state = (await run_in_threadpool(self._service.get, camera_id)).health.state
        return CheckOut(observed=outcome.observed, state=state, metrics=outcome.metrics)  # type: ignore[arg-type]

    async def sweep(
        self, camera_ids: list[int] | None = None, *, spread_s: float = 0.0, shard_size: int = SHARD
    ) -> SweepReport:
        """Check every enabled camera (or the given ones) once, spread over `spread_s` seconds.

        The cameras are cut into shards of at most `SHARD` cameras, dispatched on a schedule
        across the spread; each shard's outcomes are recorded as soon as it returns.
        """
        started_at = utcnow()
        checks = await run_in_threadpool(self._service.prepare_checks, camera_ids)
        loop = asyncio.get_running_loop()
        start, wall_start = loop.time(), time.time()
        shards = [checks[i:i + shard_size] for i in range(0, len(checks), shard_size)]
        step = spread_s / len(shards) if shards else 0.0
        observed: Counter[str] = Counter()
        totals = {"changes": 0, "errors": 0, "lag": 0.0}
        # One shard per process at a time; the connection budget is shared among them.
        gate = asyncio.Semaphore(self.workers)
        per_shard = max(1, self._settings.concurrency // self.workers)

        async def one(index: int, shard: list[PreparedCheck]) -> None:
            planned = index * step + random.uniform(0, step)
            await asyncio.sleep(max(0.0, start + planned - loop.time()))
            async with gate:
                result = await self._run_shard(shard, per_shard)
            if result is None:
                totals["errors"] += len(shard)
                return
            totals["lag"] = max(totals["lag"], result.started - (wall_start + planned))
            done = [(check, outcome) for check, outcome in zip(shard, result.outcomes) if outcome is not None]
            totals["errors"] += len(shard) - len(done)
            observed.update(outcome.observed for _, outcome in done)
            await self._flush(done, totals)

        await asyncio.gather(*(one(i, shard) for i, shard in enumerate(shards)))
        seconds = loop.time() - start
        report = SweepReport(
            started_at=started_at, cameras=len(checks), seconds=round(seconds, 3),
            checks_per_second=round(len(checks) / seconds, 1) if seconds > 0 else 0.0,
            observed=dict(observed), changes=int(totals["changes"]), errors=int(totals["errors"]),
            max_lag_s=round(max(0.0, float(totals["lag"])), 3),
        )
        self.last = report
        return report

    async def _run_shard(self, shard: list[PreparedCheck], concurrency: int) -> ShardResult | None:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor(), run_shard, [c.job for c in shard], concurrency)
        except BrokenProcessPool:
            _LOG.error("the camera check pool broke (a decoder crashed); starting a new one")
            self.close()
        except Exception:  # noqa: BLE001 - a failed shard must not end the sweep
            _LOG.exception("a shard of %d camera checks failed", len(shard))
        return None

    async def _flush(self, batch: list[tuple[PreparedCheck, CheckOutcome]], stats: dict[str, float]) -> None:
        if not batch:
            return
        events = await run_in_threadpool(self._service.record, batch)
        stats["changes"] += len(events)
        for event in events:
            self._publish(event)

    def _publish(self, event) -> None:  # type: ignore[no-untyped-def]
        if self._bus.running:
            self._bus.publish(event)

    async def run_forever(self) -> None:
        """Sweep again and again, each round spread over `check_interval_s`; log each round."""
        interval = self._settings.check_interval_s
        while True:
            began = time.monotonic()
            try:
                report = await self.sweep(spread_s=interval * 0.9)
                _LOG.info(
                    "camera sweep: %d cameras in %.1f s, %d changes, max lag %.1f s, %d errors",
                    report.cameras, report.seconds, report.changes, report.max_lag_s, report.errors,
                )
            except Exception:  # noqa: BLE001 - the sweep must outlive a bad round
                _LOG.exception("camera sweep failed; retrying next round")
            await asyncio.sleep(max(1.0, interval - (time.monotonic() - began)))
