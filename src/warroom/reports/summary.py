"""The wall's view of citizen reports: the open queue, breaches, the next deadlines, "within SLA %"
and the open reports as GeoJSON for the map layer.

A war room watches thousands of open reports and refreshes this after every report event, so
everything here is a handful of SQL aggregates and two short ordered lists: no report is loaded as
an ORM object, none of its updates are read. Agency officers get the same answer for their agency
only, as the report lists do.

Definitions (docs/reports.md, "On the wall"):

- *open*: a status of `OPEN_STATUSES` (received, verified, dispatched, in progress) and not merged
  into another report (a merged report follows the one it was merged into).
- a *pending* deadline is the coordinate deadline until the report was coordinated
  (`coordinated_at` set), then the resolve deadline.
- an open report is *late* for a deadline when the SLA job marked it (`*_breached_at`) or its time
  has passed (the job runs every `reports.sla_check_interval_s`; the wall does not wait for it).
- *within SLA %*: of the reports resolved or closed-not-fixed in the last `SLA_WINDOW_DAYS` days
  plus the open reports that are already late, the share that missed no deadline. Rejected reports
  (duplicates, spam, out of scope) are no service delivered and are not counted; open reports not
  due yet are not counted either (their outcome is unknown). None when nothing counts yet.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from warroom.city.models import Agency, Area
from warroom.db import Database, utcnow
from warroom.reports.models import Report, ServiceCategory
from warroom.reports.schemas import OPEN_STATUSES, ReportStatus

SLA_WINDOW_DAYS = 30
LIST_LIMIT = 20
OPEN_ORDER: tuple[str, ...] = ("received", "verified", "dispatched", "in_progress")
COUNTED_CLOSED: tuple[str, ...] = ("resolved", "closed_not_fixed")

Deadline = Literal["coordinate", "resolve"]


class AgencyQueue(BaseModel):
    agency_code: str
    agency_name: str
    open: int
    by_status: dict[str, int] = Field(description="Open reports per open status.")
    late: int = Field(description="Open reports late for any deadline.")


class WithinSla(BaseModel):
    window_days: int
    counted: int = Field(description="Reports closed (resolved or not fixed) in the window plus open late ones.")
    breached: int = Field(description="Of those, reports that missed a deadline.")
    share: float | None = Field(description="(counted - breached) / counted, 0..1; null when nothing counts yet.")


class DeadlineRow(BaseModel):
    ticket: str
    status: ReportStatus
    service_code: str
    service_name: str
    service_name_en: str | None
    agency_code: str
    kecamatan_code: str | None
    kecamatan_name: str | None
    lat: float
    lon: float
    deadline: Deadline = Field(description="Which deadline: the pending one, or for late reports the first missed.")
    due: datetime
    breached: bool = Field(description="Late for that deadline (marked by the SLA job or past due).")


class ReportsSummary(BaseModel):
    now: datetime = Field(description="The server's clock, so countdowns on the wall need not trust the browser's.")
    agency_code: str | None = Field(description="Set when the answer covers one agency only (agency officers).")
    total: int = Field(description="Reports ever filed (in scope): zero means the wall has nothing to show.")
    open: int
    by_status: dict[str, int] = Field(description="Open reports per open status.")
    by_agency: list[AgencyQueue] = Field(description="Agencies with open reports, most late first, then most open.")
    breaches: dict[str, int] = Field(description="Open reports late for `coordinate`, for `resolve`, and `any`.")
    within_sla: WithinSla
    breached: list[DeadlineRow] = Field(description=f"Up to {LIST_LIMIT} late open reports, longest overdue first.")
    next_deadlines: list[DeadlineRow] = Field(description=f"The {LIST_LIMIT} open reports whose pending deadline comes next.")


# ---- the SQL pieces --------------------------------------------------------------------------


def _open() -> ColumnElement[bool]:
    return and_(Report.status.in_(OPEN_STATUSES), Report.merged_into.is_(None))


def _late_coordinate(now: datetime) -> ColumnElement[bool]:
    return or_(
        Report.coordinate_breached_at.is_not(None),
        and_(Report.coordinated_at.is_(None), Report.coordinate_due <= now),
        Report.coordinated_at > Report.coordinate_due,
    )


def _late_resolve(now: datetime) -> ColumnElement[bool]:
    return or_(Report.resolve_breached_at.is_not(None), Report.resolve_due <= now)


def _pending_due() -> ColumnElement[Any]:
    return case((Report.coordinated_at.is_(None), Report.coordinate_due), else_=Report.resolve_due)


def _closed_breached() -> ColumnElement[bool]:
    """A closed report missed a deadline: marked by the job, or closed/coordinated after it."""
    return or_(
        Report.coordinate_breached_at.is_not(None),
        Report.resolve_breached_at.is_not(None),
        Report.closed_at > Report.resolve_due,
        func.coalesce(Report.coordinated_at, Report.closed_at) > Report.coordinate_due,
    )


def _flag(cond: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((cond, 1), else_=0))


def _scoped(query: Select[Any], agency_id: int | None) -> Select[Any]:
    return query if agency_id is None else query.where(Report.agency_id == agency_id)


class ReportSummaries:
    """Read-only figures over the reports tables (`reports.service` stays their only writer)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def _agency_id(self, s: Session, agency_code: str | None) -> int | None:
        if agency_code is None:
            return None
        found = s.scalar(select(Agency.id).where(Agency.code == agency_code.upper()))
        return -1 if found is None else int(found)  # an unknown agency sees nothing, not everything

    def summary(self, *, agency_code: str | None = None, now: datetime | None = None) -> ReportsSummary:
        now = now or utcnow()
        late_c, late_r = _late_coordinate(now), _late_resolve(now)
        with self.db.session() as s:
            agency_id = self._agency_id(s, agency_code)
            total = s.scalar(_scoped(select(func.count()).select_from(Report), agency_id)) or 0
            queue = s.execute(
                _scoped(
                    select(Agency.code, Agency.name, Report.status, func.count(), _flag(late_c), _flag(late_r),
                           _flag(or_(late_c, late_r)))
                    .join(Agency, Agency.id == Report.agency_id)
                    .where(_open())
                    .group_by(Agency.code, Agency.name, Report.status),
                    agency_id,
                )
            ).all()
            closed = s.execute(
                _scoped(
                    select(func.count(), _flag(_closed_breached())).where(
                        Report.status.in_(COUNTED_CLOSED),
                        Report.merged_into.is_(None),
                        Report.closed_at >= now - timedelta(days=SLA_WINDOW_DAYS),
                    ),
                    agency_id,
                )
            ).one()
            breached = self._rows(s, agency_id, now, late=True)
            upcoming = self._rows(s, agency_id, now, late=False)
        by_status = dict.fromkeys(OPEN_ORDER, 0)
        agencies: dict[str, AgencyQueue] = {}
        counts: defaultdict[str, int] = defaultdict(int)
        for code, name, status, n, n_c, n_r, n_any in queue:
            by_status[status] = by_status.get(status, 0) + n
            row = agencies.setdefault(code, AgencyQueue(agency_code=code, agency_name=name, open=0,
                                                        by_status=dict.fromkeys(OPEN_ORDER, 0), late=0))
            row.open += n
            row.by_status[status] = row.by_status.get(status, 0) + n
            row.late += n_any or 0
            counts["coordinate"] += n_c or 0
            counts["resolve"] += n_r or 0
            counts["any"] += n_any or 0
        closed_n, closed_late = closed[0] or 0, closed[1] or 0
        counted = closed_n + counts["any"]
        late_total = closed_late + counts["any"]
        return ReportsSummary(
            now=now,
            agency_code=agency_code.upper() if agency_code else None,
            total=total,
            open=sum(by_status.values()),
            by_status=by_status,
            by_agency=sorted(agencies.values(), key=lambda a: (-a.late, -a.open, a.agency_code)),
            breaches={"coordinate": counts["coordinate"], "resolve": counts["resolve"], "any": counts["any"]},
            within_sla=WithinSla(window_days=SLA_WINDOW_DAYS, counted=counted, breached=late_total,
                                 share=(counted - late_total) / counted if counted else None),
            breached=breached,
            next_deadlines=upcoming,
        )

    def _rows(self, s: Session, agency_id: int | None, now: datetime, *, late: bool) -> list[DeadlineRow]:
        """Late open reports (longest overdue first) or the next pending deadlines (soonest first)."""
        late_c, late_r = _late_coordinate(now), _late_resolve(now)
        kecamatan = aliased(Area)
        if late:
            # The first deadline missed: coordination when it was missed, else resolution.
            which = case((late_c, "coordinate"), else_="resolve")
            due = case((late_c, Report.coordinate_due), else_=Report.resolve_due)
            where = or_(late_c, late_r)
        else:
            which = case((Report.coordinated_at.is_(None), "coordinate"), else_="resolve")
            due = _pending_due()
            # Not late for the pending deadline (a report coordinated late still counts down to resolve).
            # Spelt out rather than negating `late_c`: its comparisons are NULL while uncoordinated.
            where = or_(
                and_(Report.coordinated_at.is_(None), Report.coordinate_breached_at.is_(None),
                     Report.coordinate_due > now),
                and_(Report.coordinated_at.is_not(None), Report.resolve_breached_at.is_(None),
                     Report.resolve_due > now),
            )
        query = (
            select(Report.ticket, Report.status, ServiceCategory.code, ServiceCategory.name, ServiceCategory.name_en,
                   Agency.code, Report.kecamatan_code, kecamatan.name, Report.lat, Report.lon, which, due)
            .join(ServiceCategory, ServiceCategory.id == Report.category_id)
            .join(Agency, Agency.id == Report.agency_id)
            .outerjoin(kecamatan, kecamatan.code == Report.kecamatan_code)
            .where(_open(), where)
            .order_by(due, Report.id)
            .limit(LIST_LIMIT)
        )
        rows = s.execute(_scoped(query, agency_id)).all()
        return [
            DeadlineRow(ticket=r[0], status=r[1], service_code=r[2], service_name=r[3], service_name_en=r[4],
                        agency_code=r[5], kecamatan_code=r[6], kecamatan_name=r[7], lat=r[8], lon=r[9],
                        deadline=r[10], due=_as_utc(r[11]), breached=late)
            for r in rows
        ]

    def open_geojson(self, *, agency_code: str | None = None, now: datetime | None = None) -> dict[str, Any]:
        """Every open report as a GeoJSON point: what the wall's map layer draws (no reporter data).

        Kept small for thousands of points: the categories' names once in `categories`, each
        feature only their code; coordinates to 6 decimals (10 cm).
        """
        now = now or utcnow()
        late_c, late_r = _late_coordinate(now), _late_resolve(now)
        with self.db.session() as s:
            agency_id = self._agency_id(s, agency_code)
            rows = s.execute(
                _scoped(
                    select(Report.ticket, Report.status, Report.lat, Report.lon, ServiceCategory.code, Agency.code,
                           Report.kecamatan_code, Report.coordinated_at.is_(None), _pending_due(), late_c, late_r,
                           Report.duplicate_of.is_not(None))
                    .join(ServiceCategory, ServiceCategory.id == Report.category_id)
                    .join(Agency, Agency.id == Report.agency_id)
                    .where(_open())
                    .order_by(Report.id),
                    agency_id,
                )
            ).all()
            categories = {
                code: {"name": name, "name_en": name_en, "emergency": bool(emergency)}
                for code, name, name_en, emergency in s.execute(
                    select(ServiceCategory.code, ServiceCategory.name, ServiceCategory.name_en, ServiceCategory.emergency)
                )
            }
        features = [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
                "properties": {
                    "ticket": ticket, "status": status, "service_code": code, "agency_code": agency,
                    "kecamatan": kec, "deadline": "coordinate" if uncoordinated else "resolve",
                    "due": _as_utc(due).isoformat(timespec="seconds"), "late": bool(lc or lr), "duplicate": bool(duplicate),
                },
            }
            for ticket, status, lat, lon, code, agency, kec, uncoordinated, due, lc, lr, duplicate in rows
        ]
        return {"type": "FeatureCollection", "now": now.isoformat(), "categories": categories, "features": features}


def _as_utc(value: Any) -> datetime:
    """A `case(...)` over UTC columns may come back naive (or as text on SQLite): make it aware."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
