"""The public status page's content: listed apps, their state, 90 daily uptime bars, outages, notices.

Built from names, states and numbers only (see `status_schemas`): probe errors, URLs and contacts
are never read here, so they cannot leak onto the public page. A built page is kept for
`ttl_s` seconds in this instance, one copy per agency (and per rendering, see `cached`), so a
crowd refreshing the page during an outage costs one database read every 15 seconds, not one per
visitor; concurrent requests for an expired copy wait for one rebuild instead of each doing it.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.apps.models import App, AppStatus, AppStatusChange, StatusNotice
from warroom.apps.notices import NoticeService
from warroom.apps.rollup import DayUptime, RollupService
from warroom.apps.status_schemas import (
    Overall,
    Period,
    PublicAgency,
    PublicApp,
    PublicDay,
    PublicNotice,
    PublicOutage,
    PublicStatus,
)
from warroom.auth.audit import AuditLog
from warroom.city.models import Agency, City
from warroom.city.service import CityService
from warroom.db import Database, utcnow
from warroom.errors import NotFound

T = TypeVar("T")
BAR_DAYS = 90
HISTORY_DAYS = 14
CACHE_TTL_S = 15.0
OUTAGE_KINDS = frozenset({"down", "degraded", "maintenance"})
# Per app, day and kind, the periods listed one by one; a flapping app gets a count and a total.
PERIODS_SHOWN = 3
MAX_OUTAGES = 200
STATES = ("up", "degraded", "down", "maintenance", "unknown")
# Indonesia's zones by their usual names; elsewhere the zone's own abbreviation.
ZONE_LABELS = {
    "Asia/Makassar": "WITA", "Asia/Ujung_Pandang": "WITA", "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB", "Asia/Jayapura": "WIT",
}


@dataclass(frozen=True)
class Change:
    app_id: int
    at: datetime
    from_state: str
    to_state: str


def zone_label(zone: str) -> str:
    return ZONE_LABELS.get(zone) or datetime.now(ZoneInfo(zone)).tzname() or zone


def overall(states: Iterable[str]) -> Overall:
    """The banner: the worst state wins; unknown only when nothing is known."""
    seen = set(states)
    for state in ("down", "degraded", "maintenance", "up"):
        if state in seen:
            return state  # type: ignore[return-value]
    return "unknown"


def uptime_over(days: Sequence[DayUptime]) -> float | None:
    """Uptime over many days, each weighted by its checks (a day checked once counts little)."""
    checks = sum(d.checks for d in days if d.uptime is not None)
    if not checks:
        return None
    return round(sum(d.uptime * d.checks for d in days if d.uptime is not None) / checks, 6)


def outages(
    changes: Sequence[Change],
    current: dict[int, tuple[str, datetime | None]],
    names: dict[int, tuple[str, str]],
    *,
    start: datetime,
    now: datetime,
    zone: ZoneInfo,
) -> list[PublicOutage]:
    """Periods down, degraded or in maintenance since `start`, per app, local day and kind.

    `changes` are each app's state changes since `start`, oldest first; the state before the
    first is its `from_state` (an outage already under way at `start` is counted from `start`),
    and an app without changes has been in its `current` state since `since`.
    """
    by_app: dict[int, list[Change]] = defaultdict(list)
    for change in changes:
        by_app[change.app_id].append(change)
    periods: dict[tuple[int, date, str], list[tuple[datetime, datetime | None]]] = defaultdict(list)
    for app_id, (state_now, since) in current.items():
        rows = by_app.get(app_id, [])
        state, began = (rows[0].from_state, start) if rows else (state_now, since or start)
        for row in rows:
            if state in OUTAGE_KINDS:
                periods[(app_id, began.astimezone(zone).date(), state)].append((began, row.at))
            state, began = row.to_state, row.at
        if state in OUTAGE_KINDS:
            periods[(app_id, began.astimezone(zone).date(), state)].append((began, None))
    found = []
    for (app_id, day, kind), spans in periods.items():
        spans.sort(key=lambda span: span[0])
        name, agency = names[app_id]
        found.append(PublicOutage(
            app_id=app_id, app=name, agency_code=agency, kind=kind, date=day,  # type: ignore[arg-type]
            periods=[Period(start=s, end=e) for s, e in spans[:PERIODS_SHOWN]], count=len(spans),
            total_s=round(sum(((e or now) - s).total_seconds() for s, e in spans), 1),
            ongoing=any(e is None for _, e in spans),
        ))
    found.sort(key=lambda o: (o.ongoing, o.date, max(p.start for p in o.periods)), reverse=True)
    return found[:MAX_OUTAGES]


class StatusPageService:
    def __init__(
        self,
        db: Database,
        audit: AuditLog,
        city: CityService,
        rollups: RollupService,
        timezone: str,
        *,
        ttl_s: float = CACHE_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self._rollups = rollups
        self.timezone = timezone
        self.zone = ZoneInfo(timezone)
        self._ttl_s = ttl_s
        self._clock = clock
        self._cache: dict[Hashable, tuple[float, Any]] = {}
        self._generation = 0
        self._building = threading.RLock()  # re-entrant: a build may use another cached copy
        self.notices = NoticeService(db, audit, city, changed=self.invalidate)

    # ---- the cache ----------------------------------------------------------------------------

    def cached(self, key: Hashable, make: Callable[[], T]) -> T:
        """`make()`, or its copy from the last `ttl_s` seconds.

        Also used by the web layer for the rendered (and compressed) page, so most requests are
        a dictionary look-up. Builds take one lock: when a copy expires under a crowd, one
        request rebuilds it and the others wait for that copy instead of each reading the
        database. Expired copies are dropped as new ones are stored; a failed build (an
        unknown agency) stores nothing.
        """
        hit = self._cache.get(key)
        if hit is not None and self._clock() - hit[0] < self._ttl_s:
            return hit[1]  # type: ignore[no-any-return]
        with self._building:
            now = self._clock()
            hit = self._cache.get(key)
            if hit is not None and now - hit[0] < self._ttl_s:
                return hit[1]  # type: ignore[no-any-return]
            generation = self._generation
            value = make()
            if generation == self._generation:  # not invalidated meanwhile (it may predate a notice)
                fresh = {k: v for k, v in self._cache.items() if now - v[0] < self._ttl_s}
                fresh[key] = (self._clock(), value)
                self._cache = fresh
            return value

    def invalidate(self) -> None:
        """Forget every cached copy (a notice changed)."""
        self._generation += 1
        self._cache = {}

    # ---- building -------------------------------------------------------------------------

    def public(self, agency_code: str | None = None) -> PublicStatus:
        """The page's content for the city or one agency, at most `ttl_s` seconds old."""
        code = agency_code.strip().upper() if agency_code else None
        return self.cached(("status", code), lambda: self.build(code))

    def build(self, agency_code: str | None = None, now: datetime | None = None) -> PublicStatus:
        """The page's content, read now (uncached). Unknown agency: `NotFound`."""
        now = now or utcnow()
        since = now - timedelta(days=HISTORY_DAYS)
        with self._db.session() as s:
            agencies = {a.id: (a.code, a.name) for a in s.execute(select(Agency.id, Agency.code, Agency.name))}
            scope = self._scope(agencies, agency_code)
            query = (
                select(App.id, App.name, App.category, App.agency_id, AppStatus.state, AppStatus.since)
                .join(AppStatus, AppStatus.app_id == App.id)
                .where(App.enabled.is_(True), App.status_page.is_(True))
            )
            if scope is not None:
                query = query.where(App.agency_id == scope)
            apps = s.execute(query).all()
            ids = [a.id for a in apps]
            changes = _changes(s, ids, since, now)
            notices = [n for n in NoticeService.public_rows(s, since) if _concerns(n, scope)]
            city = s.scalar(select(City.name).limit(1)) or ""  # none imported yet: no name at all
            names = {a.id: a.name for a in apps}
            public_notices = [self._notice(n, names, agencies) for n in notices]
        days = self._rollups.daily_uptime(ids, days=BAR_DAYS, now=now) if ids else {}
        groups: dict[int, list[PublicApp]] = defaultdict(list)
        for a in sorted(apps, key=lambda a: (a.name.lower(), a.id)):
            series = days.get(a.id, [])
            groups[a.agency_id].append(PublicApp(
                id=a.id, name=a.name, category=a.category, state=a.state, since=a.since,
                uptime_90d=uptime_over(series),
                days=[PublicDay(date=d.date, uptime=d.uptime if d.checks else None) for d in series],
            ))
        listed = [
            PublicAgency(
                code=agencies[aid][0], name=agencies[aid][1], overall=overall(p.state for p in group), apps=group
            )
            for aid, group in sorted(groups.items(), key=lambda item: agencies[item[0]][1].lower())
        ]
        states = [a.state for a in apps]
        return PublicStatus(
            city=city,
            agency_code=agencies[scope][0] if scope is not None else None,
            agency_name=agencies[scope][1] if scope is not None else None,
            generated_at=now, timezone=self.timezone, zone_label=zone_label(self.timezone),
            overall=overall(states), counts={state: states.count(state) for state in STATES},
            agencies=listed,
            notices=[n for n in public_notices if n.state != "resolved"],
            resolved_notices=[n for n in public_notices if n.state == "resolved"],
            outages=outages(
                changes, {a.id: (a.state, a.since) for a in apps},
                {a.id: (a.name, agencies[a.agency_id][0]) for a in apps}, start=since, now=now, zone=self.zone,
            ),
        )

    @staticmethod
    def _scope(agencies: dict[int, tuple[str, str]], code: str | None) -> int | None:
        if code is None:
            return None
        for agency_id, (known, _) in agencies.items():
            if known == code.upper():
                return agency_id
        raise NotFound(f"no agency with code {code!r}")

    @staticmethod
    def _notice(n: StatusNotice, names: dict[int, str], agencies: dict[int, tuple[str, str]]) -> PublicNotice:
        agency = agencies.get(n.agency_id) if n.agency_id is not None else None
        return PublicNotice(
            id=n.id, title=n.title, body=n.body, state=n.state,  # type: ignore[arg-type]
            app=names.get(n.app_id) if n.app_id is not None else None,  # unlisted apps stay unnamed
            agency_code=agency[0] if agency else None, agency=agency[1] if agency else None,
            created_at=n.created_at, updated_at=n.updated_at, resolved_at=n.resolved_at,
        )


def _changes(s: Session, ids: list[int], since: datetime, now: datetime) -> list[Change]:
    """State changes of `ids` in [since, now], per app and oldest first; never their error text."""
    if not ids:
        return []
    h = AppStatusChange
    rows = s.execute(
        select(h.app_id, h.at, h.from_state, h.to_state)
        .where(h.app_id.in_(ids), h.at >= since, h.at <= now)
        .order_by(h.app_id, h.at, h.id)
    )
    return [Change(r.app_id, r.at, r.from_state, r.to_state) for r in rows]


def _concerns(notice: StatusNotice, agency_id: int | None) -> bool:
    """On one agency's page: its own notices and the city-wide ones."""
    return agency_id is None or notice.agency_id in (None, agency_id)
