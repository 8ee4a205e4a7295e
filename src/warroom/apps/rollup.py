"""Probe results kept compactly: raw for hours, 5-minute rollups for days, hourly ones for a year.

146 apps checked every 20 s make 630,000 raw samples a day. `roll_up` sums each finished bucket of
raw samples into one row per app (checks, ok, degraded, a latency histogram), then prunes what the
retention settings no longer keep: a year of hourly rollups for the whole portfolio is ~1.3 million
small rows, where raw samples would be 230 million.

Readers (`uptime`, `daily_uptime`, `latency_series`, and the SLA report) always combine the tiers
(see `apps.tiers`), so their answers do not depend on when the rollup job last ran.

Rolling is idempotent: each resolution has a mark (`app_rollup_marks`) saying how far it got; a run
deletes and rewrites the buckets from the mark on, and moves the mark, in one transaction per chunk.
A run that dies changes nothing; two runs at once serialize on the mark row (PostgreSQL locks it,
SQLite has one writer).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict
from sqlalchemy import case, delete, func, insert, literal_column, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement, FunctionElement
from sqlalchemy.types import BigInteger

from warroom.apps.histogram import LATENCY_BINS_MS, bin_case, empty
from warroom.apps.models import App, AppRollup, AppRollupMark, ProbeSample
from warroom.apps.schemas import AppUptime, UptimeWindow
from warroom.apps.tiers import EPOCH, Agg, Tier, align_down, collect
from warroom.config import AppSettings
from warroom.db import Database, utcnow
from warroom.errors import NotFound

__all__ = ["LATENCY_BINS_MS", "RESOLUTIONS", "DayUptime", "RollupCounts", "RollupService"]

_LOG = logging.getLogger(__name__)
RESOLUTIONS = (300, 3600)
UPTIME_WINDOWS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}
# A bucket is rolled up only this long after it ends: a check finishing at 12:04:59.9 may commit a
# moment after 12:05, and a rolled bucket is never looked at again.
GRACE = timedelta(seconds=30)
# At most this much raw time per transaction, so a first run over weeks of samples stays in steps.
CHUNK = timedelta(days=1)
ROLLUP_EVERY_S = 60.0
EPSILON = timedelta(microseconds=1)


class DayUptime(BaseModel):
    """One local calendar day of one app: checks made and the share that answered (None: no checks)."""

    model_config = ConfigDict(extra="forbid")

    date: date
    checks: int
    uptime: float | None


@dataclass(frozen=True)
class RollupCounts:
    rolled_5m: int = 0
    rolled_1h: int = 0
    pruned_raw: int = 0
    pruned_5m: int = 0
    pruned_1h: int = 0

    def __bool__(self) -> bool:
        return any(asdict(self).values())


class _Bucket(FunctionElement[int]):
    """Start of the `resolution`-second bucket of a naive-UTC timestamp column, in epoch seconds.

    Written per dialect (the one place the SQL differs); the resolution is a literal so it is part
    of the statement cache key.
    """

    type = BigInteger()
    inherit_cache = True

    def __init__(self, column: Any, resolution: int) -> None:
        super().__init__(column, literal_column(str(int(resolution))))


def _parts(element: _Bucket, compiler: Any, **kw: Any) -> tuple[str, str]:
    column, resolution = element.clauses.clauses
    return compiler.process(column, **kw), compiler.process(resolution, **kw)


@compiles(_Bucket, "sqlite")
def _bucket_sqlite(element: _Bucket, compiler: Any, **kw: Any) -> str:
    column, r = _parts(element, compiler, **kw)
    return f"((CAST(strftime('%s', {column}) AS INTEGER) / {r}) * {r})"


@compiles(_Bucket)
def _bucket_default(element: _Bucket, compiler: Any, **kw: Any) -> str:  # PostgreSQL
    column, r = _parts(element, compiler, **kw)
    return f"((CAST(floor(EXTRACT(EPOCH FROM {column})) AS BIGINT) / {r}) * {r})"


class RollupService:
    def __init__(self, db: Database, settings: AppSettings, *, timezone: str = "Asia/Makassar") -> None:
        self._db = db
        self._settings = settings
        self.tz = ZoneInfo(timezone)

    # ---- rolling up -------------------------------------------------------------------------

    def roll_up(self, now: datetime | None = None) -> RollupCounts:
        """Roll every finished bucket not yet rolled, then prune by retention. Safe to repeat."""
        now = now or utcnow()
        rolled = {r: self._roll(r, now) for r in RESOLUTIONS}
        with self._db.session() as s:
            marks, ids = _marks(s), _all_ids(s)
            # Every statement names the apps: the (app_id, at) indexes then serve a time range.
            raw_before = min([now - timedelta(hours=self._settings.raw_retention_hours), *marks.values()])
            pruned_raw = 0
            if len(marks) == len(RESOLUTIONS):  # only what both resolutions hold may go
                pruned_raw = s.execute(
                    delete(ProbeSample).where(ProbeSample.app_id.in_(ids), ProbeSample.at < raw_before)
                ).rowcount or 0
            pruned = {
                r: s.execute(delete(AppRollup).where(
                    AppRollup.app_id.in_(ids), AppRollup.resolution_s == r, AppRollup.start < now - timedelta(days=days)
                )).rowcount or 0
                for r, days in ((300, self._settings.rollup_5m_days), (3600, self._settings.rollup_1h_days))
            }
        return RollupCounts(rolled[300], rolled[3600], pruned_raw, pruned[300], pruned[3600])

    def _roll(self, resolution: int, now: datetime) -> int:
        end = align_down(now - GRACE, resolution)
        written = 0
        while True:
            with self._db.session() as s:
                mark = s.get(AppRollupMark, resolution, with_for_update=True)
                start = mark.until if mark is not None else self._oldest(s, resolution)
                if start is None or start >= end:
                    return written
                ids = _all_ids(s)
                until = min(end, start + CHUNK)
                rows = _sums(s, ids, resolution, start, until)
                if not rows:  # a gap (the server was off): skip to the next sample in one step
                    following = s.scalar(
                        select(func.min(ProbeSample.at)).where(ProbeSample.app_id.in_(ids), ProbeSample.at >= until)
                    )
                    until = end if following is None else min(end, max(until, align_down(following, resolution)))
                s.execute(delete(AppRollup).where(
                    AppRollup.app_id.in_(ids), AppRollup.resolution_s == resolution,
                    AppRollup.start >= start, AppRollup.start < until,
                ))
                if rows:
                    s.execute(insert(AppRollup), rows)
                if mark is None:
                    s.add(AppRollupMark(resolution_s=resolution, until=until))
                else:
                    mark.until = until
                written += len(rows)

    @staticmethod
    def _oldest(s: Session, resolution: int) -> datetime | None:
        oldest = s.scalar(select(func.min(ProbeSample.at)))
        return None if oldest is None else align_down(oldest, resolution)

    async def run_forever(self, every_s: float = ROLLUP_EVERY_S) -> None:
        """Roll up every `every_s` seconds until cancelled; a failed run is logged and retried."""
        while True:
            try:
                counts = await asyncio.to_thread(self.roll_up)
                if counts:
                    _LOG.debug("rollup: %s", counts)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - a database hiccup must not end the job
                _LOG.warning("rolling up probe samples failed; retrying in %.0f s", every_s, exc_info=True)
            await asyncio.sleep(every_s)

    # ---- reading ----------------------------------------------------------------------------

    def tiers(self, s: Session, now: datetime) -> list[Tier]:
        """The rollup tiers usable now, coarsest first, each bounded by its mark and its retention."""
        marks = _marks(s)
        days = {300: self._settings.rollup_5m_days, 3600: self._settings.rollup_1h_days}
        return [Tier(r, marks[r], now - timedelta(days=days[r])) for r in sorted(marks, reverse=True) if r in days]

    def collect(
        self,
        app_ids: Sequence[int] | None,
        ranges: Sequence[tuple[int, datetime, datetime]],
        now: datetime,
        *,
        latency: bool = False,
    ) -> dict[tuple[int, int], Agg]:
        """Per (app, label) sums over non-overlapping (label, start, end) ranges, tiers combined."""
        with self._db.session() as s:
            ids = _all_ids(s) if app_ids is None else list(app_ids)
            return collect(s, ids, ranges, self.tiers(s, now), latency=latency)

    def uptime(self, app_id: int, now: datetime | None = None) -> AppUptime:
        """Uptime and latency p50/p95 over the last 24 h / 7 d / 30 d (a check at `now` counts)."""
        now = now or utcnow()
        with self._db.session() as s:
            if s.get(App, app_id) is None:
                raise NotFound(f"no app with id {app_id}")
            tiers = self.tiers(s, now)
            windows = {}
            for name, span in UPTIME_WINDOWS.items():
                agg = collect(s, [app_id], [(0, now - span, now + EPSILON)], tiers, latency=True).get((app_id, 0), Agg())
                windows[name] = UptimeWindow(
                    samples=agg.checks, uptime=agg.uptime, p50_ms=agg.latency(50), p95_ms=agg.latency(95)
                )
        return AppUptime(**windows)  # type: ignore[arg-type]

    def local_days(self, days: int, now: datetime) -> list[tuple[date, datetime, datetime]]:
        """The last `days` local calendar days (today last), as UTC [start, end) clipped to `now`."""
        today = now.astimezone(self.tz).date()
        out = []
        for back in range(days - 1, -1, -1):
            day = today - timedelta(days=back)
            start = datetime.combine(day, time(0), self.tz).astimezone(UTC)
            end = datetime.combine(day + timedelta(days=1), time(0), self.tz).astimezone(UTC)
            out.append((day, start, min(end, now + EPSILON)))
        return out

    def daily_uptime(
        self, app_ids: list[int] | None, days: int, now: datetime | None = None
    ) -> dict[int, list[DayUptime]]:
        """Per app, one entry per local day (oldest first, today last): the status page's bars.

        `app_ids` None means every app. Days without checks have `uptime` None.
        """
        now = now or utcnow()
        calendar = self.local_days(days, now)
        ids = self._ids(app_ids)
        sums = self.collect(ids, [(i, start, end) for i, (_, start, end) in enumerate(calendar)], now)
        return {
            app_id: [
                DayUptime(date=day, checks=(a := sums.get((app_id, i), Agg())).checks, uptime=a.uptime)
                for i, (day, _, _) in enumerate(calendar)
            ]
            for app_id in ids
        }

    def latency_series(
        self, app_ids: list[int] | None, hours: int = 24, now: datetime | None = None
    ) -> dict[int, list[float | None]]:
        """Per app, the p50 latency (ms) of each of the last `hours` clock hours, oldest first.

        The last entry is the current, partial hour. None: no successful check with a latency.
        """
        now = now or utcnow()
        first = align_down(now, 3600) - timedelta(hours=hours - 1)
        ranges = [(i, first + timedelta(hours=i), min(first + timedelta(hours=i + 1), now + EPSILON)) for i in range(hours)]
        ids = self._ids(app_ids)
        sums = self.collect(ids, ranges, now, latency=True)
        return {app_id: [sums.get((app_id, i), Agg()).latency(50) for i in range(hours)] for app_id in ids}

    def _ids(self, app_ids: list[int] | None) -> list[int]:
        if app_ids is not None:
            return list(app_ids)
        with self._db.session() as s:
            return _all_ids(s)


def _marks(s: Session) -> dict[int, datetime]:
    return {r: until for r, until in s.execute(select(AppRollupMark.resolution_s, AppRollupMark.until)).all()}


def _all_ids(s: Session) -> list[int]:
    return list(s.scalars(select(App.id).order_by(App.id)))


def _sums(s: Session, ids: list[int], resolution: int, start: datetime, stop: datetime) -> list[dict[str, Any]]:
    """One row per (app, bucket) of raw samples in [start, stop): counts and the latency histogram."""
    inner = select(
        ProbeSample.app_id.label("app_id"),
        _Bucket(ProbeSample.at, resolution).label("bucket"),
        case((ProbeSample.ok, 1), else_=0).label("ok"),
        case((ProbeSample.degraded, 1), else_=0).label("degraded"),
        _timed(ProbeSample.latency_ms).label("latency"),
        case(
            (ProbeSample.ok & ProbeSample.latency_ms.is_not(None), bin_case(ProbeSample.latency_ms)), else_=None
        ).label("bin"),
    ).where(ProbeSample.app_id.in_(ids), ProbeSample.at >= start, ProbeSample.at < stop).subquery()
    rows: dict[tuple[int, int], dict[str, Any]] = {}
    for app_id, bucket, checks, ok, degraded, latency in s.execute(
        select(
            inner.c.app_id, inner.c.bucket, func.count(), func.sum(inner.c.ok), func.sum(inner.c.degraded),
            func.coalesce(func.sum(inner.c.latency), 0.0),
        ).group_by(inner.c.app_id, inner.c.bucket)
    ):
        rows[(app_id, int(bucket))] = {
            "app_id": app_id, "resolution_s": resolution, "start": EPOCH + timedelta(seconds=int(bucket)),
            "checks": int(checks), "ok": int(ok or 0), "degraded": int(degraded or 0),
            "latency_sum_ms": float(latency), "latency_hist": empty(),
        }
    bins: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    for app_id, bucket, index, count in s.execute(
        select(inner.c.app_id, inner.c.bucket, inner.c.bin, func.count())
        .where(inner.c.bin.is_not(None)).group_by(inner.c.app_id, inner.c.bucket, inner.c.bin)
    ):
        bins[(app_id, int(bucket))].append((int(index), int(count)))
    for key, pairs in bins.items():
        for index, count in pairs:
            rows[key]["latency_hist"][index] = count
    return list(rows.values())


def _timed(latency: ColumnElement[Any]) -> ColumnElement[Any]:
    """The latency of a successful check, else nothing: `latency_sum_ms` covers what the bins count."""
    return case((ProbeSample.ok & latency.is_not(None), latency), else_=None)
