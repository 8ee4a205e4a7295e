"""Rollups of probe samples: they equal the raw truth, rolling twice changes nothing, retention
prunes each tier, and readers answer the same before and after raw samples are gone."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from apps_support import agencies  # noqa: F401 - fixture
from sqlalchemy import func, insert, select, update

from warroom.apps.histogram import LATENCY_BINS_MS, bin_of, histogram
from warroom.apps.models import AppRollup, AppRollupMark, ProbeSample
from warroom.apps.probes import ProbeResult
from warroom.apps.rollup import RollupService
from warroom.apps.schemas import AppIn
from warroom.apps.state import percentile
from warroom.apps.tiers import EPOCH, Tier, cover
from warroom.auth.principal import cli_principal
from warroom.config import AppSettings
from warroom.container import WarRoom

NOW = datetime(2026, 11, 20, 13, 0, 40, tzinfo=UTC)  # 21:00:40 in Makassar
Sample = tuple[int, datetime, bool, bool, float | None]  # app_id, at, ok, degraded, latency


def new_app(wr: WarRoom, name: str, agency: str = "DISKOMINFO") -> int:
    body = AppIn(name=name, agency_code=agency, probes=[{"type": "tcp", "host": "127.0.0.1", "port": 9}])
    return wr.apps.create(body, actor=cli_principal()).id


def store(wr: WarRoom, samples: list[Sample]) -> None:
    with wr.db.session() as s:
        s.execute(insert(ProbeSample), [
            {"app_id": a, "at": at, "ok": ok, "degraded": deg, "latency_ms": lat} for a, at, ok, deg, lat in samples
        ])


def dense(app_id: int, start: datetime, end: datetime, step_s: int = 20, seed: int = 0) -> list[Sample]:
    """A check every `step_s`: every 7th fails, every 5th is degraded, latencies spread over the bins."""
    out: list[Sample] = []
    at, i = start, seed
    while at < end:
        ok = i % 7 != 3
        out.append((app_id, at, ok, ok and i % 5 == 0, (8.0 + (i * 37) % 900) if ok else None))
        at += timedelta(seconds=step_s)
        i += 1
    return out


def truth(samples: list[Sample], resolution: int) -> dict[tuple[int, datetime], tuple[int, int, int, list[int], float]]:
    """What the rollup of each bucket must hold, computed in Python from the samples."""
    groups: dict[tuple[int, datetime], list[Sample]] = defaultdict(list)
    for sample in samples:
        seconds = int((sample[1] - EPOCH).total_seconds()) // resolution * resolution
        groups[(sample[0], EPOCH + timedelta(seconds=seconds))].append(sample)
    out = {}
    for key, rows in groups.items():
        timed = [lat for _, _, ok, _, lat in rows if ok and lat is not None]
        out[key] = (len(rows), sum(1 for r in rows if r[2]), sum(1 for r in rows if r[3]), histogram(timed), sum(timed))
    return out


def stored(wr: WarRoom, resolution: int) -> dict[tuple[int, datetime], tuple[int, int, int, list[int], float]]:
    with wr.db.session() as s:
        rows = s.scalars(select(AppRollup).where(AppRollup.resolution_s == resolution)).all()
        return {(r.app_id, r.start): (r.checks, r.ok, r.degraded, list(r.latency_hist), r.latency_sum_ms) for r in rows}


def within_a_bin(exact: float | None, binned: float | None) -> bool:
    """The documented precision: a binned percentile is within the width of the exact value's bin."""
    if exact is None or binned is None:
        return exact == binned
    index = bin_of(exact)
    low = 0.0 if index == 0 else LATENCY_BINS_MS[index - 1]
    high = LATENCY_BINS_MS[min(index, len(LATENCY_BINS_MS) - 1)]
    return abs(binned - exact) <= high - low


