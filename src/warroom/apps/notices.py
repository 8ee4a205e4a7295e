"""Operator notices for the public status page ("SIMPEG sedang diperbaiki"): the only writer of them.

A notice is public text written on purpose by an operator, about one app, one agency or the whole
city. Every write is audited and tells the status page to drop its cached copy, so the operator
sees the notice at once instead of after the cache's 15 seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from warroom.apps.models import App, StatusNotice
from warroom.apps.status_schemas import NoticeIn, NoticeOut, NoticePatch
from warroom.auth.audit import AuditLog
from warroom.auth.principal import Principal
from warroom.city.service import CityService
from warroom.db import Database, utcnow
from warroom.errors import InvalidInput, NotFound

RESOLVED = "resolved"


class NoticeService:
    def __init__(
        self, db: Database, audit: AuditLog, city: CityService, changed: Callable[[], None] | None = None
    ) -> None:
        self._db = db
        self._audit = audit
        self._city = city
        self._changed = changed or (lambda: None)

    def create(self, data: NoticeIn, *, actor: Principal) -> NoticeOut:
        with self._db.session() as s:
            agency_id = self._target_agency(s, data.app_id, data.agency_code)
            now = utcnow()
            notice = StatusNotice(
                app_id=data.app_id, agency_id=agency_id, title=data.title, body=data.body, state=data.state,
                author=actor.name[:100], created_at=now, updated_at=now,
                resolved_at=now if data.state == RESOLVED else None,
            )
            s.add(notice)
            s.flush()
            self._audit.record(
                s, actor, "status_notice.create", target=str(notice.id),
                details={"state": data.state, "app_id": data.app_id, "agency_id": agency_id},
            )
            out = self._out(s, notice)
        self._changed()
        return out

    def update(self, notice_id: int, patch: NoticePatch, *, actor: Principal) -> NoticeOut:
        with self._db.session() as s:
            notice = s.get(StatusNotice, notice_id)
            if notice is None:
                raise NotFound(f"no status notice with id {notice_id}")
            changes = patch.model_dump(exclude_unset=True, exclude_none=True)
            was = notice.state
            for key, value in changes.items():
                setattr(notice, key, value)
            if notice.state == RESOLVED and was != RESOLVED:
                notice.resolved_at = utcnow()
            elif notice.state != RESOLVED:
                notice.resolved_at = None  # reopened
            notice.updated_at = utcnow()
            self._audit.record(
                s, actor, "status_notice.update", target=str(notice_id),
                details={"fields": sorted(changes), "from_state": was, "to_state": notice.state},
            )
            out = self._out(s, notice)
        self._changed()
        return out

    def list(self, *, active: bool | None = None, limit: int = 100) -> list[NoticeOut]:
        """Newest first; `active` True: not resolved, False: resolved only."""
        query = select(StatusNotice)
        if active is True:
            query = query.where(StatusNotice.state != RESOLVED)
        elif active is False:
            query = query.where(StatusNotice.state == RESOLVED)
        with self._db.session() as s:
            rows = s.scalars(query.order_by(StatusNotice.created_at.desc(), StatusNotice.id.desc()).limit(limit))
            return [self._out(s, n) for n in rows]

    @staticmethod
    def public_rows(s: Session, resolved_since: datetime) -> list[StatusNotice]:
        """For the status page: every active notice and those resolved since `resolved_since`."""
        return list(s.scalars(
            select(StatusNotice)
            .where(or_(StatusNotice.state != RESOLVED, StatusNotice.resolved_at >= resolved_since))
            .order_by(StatusNotice.created_at.desc(), StatusNotice.id.desc())
        ))

    def _target_agency(self, s: Session, app_id: int | None, agency_code: str | None) -> int | None:
        """The notice's agency: the app's own, the one named, or none (city-wide)."""
        agency_id = self._city.agency_id(s, agency_code) if agency_code else None
        if app_id is None:
            return agency_id
        app = s.get(App, app_id)
        if app is None:
            raise NotFound(f"no app with id {app_id}")
        if agency_id is not None and agency_id != app.agency_id:
            raise InvalidInput(
                f"app {app_id} belongs to agency {self._city.agency_code(s, app.agency_id)}, not {agency_code}; "
                "give only the app_id"
            )
        return app.agency_id

    def _out(self, s: Session, notice: StatusNotice) -> NoticeOut:
        return NoticeOut(
            id=notice.id, title=notice.title, body=notice.body, state=notice.state,  # type: ignore[arg-type]
            app_id=notice.app_id,
            agency_code=self._city.agency_code(s, notice.agency_id) if notice.agency_id is not None else None,
            author=notice.author, created_at=notice.created_at, updated_at=notice.updated_at,
            resolved_at=notice.resolved_at,
        )
