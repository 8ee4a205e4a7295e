"""A shard of the sweep: one worker process checks a few hundred cameras on its own event loop.

Fetching snapshots costs as much CPU as judging them, so both happen in the worker: its asyncio
loop keeps every camera of the shard in flight at once (each with its own timeouts, so a hung
camera only holds its own slot), decodes and judges each JPEG as it arrives, and runs stream
cameras (RTSP, files, synthetic) in a small thread pool. The parent only plans and records.
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp

from warroom.cameras import checks
from warroom.cameras.checks import CheckJob, CheckOutcome
from warroom.cameras.health import Memory, observe_failure
from warroom.cameras.sources.base import SourceError
from warroom.cameras.sources.http import fetch_snapshot

_LOG = logging.getLogger(__name__)
# Beyond a camera's own connect and read timeouts, the most one check may take.
GRACE_S = 10.0
STREAM_THREADS = 8


@dataclass
class ShardResult:
    outcomes: list[CheckOutcome | None]  # None: our own failure on that camera (logged), not the camera's
    started: float  # wall-clock time the shard began, for the sweep's lag report


def snapshot_fast_path(url: str) -> bool:
    """Plain HTTP(S) snapshot cameras are fetched with asyncio; everything else is a stream."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and not parts.path.endswith(".m3u8")


def run_shard(jobs: list[CheckJob], concurrency: int) -> ShardResult:
    """Entry point in the worker process (picklable: plain function, plain arguments)."""
    started = time.time()
    return ShardResult(asyncio.run(_shard(jobs, concurrency)), started)


async def _shard(jobs: list[CheckJob], concurrency: int) -> list[CheckOutcome | None]:
    gate = asyncio.Semaphore(concurrency)
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=True)  # each camera is its own host
    with ThreadPoolExecutor(STREAM_THREADS, thread_name_prefix="camera-stream") as threads:
        async with aiohttp.ClientSession(connector=connector) as session:

            async def one(job: CheckJob) -> CheckOutcome | None:
                async with gate:
                    return await _check(session, threads, job)

            return list(await asyncio.gather(*(one(job) for job in jobs)))


async def _check(session: aiohttp.ClientSession, threads: ThreadPoolExecutor, job: CheckJob) -> CheckOutcome | None:
    limit = job.spec.connect_timeout_s + job.spec.read_timeout_s + GRACE_S
    try:
        if snapshot_fast_path(job.spec.url):
            try:
                data = await asyncio.wait_for(fetch_snapshot(session, job.spec), limit)
            except SourceError as err:
                failure = observe_failure(err.reason, err.message, Memory.from_json(job.memory, job.reference))
                return CheckOutcome(job.camera_id, failure.verdict, failure.metrics, job.memory)
            return checks.check_jpeg(job, data)
        loop = asyncio.get_running_loop()
        return await asyncio.wait_for(loop.run_in_executor(threads, checks.check_stream, job), limit)
    except TimeoutError:
        _LOG.warning("check of camera %d took over %.0f s; skipped this round", job.camera_id, limit)
    except Exception:  # noqa: BLE001 - one camera's bug must never stop the others
        _LOG.exception("check of camera %d failed", job.camera_id)
    return None
