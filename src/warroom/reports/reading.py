"""Reading reports: what staff see (`ReportOut`), what the public sees (`PublicReport`), lists.

Pages of reports are built with a fixed number of queries whatever their length (updates,
photos and linked tickets are loaded for all rows at once), because the Open311 list and the
dashboard ask for up to 1,000 at a time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, false, func, or_, select
from sqlalchemy.orm import Session, aliased

from warroom.city.schemas import AreaRef
from warroom.reports.catalog import CatalogService, CatalogSnapshot
from warroom.reports.models import Report, ReportPhoto, ReportUpdate
from warroom.reports.schemas import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    AreaName,
    PhotoOut,
    PublicReport,
    ReporterIn,
    ReportOut,
    UpdateOut,
    open311_status,
)


@dataclass(frozen=True)
class ReportFilter:
    """What the staff list and the dashboard narrow reports by; None means any.

    `status` is one status or `open` / `closed` (Open311's two); `breached` True keeps reports
    that missed a deadline (coordinate or resolve), False those that missed none; `bbox` is
    (min_lon, min_lat, max_lon, max_lat); `q` matches the ticket, description or address.
    """

    status: str | None = None
    agency: str | None = None
    kecamatan: str | None = None
    category: str | None = None
    breached: bool | None = None
    q: str | None = None
    bbox: tuple[float, float, float, float] | None = None


def photo_url(ticket: str, photo_id: int) -> str:
    """Where the public photo route serves a stored photo (the public pages own that route)."""
    return f"/lapor/{ticket}/foto/{photo_id}"


def status_condition(status: str, master: Any = None) -> Any:
    """SQL for `status` (one status, or `open` / `closed`). With `master` (an alias of the
    report a merged report went into), merged reports count with their master's status."""
    if status in ("open", "closed"):
        wanted = OPEN_STATUSES if status == "open" else CLOSED_STATUSES
        if master is None:
            return Report.status.in_(wanted)
        return or_(and_(Report.merged_into.is_(None), Report.status.in_(wanted)),
                   and_(Report.merged_into.is_not(None), master.status.in_(wanted)))
    return Report.status == status


def filtered(query: Select[Any], flt: ReportFilter, snap: CatalogSnapshot, agency_id: int | None) -> Select[Any]:
    if flt.status:
        query = query.where(status_condition(flt.status))
    if agency_id is not None:
        query = query.where(Report.agency_id == agency_id)
    if flt.kecamatan:
        query = query.where(Report.kecamatan_code == flt.kecamatan)
    if flt.category:
        entry = snap.categories.get(flt.category)
        query = query.where(Report.category_id == entry.id if entry else false())
    if flt.breached is True:
        query = query.where(or_(Report.coordinate_breached_at.is_not(None), Report.resolve_breached_at.is_not(None)))
    elif flt.breached is False:
        query = query.where(Report.coordinate_breached_at.is_(None), Report.resolve_breached_at.is_(None))
    if flt.q:
        like = f"%{flt.q.lower()}%"
        query = query.where(or_(func.lower(Report.ticket).like(like), func.lower(Report.description).like(like),
                                func.lower(Report.address_string).like(like)))
    if flt.bbox:
        min_lon, min_lat, max_lon, max_lat = flt.bbox
        query = query.where(Report.lat.between(min_lat, max_lat), Report.lon.between(min_lon, max_lon))
    return query


class Reader:
    """Turns report rows into boundary types, loading what they refer to in bulk."""

    def __init__(self, s: Session, catalog: CatalogService, areas: dict[str, AreaRef]) -> None:
        self._s = s
        self._catalog = catalog
        self._areas = areas

    def staff(self, rows: Sequence[Report]) -> list[ReportOut]:
        ids = [r.id for r in rows]
        updates = self._updates(ids)
        photos = self._photos(ids)
        linked = [r.duplicate_of for r in rows if r.duplicate_of] + [r.merged_into for r in rows if r.merged_into]
        tickets = self._tickets(linked)
        duplicates: dict[int, list[str]] = defaultdict(list)
        if ids:
            for master, ticket in self._s.execute(
                select(Report.duplicate_of, Report.ticket).where(Report.duplicate_of.in_(ids)).order_by(Report.id)
            ):
                duplicates[master].append(ticket)
        out = []
        for r in rows:
            ups = updates.get(r.id, [])
            base = self._public_fields(r, ups, photos.get(r.id, []), tickets)
            out.append(ReportOut(
                **base, id=r.id, source=r.source, client=r.client,  # type: ignore[arg-type]
                reporter=ReporterIn(first_name=r.first_name, last_name=r.last_name, email=r.email, phone=r.phone,
                                    device_id=r.device_id, account_id=r.account_id),
                attributes=r.attributes or {}, reject_reason=r.reject_reason,  # type: ignore[arg-type]
                coordinate_due=r.coordinate_due, coordinated_at=r.coordinated_at, closed_at=r.closed_at,
                coordinate_breached_at=r.coordinate_breached_at, resolve_breached_at=r.resolve_breached_at,
                duplicate_of=tickets.get(r.duplicate_of) if r.duplicate_of else None,
                duplicates=duplicates.get(r.id, []), updates=[self._update(u, staff=True) for u in ups],
            ))
        return out

    def public(self, rows: Sequence[Report]) -> list[PublicReport]:
        """Public views; a merged report shows its master's status and timeline with its own."""
        master_ids = {r.merged_into for r in rows if r.merged_into}
        masters = {m.id: m for m in self._s.scalars(select(Report).where(Report.id.in_(master_ids)))} if master_ids else {}
        ids = [r.id for r in rows] + list(masters)
        updates = self._updates(ids, public_only=True)
        photos = self._photos([r.id for r in rows])
        tickets = {m.id: m.ticket for m in masters.values()}
        out = []
        for r in rows:
            master = masters.get(r.merged_into) if r.merged_into else None
            ups = updates.get(r.id, [])
            if master is not None:
                ups = sorted(ups + updates.get(master.id, []), key=lambda u: (u.at, u.id))
            fields = self._public_fields(r, ups, photos.get(r.id, []), tickets)
            if master is not None:
                fields.update(status=master.status, open311_status=open311_status(master.status),
                              updated_at=max(r.updated_at, master.updated_at), resolve_due=master.resolve_due)
            out.append(PublicReport(**fields))
        return out

    def _public_fields(
        self, r: Report, ups: list[ReportUpdate], photos: list[ReportPhoto], tickets: dict[int, str]
    ) -> dict[str, Any]:
        entry = self._catalog.by_id(r.category_id)
        agency_code, agency_name = self._catalog.agency(r.agency_id)
        return dict(
            ticket=r.ticket, service_code=entry.out.code if entry else "?",
            service_name=entry.out.name if entry else "?", status=r.status, open311_status=open311_status(r.status),
            description=r.description, lat=r.lat, lon=r.lon, address_string=r.address_string,
            address_id=r.address_id,
            kecamatan=self._area(r.kecamatan_code), kelurahan=self._area(r.kelurahan_code),
            agency_code=agency_code, agency_name=agency_name, requested_at=r.requested_at, updated_at=r.updated_at,
            resolve_due=r.resolve_due, merged_into=tickets.get(r.merged_into) if r.merged_into else None,
            public_notes=[self._update(u, staff=False) for u in ups if u.public or u.from_status != u.to_status],
            photos=[PhotoOut(id=p.id, url=photo_url(r.ticket, p.id), width=p.width, height=p.height) for p in photos],
            media_url=r.media_url,
        )

    def _update(self, u: ReportUpdate, *, staff: bool) -> UpdateOut:
        return UpdateOut(
            at=u.at, actor=u.actor if staff else None, from_status=u.from_status,  # type: ignore[arg-type]
            to_status=u.to_status,  # type: ignore[arg-type]
            agency_code=self._catalog.agency(u.agency_id)[0] if u.agency_id else None,
            note=u.note if staff or u.public else None, public=u.public,
        )

    def _area(self, code: str | None) -> AreaName | None:
        if code is None:
            return None
        ref = self._areas.get(code)
        return AreaName(code=code, name=ref.name if ref else code)

    def _updates(self, ids: Iterable[int], *, public_only: bool = False) -> dict[int, list[ReportUpdate]]:
        ids = list(ids)
        found: dict[int, list[ReportUpdate]] = defaultdict(list)
        if not ids:
            return found
        query = select(ReportUpdate).where(ReportUpdate.report_id.in_(ids))
        if public_only:
            query = query.where(or_(ReportUpdate.public.is_(True), ReportUpdate.from_status.is_(None),
                                    ReportUpdate.from_status != ReportUpdate.to_status))
        for u in self._s.scalars(query.order_by(ReportUpdate.at, ReportUpdate.id)):
            found[u.report_id].append(u)
        return found

    def _photos(self, ids: list[int]) -> dict[int, list[ReportPhoto]]:
        found: dict[int, list[ReportPhoto]] = defaultdict(list)
        if ids:
            for p in self._s.scalars(select(ReportPhoto).where(ReportPhoto.report_id.in_(ids)).order_by(ReportPhoto.id)):
                found[p.report_id].append(p)
        return found

    def _tickets(self, ids: list[int]) -> dict[int, str]:
        if not ids:
            return {}
        return dict(self._s.execute(select(Report.id, Report.ticket).where(Report.id.in_(set(ids)))).all())


def public_query(
    *,
    tickets: list[str] | None,
    category_id: int | None,
    start: datetime | None,
    end: datetime | None,
    status: str | None,
) -> Select[Any]:
    """The Open311 list's query, newest first; merged reports are filtered by their master's status."""
    query = select(Report)
    if tickets is not None:
        query = query.where(Report.ticket.in_(tickets))
    if category_id is not None:
        query = query.where(Report.category_id == category_id)
    if start is not None:
        query = query.where(Report.requested_at >= start)
    if end is not None:
        query = query.where(Report.requested_at <= end)
    if status is not None:
        master = aliased(Report)
        query = query.outerjoin(master, master.id == Report.merged_into).where(status_condition(status, master))
    return query.order_by(Report.requested_at.desc(), Report.id.desc())
