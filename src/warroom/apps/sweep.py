"""The app sweep: each enabled app checked every its own interval, with jitter, none waiting on another.

Unlike the camera sweep, probing is network waiting, not CPU: one event loop and one aiohttp
session hold every probe in flight, bounded by a semaphore. Each app keeps its own schedule
(`interval_s` ± 10 %), so 146 apps at 20 s become a steady trickle rather than a burst. A probe
that hangs is bounded by its own timeout; an app whose check raises is logged and retried at its
next turn, and the others go on. Results are written by one writer in batches (group commit):
checks that finish while a write is under way go into the next one, so a lone check is written at
once and a sweep of 10,000 apps costs about a hundred transactions, not 10,000.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Sequence

import aiohttp
from starlette.concurrency import run_in_threadpool

from warroom.apps.probes import ProbeResult, run_probe
from warroom.apps.schemas import AppStatusChanged, CheckOut
from warroom.apps.service import AppService, ProbeJob, result_out
from warroom.apps.state import Decision
from warroom.bus import EventBus
from warroom.errors import NotFound

_LOG = logging.getLogger(__name__)
JITTER = 0.1  # each next check is due after interval × (1 ± JITTER)
RELOAD_S = 10.0  # how often the sweep re-reads the portfolio (apps added, changed, disabled)
TICK_S = 0.5
MAX_BATCH = 500  # checks written in one transaction at most
_Outcome = tuple[Decision, AppStatusChanged | None]


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

    async def check(
        self, job: ProbeJob, session: aiohttp.ClientSession,
        gate: asyncio.Semaphore | None = None, writer: GroupCommit | None = None,
    ) -> CheckOut:
        """Run the app's probes concurrently, record the outcome, announce a change.

        `gate` bounds the probes in flight (held while probing, not while the result waits to be
        written); `writer` batches the write with other checks' (else it is written alone).
        """
        async with gate or contextlib.nullcontext():
            if len(job.probes) == 1:  # most apps: no task to spawn
                results: list[ProbeResult] = [await run_probe(job.probes[0], session)]
            else:
                results = await asyncio.gather(*(run_probe(p, session) for p in job.probes))
        pairs = [(p.type, r) for p, r in zip(job.probes, results)]
        if writer is None:
            decision, event = await run_in_threadpool(self._service.record, job.app_id, pairs)
        else:
            decision, event = await writer.record(job.app_id, pairs)
        if event is not None and self._bus.running:
            self._bus.publish(event)
        return CheckOut(
            observed=decision.observed, state=decision.state,  # type: ignore[arg-type]
            results=[result_out(kind, r) for kind, r in pairs],
        )

    async def check_all(self, jobs: Sequence[ProbeJob] | None = None) -> list[CheckOut | None]:
        """Check every enabled app (or the given jobs) once, all together, within the concurrency.

        A whole portfolio at once, as when the sweep starts or the network comes back; what
        `warroom bench probes` times. None for a check that failed unexpectedly (logged).
        """
        if jobs is None:
            jobs = await run_in_threadpool(self._service.jobs)
        gate = asyncio.Semaphore(self._concurrency)
        writer = GroupCommit(self._service)
        async with _session(self._concurrency) as session:
            try:
                return list(await asyncio.gather(*(self._guarded(job, session, gate, writer) for job in jobs)))
            finally:
                writer.close()

    async def run_forever(self) -> None:
        """Check every enabled app on its own schedule until cancelled."""
        due: dict[int, float] = {}
        jobs: dict[int, ProbeJob] = {}
        running: set[int] = set()
        tasks: set[asyncio.Task[CheckOut | None]] = set()
        reloaded = -RELOAD_S
        gate = asyncio.Semaphore(self._concurrency)
        writer = GroupCommit(self._service)
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
                            task = asyncio.create_task(self._guarded(job, session, gate, writer, running))
                            tasks.add(task)
                            task.add_done_callback(tasks.discard)
                    await asyncio.sleep(TICK_S)
            finally:
                for task in list(tasks):
                    task.cancel()
                writer.close()

    async def _reload(self, current: dict[int, ProbeJob]) -> dict[int, ProbeJob]:
        try:
            return {job.app_id: job for job in await run_in_threadpool(self._service.jobs)}
        except Exception:  # noqa: BLE001 - a database hiccup must not end the sweep
            _LOG.warning("could not reload the app portfolio; keeping the last one", exc_info=True)
            return current

    async def _guarded(
        self, job: ProbeJob, session: aiohttp.ClientSession, gate: asyncio.Semaphore, writer: GroupCommit,
        running: set[int] | None = None,
    ) -> CheckOut | None:
        try:
            return await self.check(job, session, gate, writer)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - one app's failure never stops the others
            _LOG.exception("checking app %d (%s) failed; retrying at its next turn", job.app_id, job.name)
            return None
        finally:
            if running is not None:
                running.discard(job.app_id)


class GroupCommit:
    """One writer for the checks of one event loop: whatever finished while it was writing goes next.

    A lone check is written at once (no added delay); under load the batches grow by themselves
    (up to MAX_BATCH), and with one writer SQLite never has threads queueing for its write lock.
    """

    def __init__(self, service: AppService) -> None:
        self._service = service
        self._waiting: list[tuple[int, list[tuple[str, ProbeResult]], asyncio.Future[_Outcome]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def record(self, app_id: int, pairs: list[tuple[str, ProbeResult]]) -> _Outcome:
        future: asyncio.Future[_Outcome] = asyncio.get_running_loop().create_future()
        self._waiting.append((app_id, pairs, future))
        if self._writer is None:
            self._writer = asyncio.create_task(self._write(), name="app-check-writer")
        return await future

    def close(self) -> None:
        """Stop writing (the sweep is over); checks still waiting are dropped, as cancelled."""
        if self._writer is not None:
            self._writer.cancel()
        for _, _, future in self._waiting:
            future.cancel()
        self._waiting.clear()

    async def _write(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
                try:
                    outcomes = await run_in_threadpool(self._service.record_many, [(a, p) for a, p, _ in batch])
                except Exception as err:  # noqa: BLE001 - each check of the batch reports it
                    for _, _, future in batch:
                        if not future.done():
                            future.set_exception(err)
                    continue
                for (app_id, _, future), outcome in zip(batch, outcomes):
                    if future.done():  # its check was cancelled meanwhile
                        continue
                    if outcome is None:
                        future.set_exception(NotFound(f"no app with id {app_id}"))
                    else:
                        future.set_result(outcome)
        finally:
            self._writer = None



def _session(concurrency: int) -> aiohttp.ClientSession:
    """One connection pool for every probe; probes set their own timeouts.

    aiohttp's own (5 min total, 30 s connect) are switched off: each probe's `timeout_s` is
    shorter, and two timers fewer per request count when a sweep makes 10,000 of them.
    """
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=concurrency), timeout=aiohttp.ClientTimeout(total=None, sock_connect=None)
    )