def test_rollups_equal_the_raw_truth_and_rolling_twice_changes_nothing(agencies: WarRoom) -> None:
    a, b = new_app(agencies, "SIAP Makassar"), new_app(agencies, "e-PBB", "BAPENDA")
    start = datetime(2026, 11, 20, 9, 47, 10, tzinfo=UTC)  # a partial first bucket on purpose
    samples = dense(a, start, NOW) + dense(b, start, NOW, step_s=30, seed=3)
    store(agencies, samples)
    rollups = agencies.app_rollups
    counts = rollups.roll_up(NOW)
    # Buckets end at 13:00 (the one ending at NOW - 30 s grace), from the oldest sample's bucket.
    complete = [s for s in samples if s[1] < datetime(2026, 11, 20, 13, 0, tzinfo=UTC)]
    assert stored(agencies, 300) == truth(complete, 300)
    assert stored(agencies, 3600) == truth(complete, 3600)
    assert (counts.rolled_5m, counts.rolled_1h) == (2 * 39, 2 * 4)  # 9:45..12:55 and 9:00..12:00, per app
    with agencies.db.session() as s:
        marks = dict(s.execute(select(AppRollupMark.resolution_s, AppRollupMark.until)).all())
    assert marks == {300: datetime(2026, 11, 20, 13, 0, tzinfo=UTC), 3600: datetime(2026, 11, 20, 13, 0, tzinfo=UTC)}

    # Again, at once and later: nothing is counted twice.
    assert not rollups.roll_up(NOW)
    assert stored(agencies, 3600) == truth(complete, 3600)
    # A run that lost its mark (say it died after writing) rewrites those buckets, never adds to them.
    with agencies.db.session() as s:
        s.execute(update(AppRollupMark).values(until=datetime(2026, 11, 20, 11, 0, tzinfo=UTC)))
    again = rollups.roll_up(NOW)
    assert (again.rolled_5m, again.rolled_1h) == (2 * 24, 2 * 2)
    assert stored(agencies, 300) == truth(complete, 300) and stored(agencies, 3600) == truth(complete, 3600)

    # Samples of the current buckets wait for their bucket to end, plus the grace.
    later = NOW + timedelta(minutes=5)
    more = dense(a, NOW, later)
    store(agencies, more)
    assert rollups.roll_up(later - timedelta(seconds=20)).rolled_5m == 0  # 13:05:20: within the 30 s grace
    assert rollups.roll_up(later).rolled_5m == 2  # both apps' 13:00 bucket; 13:05 is still open
    assert stored(agencies, 300) == truth([s for s in samples + more if s[1] < later - timedelta(seconds=40)], 300)


def test_retention_prunes_each_tier_and_readers_answer_the_same(agencies: WarRoom) -> None:
    a, b = new_app(agencies, "SIAP Makassar"), new_app(agencies, "e-PBB", "BAPENDA")
    # Hourly checks for 35 days (at hh:00:10, so window edges falling at hh:00:40 cut no bucket's
    # samples in two), then a check every 20 s for the last 10 hours.
    hourly: list[Sample] = []
    for app_id in (a, b):
        for h in range(35 * 24, 10, -1):
            at = NOW.replace(minute=0, second=10) - timedelta(hours=h)
            i = h + app_id
            hourly.append((app_id, at, i % 9 != 0, False, 20.0 + (i * 53) % 700 if i % 9 else None))
    recent = dense(a, NOW - timedelta(hours=10), NOW) + dense(b, NOW - timedelta(hours=10), NOW, seed=4)
    store(agencies, hourly + recent)
    rollups = RollupService(
        agencies.db, AppSettings(raw_retention_hours=6, rollup_5m_days=1, rollup_1h_days=31), timezone="Asia/Makassar"
    )
    before_uptime = {app_id: rollups.uptime(app_id, NOW) for app_id in (a, b)}
    before_days = rollups.daily_uptime(None, 10, NOW)
    before_series = rollups.latency_series([a], 12, NOW)

    counts = rollups.roll_up(NOW)
    with agencies.db.session() as s:
        oldest_raw = s.scalar(select(func.min(ProbeSample.at)))
        oldest = dict(s.execute(select(AppRollup.resolution_s, func.min(AppRollup.start)).group_by(AppRollup.resolution_s)).all())
    assert oldest_raw is not None and oldest_raw >= NOW - timedelta(hours=6)
    assert counts.pruned_raw == sum(1 for s in hourly + recent if s[1] < NOW - timedelta(hours=6))
    assert oldest[300] >= NOW - timedelta(days=1) and oldest[3600] >= NOW - timedelta(days=31)
    assert counts.pruned_5m > 0 and counts.pruned_1h > 0

    after_uptime = {app_id: rollups.uptime(app_id, NOW) for app_id in (a, b)}
    for app_id in (a, b):
        for name in ("h24", "d7", "d30"):
            exact, binned = getattr(before_uptime[app_id], name), getattr(after_uptime[app_id], name)
            assert (binned.samples, binned.uptime) == (exact.samples, exact.uptime), (app_id, name)
            assert within_a_bin(exact.p50_ms, binned.p50_ms) and within_a_bin(exact.p95_ms, binned.p95_ms), (exact, binned)
    # In the 30 d window: hourly checks 11..719 hours back (709), then 10 h of checks every 20 s (1,800).
    assert after_uptime[a].d30.samples == (719 - 11 + 1) + 10 * 180
    assert rollups.daily_uptime(None, 10, NOW) == before_days
    after_series = rollups.latency_series([a], 12, NOW)
    assert all(within_a_bin(x, y) for x, y in zip(before_series[a], after_series[a], strict=True))


