"""What staff do to a report after it is filed, and the deadlines that watch them.

Rules (see docs/reports.md, "Lifecycle"):
- A status change must follow `schemas.TRANSITIONS`; every change, even a note alone, becomes one
  `report_updates` row (who, when, from → to, the agency, the note and whether it is public).
- "Coordinated" is the first move out of received/verified (to dispatched, in progress or any
  closed status): `coordinated_at` is set then and never again; closing sets `closed_at`,
  reopening clears it.
- Agency officers act only on their own agency's reports and cannot hand one to another agency
  (they add a note; an operator reassigns), so no agency can push work away unchecked.
- A merged report is rejected as a duplicate with `merged_into`; it is then read through its
  master (status and public notes) and changed only through it.
- Each deadline is marked breached once, by whichever sweep first sees it missed, and announced
  once on the bus (`ReportSlaBreached`).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Literal

from sqlalchemy import select, update

from warroom.auth.principal import Principal
from warroom.db import utcnow
from warroom.errors import Conflict, Forbidden, InvalidInput
from warroom.reports.models import Report, ReportUpdate
from warroom.reports.schemas import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    TRANSITIONS,
    ReportChange,
    ReportEventPayload,
    ReportMerged,
    ReportNoteAdded,
    ReportOut,
    ReportReassigned,
    ReportSlaBreached,
    ReportStatusChanged,
)

if TYPE_CHECKING:
    from warroom.reports.service import ReportService

UNCOORDINATED = frozenset({"received", "verified"})
SLA_BATCH = 500


class Lifecycle:
    def __init__(self, reports: ReportService) -> None:
        self._r = reports

    def change(self, ticket: str, change: ReportChange, *, actor: Principal, now: datetime | None = None) -> ReportOut:
        now = now or utcnow()
        r = self._r
        with r.db.session() as s:
            row = r.row(s, ticket)
            r.check_scope(s, row, actor)
            if row.merged_into is not None:
                master = s.scalar(select(Report.ticket).where(Report.id == row.merged_into))
                raise Conflict(f"{ticket} was merged into {master}; change that report instead", code="merged")
            before_status, before_agency = row.status, row.agency_id
            new_status = change.status if change.status and change.status != row.status else None
            new_agency = None
            if change.agency_code is not None:
                agency_id = r.city.agency_id(s, change.agency_code)
                if agency_id != row.agency_id:
                    if actor.role == "agency_officer":
                        raise Forbidden("agency officers cannot hand a report to another agency; add a note "
                                        "saying why it is not yours and an operator will reassign it")
                    new_agency = agency_id
            if change.reject_reason is not None and (new_status or row.status) != "rejected":
                raise InvalidInput("reject_reason goes with status 'rejected'")
            if new_status is None and new_agency is None and not change.note:
                raise InvalidInput(f"nothing changes: {ticket} is already {row.status} at this agency; add a note")
            if new_status is not None:
                if new_status not in TRANSITIONS[before_status]:
                    allowed = ", ".join(sorted(TRANSITIONS[before_status]))
                    raise Conflict(f"{ticket} is {before_status}; it can go to: {allowed}", code="invalid_transition")
                apply_status(row, new_status, change.reject_reason, now)
            elif change.reject_reason is not None:
                row.reject_reason = change.reject_reason
            if new_agency is not None:
                row.agency_id = new_agency
            row.updated_at = now
            s.add(ReportUpdate(report_id=row.id, at=now, actor=actor.name, from_status=before_status,
                               to_status=row.status, agency_id=row.agency_id, note=change.note or None,
                               public=change.public))
            r.audit.record(s, actor, "report.change", target=ticket, details={
                "status": [before_status, row.status] if new_status else None,
                "agency": [r.catalog.agency(before_agency)[0], r.catalog.agency(row.agency_id)[0]] if new_agency else None,
                "note": "public" if change.note and change.public else "staff" if change.note else None,
            })
            s.flush()
            out = r.reader(s).staff([row])[0]
        entry = r.catalog.by_id(row.category_id)
        payload = _payload(row, out.service_code, out.service_name, out.agency_code, entry.out.emergency if entry else False,
                           from_status=before_status, note=change.note if change.public else None)
        if new_status is not None:
            r.publish(ReportStatusChanged(source="reports", agency_code=out.agency_code, payload=payload))
        if new_agency is not None:
            r.publish(ReportReassigned(source="reports", agency_code=out.agency_code, payload=payload))
        if new_status is None and new_agency is None:
            r.publish(ReportNoteAdded(source="reports", agency_code=out.agency_code, payload=payload))
        return out

    def merge(self, ticket: str, into_ticket: str, *, actor: Principal, now: datetime | None = None) -> ReportOut:
        """Fold `ticket` into `into_ticket`: it becomes rejected (duplicate) and follows the master.

        Reports merged earlier into `ticket` follow the new master too, so no chain forms.
        """
        now = now or utcnow()
        r = self._r
        if ticket == into_ticket:
            raise InvalidInput("a report cannot be merged into itself")
        with r.db.session() as s:
            row = r.row(s, ticket)
            master = r.row(s, into_ticket)
            r.check_scope(s, row, actor)
            if row.merged_into is not None:
                raise Conflict(f"{ticket} is already merged", code="merged")
            if master.merged_into is not None:
                root = s.scalar(select(Report.ticket).where(Report.id == master.merged_into))
                raise Conflict(f"{into_ticket} was itself merged into {root}; merge into {root}", code="merged")
            if row.category_id != master.category_id:
                raise InvalidInput(f"{ticket} and {into_ticket} are of different categories; only twins merge")
            before = row.status
            apply_status(row, "rejected", "duplicate", now)
            row.merged_into = master.id
            row.duplicate_of = row.duplicate_of or master.id
            row.updated_at = now
            s.execute(update(Report).where(Report.merged_into == row.id).values(merged_into=master.id, updated_at=now))
            s.add(ReportUpdate(report_id=row.id, at=now, actor=actor.name, from_status=before, to_status="rejected",
                               agency_id=row.agency_id, public=True,
                               note=f"Laporan ini digabung dengan {into_ticket}; ikuti perkembangannya di sana."))
            r.audit.record(s, actor, "report.merge", target=ticket, details={"into": into_ticket})
            s.flush()
            out = r.reader(s).staff([row])[0]
            master_agency = r.catalog.agency(master.agency_id)[0]
        payload = _payload(row, out.service_code, out.service_name, out.agency_code, False, from_status=before)
        r.publish(ReportMerged(source="reports", agency_code=master_agency,
                               payload=payload.model_copy(update={"duplicate_of": into_ticket})))
        return out

    def check_sla(self, now: datetime | None = None) -> int:
        """Mark deadlines missed by `now`; each is marked and announced once. Returns how many."""
        now = now or utcnow()
        marked = 0
        for deadline in ("coordinate", "resolve"):
            while True:
                batch = self._breach_batch(deadline, now)
                marked += len(batch)
                if len(batch) < SLA_BATCH:
                    break
        return marked

    def _breach_batch(self, deadline: Literal["coordinate", "resolve"], now: datetime) -> list[Report]:
        r = self._r
        if deadline == "coordinate":
            due, mark, statuses = Report.coordinate_due, Report.coordinate_breached_at, UNCOORDINATED
        else:
            due, mark, statuses = Report.resolve_due, Report.resolve_breached_at, OPEN_STATUSES
        with r.db.session() as s:
            rows = list(s.scalars(
                select(Report).where(Report.status.in_(statuses), due < now, mark.is_(None))
                .order_by(Report.id).limit(SLA_BATCH)
            ))
            if not rows:
                return []
            # The guard in WHERE makes a second sweep running at the same time mark none twice.
            done = {row.id for row in rows
                    if s.execute(update(Report).where(Report.id == row.id, mark.is_(None)).values({mark.key: now}))
                    .rowcount}
            rows = [row for row in rows if row.id in done]
        for row in rows:
            entry = r.catalog.by_id(row.category_id)
            agency = r.catalog.agency(row.agency_id)[0]
            r.publish(ReportSlaBreached(source="reports", agency_code=agency, payload=_payload(
                row, entry.out.code if entry else "?", entry.out.name if entry else "?", agency,
                entry.out.emergency if entry else False, deadline=deadline,
            )))
        return rows


def apply_status(row: Report, status: str, reject_reason: str | None, now: datetime) -> None:
    row.status = status
    row.reject_reason = reject_reason if status == "rejected" else None
    if row.coordinated_at is None and status not in UNCOORDINATED:
        row.coordinated_at = now
    if status in CLOSED_STATUSES:
        row.closed_at = now
    else:
        row.closed_at = None


def _payload(
    row: Report, service_code: str, service_name: str, agency_code: str, emergency: bool, *,
    from_status: str | None = None, note: str | None = None, deadline: Literal["coordinate", "resolve"] | None = None,
) -> ReportEventPayload:
    return ReportEventPayload(
        ticket=row.ticket, service_code=service_code, service_name=service_name, status=row.status,  # type: ignore[arg-type]
        from_status=from_status, agency_code=agency_code, kecamatan_code=row.kecamatan_code,  # type: ignore[arg-type]
        lat=row.lat, lon=row.lon, emergency=emergency, deadline=deadline, note=note,
    )
