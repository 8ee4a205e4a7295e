"""The camera registry: the only writer of cameras, their health and its history."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.orm import Session

from warroom.auth.audit import AuditLog
from warroom.auth.principal import Principal
from warroom.bus import EventBus
from warroom.cameras.checks import (
    CheckJob,
    CheckOutcome,
    PreparedCheck,
    is_night,
    log_change,
    thresholds_from,
)
from warroom.cameras.credentials import CredentialBox, credential_box, split_credentials
from warroom.cameras.health import BROKEN_STATES, hysteresis, online_share
from warroom.cameras.importing import read_cameras
from warroom.cameras.models import Camera, CameraHealth, CameraHealthChange
from warroom.cameras.schemas import (
    CameraHealthChanged,
    CameraIn,
    CameraOut,
    CameraPage,
    CameraPatch,
    CameraSummary,
    HealthChangeOut,
    HealthOut,
    KecamatanHealth,
    Uptime,
)
from warroom.cameras.snapshots import snapshot_path
from warroom.cameras.sources.base import StreamSpec, redact_url
from warroom.city.schemas import AreaRef
from warroom.city.service import CityService
from warroom.config import Settings
from warroom.db import Database, utcnow
from warroom.errors import NotFound
from warroom.importing import ImportProblem, ImportResult, fail_if_problems

_LOG = logging.getLogger(__name__)
UPTIME_WINDOWS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}


@dataclass(frozen=True)
class CameraFilter:
    kind: str | None = None
    kecamatan: str | None = None
    kelurahan: str | None = None
    health: str | None = None
    q: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    enabled: bool | None = None


class CameraService:
    def __init__(self, db: Database, bus: EventBus, audit: AuditLog, city: CityService, settings: Settings) -> None:
        self._db = db
        self._bus = bus
        self._audit = audit
        self._city = city
        self._settings = settings
        self.snapshot_root = settings.data_dir / "snapshots"
        self._box: CredentialBox | None = None

    @property
    def box(self) -> CredentialBox:
        """The credential box, created on first need (the key file lives in the data dir)."""
        if self._box is None:
            self._box = credential_box(self._settings)
        return self._box

    # ---- writing ----------------------------------------------------------------------------

    def create(self, data: CameraIn, *, actor: Principal) -> CameraOut:
        with self._db.session() as s:
            camera = self._new_camera(s, data)
            self._audit.record(s, actor, "camera.create", target=str(camera.id), details={"name": data.name})
            return self._out(s, camera, self._health(s, camera.id))

    def _new_camera(self, s: Session, data: CameraIn) -> Camera:
        location = self._city.locate(data.lat, data.lon)  # OutsideCity when it is not in the city
        url, username, password = self._credentials(data.stream_url, data.username, data.password)
        camera = Camera(
            name=data.name, kind=data.kind, lat=data.lat, lon=data.lon,
            kecamatan_code=location.kecamatan.code,
            kelurahan_code=location.kelurahan.code if location.kelurahan else None,
            agency_id=self._city.agency_id(s, data.agency_code) if data.agency_code else None,
            stream_url=url, username=username,
            password_encrypted=self.box.seal(password) if password else None,
            tags=data.tags, privacy_masks=[list(map(list, m)) for m in data.privacy_masks], enabled=data.enabled,
        )
        s.add(camera)
        s.flush()
        s.add(CameraHealth(camera_id=camera.id, state="unknown", since=utcnow(), streak=0, metrics={}, memory={}, checks=0))
        return camera

    @staticmethod
    def _credentials(url: str, username: str | None, password: Any) -> tuple[str, str | None, str | None]:
        bare, url_user, url_password = split_credentials(url)
        secret = password.get_secret_value() if password is not None else None
        return bare, username or url_user, secret or url_password

    def import_file(self, path: Path, *, actor: Principal) -> ImportResult:
        """A CSV or GeoJSON camera list, all or nothing (see `cameras.importing`)."""
        rows, problems = read_cameras(path)
        return self.create_many(rows, actor=actor, source=path, problems=problems)

    def create_many(
        self,
        rows: list[tuple[str, CameraIn]],
        *,
        actor: Principal,
        source: Path | None = None,
        problems: list[ImportProblem] | None = None,
    ) -> ImportResult:
        """Many cameras in one transaction; any bad row (given, outside the city, unknown agency) fails it."""
        index = self._city.index()
        lats = np.array([c.lat for _, c in rows], dtype=float)
        lons = np.array([c.lon for _, c in rows], dtype=float)
        locations = index.locate_many(lats, lons)
        problems = list(problems or []) + [
            ImportProblem(where=where, reason=f"({cam.lat}, {cam.lon}) is outside the city")
            for (where, cam), loc in zip(rows, locations) if loc is None
        ]
        with self._db.session() as s:
            agencies = {code: id_ for id_, code in self._city.agency_codes(s).items()}
            problems += [
                ImportProblem(where=where, reason=f"unknown agency {cam.agency_code!r}")
                for where, cam in rows if cam.agency_code and cam.agency_code.upper() not in agencies
            ]
            fail_if_problems(source or Path("cameras"), problems)
            cameras = []
            for (_, data), loc in zip(rows, locations):
                assert loc is not None
                url, username, password = self._credentials(data.stream_url, data.username, data.password)
                cameras.append(Camera(
                    name=data.name, kind=data.kind, lat=data.lat, lon=data.lon,
                    kecamatan_code=loc.kecamatan.code, kelurahan_code=loc.kelurahan.code if loc.kelurahan else None,
                    agency_id=agencies[data.agency_code.upper()] if data.agency_code else None,
                    stream_url=url, username=username, password_encrypted=self.box.seal(password) if password else None,
                    tags=data.tags, privacy_masks=[list(map(list, m)) for m in data.privacy_masks], enabled=data.enabled,
                ))
            s.add_all(cameras)
            s.flush()
            now = utcnow()
            s.execute(insert(CameraHealth), [
                {"camera_id": c.id, "state": "unknown", "since": now, "streak": 0, "metrics": {}, "memory": {}, "checks": 0}
                for c in cameras
            ])
            self._audit.record(s, actor, "camera.import", target=source.name if source else None, details={"cameras": len(cameras)})
        return ImportResult(imported=len(cameras))

    def export_rows(self) -> list[dict[str, Any]]:
        """Every camera as plain values for `warroom export cameras` (no passwords, ever)."""
        with self._db.session() as s:
            agencies = self._city.agency_codes(s)
            return [
                {
                    "name": c.name, "kind": c.kind, "lat": c.lat, "lon": c.lon, "stream_url": c.stream_url,
                    "username": c.username, "agency_code": agencies.get(c.agency_id) if c.agency_id else None,
                    "tags": c.tags or [], "enabled": c.enabled, "privacy_masks": c.privacy_masks or [],
                }
                for c in s.scalars(select(Camera).order_by(Camera.id))
            ]

    def update(self, camera_id: int, patch: CameraPatch, *, actor: Principal) -> CameraOut:
        with self._db.session() as s:
            camera = self._camera(s, camera_id)
            changes = patch.model_dump(exclude_unset=True)
            if "lat" in changes or "lon" in changes:
                lat, lon = changes.get("lat", camera.lat), changes.get("lon", camera.lon)
                location = self._city.locate(lat, lon)
                camera.lat, camera.lon = lat, lon
                camera.kecamatan_code = location.kecamatan.code
                camera.kelurahan_code = location.kelurahan.code if location.kelurahan else None
            if "stream_url" in changes or "username" in changes or "password" in changes:
                url, username, password = self._credentials(
                    changes.get("stream_url", camera.stream_url), changes.get("username", camera.username), patch.password
                )
                camera.stream_url, camera.username = url, username
                if password is not None:
                    camera.password_encrypted = self.box.seal(password)
            if "agency_code" in changes:
                code = changes["agency_code"]
                camera.agency_id = self._city.agency_id(s, code) if code else None
            for key in ("name", "kind", "tags", "enabled"):
                if key in changes:
                    setattr(camera, key, changes[key])
            if "privacy_masks" in changes:
                camera.privacy_masks = [list(map(list, m)) for m in changes["privacy_masks"]]
            # Never log or audit the password itself: only that it changed.
            self._audit.record(s, actor, "camera.update", target=str(camera_id), details=sorted(changes))
            return self._out(s, camera, self._health(s, camera_id))

    def delete(self, camera_id: int, *, actor: Principal) -> None:
        with self._db.session() as s:
            camera = self._camera(s, camera_id)
            s.delete(camera)
            self._audit.record(s, actor, "camera.delete", target=str(camera_id), details={"name": camera.name})

    # ---- reading ----------------------------------------------------------------------------

    def count(self) -> int:
        with self._db.session() as s:
            return s.scalar(select(func.count()).select_from(Camera)) or 0

    def get(self, camera_id: int) -> CameraOut:
        with self._db.session() as s:
            return self._out(s, self._camera(s, camera_id), self._health(s, camera_id))

    def list(self, flt: CameraFilter, *, limit: int = 100, offset: int = 0) -> CameraPage:
        query = self._filtered(flt)
        with self._db.session() as s:
            total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = s.execute(query.order_by(Camera.id).limit(limit).offset(offset)).all()
            agencies = self._agency_codes(s)
        refs = self._city.index().area_refs()
        items = [self._out_row(camera, health, refs, agencies) for camera, health in rows]
        return CameraPage(items=items, total=total, limit=limit, offset=offset)

    def geojson(self, flt: CameraFilter) -> dict[str, Any]:
        """Every matching camera as a compact point feature, for a map layer of thousands."""
        query = self._filtered(flt).with_only_columns(
            Camera.id, Camera.name, Camera.kind, Camera.lat, Camera.lon, Camera.kecamatan_code,
            Camera.kelurahan_code, Camera.enabled, Camera.agency_id, CameraHealth.state,
        )
        with self._db.session() as s:
            rows = s.execute(query.order_by(Camera.id)).all()
            agencies = self._agency_codes(s)
        return {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [round(r.lon, 6), round(r.lat, 6)]},
                    "properties": {
                        "id": r.id, "name": r.name, "kind": r.kind, "health": r.state,
                        "kecamatan": r.kecamatan_code, "kelurahan": r.kelurahan_code, "enabled": r.enabled,
                        "agency": agencies.get(r.agency_id) if r.agency_id else None,
                    },
                }
                for r in rows
            ],
        }

    def _filtered(self, flt: CameraFilter):  # type: ignore[no-untyped-def]
        query = select(Camera, CameraHealth).join(CameraHealth, CameraHealth.camera_id == Camera.id)
        if flt.kind:
            query = query.where(Camera.kind == flt.kind)
        if flt.kecamatan:
            query = query.where(Camera.kecamatan_code == flt.kecamatan)
        if flt.kelurahan:
            query = query.where(Camera.kelurahan_code == flt.kelurahan)
        if flt.health:
            if flt.health == "broken":
                query = query.where(CameraHealth.state.in_(sorted(BROKEN_STATES)))
            else:
                query = query.where(CameraHealth.state == flt.health)
        if flt.enabled is not None:
            query = query.where(Camera.enabled == flt.enabled)
        if flt.q:
            like = f"%{flt.q.lower()}%"
            query = query.where(or_(func.lower(Camera.name).like(like), func.lower(Camera.stream_url).like(like)))
        if flt.bbox:
            min_lon, min_lat, max_lon, max_lat = flt.bbox
            query = query.where(Camera.lon.between(min_lon, max_lon), Camera.lat.between(min_lat, max_lat))
        return query

    def summary(self) -> CameraSummary:
        with self._db.session() as s:
            rows = s.execute(
                select(Camera.kecamatan_code, CameraHealth.state, Camera.enabled, func.count())
                .join(CameraHealth, CameraHealth.camera_id == Camera.id)
                .group_by(Camera.kecamatan_code, CameraHealth.state, Camera.enabled)
            ).all()
        refs = self._city.index().area_refs()
        by_state: Counter[str] = Counter()
        per_kec: dict[str, Counter[str]] = {}
        enabled = 0
        for kec, state, is_enabled, count in rows:
            if not is_enabled:
                continue
            enabled += count
            by_state[state] += count
            per_kec.setdefault(kec, Counter())[state] += count
        total = sum(count for *_, count in rows)
        kecamatan = [
            KecamatanHealth(
                code=code, name=refs[code].name if code in refs else code, total=sum(c.values()),
                broken=sum(n for st, n in c.items() if st in BROKEN_STATES), by_state=dict(c),
            )
            for code, c in sorted(per_kec.items())
        ]
        kecamatan.sort(key=lambda k: (-k.broken, k.code))
        return CameraSummary(total=total, enabled=enabled, by_state=dict(by_state), by_kecamatan=kecamatan)

    def history(self, camera_id: int, limit: int = 100) -> list[HealthChangeOut]:
        with self._db.session() as s:
            self._camera(s, camera_id)
            rows = s.scalars(
                select(CameraHealthChange).where(CameraHealthChange.camera_id == camera_id)
                .order_by(CameraHealthChange.at.desc(), CameraHealthChange.id.desc()).limit(limit)
            )
            return [HealthChangeOut(at=r.at, from_state=r.from_state, to_state=r.to_state, metrics=r.metrics or {}) for r in rows]  # type: ignore[arg-type]

    def uptime(self, camera_id: int, now: datetime | None = None) -> Uptime:
        """Share of each window spent online, from the state history (unknown time not counted)."""
        now = now or utcnow()
        with self._db.session() as s:
            self._camera(s, camera_id)
            changes = s.execute(
                select(CameraHealthChange.at, CameraHealthChange.from_state, CameraHealthChange.to_state)
                .where(CameraHealthChange.camera_id == camera_id).order_by(CameraHealthChange.at, CameraHealthChange.id)
            ).all()
        return Uptime(**{name: online_share(changes, now - span, now) for name, span in UPTIME_WINDOWS.items()})  # type: ignore[arg-type]

    def snapshot_file(self, camera_id: int) -> Path:
        with self._db.session() as s:
            self._camera(s, camera_id)
            health = self._health(s, camera_id)
            slot = health.snapshot_slot
        if slot is None:
            raise NotFound(f"camera {camera_id} has no snapshot yet; it is taken at the camera's next check")
        path = snapshot_path(self.snapshot_root, camera_id, slot)
        if not path.exists():
            raise NotFound(f"the snapshot of camera {camera_id} is gone from disk; it is retaken at the next check")
        return path

    def stream_spec_for(self, camera_id: int) -> StreamSpec:
        with self._db.session() as s:
            return self.stream_spec(self._camera(s, camera_id))

    def stream_spec(self, camera: Camera) -> StreamSpec:
        """How a checker reaches the camera: the password decrypted only here, only in memory."""
        cfg = self._settings.cameras
        return StreamSpec(
            url=camera.stream_url,
            username=camera.username,
            password=self.box.open(camera.password_encrypted) if camera.password_encrypted else None,
            connect_timeout_s=cfg.connect_timeout_s,
            read_timeout_s=cfg.read_timeout_s,
        )

    # ---- checks -----------------------------------------------------------------------------

    def prepare_checks(self, camera_ids: Iterable[int] | None = None, *, now: datetime | None = None) -> list[PreparedCheck]:
        """One job per enabled camera (or per given id), carrying the camera's stored memory."""
        now = now or utcnow()
        cfg = self._settings.cameras
        thresholds = thresholds_from(self._settings)
        night = is_night(now, cfg.timezone, cfg.night_hours)
        query = select(Camera, CameraHealth).join(CameraHealth, CameraHealth.camera_id == Camera.id)
        if camera_ids is None:
            query = query.where(Camera.enabled.is_(True))
        else:
            query = query.where(Camera.id.in_(list(camera_ids)))
        with self._db.session() as s:
            rows = s.execute(query.order_by(Camera.id)).all()
        prepared = []
        for camera, health in rows:
            slot = health.checks % cfg.snapshots_per_camera
            job = CheckJob(
                camera_id=camera.id, spec=self.stream_spec(camera), memory=health.memory or {},
                reference=health.reference,
                thresholds=thresholds, night=night, masks=camera.privacy_masks or [],
                snapshot=snapshot_path(self.snapshot_root, camera.id, slot),
            )
            prepared.append(PreparedCheck(
                job=job, slot=slot, state=health.state, candidate=health.candidate, streak=health.streak,  # type: ignore[arg-type]
                checks=health.checks, name=camera.name, kind=camera.kind, lat=camera.lat, lon=camera.lon,
                kecamatan_code=camera.kecamatan_code, kelurahan_code=camera.kelurahan_code,
            ))
        return prepared

    def record(self, results: list[tuple[PreparedCheck, CheckOutcome]], *, now: datetime | None = None) -> list[CameraHealthChanged]:
        """Store a batch of outcomes in one transaction; returns the state changes to announce."""
        now = now or utcnow()
        required = self._settings.cameras.hysteresis_checks
        updates: list[dict[str, Any]] = []
        history: list[dict[str, Any]] = []
        events: list[CameraHealthChanged] = []
        for check, outcome in results:
            result = hysteresis(check.state, check.candidate, check.streak, outcome.observed, required)  # type: ignore[arg-type]
            row: dict[str, Any] = {
                "camera_id": check.job.camera_id, "state": result.state, "candidate": result.candidate,
                "streak": result.streak, "observed": outcome.observed, "last_checked": now,
                "metrics": outcome.metrics, "memory": outcome.memory, "checks": check.checks + 1,
            }
            if outcome.reference is not None:
                row["reference"] = outcome.reference
            if outcome.snapshot_written:
                row["snapshot_at"], row["snapshot_slot"] = now, check.slot
            if result.changed:
                row["since"] = now
                history.append({"camera_id": check.job.camera_id, "at": now, "from_state": check.state,
                                "to_state": result.state, "metrics": outcome.metrics})
                events.append(check.changed_event(result.state, outcome.metrics))
                log_change(check, result.state, outcome.metrics)
            updates.append(row)
        with self._db.session() as s:
            if updates:
                s.execute(update(CameraHealth), updates)
            if history:
                s.execute(insert(CameraHealthChange), history)
        return events

    # ---- helpers ----------------------------------------------------------------------------

    @staticmethod
    def _camera(s: Session, camera_id: int) -> Camera:
        camera = s.get(Camera, camera_id)
        if camera is None:
            raise NotFound(f"no camera with id {camera_id}")
        return camera

    @staticmethod
    def _health(s: Session, camera_id: int) -> CameraHealth:
        health = s.get(CameraHealth, camera_id)
        if health is None:
            raise NotFound(f"camera {camera_id} has no health record")
        return health

    def _agency_codes(self, s: Session) -> dict[int, str]:
        return self._city.agency_codes(s)

    def _out(self, s: Session, camera: Camera, health: CameraHealth) -> CameraOut:
        return self._out_row(camera, health, self._city.index().area_refs(), self._agency_codes(s))

    @staticmethod
    def _out_row(camera: Camera, health: CameraHealth, refs: dict[str, AreaRef], agencies: dict[int, str]) -> CameraOut:
        return CameraOut(
            id=camera.id, name=camera.name, kind=camera.kind,  # type: ignore[arg-type]
            lat=camera.lat, lon=camera.lon,
            kecamatan=refs.get(camera.kecamatan_code),
            kelurahan=refs.get(camera.kelurahan_code) if camera.kelurahan_code else None,
            agency_code=agencies.get(camera.agency_id) if camera.agency_id else None,
            stream_url=redact_url(camera.stream_url),
            has_credentials=camera.password_encrypted is not None or camera.username is not None,
            tags=list(camera.tags or []), privacy_masks=camera.privacy_masks or [], enabled=camera.enabled,
            health=HealthOut(
                state=health.state, since=health.since, last_checked=health.last_checked,  # type: ignore[arg-type]
                observed=health.observed, metrics=health.metrics or {},  # type: ignore[arg-type]
            ),
            snapshot_at=health.snapshot_at,
        )

