"""The app portfolio: the only writer of apps, their status, its history and the probe samples."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.orm import Session

from warroom.apps.importing import read_apps
from warroom.apps.models import App, AppStatus, AppStatusChange, ProbeSample
from warroom.apps.probes import ProbeConfig, ProbeResult
from warroom.apps.rollup import RollupService
from warroom.apps.schemas import (
    AppIn,
    AppOut,
    AppPage,
    AppPatch,
    AppStatusChanged,
    AppStatusChangedPayload,
    AppUptime,
    MaintenanceWindow,
    ProbeResultOut,
    StatusChangeOut,
    StatusOut,
)
from warroom.apps.state import HEALTHY, Decision, decide, first_error, observe
from warroom.auth.audit import AuditLog
from warroom.auth.principal import Principal
from warroom.bus import EventBus
from warroom.city.service import CityService
from warroom.db import Database, utcnow
from warroom.errors import NotFound
from warroom.importing import ImportProblem, ImportResult, fail_if_problems

_LOG = logging.getLogger(__name__)
PROBES: TypeAdapter[list[ProbeConfig]] = TypeAdapter(list[ProbeConfig])
WINDOWS: TypeAdapter[list[MaintenanceWindow]] = TypeAdapter(list[MaintenanceWindow])


@dataclass(frozen=True)
class AppFilter:
    agency: str | None = None
    state: str | None = None
    q: str | None = None
    enabled: bool | None = None


@dataclass(frozen=True)
class ProbeJob:
    """What a sweep needs to check one app, loaded once per round."""

    app_id: int
    name: str
    interval_s: int
    probes: list[ProbeConfig]


class AppService:
    def __init__(
        self, db: Database, bus: EventBus, audit: AuditLog, city: CityService, *, rollups: RollupService
    ) -> None:
        self._db = db
        self._rollups = rollups
        self._bus = bus
        self._audit = audit
        self._city = city

    # ---- writing ----------------------------------------------------------------------------

    def create(self, data: AppIn, *, actor: Principal) -> AppOut:
        with self._db.session() as s:
            app = self._new_app(data, self._city.agency_id(s, data.agency_code))
            s.add(app)
            s.flush()
            s.add(AppStatus(app_id=app.id, state="unknown", since=utcnow(), streak=0, results=[]))
            self._audit.record(s, actor, "app.create", target=str(app.id), details={"name": data.name})
            return self._out(s, app, self._status(s, app.id))

    @staticmethod
    def _new_app(data: AppIn, agency_id: int) -> App:
        return App(
            name=data.name, agency_id=agency_id, category=data.category, criticality=data.criticality,
            public_url=data.public_url, contact=data.contact,
            probes=[p.model_dump(mode="json") for p in data.probes], interval_s=data.interval_s,
            retries=data.retries, maintenance=[w.model_dump(mode="json") for w in data.maintenance],
            enabled=data.enabled, status_page=data.status_page,
        )

    def import_file(self, path: Path, *, actor: Principal) -> ImportResult:
        """A CSV or JSON portfolio, all or nothing (see `apps.importing`)."""
        rows, problems = read_apps(path)
        return self.create_many(rows, actor=actor, source=path, problems=problems)

    def create_many(
        self,
        rows: list[tuple[str, AppIn]],
        *,
        actor: Principal,
        source: Path | None = None,
        problems: list[ImportProblem] | None = None,
    ) -> ImportResult:
        """Many apps in one transaction; any bad row (given, or naming an unknown agency) fails it."""
        problems = list(problems or [])
        with self._db.session() as s:
            agencies = {code: id_ for id_, code in self._city.agency_codes(s).items()}
            problems += [
                ImportProblem(where=where, reason=f"unknown agency {app.agency_code!r}")
                for where, app in rows if app.agency_code.upper() not in agencies
            ]
            fail_if_problems(source or Path("apps"), problems)
            apps = [self._new_app(data, agencies[data.agency_code.upper()]) for _, data in rows]
            s.add_all(apps)
            s.flush()
            now = utcnow()
            if apps:
                s.execute(insert(AppStatus), [
                    {"app_id": a.id, "state": "unknown", "since": now, "streak": 0, "results": []} for a in apps
                ])
            self._audit.record(s, actor, "app.import", target=source.name if source else None, details={"apps": len(apps)})
        return ImportResult(imported=len(apps))

    def update(self, app_id: int, patch: AppPatch, *, actor: Principal) -> AppOut:
        with self._db.session() as s:
            app = self._app(s, app_id)
            changes = patch.model_dump(exclude_unset=True)
            for key, value in changes.items():
                if value is None and key not in ("public_url", "contact"):
                    continue
                if key == "agency_code":
                    app.agency_id = self._city.agency_id(s, value)
                elif key == "probes":
                    app.probes = [p.model_dump(mode="json") for p in patch.probes or []]
                elif key == "maintenance":
                    app.maintenance = [w.model_dump(mode="json") for w in patch.maintenance or []]
                else:
                    setattr(app, key, value)
            self._audit.record(s, actor, "app.update", target=str(app_id), details=sorted(changes))
            return self._out(s, app, self._status(s, app_id))

    def delete(self, app_id: int, *, actor: Principal) -> None:
        with self._db.session() as s:
            app = self._app(s, app_id)
            s.delete(app)
            self._audit.record(s, actor, "app.delete", target=str(app_id), details={"name": app.name})

    # ---- reading ----------------------------------------------------------------------------

    def count(self) -> int:
        with self._db.session() as s:
            return s.scalar(select(func.count()).select_from(App)) or 0

    def get(self, app_id: int) -> AppOut:
        with self._db.session() as s:
            return self._out(s, self._app(s, app_id), self._status(s, app_id))

    def list(self, flt: AppFilter, *, limit: int = 100, offset: int = 0) -> AppPage:
        with self._db.session() as s:
            query = select(App, AppStatus).join(AppStatus, AppStatus.app_id == App.id)
            if flt.agency:
                query = query.where(App.agency_id == self._city.agency_id(s, flt.agency))
            if flt.state:
                query = query.where(AppStatus.state == flt.state)
            if flt.enabled is not None:
                query = query.where(App.enabled == flt.enabled)
            if flt.q:
                like = f"%{flt.q.lower()}%"
                query = query.where(or_(func.lower(App.name).like(like), func.lower(App.category).like(like)))
            total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = s.execute(query.order_by(App.id).limit(limit).offset(offset)).all()
            agencies = self._city.agency_codes(s)
            items = [self._out_row(app, status, agencies) for app, status in rows]
        return AppPage(items=items, total=total, limit=limit, offset=offset)

    def history(self, app_id: int, limit: int = 100) -> list[StatusChangeOut]:
        with self._db.session() as s:
            self._app(s, app_id)
            rows = s.scalars(
                select(AppStatusChange).where(AppStatusChange.app_id == app_id)
                .order_by(AppStatusChange.at.desc(), AppStatusChange.id.desc()).limit(limit)
            )
            return [StatusChangeOut(at=r.at, from_state=r.from_state, to_state=r.to_state, error=r.error) for r in rows]  # type: ignore[arg-type]

    def uptime(self, app_id: int, now: datetime | None = None) -> AppUptime:
        """Uptime and latency p50/p95 over 24 h / 7 d / 30 d, from rollups and raw samples combined.

        Delegated to `apps.rollup` (the only place that knows the storage tiers).
        """
        return self._rollups.uptime(app_id, now)

    # ---- checks -----------------------------------------------------------------------------

    def jobs(self, app_ids: Iterable[int] | None = None) -> list[ProbeJob]:
        """One job per enabled app (or per given id, enabled or not)."""
        query = select(App.id, App.name, App.interval_s, App.probes)
        if app_ids is None:
            query = query.where(App.enabled.is_(True))
        else:
            query = query.where(App.id.in_(list(app_ids)))
        with self._db.session() as s:
            rows = s.execute(query.order_by(App.id)).all()
        return [ProbeJob(app_id=r.id, name=r.name, interval_s=r.interval_s, probes=PROBES.validate_python(r.probes)) for r in rows]

    def job(self, app_id: int) -> ProbeJob:
        jobs = self.jobs([app_id])
        if not jobs:
            raise NotFound(f"no app with id {app_id}")
        return jobs[0]

    def record(
        self, app_id: int, results: Sequence[tuple[str, ProbeResult]], *, now: datetime | None = None
    ) -> tuple[Decision, AppStatusChanged | None]:
        """Store one check: the new state, a raw sample, and (on a change) the history row.

        Returns the decision and the event to publish when the state changed.
        """
        outcome = self.record_many([(app_id, results)], now=now)[0]
        if outcome is None:
            raise NotFound(f"no app with id {app_id}")
        return outcome

    def record_many(
        self, checks: Sequence[tuple[int, Sequence[tuple[str, ProbeResult]]]], *, now: datetime | None = None
    ) -> list[tuple[Decision, AppStatusChanged | None] | None]:
        """Store many checks in one transaction, each decided exactly as `record` would, in order.

        The sweep writes every check that finished while the previous write was going on
        together (group commit): one read of the apps and their status and one write per table
        instead of a transaction per app, which is what lets one process keep up with thousands
        of apps. Per check: the decision and the event to publish, or None for an app deleted
        since it was loaded (the others are stored all the same).
        """
        now = now or utcnow()
        ids = sorted({app_id for app_id, _ in checks})
        outcomes: list[tuple[Decision, AppStatusChanged | None] | None] = []
        with self._db.session() as s:
            apps = {r.id: r for r in s.execute(
                select(App.id, App.name, App.agency_id, App.retries, App.maintenance).where(App.id.in_(ids)))}
            statuses = {r.app_id: r._asdict() for r in s.execute(
                select(AppStatus.app_id, AppStatus.state, AppStatus.since, AppStatus.streak)
                .where(AppStatus.app_id.in_(ids)))}
            samples: list[dict[str, object]] = []
            changes: list[dict[str, object]] = []
            touched: dict[int, dict[str, Any]] = {}
            agencies: dict[int, str] | None = None
            for app_id, results in checks:
                app, status = apps.get(app_id), statuses.get(app_id)
                if app is None or status is None:
                    outcomes.append(None)
                    continue
                previous = status["state"]
                decision = _apply_check(status, app.retries, app.maintenance, results, now)
                touched[app_id] = status
                if decision.observed != "maintenance":  # planned outages do not count against uptime
                    samples.append({"app_id": app_id, "at": now, "ok": decision.observed in HEALTHY,
                                    "degraded": decision.observed == "degraded", "latency_ms": status["latency_ms"]})
                event = None
                if decision.changed_from(previous):
                    error = first_error([r for _, r in results])
                    changes.append({"app_id": app_id, "at": now, "from_state": previous, "to_state": decision.state,
                                    "error": error})
                    agencies = agencies if agencies is not None else self._city.agency_codes(s)
                    agency = agencies[app.agency_id]
                    event = AppStatusChanged(
                        source=f"app:{app_id}", agency_code=agency,
                        payload=AppStatusChangedPayload(
                            app_id=app_id, name=app.name, agency_code=agency, from_state=previous,  # type: ignore[arg-type]
                            to_state=decision.state, error=error,  # type: ignore[arg-type]
                        ),
                    )
                    _log_change(app_id, app.name, previous, decision.state, error)
                outcomes.append((decision, event))
            if touched:  # bulk UPDATE by primary key: one statement, many rows
                s.execute(update(AppStatus), list(touched.values()))
            if samples:
                s.execute(insert(ProbeSample), samples)
            if changes:
                s.execute(insert(AppStatusChange), changes)
        return outcomes

    # ---- helpers ----------------------------------------------------------------------------

    @staticmethod
    def _app(s: Session, app_id: int) -> App:
        app = s.get(App, app_id)
        if app is None:
            raise NotFound(f"no app with id {app_id}")
        return app

    @staticmethod
    def _status(s: Session, app_id: int) -> AppStatus:
        status = s.get(AppStatus, app_id)
        if status is None:
            raise NotFound(f"app {app_id} has no status record")
        return status

    def _out(self, s: Session, app: App, status: AppStatus) -> AppOut:
        return self._out_row(app, status, self._city.agency_codes(s))

    @staticmethod
    def _out_row(app: App, status: AppStatus, agencies: dict[int, str]) -> AppOut:
        return AppOut(
            id=app.id, name=app.name, agency_code=agencies.get(app.agency_id, ""), category=app.category,
            criticality=app.criticality,  # type: ignore[arg-type]
            public_url=app.public_url, contact=app.contact, probes=list(app.probes or []),
            interval_s=app.interval_s, retries=app.retries,
            maintenance=WINDOWS.validate_python(app.maintenance or []), enabled=app.enabled,
            status_page=app.status_page,
            status=StatusOut(
                state=status.state, since=status.since, last_checked=status.last_checked,  # type: ignore[arg-type]
                observed=status.observed, latency_ms=status.latency_ms,  # type: ignore[arg-type]
            ),
        )


def _apply_check(
    status: dict[str, Any], retries: int, maintenance: list[dict[str, str]] | None,
    results: Sequence[tuple[str, ProbeResult]], now: datetime,
) -> Decision:
    """Decide one check against the app's status row (as a dict) and update the row with it."""
    probe_results = [r for _, r in results]
    windows = WINDOWS.validate_python(maintenance) if maintenance else []
    decision = decide(
        status["state"], status["streak"], observe(probe_results), retries,
        in_maintenance=any(w.covers(now) for w in windows),
    )
    latencies = [r.latency_ms for r in probe_results if r.latency_ms is not None]
    status.update(observed=decision.observed, streak=decision.streak, last_checked=now,
                  latency_ms=max(latencies) if latencies else None,
                  results=[result_out(kind, r).model_dump() for kind, r in results])
    if decision.changed_from(status["state"]):
        status.update(state=decision.state, since=now)
    return decision


def result_out(kind: str, result: ProbeResult) -> ProbeResultOut:
    """A probe's result as the API shows it and the status keeps it."""
    return ProbeResultOut(
        type=kind, ok=result.ok, degraded=result.degraded, latency_ms=result.latency_ms, status=result.status,
        cert_days=result.cert_days, error=result.error, failed_conditions=list(result.failed_conditions),
    )


def _log_change(app_id: int, name: str, previous: str, state: str, error: str | None) -> None:
    """Once when an app breaks, once when it recovers: never once per check."""
    if state in ("down", "degraded"):
        _LOG.warning("app %d (%s) is %s: %s", app_id, name, state, error or "no reason given")
    elif state == "up" and previous in ("down", "degraded"):
        _LOG.info("app %d (%s) recovered after being %s", app_id, name, previous)
    else:  # first contact, maintenance: worth a line when debugging, not 146 at every start
        _LOG.debug("app %d (%s) is %s (was %s)", app_id, name, state, previous)
