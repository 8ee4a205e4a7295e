"""Reading pushed metrics back: summaries, series (raw or averaged per step) and aggregates.

Plain functions over a session, shared by the ingest service (charts) and the wall tiles. Every
read goes through the (app_id, name, at) index; averaging per step happens in SQL, so a month of
points becomes a few hundred rows before it leaves the database.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, cast, extract, func, select
from sqlalchemy.orm import Session

from warroom.apps.ingest_schemas import MetricSummary, SeriesOut
from warroom.apps.models import AppMetricPoint as P

MAX_SERIES_POINTS = 2000
MIN_STEP_S = 60


def summaries(s: Session, app_id: int) -> list[MetricSummary]:
    """Each metric name of an app with its point count and latest value."""
    rows = s.execute(select(P.name, func.count()).where(P.app_id == app_id).group_by(P.name).order_by(P.name)).all()
    out = []
    for name, count in rows:
        found = latest(s, app_id, name)
        if found is not None:  # None only if pruned between the two reads
            out.append(MetricSummary(name=name, last_value=found[0], last_at=found[1], points=count))
    return out


def latest(s: Session, app_id: int, name: str) -> tuple[float, datetime] | None:
    row = s.execute(
        select(P.value, P.at).where(P.app_id == app_id, P.name == name).order_by(P.at.desc(), P.id.desc()).limit(1)
    ).first()
    return None if row is None else (row.value, row.at)


def aggregate(
    s: Session, app_id: int, name: str, how: str, start: datetime, end: datetime
) -> tuple[float | None, datetime | None]:
    """`sum` or `max` of the values in [start, end), with the time of the newest point among them."""
    fn = {"sum": func.sum, "max": func.max}[how]
    row = s.execute(
        select(fn(P.value), func.max(P.at)).where(P.app_id == app_id, P.name == name, P.at >= start, P.at < end)
    ).one()
    value, at = row
    return (None if value is None else float(value)), at


def fitted_step(step: int, since: datetime, until: datetime) -> int:
    """`step`, raised to a whole minute count that keeps the series within the point cap."""
    span = (until - since).total_seconds()
    needed = math.ceil(span / MAX_SERIES_POINTS)
    if step >= needed:
        return step
    return math.ceil(needed / MIN_STEP_S) * MIN_STEP_S


def series(
    s: Session, app_id: int, name: str, since: datetime, until: datetime, step: int | None, *, sqlite: bool
) -> SeriesOut:
    where = (P.app_id == app_id, P.name == name, P.at >= since, P.at <= until)
    if step is None:
        rows = s.execute(
            select(P.at, P.value).where(*where).order_by(P.at.desc(), P.id.desc()).limit(MAX_SERIES_POINTS + 1)
        ).all()
        truncated = len(rows) > MAX_SERIES_POINTS
        points = [(r.at, r.value) for r in reversed(rows[:MAX_SERIES_POINTS])]
        return SeriesOut(name=name, step=None, truncated=truncated, points=points)
    step = fitted_step(step, since, until)
    bucket = (_epoch(sqlite) // step).label("bucket")
    rows = s.execute(select(bucket, func.avg(P.value)).where(*where).group_by(bucket).order_by(bucket)).all()
    points = [(datetime.fromtimestamp(int(b) * step, UTC), float(avg)) for b, avg in rows]
    return SeriesOut(name=name, step=step, truncated=False, points=points)


def _epoch(sqlite: bool) -> Any:
    """Whole seconds since 1970 of a point's time (stored as UTC without a zone on both backends)."""
    if sqlite:
        return cast(func.strftime("%s", P.at), Integer)
    return cast(func.floor(extract("epoch", P.at)), BigInteger)