def test_raw_kept_longer_than_5_minute_rollups_fills_the_edges(agencies: WarRoom) -> None:
    """With raw samples kept 48 h but 5-minute rollups 1 day, an edge 36 h back is read from raw."""
    a = new_app(agencies, "SIAP Makassar")
    samples = dense(a, NOW - timedelta(hours=40), NOW)
    store(agencies, samples)
    rollups = RollupService(agencies.db, AppSettings(raw_retention_hours=48, rollup_5m_days=1), timezone="Asia/Makassar")
    rollups.roll_up(NOW + timedelta(hours=2))  # 5-minute buckets from before NOW - 22 h are gone
    start = NOW - timedelta(hours=36, minutes=-7, seconds=-10)  # 01:07:50, not on any bucket edge
    got = rollups.collect([a], [(0, start, NOW)], NOW + timedelta(hours=2))[(a, 0)]
    inside = [x for x in samples if start <= x[1] < NOW]
    assert (got.checks, got.ok) == (len(inside), sum(1 for x in inside if x[2]))


def test_daily_uptime_is_per_local_day_oldest_first(agencies: WarRoom) -> None:
    a, quiet = new_app(agencies, "SIAP Makassar"), new_app(agencies, "Sepi")
    # Local midnight in Makassar (UTC+8) is 16:00 UTC: 2 checks late on the 18th, 3 early on the 19th.
    for at, ok in [("2026-11-18T15:50:00", True), ("2026-11-18T15:59:59", False),
                   ("2026-11-18T16:00:00", True), ("2026-11-18T20:00:00", True), ("2026-11-19T15:59:00", False)]:
        agencies.apps.record(a, [("tcp", ProbeResult(ok=ok, latency_ms=12.0 if ok else None))],
                             now=datetime.fromisoformat(at).replace(tzinfo=UTC))
    days = agencies.app_rollups.daily_uptime(None, 4, NOW)
    assert [(d.date.isoformat(), d.checks, d.uptime) for d in days[a]] == [
        ("2026-11-17", 0, None), ("2026-11-18", 2, 0.5), ("2026-11-19", 3, round(2 / 3, 6)), ("2026-11-20", 0, None),
    ]
    assert [d.checks for d in days[quiet]] == [0, 0, 0, 0]
    agencies.app_rollups.roll_up(NOW + timedelta(days=3))  # everything rolled, raw pruned (48 h)
    assert agencies.app_rollups.daily_uptime([a], 4, NOW) == {a: days[a]}


def test_latency_series_has_one_p50_per_hour(agencies: WarRoom) -> None:
    a = new_app(agencies, "SIAP Makassar")
    store(agencies, [(a, NOW - timedelta(hours=2, minutes=m), True, False, float(10 * m + 10)) for m in range(5)])
    series = agencies.app_rollups.latency_series([a], 4, NOW)
    # Hours 10:00, 11:00, 12:00, 13:00 (partial); checks at 10:56:40..10:59:40 (20..50 ms) and 11:00:40 (10 ms).
    assert series == {a: [percentile([20.0, 30.0, 40.0, 50.0], 50), 10.0, None, None]}


def test_cover_uses_coarse_tiers_inside_and_raw_at_the_edges() -> None:
    t = datetime(2026, 11, 20, tzinfo=UTC)
    tiers = [Tier(3600, t + timedelta(hours=5), t - timedelta(days=30)), Tier(300, t + timedelta(hours=5, minutes=50), t - timedelta(days=1))]
    pieces = cover(t + timedelta(minutes=7), t + timedelta(hours=6, minutes=2), tiers)
    assert pieces == [
        (0, t + timedelta(minutes=7), t + timedelta(minutes=10)),
        (300, t + timedelta(minutes=10), t + timedelta(hours=1)),
        (3600, t + timedelta(hours=1), t + timedelta(hours=5)),
        (300, t + timedelta(hours=5), t + timedelta(hours=5, minutes=50)),
        (0, t + timedelta(hours=5, minutes=50), t + timedelta(hours=6, minutes=2)),
    ]
    assert cover(t, t + timedelta(hours=2), []) == [(0, t, t + timedelta(hours=2))]


def test_the_periodic_job_rolls_up_and_survives_a_failed_run(agencies: WarRoom, monkeypatch: pytest.MonkeyPatch) -> None:
    a = new_app(agencies, "SIAP Makassar")
    store(agencies, dense(a, datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, 1, tzinfo=UTC)))
    rollups = agencies.app_rollups
    real, calls = rollups.roll_up, []

    def flaky(now: datetime | None = None):  # type: ignore[no-untyped-def]
        calls.append(now)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return real(now)

    monkeypatch.setattr(rollups, "roll_up", flaky)

    async def go() -> None:
        task = asyncio.create_task(rollups.run_forever(every_s=0.05))
        await asyncio.sleep(0.5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(go())
    assert len(calls) >= 2
    with agencies.db.session() as s:
        assert s.scalar(select(func.sum(AppRollup.checks)).where(AppRollup.resolution_s == 3600)) == 180
