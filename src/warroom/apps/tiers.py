"""Reading probe results across storage tiers: hourly rollups, 5-minute rollups and raw samples.

Any time range is answered from the coarsest tier that holds it whole, and the rest from finer ones:
hourly buckets fully inside the range (and before the hourly mark, and still kept), then 5-minute
buckets for what is left at the edges, then raw samples for the remainder (the last minutes not yet
rolled up, and edges finer than 5 minutes). So an answer does not depend on how far the rollup job
has got or on what retention pruned, except for partial buckets at a range's start whose raw samples
are already gone: those are left out (at most one bucket of the coarsest tier still kept there).

Everything is summed in the database per (app, range): one query per tier for the counts, and one
for latency when asked for; the ranges of one call must not overlap.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, func, literal_column, select
from sqlalchemy.orm import Session

from warroom.apps.histogram import add_into, bin_of, empty, hist_percentile
from warroom.apps.models import AppRollup, ProbeSample
from warroom.apps.state import percentile

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
RAW = 0  # the resolution of raw samples, in the tier lists below
Pieces = Sequence[tuple[int, datetime, datetime]]  # (label, start, end) of one tier, sorted, disjoint


@dataclass(frozen=True)
class Tier:
    """A rollup resolution usable for reading: buckets in [floor, mark) exist."""

    resolution_s: int
    mark: datetime
    floor: datetime


@dataclass
class Agg:
    """What one app did over one range."""

    checks: int = 0
    ok: int = 0
    degraded: int = 0
    hist: list[int] = field(default_factory=empty)
    raw_latencies: list[float] = field(default_factory=list)
    binned: bool = False  # part of the range came from rollups: percentiles are read from bins

    @property
    def uptime(self) -> float | None:
        return round(self.ok / self.checks, 6) if self.checks else None

    def latency(self, pct: float) -> float | None:
        """Exact (nearest rank) when the range was all raw, else from the merged bins."""
        if not self.binned:
            return percentile(self.raw_latencies, pct)
        return hist_percentile(self.hist, pct)


def align_down(at: datetime, step_s: int) -> datetime:
    seconds = int((at - EPOCH).total_seconds() // step_s) * step_s
    return EPOCH + timedelta(seconds=seconds)


def align_up(at: datetime, step_s: int) -> datetime:
    down = align_down(at, step_s)
    return down if down == at else down + timedelta(seconds=step_s)


def cover(start: datetime, end: datetime, tiers: Sequence[Tier]) -> list[tuple[int, datetime, datetime]]:
    """[start, end) as (resolution, from, to) pieces, coarsest tiers first, raw (0) for the rest."""
    if start >= end:
        return []
    if not tiers:
        return [(RAW, start, end)]
    tier, finer = tiers[0], tiers[1:]
    low = max(align_up(start, tier.resolution_s), align_up(tier.floor, tier.resolution_s))
    high = align_down(min(end, tier.mark), tier.resolution_s)
    if low >= high:
        return cover(start, end, finer)
    return [*cover(start, low, finer), (tier.resolution_s, low, high), *cover(high, end, finer)]


def _label(column: Any, pieces: Pieces) -> Any:
    """Which range a row's time falls in, as a CASE that halves the list at each level (log n tests)."""
    if len(pieces) == 1:
        label, low, high = pieces[0]
        return case((and_(column >= low, column < high), literal_column(str(label))), else_=None)
    mid = len(pieces) // 2
    return case((column < pieces[mid][1], _label(column, pieces[:mid])), else_=_label(column, pieces[mid:]))


