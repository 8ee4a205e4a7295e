"""What apps push about themselves: metric points and events, with their keys and limits.

The only writer of app_metric_points, app_events and app_ingest_receipts. A push is all or
nothing; a push with an id the app used before is answered from its receipt and stores nothing,
even when two copies arrive at once (the receipt's unique constraint decides which one stores).
Pushes are not written to the audit log: at hundreds a minute they would drown it; keys, which
decide who may push, are.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from warroom.apps import metric_queries
from warroom.apps.ingest_schemas import (
    AppEventOut,
    AppEventPayload,
    AppEventPushed,
    AppMetricsPayload,
    AppMetricsPushed,
    EventIn,
    MetricsIn,
    MetricSummary,
    PushOut,
    SeriesOut,
)
from warroom.apps.models import App, AppEvent, AppIngestReceipt, AppMetricPoint
from warroom.auth.appkeys import AppKeys
from warroom.auth.principal import Principal
from warroom.auth.schemas import AppKeyCreated, AppKeyIn, AppKeyOut
from warroom.bus import Event, EventBus
from warroom.city.service import CityService
from warroom.config import AppSettings
from warroom.db import Database, utcnow
from warroom.errors import Conflict, InvalidInput, NotFound
from warroom.ratelimit import RateLimiter

_LOG = logging.getLogger(__name__)
MAX_FUTURE = timedelta(minutes=5)
RECEIPT_DAYS = 7
DEFAULT_SPAN = timedelta(hours=24)
MAX_NAMES_IN_EVENT = 50


@dataclass(frozen=True)
class AppRef:
    id: int
    name: str
    agency_code: str | None


class IngestService:
    def __init__(
        self, db: Database, bus: EventBus, city: CityService, keys: AppKeys, settings: AppSettings
    ) -> None:
        self._db = db
        self._bus = bus
        self._city = city
        self._keys = keys
        self._settings = settings
        self.limiter = RateLimiter(
            settings.ingest_rate_limit, settings.rate_limit_storage, what="pushes", setting="apps.rate_limit_storage"
        )

    # ---- keys -------------------------------------------------------------------------------

    def create_key(self, app_id: int, data: AppKeyIn, *, actor: Principal) -> AppKeyCreated:
        app = self.app(app_id)
        return self._keys.create(app_id, data.name or app.name, data.expires_in_days, actor=actor)

    def keys(self, app_id: int) -> list[AppKeyOut]:
        self.app(app_id)
        return self._keys.list(app_id)

    def revoke_key(self, key_id: int, *, actor: Principal, app_id: int | None = None) -> AppKeyOut:
        return self._keys.revoke(key_id, actor=actor, app_id=app_id)

    def check_rate(self, principal: Principal) -> None:
        """Count one push against the caller's budget: per key, or per person for admins."""
        key = f"key:{principal.credential_id}" if principal.via == "apikey" else f"user:{principal.name}"
        self.limiter.hit(key)

    # ---- pushes -----------------------------------------------------------------------------

    def check_point_count(self, count: int) -> None:
        limit = self._settings.ingest_max_points
        if count > limit:
            raise InvalidInput(
                f"{count} points in one push; at most {limit} are accepted (apps.ingest_max_points): "
                "split it into several pushes, nothing was stored",
                details={"points": count, "limit": limit},
            )

    def push_metrics(self, app_id: int, body: MetricsIn, *, now: datetime | None = None) -> PushOut:
        now = now or utcnow()
        self.check_point_count(len(body.points))
        self._check_times([p.at for p in body.points], now, "points")
        app = self.app(app_id)
        rows = [
            {"app_id": app_id, "name": p.name, "value": p.value, "at": p.at or now, "labels": p.labels or None}
            for p in body.points
        ]
        duplicate = self._stored(
            app_id, body.batch_id, "metrics", len(rows), now, lambda s: s.execute(insert(AppMetricPoint), rows)
        )
        if duplicate is not None:
            return duplicate
        names = sorted({p.name for p in body.points})
        self._publish(AppMetricsPushed(
            source=f"app:{app_id}", agency_code=app.agency_code,
            payload=AppMetricsPayload(
                app_id=app_id, app_name=app.name, names=names[:MAX_NAMES_IN_EVENT], count=len(rows)
            ),
        ))
        return PushOut(accepted=len(rows), duplicate=False)

    def push_event(self, app_id: int, body: EventIn, *, now: datetime | None = None) -> PushOut:
        now = now or utcnow()
        self._check_times([body.at], now, "")
        app = self.app(app_id)
        row = AppEvent(
            app_id=app_id, client_id=body.id, type=body.type, severity=body.severity, message=body.message,
            data=body.data, at=body.at or now, received_at=now,
        )
        duplicate = self._stored(app_id, body.id, "event", 1, now, lambda s: s.add(row))
        if duplicate is not None:
            return duplicate
        self._publish(AppEventPushed(
            source=f"app:{app_id}", agency_code=app.agency_code,
            payload=AppEventPayload(
                app_id=app_id, app_name=app.name, event_id=row.id, client_id=row.client_id, type=row.type,
                severity=body.severity, message=row.message, data=row.data, at=row.at,
            ),
        ))
        return PushOut(accepted=1, duplicate=False)

    def _stored(
        self,
        app_id: int,
        client_id: str | None,
        kind: str,
        count: int,
        now: datetime,
        store: Callable[[Session], object],
    ) -> PushOut | None:
        """Run `store(session)` with the push's receipt in one transaction; or answer a repeat."""
        if client_id is not None and (seen := self._receipt(app_id, client_id, kind)) is not None:
            return seen
        try:
            with self._db.session() as s:
                if client_id is not None:
                    # First, so a concurrent twin waits on (or trips over) the unique key
                    # before either stores anything.
                    s.add(AppIngestReceipt(
                        app_id=app_id, client_id=client_id, kind=kind, accepted=count, received_at=now
                    ))
                    s.flush()
                store(s)
        except IntegrityError:
            if client_id is None or (seen := self._receipt(app_id, client_id, kind)) is None:
                raise NotFound(f"no app with id {app_id}") from None  # deleted while pushing
            return seen
        return None

    def _receipt(self, app_id: int, client_id: str, kind: str) -> PushOut | None:
        with self._db.session() as s:
            receipt = s.scalar(
                select(AppIngestReceipt)
                .where(AppIngestReceipt.app_id == app_id, AppIngestReceipt.client_id == client_id)
            )
        if receipt is None:
            return None
        if receipt.kind != kind:
            raise Conflict(
                f"id {client_id!r} was already used by a {receipt.kind} push of this app; give this push its own id",
                details={"id": client_id, "used_by": receipt.kind},
            )
        return PushOut(accepted=receipt.accepted, duplicate=True)

    def _check_times(self, times: list[datetime | None], now: datetime, where: str) -> None:
        """Refuse times too far ahead (a wrong clock) or older than retention (deleted at once)."""
        oldest = now - timedelta(days=self._settings.metrics_retention_days)
        problems = []
        for index, at in enumerate(times):
            if at is None:
                continue
            place = f"body.{where}.{index}.at" if where else "body.at"
            if at > now + MAX_FUTURE:
                ahead = int((at - now).total_seconds())
                problem = f"{ahead} s in the future; at most 300 s ahead is accepted (check the sender's clock)"
                problems.append({"where": place, "problem": problem})
            elif at < oldest:
                days = self._settings.metrics_retention_days
                problems.append({"where": place, "problem": f"older than apps.metrics_retention_days ({days} days)"})
        if problems:
            summary = "; ".join(f"{p['where']}: {p['problem']}" for p in problems[:3])
            more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
            raise InvalidInput(f"nothing was stored: {summary}{more}", details=problems)

    def _publish(self, event: Event) -> None:
        if self._bus.running:  # a push only comes through a server, whose bus runs
            self._bus.publish(event)

    # ---- reading ----------------------------------------------------------------------------

    def app(self, app_id: int) -> AppRef:
        with self._db.session() as s:
            app = s.get(App, app_id)
            if app is None:
                raise NotFound(f"no app with id {app_id}")
            return AppRef(id=app.id, name=app.name, agency_code=self._city.agency_code(s, app.agency_id))

    def metrics(self, app_id: int) -> list[MetricSummary]:
        self.app(app_id)
        with self._db.session() as s:
            return metric_queries.summaries(s, app_id)

    def series(
        self, app_id: int, name: str, *, since: datetime | None = None, until: datetime | None = None,
        step: int | None = None,
    ) -> SeriesOut:
        """Raw points (newest 2,000) or, with `step`, one average per step-second bucket."""
        self.app(app_id)
        until = until or utcnow()
        since = since or until - DEFAULT_SPAN
        if since >= until:
            raise InvalidInput(f"since ({since.isoformat()}) must be before until ({until.isoformat()})")
        with self._db.session() as s:
            return metric_queries.series(s, app_id, name, since, until, step, sqlite=self._db.is_sqlite)

    def events(self, app_id: int, limit: int = 100) -> list[AppEventOut]:
        """Newest first."""
        self.app(app_id)
        with self._db.session() as s:
            rows = s.scalars(
                select(AppEvent).where(AppEvent.app_id == app_id)
                .order_by(AppEvent.at.desc(), AppEvent.id.desc()).limit(limit)
            )
            return [
                AppEventOut(
                    id=r.id, client_id=r.client_id, type=r.type, severity=r.severity,  # type: ignore[arg-type]
                    message=r.message, data=r.data, at=r.at, received_at=r.received_at,
                )
                for r in rows
            ]

    # ---- retention --------------------------------------------------------------------------

    def prune(self, now: datetime | None = None) -> dict[str, int]:
        """Delete points and events older than apps.metrics_retention_days, receipts after 7 days.

        A repeated id is recognised for those 7 days; later it is a new push.
        """
        now = now or utcnow()
        cutoff = now - timedelta(days=self._settings.metrics_retention_days)
        with self._db.session() as s:
            points = s.execute(delete(AppMetricPoint).where(AppMetricPoint.at < cutoff)).rowcount
            events = s.execute(delete(AppEvent).where(AppEvent.at < cutoff)).rowcount
            receipts = s.execute(
                delete(AppIngestReceipt).where(AppIngestReceipt.received_at < now - timedelta(days=RECEIPT_DAYS))
            ).rowcount
        if points or events or receipts:
            _LOG.info("pruned %d metric points, %d app events and %d push receipts", points, events, receipts)
        return {"metric_points": points, "events": events, "receipts": receipts}
