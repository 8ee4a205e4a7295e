"""The catalog snapshot under concurrent reads: a stale snapshot is served while one thread reloads.

Found by `warroom bench open311`: readers ask for the snapshot inside their database session, so
each holds a pooled connection; when all of them queued behind the one reload (which needs a
connection of its own) the pool ran dry and every read waited 30 s, then failed with a 500.
"""

from __future__ import annotations

import dataclasses
import threading
from concurrent.futures import ThreadPoolExecutor

from reports_support import reports_city  # noqa: F401 (fixture)

from warroom.container import WarRoom


def test_a_stale_snapshot_is_served_while_another_thread_reloads(reports_city: WarRoom) -> None:
    catalog = reports_city.report_catalog
    current = catalog.snapshot()
    stale = dataclasses.replace(current, taken=current.taken - 3600)
    catalog._snapshot = stale  # noqa: SLF001 - the state a long-running server reaches by itself
    reloading = catalog._lock  # noqa: SLF001 - held as the reloading thread would hold it
    assert reloading.acquire(timeout=5)
    pool = ThreadPoolExecutor(4)
    try:
        got = [f.result(timeout=5) for f in [pool.submit(catalog.snapshot) for _ in range(8)]]
    finally:
        reloading.release()  # before waiting for the threads, so a failure fails rather than hangs
        pool.shutdown()
    assert all(snap is stale for snap in got)  # nobody waited for the reload
    fresh = catalog.snapshot()
    assert fresh is not stale and set(fresh.categories) == set(current.categories)


def test_many_readers_with_an_expired_snapshot_do_not_exhaust_the_pool(reports_city: WarRoom) -> None:
    """More threads than pooled connections (5 + 10 overflow), each reading inside its session."""
    from reports_support import new_report

    wr = reports_city
    tickets = [new_report(wr, "DRAINASE", kecamatan_index=k).ticket for k in range(3)]
    catalog = wr.report_catalog
    start = threading.Barrier(40)

    def read(n: int) -> str:
        start.wait(timeout=10)
        return wr.reports.get_public(tickets[n % 3]).ticket

    snap = catalog.snapshot()
    catalog._snapshot = dataclasses.replace(snap, taken=snap.taken - 3600)  # noqa: SLF001 - expired
    with ThreadPoolExecutor(40) as pool:
        read_back = list(pool.map(read, range(40), timeout=25))
    assert sorted(set(read_back)) == sorted(tickets)