def collect(
    s: Session,
    app_ids: Sequence[int],
    ranges: Sequence[tuple[int, datetime, datetime]],
    tiers: Sequence[Tier],
    *,
    latency: bool = False,
) -> dict[tuple[int, int], Agg]:
    """Per (app id, range label): checks, ok, degraded and (with `latency`) latencies.

    `ranges` are (label, start, end) with end exclusive, not overlapping. Only pairs with data are
    in the answer.
    """
    by_tier: dict[int, list[tuple[int, datetime, datetime]]] = {}
    binned_labels: set[int] = set()
    for label, start, end in ranges:
        for resolution, low, high in cover(start, end, tiers):
            by_tier.setdefault(resolution, []).append((label, low, high))
            if resolution != RAW:
                binned_labels.add(label)
    out: dict[tuple[int, int], Agg] = {}

    def agg(app_id: int, label: int) -> Agg:
        found = out.get((app_id, label))
        if found is None:
            found = out[(app_id, label)] = Agg(binned=label in binned_labels)
        return found

    for resolution, pieces in by_tier.items():
        pieces.sort(key=lambda p: p[1])
        reader = _raw if resolution == RAW else _rolled
        for app_id, label, checks, ok, degraded in reader.counts(s, app_ids, pieces, resolution):
            target = agg(app_id, label)
            target.checks += int(checks)
            target.ok += int(ok or 0)
            target.degraded += int(degraded or 0)
        if latency:
            for app_id, label, value in reader.latencies(s, app_ids, pieces, resolution):
                target = agg(app_id, label)
                if resolution == RAW:
                    target.raw_latencies.append(float(value))
                    target.hist[bin_of(float(value))] += 1
                else:
                    add_into(target.hist, value)
    return out


def _where_apps(query: Select[Any], column: Any, app_ids: Sequence[int]) -> Select[Any]:
    """Always by app: the (app_id, time) indexes then serve the time range."""
    return query.where(column.in_(list(app_ids)))


class _RawReader:
    @staticmethod
    def _inner(app_ids: Sequence[int], pieces: Pieces, *cols: Any) -> Any:
        label = _label(ProbeSample.at, pieces).label("label")
        query = select(ProbeSample.app_id.label("app_id"), label, *cols).where(
            ProbeSample.at >= pieces[0][1], ProbeSample.at < pieces[-1][2]
        )
        return _where_apps(query, ProbeSample.app_id, app_ids)

    def counts(self, s: Session, app_ids: Sequence[int], pieces: Pieces, _r: int) -> Iterable[Any]:
        inner = self._inner(
            app_ids, pieces,
            case((ProbeSample.ok, 1), else_=0).label("ok"), case((ProbeSample.degraded, 1), else_=0).label("degraded"),
        ).subquery()
        return s.execute(
            select(inner.c.app_id, inner.c.label, func.count(), func.sum(inner.c.ok), func.sum(inner.c.degraded))
            .where(inner.c.label.is_not(None)).group_by(inner.c.app_id, inner.c.label)
        ).all()

    def latencies(self, s: Session, app_ids: Sequence[int], pieces: Pieces, _r: int) -> Iterable[Any]:
        inner = self._inner(app_ids, pieces, ProbeSample.latency_ms.label("value")).where(
            ProbeSample.ok.is_(True), ProbeSample.latency_ms.is_not(None)
        ).subquery()
        return s.execute(select(inner.c.app_id, inner.c.label, inner.c.value).where(inner.c.label.is_not(None))).all()


class _RollupReader:
    @staticmethod
    def _inner(app_ids: Sequence[int], pieces: Pieces, resolution: int, *cols: Any) -> Any:
        label = _label(AppRollup.start, pieces).label("label")
        query = select(AppRollup.app_id.label("app_id"), label, *cols).where(
            AppRollup.resolution_s == resolution, AppRollup.start >= pieces[0][1], AppRollup.start < pieces[-1][2]
        )
        return _where_apps(query, AppRollup.app_id, app_ids)

    def counts(self, s: Session, app_ids: Sequence[int], pieces: Pieces, resolution: int) -> Iterable[Any]:
        inner = self._inner(app_ids, pieces, resolution, AppRollup.checks, AppRollup.ok, AppRollup.degraded).subquery()
        return s.execute(
            select(inner.c.app_id, inner.c.label, func.sum(inner.c.checks), func.sum(inner.c.ok), func.sum(inner.c.degraded))
            .where(inner.c.label.is_not(None)).group_by(inner.c.app_id, inner.c.label)
        ).all()

    def latencies(self, s: Session, app_ids: Sequence[int], pieces: Pieces, resolution: int) -> Iterable[Any]:
        inner = self._inner(app_ids, pieces, resolution, AppRollup.latency_hist.label("value")).where(AppRollup.ok > 0).subquery()
        return s.execute(select(inner.c.app_id, inner.c.label, inner.c.value).where(inner.c.label.is_not(None))).all()


_raw = _RawReader()
_rolled = _RollupReader()
