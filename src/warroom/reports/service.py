"""Citizen reports: filing, reading, the lifecycle, merging and SLA deadlines.

The only writer of `reports` and `report_updates`. Filing is the hot path (every Open311 post
and web form): the catalog comes from memory, the place from the in-memory area index, the
duplicate search is one indexed bounding-box read, and the report, its first update and its audit
entry are written in one short transaction that reads nothing back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, bindparam, func, insert, select, update
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from warroom.auth.audit import AuditLog
from warroom.auth.principal import Principal
from warroom.bus import Event, EventBus
from warroom.city.service import CityService
from warroom.config import ReportSettings
from warroom.db import Database, utcnow
from warroom.errors import Forbidden, NotFound
from warroom.reports.attributes import check_attributes
from warroom.reports.catalog import CatalogEntry, CatalogService, CatalogSnapshot
from warroom.reports.lifecycle import Lifecycle
from warroom.reports.models import Report, ReportUpdate
from warroom.reports.reading import Reader, ReportFilter, filtered, public_query
from warroom.reports.schemas import (
    OPEN_STATUSES,
    AreaName,
    PublicReport,
    ReportChange,
    ReportCreated,
    ReportEventPayload,
    ReportFiled,
    ReportIn,
    ReportOut,
    ReportPage,
    Source,
)

__all__ = ["ReportFilter", "ReportService"]

_LOG = logging.getLogger(__name__)
EARTH_M_PER_DEG = 111_320.0
SCOPED_ROLES = frozenset({"agency_officer"})


# Filing runs these for every report: built once, so SQLAlchemy neither rebuilds nor re-keys them.
_R = Report.__table__.c
_INSERT_REPORT = insert(Report.__table__).returning(_R.id)
_SET_TICKET = update(Report.__table__).where(_R.id == bindparam("report_id")).values(ticket=bindparam("new_ticket"))
_INSERT_UPDATE = insert(ReportUpdate.__table__)
_NEARBY = select(_R.id, _R.ticket, _R.lat, _R.lon, _R.duplicate_of).where(
    _R.lat.between(bindparam("lat_min"), bindparam("lat_max")),
    _R.lon.between(bindparam("lon_min"), bindparam("lon_max")),
    _R.category_id == bindparam("category"), _R.status.in_(sorted(OPEN_STATUSES)), _R.merged_into.is_(None),
)
_TICKET_OF = select(_R.id, _R.ticket).where(_R.id == bindparam("report_id"))


@dataclass(frozen=True)
class Nearby:
    id: int
    ticket: str


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine); exact enough for tens of metres anywhere."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(a)))


class ReportService:
    def __init__(
        self, db: Database, bus: EventBus, audit: AuditLog, city: CityService, catalog: CatalogService,
        settings: ReportSettings,
    ) -> None:
        self._db = db
        self._bus = bus
        self._audit = audit
        self._city = city
        self._catalog = catalog
        self._settings = settings
        self._lifecycle = Lifecycle(self)
        # SQLite has one writer at a time; threads that collide sleep in its busy handler (1, 2, 5
        # ... 100 ms), so under 32 concurrent posts the tail grew to a second. Queuing the filing
        # transactions of this process on a lock instead: p99 ~1 s -> ~0.2 s and 10-30% more posts
        # per second (`warroom bench open311`); the twin search and the insert also become one step,
        # so two twins posted at the same moment link. PostgreSQL needs no such lock.
        self._filing: contextlib.AbstractContextManager[object] = (
            threading.Lock() if db.is_sqlite else contextlib.nullcontext()
        )

    # ---- filing -----------------------------------------------------------------------------

    def create(
        self, data: ReportIn, *, source: Source, client: str | None = None, actor: Principal,
        now: datetime | None = None, on_store: Callable[[Session, int], None] | None = None,
    ) -> ReportCreated:
        """File a report: checked, placed, routed, linked to a nearby open twin, stored once.

        Every check runs before the transaction, so a refused report leaves nothing behind.
        `on_store(session, report_id)` adds rows that belong to the new report (its photos, from
        `reports.public`) inside the same transaction: they are stored with it or not at all.
        """
        snap = self._catalog.snapshot()
        entry = self._entry(snap, data.service_code)
        answers = check_attributes(entry.out.attributes, data.attributes)
        location = self._city.locate(data.lat, data.lon)  # OutsideCity when not in the city
        kecamatan = location.kecamatan
        kelurahan = location.kelurahan
        agency_id = snap.route(entry, kecamatan.code)
        agency_code, agency_name = snap.agencies[agency_id]
        now = now or utcnow()
        coordinate_due = now + timedelta(hours=entry.out.coordinate_hours)
        resolve_due = now + timedelta(hours=entry.out.resolve_hours)
        token = secrets.token_urlsafe(16)
        rep = data.reporter
        with self._filing, self._db.session() as s:
            conn = s.connection()
            # The twin search reads before the first write: SQLite takes no lock for it (its
            # transaction begins at the insert), PostgreSQL reads a snapshot.
            twin = self._nearby_open(conn, entry, data.lat, data.lon)
            report_id = conn.execute(_INSERT_REPORT, {
                "ticket": f"~{token}", "token": token, "category_id": entry.id, "status": "received",
                "description": data.description or None, "lat": data.lat, "lon": data.lon,
                "address_string": data.address_string, "address_id": data.address_id,
                "kecamatan_code": kecamatan.code, "kelurahan_code": kelurahan.code if kelurahan else None,
                "agency_id": agency_id, "attributes": answers, "media_url": data.media_url,
                "first_name": rep.first_name, "last_name": rep.last_name, "email": rep.email, "phone": rep.phone,
                "device_id": rep.device_id, "account_id": rep.account_id, "source": source, "client": client,
                "requested_at": now, "updated_at": now, "coordinate_due": coordinate_due, "resolve_due": resolve_due,
                "duplicate_of": twin.id if twin else None,
            }).scalar_one()
            ticket = f"{self._settings.ticket_prefix}-{report_id:06d}"
            conn.execute(_SET_TICKET, {"report_id": report_id, "new_ticket": ticket})
            conn.execute(_INSERT_UPDATE, {
                "report_id": report_id, "at": now, "actor": actor.name, "from_status": None,
                "to_status": "received", "agency_id": agency_id, "note": None, "public": True,
            })
            if on_store is not None:
                on_store(s, report_id)
            self._audit.record(s, actor, "report.create", target=ticket,
                               details={"service_code": entry.out.code, "source": source, "client": client})
        self.publish(ReportFiled(source="reports", agency_code=agency_code, payload=ReportEventPayload(
            ticket=ticket, service_code=entry.out.code, service_name=entry.out.name, status="received",
            agency_code=agency_code, kecamatan_code=kecamatan.code, lat=data.lat, lon=data.lon,
            emergency=entry.out.emergency, duplicate_of=twin.ticket if twin else None,
        )))
        return ReportCreated(
            ticket=ticket, token=token, status="received", agency_code=agency_code, agency_name=agency_name,
            kecamatan=AreaName(code=kecamatan.code, name=kecamatan.name),
            kelurahan=AreaName(code=kelurahan.code, name=kelurahan.name) if kelurahan else None,
            notice=entry.out.notice, duplicate_of=twin.ticket if twin else None,
            coordinate_due=coordinate_due, resolve_due=resolve_due,
        )

    @staticmethod
    def _entry(snap: CatalogSnapshot, code: str) -> CatalogEntry:
        entry = snap.categories.get(code)
        if entry is None or not entry.out.active:
            raise NotFound(
                f"no active report category {code!r}; list them with GET /open311/v2/services.json",
                code="unknown_service",
            )
        return entry

    @staticmethod
    def _nearby_open(conn: Connection, entry: CatalogEntry, lat: float, lon: float) -> Nearby | None:
        """The nearest open, unmerged report of the same category within its duplicate radius.

        A bounding box on the (lat, lon) index first, the exact distance in Python after; the
        link goes to the first report of a cluster, not to another probable duplicate.
        """
        radius = entry.out.duplicate_radius_m
        if radius <= 0:
            return None
        dlat = radius / EARTH_M_PER_DEG
        dlon = radius / (EARTH_M_PER_DEG * max(math.cos(math.radians(lat)), 0.01))
        rows = conn.execute(_NEARBY, {
            "lat_min": lat - dlat, "lat_max": lat + dlat, "lon_min": lon - dlon, "lon_max": lon + dlon,
            "category": entry.id,
        }).all()
        near = [(distance_m(lat, lon, r.lat, r.lon), r.id, r) for r in rows]
        near = [n for n in near if n[0] <= radius]
        if not near:
            return None
        _, _, best = min(near, key=lambda n: (n[0], n[1]))
        if best.duplicate_of is not None:
            root = conn.execute(_TICKET_OF, {"report_id": best.duplicate_of}).first()
            if root is not None:
                return Nearby(id=root.id, ticket=root.ticket)
        return Nearby(id=best.id, ticket=best.ticket)

    # ---- reading ----------------------------------------------------------------------------

    def _reader(self, s: Session) -> Reader:
        return Reader(s, self._catalog, self._city.index().area_refs())

    def _row(self, s: Session, ticket: str) -> Report:
        row = s.scalar(select(Report).where(Report.ticket == ticket))
        if row is None:
            raise NotFound(f"no report {ticket!r}; check the ticket number (e.g. {self._settings.ticket_prefix}-000123)")
        return row

    def get(self, ticket: str, *, principal: Principal | None = None) -> ReportOut:
        """A report as staff see it; an agency officer only sees their agency's (else `NotFound`)."""
        with self._db.session() as s:
            row = self._row(s, ticket)
            self.check_scope(s, row, principal)
            return self._reader(s).staff([row])[0]

    def get_public(self, ticket: str) -> PublicReport:
        with self._db.session() as s:
            return self._reader(s).public([self._row(s, ticket)])[0]

    def ticket_for_token(self, token: str) -> str | None:
        """The ticket of a report filed with this Open311 token (tickets are given at once here)."""
        with self._db.session() as s:
            return s.scalar(select(Report.ticket).where(Report.token == token))

    def public_list(
        self,
        *,
        tickets: list[str] | None = None,
        service_code: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        open311_status: str | None = None,
        limit: int = 1000,
    ) -> list[PublicReport]:
        """Public views, newest first (Open311 GET requests, the public map)."""
        snap = self._catalog.snapshot()
        category_id = None
        if service_code is not None:
            entry = snap.categories.get(service_code)
            if entry is None:
                return []
            category_id = entry.id
        query = public_query(tickets=tickets, category_id=category_id, start=start, end=end, status=open311_status)
        with self._db.session() as s:
            rows = list(s.scalars(query.limit(limit)))
            return self._reader(s).public(rows)

    def list(self, flt: ReportFilter, *, principal: Principal, limit: int = 100, offset: int = 0) -> ReportPage:
        """Reports newest first; an agency officer's list holds only their agency's reports."""
        snap = self._catalog.snapshot()
        with self._db.session() as s:
            agency_id = None
            if flt.agency:
                agency_id = self._city.agency_id(s, flt.agency)
            if principal.role in SCOPED_ROLES:
                own = self._officer_agency(s, principal)
                if agency_id is not None and agency_id != own:
                    return ReportPage(items=[], total=0, limit=limit, offset=offset)
                agency_id = own
            query = filtered(select(Report), flt, snap, agency_id)
            total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = list(s.scalars(query.order_by(Report.requested_at.desc(), Report.id.desc()).limit(limit).offset(offset)))
            return ReportPage(items=self._reader(s).staff(rows), total=total, limit=limit, offset=offset)

    # ---- scope ------------------------------------------------------------------------------

    def _officer_agency(self, s: Session, principal: Principal) -> int:
        if not principal.agency_code:
            raise Forbidden("your agency-officer account has no agency; ask an admin to set one")
        return self._city.agency_id(s, principal.agency_code)

    def check_scope(self, s: Session, row: Report, principal: Principal | None) -> None:
        """Agency officers see and act only on their agency's reports; others are told it does
        not exist (`NotFound`), not that it is someone else's."""
        if principal is not None and principal.role in SCOPED_ROLES and row.agency_id != self._officer_agency(s, principal):
            raise NotFound(f"no report {row.ticket!r} for your agency")

    # ---- the lifecycle (reports.lifecycle) --------------------------------------------------

    def change(self, ticket: str, change: ReportChange, *, actor: Principal, now: datetime | None = None) -> ReportOut:
        return self._lifecycle.change(ticket, change, actor=actor, now=now)

    def merge(self, ticket: str, into_ticket: str, *, actor: Principal, now: datetime | None = None) -> ReportOut:
        return self._lifecycle.merge(ticket, into_ticket, actor=actor, now=now)

    def check_sla(self, now: datetime | None = None) -> int:
        return self._lifecycle.check_sla(now)

    async def run_forever(self) -> None:
        """Mark missed deadlines every `sla_check_interval_s` (one server; a fleet takes a lease)."""
        while True:
            try:
                marked = await run_in_threadpool(self.check_sla)
                if marked:
                    _LOG.info("reports: %d SLA deadlines newly missed", marked)
            except Exception:  # noqa: BLE001 - a database hiccup must not end the job
                _LOG.warning("could not check report deadlines", exc_info=True)
            await asyncio.sleep(self._settings.sla_check_interval_s)

    # ---- shared with reports.lifecycle ------------------------------------------------------

    @property
    def db(self) -> Database:
        return self._db

    @property
    def audit(self) -> AuditLog:
        return self._audit

    @property
    def city(self) -> CityService:
        return self._city

    @property
    def catalog(self) -> CatalogService:
        return self._catalog

    def reader(self, s: Session) -> Reader:
        return self._reader(s)

    def row(self, s: Session, ticket: str) -> Report:
        return self._row(s, ticket)

    def publish(self, event: Event) -> None:
        # The CLI and tests without a running bus still file reports; the server's bus runs.
        if self._bus.running:
            self._bus.publish(event)
