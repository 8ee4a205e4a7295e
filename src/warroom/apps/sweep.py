"""The app sweep: each enabled app checked every its own interval, with jitter, none waiting on another.

Unlike the camera sweep, probing is network waiting, not CPU: one event loop and one aiohttp
session hold every probe in flight, bounded by a semaphore. Each app keeps its own schedule
(`interval_s` ± 10 %), so 146 apps at 20 s become a steady trickle rather than a burst. A probe
that hangs is bounded by its own timeout; an app whose check raises is logged and retried at its
next turn, and the others go on.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time

import aiohttp
from starlette.concurrency import run_in_threadpool

from warroom.apps.probes import ProbeResult, run_probe
from warroom.apps.schemas import CheckOut
from warroom.apps.service import AppService, ProbeJob, result_out
from warroom.bus import EventBus

_LOG = logging.getLogger(__name__)
JITTER = 0.1  # each next check is due after interval × (1 ± JITTER)
RELOAD_S = 10.0  # how often the sweep re-reads the portfolio (apps added, changed, disabled)
TICK_S = 0.5


class AppSweeper:
    def __init__(self, service: AppService, bus: EventBus, *, concurrency: int = 64) -> None:
        self._service = service
        self._bus = bus
        self._concurrency = concurrency

    async def check_now(self, app_id: int) -> CheckOut:
        """The operator's "check now": one app, right away, recorded like any other check."""
        job = await run_in_threadpool(self._service.job, app_id)
        async with _session(self._concurrency) as session:
            return await self.check(job, session)

    async def check(self, job: ProbeJob, session: aiohttp.ClientSession) -> CheckOut:
        """Run the app's probes concurrently, record the outcome, announce a change."""
        results: list[ProbeResult] = await asyncio.gather(*(run_probe(p, session) for p in job.probes))
        pairs = [(p.type, r) for p, r in zip(job.probes, results)]
        decision, event = await run_in_threadpool(self._service.record, job.app_id, pairs)
        if event is not None and self._bus.running:
            self._bus.publish(event)
        return CheckOut(
            observed=decision.observed, state=decision.state,  # type: ignore[arg-type]
            results=[result_out(kind, r) for kind, r in pairs],
        )

    async def run_forever(self) -> None:
        """Check every enabled app on its own schedule until cancelled."""
        due: dict[int, float] = {}
        jobs: dict[int, ProbeJob] = {}
        running: set[int] = set()
        tasks: set[asyncio.Task[None]] = set()
        reloaded = -RELOAD_S
        gate = asyncio.Semaphore(self._concurrency)
        async with _session(self._concurrency) as session:
            try:
                while True:
                    now = time.monotonic()
                    if now - reloaded >= RELOAD_S:
                        jobs = await self._reload(jobs)
                        reloaded = now
                        # New apps start at a random point of their first interval, not all at once.
                        for app_id, job in jobs.items():
                            due.setdefault(app_id, now + random.uniform(0, job.interval_s))
                        for gone in set(due) - set(jobs):
                            del due[gone]
                    for app_id, job in jobs.items():
                        if due[app_id] <= now and app_id not in running:
                            due[app_id] = now + job.interval_s * random.uniform(1 - JITTER, 1 + JITTER)
                            running.add(app_id)
                            task = asyncio.create_task(self._guarded(job, session, gate, running))
                            tasks.add(task)
                            task.add_done_callback(tasks.discard)
                    await asyncio.sleep(TICK_S)
            finally:
                for task in list(tasks):
                    task.cancel()

    async def _reload(self, current: dict[int, ProbeJob]) -> dict[int, ProbeJob]:
        try:
            return {job.app_id: job for job in await run_in_threadpool(self._service.jobs)}
        except Exception:  # noqa: BLE001 - a database hiccup must not end the sweep
            _LOG.warning("could not reload the app portfolio; keeping the last one", exc_info=True)
            return current

    async def _guarded(
        self, job: ProbeJob, session: aiohttp.ClientSession, gate: asyncio.Semaphore, running: set[int]
    ) -> None:
        try:
            async with gate:
                await self.check(job, session)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - one app's failure never stops the others
            _LOG.exception("checking app %d (%s) failed; retrying at its next turn", job.app_id, job.name)
        finally:
            running.discard(job.app_id)


def _session(concurrency: int) -> aiohttp.ClientSession:
    """One connection pool for every probe; probes set their own timeouts."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency))
