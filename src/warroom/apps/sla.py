"""The monthly SLA report of the app portfolio: per app and per agency, for one local calendar month.

Definitions (docs/apps.md, "Rollups and SLA reports", says the same for operators):

- checks / failed: probe checks made in the month (checks inside maintenance windows are not
  recorded, so they count neither way); failed = checks that did not answer (degraded is up).
- uptime % = 100 × ok / checks, from hourly rollups plus 5-minute rollups and raw samples for what
  is not rolled up yet (`apps.tiers`). Local months start on UTC hour boundaries for whole-hour zones
  such as Asia/Makassar (UTC+8), so the hourly rollups cover them exactly.
- target % by criticality (`SLA_TARGETS`); met when uptime % >= target (None without checks).
- outages: transitions into `down` in the app's state history during the month.
- minutes down: time the app's state was `down` during the month, by its history: an outage that
  began before the month counts from the month's start; one still open counts to the month's end, or
  to now for the current month.
- p95 latency of successful checks, read from the merged latency bins (see `apps.histogram`).
- per agency: its apps, their checks, uptime weighted by checks (100 × Σok / Σchecks), apps that met
  their target, outages and minutes down summed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from warroom.apps.models import App, AppStatusChange
from warroom.apps.rollup import EPSILON, RollupService
from warroom.apps.tiers import Agg
from warroom.city.service import CityService
from warroom.db import Database, utcnow
from warroom.errors import WarroomError

# Uptime targets (%) per criticality: a critical app may be down ~43 min a month, a low one ~14 h.
SLA_TARGETS: dict[str, float] = {"critical": 99.9, "high": 99.5, "medium": 99.0, "low": 98.0}
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
NO_CITY = "(no city imported)"  # what `CityService.city()` names a city before one is imported


class SlaApp(BaseModel):
    model_config = ConfigDict(extra="forbid")

    app_id: int
    name: str
    agency_code: str
    criticality: str
    checks: int
    failed: int
    uptime_pct: float | None
    target_pct: float
    met: bool | None
    outages: int
    down_minutes: float
    p95_ms: float | None


class SlaAgency(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agency_code: str
    agency_name: str
    apps: int
    checks: int
    uptime_pct: float | None
    apps_met: int
    outages: int
    down_minutes: float


class SlaReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    month: str
    city: str | None
    timezone: str
    start: datetime
    end: datetime
    partial: bool
    agency: str | None
    generated_at: datetime
    total: SlaAgency
    agencies: list[SlaAgency]
    apps: list[SlaApp]


class InvalidMonth(WarroomError):
    status = 400
    code = "invalid_month"


@dataclass(frozen=True)
class Month:
    year: int
    month: int
    start: datetime  # UTC
    end: datetime  # UTC, exclusive

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def parse_month(text: str, tz: ZoneInfo, now: datetime) -> Month:
    """`YYYY-MM` as a local calendar month; months that have not begun are refused."""
    found = MONTH.match(text.strip())
    if not found or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 2000:
        raise InvalidMonth(f"month must look like 2026-11 (year-month, month 01..12), not {text[:20]!r}")
    year, month = int(found.group(1)), int(found.group(2))
    start = datetime(year, month, 1, tzinfo=tz)
    if start > now:
        current = now.astimezone(tz).strftime("%Y-%m")
        raise InvalidMonth(f"{text} has not begun yet (it is {current} in {tz.key}); pick this month or an earlier one")
    following = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
    return Month(year, month, start.astimezone(UTC), following.astimezone(UTC))


class SlaReports:
    def __init__(self, db: Database, rollups: RollupService, city: CityService) -> None:
        self._db = db
        self._rollups = rollups
        self._city = city

    def report(self, month: str, agency: str | None = None, now: datetime | None = None) -> SlaReport:
        now = now or utcnow()
        span = parse_month(month, self._rollups.tz, now)
        end = min(span.end, now + EPSILON)
        with self._db.session() as s:
            query = select(App.id, App.name, App.agency_id, App.criticality).order_by(App.id)
            agency_code = None
            if agency:
                agency_id = self._city.agency_id(s, agency)  # 404 for an unknown code
                query = query.where(App.agency_id == agency_id)
                agency_code = agency.strip().upper()
            apps = s.execute(query).all()
            codes = self._city.agency_codes(s)
            outages, down = _downtime(s, [a.id for a in apps], span.start, end)
        ids = [a.id for a in apps]
        sums = self._rollups.collect(ids, [(0, span.start, end)], now, latency=True) if ids else {}
        names = {a.code: a.name for a in self._city.agencies()}
        rows = sorted(
            (_app_row(a, codes.get(a.agency_id, ""), sums.get((a.id, 0), Agg()), outages[a.id], down[a.id]) for a in apps),
            key=lambda r: (r.agency_code, r.name.lower(), r.app_id),
        )
        by_agency: dict[str, list[tuple[SlaApp, Agg]]] = defaultdict(list)
        for row in rows:
            by_agency[row.agency_code].append((row, sums.get((row.app_id, 0), Agg())))
        agencies = [_agency_row(code, names.get(code, code), members) for code, members in sorted(by_agency.items())]
        city = self._city.city().name
        return SlaReport(
            month=span.label, city=None if city == NO_CITY else city, timezone=self._rollups.tz.key,
            start=span.start, end=span.end, partial=span.end > now, agency=agency_code, generated_at=now,
            total=_agency_row("*", "Semua dinas", [(r, sums.get((r.app_id, 0), Agg())) for r in rows]),
            agencies=agencies, apps=rows,
        )


def _pct(ok: int, checks: int) -> float | None:
    return round(100.0 * ok / checks, 4) if checks else None


def _app_row(app: Any, agency_code: str, agg: Agg, outages: int, down_s: float) -> SlaApp:
    target = SLA_TARGETS.get(app.criticality, SLA_TARGETS["medium"])
    return SlaApp(
        app_id=app.id, name=app.name, agency_code=agency_code, criticality=app.criticality,
        checks=agg.checks, failed=agg.checks - agg.ok, uptime_pct=_pct(agg.ok, agg.checks), target_pct=target,
        met=None if not agg.checks else 100.0 * agg.ok / agg.checks >= target,
        outages=outages, down_minutes=round(down_s / 60.0, 1), p95_ms=agg.latency(95),
    )


def _agency_row(code: str, name: str, members: list[tuple[SlaApp, Agg]]) -> SlaAgency:
    checks = sum(a.checks for _, a in members)
    ok = sum(a.ok for _, a in members)
    return SlaAgency(
        agency_code=code, agency_name=name, apps=len(members), checks=checks, uptime_pct=_pct(ok, checks),
        apps_met=sum(1 for r, _ in members if r.met), outages=sum(r.outages for r, _ in members),
        down_minutes=round(sum(r.down_minutes for r, _ in members), 1),
    )


def _downtime(s: Session, app_ids: list[int], start: datetime, end: datetime) -> tuple[dict[int, int], dict[int, float]]:
    """Per app: outages begun in [start, end), and seconds spent `down` in it, from the history."""
    outages: dict[int, int] = defaultdict(int)
    down: dict[int, float] = defaultdict(float)
    if not app_ids:
        return outages, down
    H = AppStatusChange
    last = (
        select(H.app_id, func.max(H.at).label("at")).where(H.app_id.in_(app_ids), H.at < start).group_by(H.app_id).subquery()
    )
    state = {
        app_id: to_state
        for app_id, to_state in s.execute(
            select(H.app_id, H.to_state).join(last, and_(H.app_id == last.c.app_id, H.at == last.c.at)).order_by(H.id)
        )
    }
    since = dict.fromkeys(app_ids, start)
    changes = s.execute(
        select(H.app_id, H.at, H.to_state).where(H.app_id.in_(app_ids), H.at >= start, H.at < end).order_by(H.app_id, H.at, H.id)
    )
    for app_id, at, to_state in changes:
        if state.get(app_id) == "down":
            down[app_id] += (at - since[app_id]).total_seconds()
        if to_state == "down":
            outages[app_id] += 1
        state[app_id], since[app_id] = to_state, at
    for app_id in app_ids:
        if state.get(app_id) == "down":
            down[app_id] += (end - since[app_id]).total_seconds()
    return outages, down
