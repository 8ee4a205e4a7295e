"""The wall's view of the portfolio: every app's state, 24-hour uptime and latency sparkline, in one call.

The wall draws all 146 apps and keeps them live; one request that reads the status table once
and the rollups once replaces 146 requests for each app's uptime. Uptime and latency come from
the rollups (`apps.rollup`), so the answer costs the same on day one and after a year.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from pydantic import BaseModel, Field
from sqlalchemy import select

from warroom.apps.models import App, AppStatus
from warroom.apps.rollup import RollupService
from warroom.apps.tiers import Agg, align_down
from warroom.apps.schemas import AppState, Criticality
from warroom.city.models import Agency
from warroom.db import Database, utcnow

SPARK_HOURS = 24
STATES: tuple[AppState, ...] = ("up", "degraded", "down", "maintenance", "unknown")


class AppOverviewItem(BaseModel):
    id: int
    name: str
    agency_code: str
    agency_name: str
    category: str
    criticality: Criticality
    state: AppState
    since: datetime | None
    last_checked: datetime | None
    latency_ms: float | None = Field(description="The last check's latency.")
    uptime_24h: float | None = Field(description="0..1 over the last 24 hours; null without checks.")
    latency_24h: list[float | None] = Field(description="Median latency per hour, oldest first (24 values).")


class AppOverview(BaseModel):
    total: int
    counts: dict[str, int] = Field(description="Enabled apps per state (up, degraded, down, maintenance, unknown).")
    items: list[AppOverviewItem] = Field(description="Enabled apps, by agency code then name.")


def portfolio_overview(
    db: Database, rollups: RollupService, *, agency: str | None = None, now: datetime | None = None
) -> AppOverview:
    """Every enabled app (of one agency, if given) with its state, uptime and sparkline."""
    now = now or utcnow()
    query = (
        select(App, AppStatus, Agency.code, Agency.name)
        .join(AppStatus, AppStatus.app_id == App.id)
        .join(Agency, Agency.id == App.agency_id)
        .where(App.enabled.is_(True))
        .order_by(Agency.code, App.name, App.id)
    )
    if agency:
        query = query.where(Agency.code == agency.upper())
    with db.session() as s:
        rows = s.execute(query).all()
    ids = [app.id for app, *_ in rows]
    sparks = rollups.latency_series(ids, hours=SPARK_HOURS, now=now) if ids else {}
    day = rollups.collect(ids, [(0, now - timedelta(hours=24), now + timedelta(microseconds=1))], now) if ids else {}
    items = []
    for app, status, code, agency_name in rows:
        items.append(AppOverviewItem(
            id=app.id, name=app.name, agency_code=code, agency_name=agency_name, category=app.category,
            criticality=app.criticality,  # type: ignore[arg-type]
            state=status.state,  # type: ignore[arg-type]
            since=status.since, last_checked=status.last_checked, latency_ms=status.latency_ms,
            uptime_24h=day.get((app.id, 0), Agg()).uptime,
            latency_24h=sparks.get(app.id) or [None] * SPARK_HOURS,
        ))
    counts = Counter(item.state for item in items)
    return AppOverview(total=len(items), counts={state: counts.get(state, 0) for state in STATES}, items=items)


class LatencyHour(BaseModel):
    start: datetime = Field(description="Start of the clock hour (UTC); the last hour is the current one.")
    p50_ms: float | None


def hourly_latency(rollups: RollupService, app_id: int, hours: int, now: datetime | None = None) -> list[LatencyHour]:
    """One app's median latency per clock hour, oldest first: the app page's chart."""
    now = now or utcnow()
    first = align_down(now, 3600) - timedelta(hours=hours - 1)
    values = rollups.latency_series([app_id], hours=hours, now=now).get(app_id, [None] * hours)
    return [LatencyHour(start=first + timedelta(hours=i), p50_ms=v) for i, v in enumerate(values)]
