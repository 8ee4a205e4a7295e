"""The city service: the only writer of the city, area and agency tables.

Imports are all-or-nothing: a file with one bad feature or row imports nothing (unless the caller
asks to skip bad ones), so an operator never finds half a city.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from pathlib import Path
from typing import Any

from shapely.geometry import shape
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from warroom.auth.audit import AuditLog
from warroom.auth.principal import Principal
from warroom.bus import EventBus
from warroom.city.agency_csv import read_agencies_csv
from warroom.city.geo import ParsedArea, dissolve, parse_areas, read_feature_collection
from warroom.city.lookup import AreaIndex, IndexedArea
from warroom.city.models import Agency, Area, City
from warroom.city.schemas import (
    AgencyIn,
    AgencyOut,
    AgencyPatch,
    AreaLevel,
    AreaRef,
    AreasImported,
    AreasImportedPayload,
    CityCounts,
    CityOut,
    ImportResult,
    Location,
)
from warroom.db import Database
from warroom.errors import Conflict, InvalidInput, NotFound, OutsideCity

CITY_ID = 1


class CityService:
    def __init__(self, db: Database, bus: EventBus, audit: AuditLog) -> None:
        self._db = db
        self._bus = bus
        self._audit = audit
        self._index: AreaIndex | None = None
        self._index_lock = threading.Lock()
        # The areas_version this process has seen: how it learns of imports made by another
        # process (the CLI, another server) without a shared bus.
        self._seen_version = -1

    # ---- the city -------------------------------------------------------------------------

    def city(self) -> CityOut:
        with self._db.session() as s:
            city = s.get(City, CITY_ID)
            counts = dict(s.execute(select(Area.level, func.count()).group_by(Area.level)).all())
            agencies = s.scalar(select(func.count()).select_from(Agency)) or 0
        index = self.index()
        return CityOut(
            name=city.name if city else "(no city imported)",
            code=city.code if city else None,
            population=city.population if city else None,
            is_sample=city.is_sample if city else False,
            bbox=index.bounds,
            view_bbox=index.main_bounds,
            counts=CityCounts(
                kecamatan=counts.get("kecamatan", 0),
                kelurahan=counts.get("kelurahan", 0),
                agencies=agencies,
            ),
        )

    def set_city(
        self,
        name: str,
        *,
        actor: Principal,
        code: str | None = None,
        population: int | None = None,
        is_sample: bool = False,
    ) -> None:
        with self._db.session() as s:
            city = self._city_row(s, name)
            city.name, city.code, city.population, city.is_sample = name, code, population, is_sample
            self._audit.record(s, actor, "city.update", target=name)

    @staticmethod
    def _city_row(s: Session, name: str | None) -> City:
        city = s.get(City, CITY_ID)
        if city is None:
            city = City(id=CITY_ID, name=name or "City", areas_version=0, is_sample=False)
            s.add(city)
        return city

    # ---- areas ----------------------------------------------------------------------------

    def areas_geojson(self, level: AreaLevel) -> dict[str, Any]:
        parent = aliased(Area)
        with self._db.session() as s:
            rows = s.execute(
                select(Area, parent.code, parent.name)
                .outerjoin(parent, Area.parent_id == parent.id)
                .where(Area.level == level)
                .order_by(Area.code)
            ).all()
            children = dict(
                s.execute(
                    select(Area.parent_id, func.count()).where(Area.parent_id.is_not(None)).group_by(Area.parent_id)
                ).all()
            )
        features = []
        for area, parent_code, parent_name in rows:
            props: dict[str, Any] = {
                "code": area.code,
                "name": area.name,
                "level": area.level,
                "area_km2": area.area_km2,
                "label": [area.label_lat, area.label_lon],
            }
            if level == "kecamatan":
                props["kelurahan_count"] = children.get(area.id, 0)
            else:
                props["kecamatan_code"], props["kecamatan_name"] = parent_code, parent_name
            features.append({"type": "Feature", "properties": props, "geometry": json.loads(area.geometry)})
        return {"type": "FeatureCollection", "features": features}

    def import_areas(
        self,
        path: Path,
        *,
        actor: Principal,
        level: AreaLevel | None = None,
        skip_invalid: bool = False,
        city_name: str | None = None,
    ) -> ImportResult:
        features = read_feature_collection(path)
        parsed, problems = parse_areas(features, level)
        if problems and not skip_invalid:
            raise InvalidInput(
                f"{path}: {len(problems)} of {len(features)} features are invalid, nothing was "
                f"imported (first: {problems[0].where}: {problems[0].reason}). Fix them, or pass "
                "--skip-invalid to import the valid ones.",
                details=[p.model_dump() for p in problems],
            )
        if not parsed:
            raise InvalidInput(f"{path}: no valid features to import", details=[p.model_dump() for p in problems])
        props0 = features[parsed[0].index].get("properties") or {}
        with self._db.session() as s:
            city = self._city_row(s, city_name or props0.get("kota"))
            if city_name:
                city.name = city_name
            counts = self._store_areas(s, parsed)
            city.areas_version += 1
            version = self._seen_version = city.areas_version
            self._audit.record(
                s, actor, "city.import_areas", target=str(path.name),
                details={"imported": len(parsed), "skipped": len(problems), **counts},
            )
        self.refresh()
        self._publish(AreasImported(source="city", payload=AreasImportedPayload(areas_version=version, **counts)))
        return ImportResult(imported=len(parsed), skipped=problems, details=counts)

    def _store_areas(self, s: Session, parsed: list[ParsedArea]) -> dict[str, int]:
        codes = {a.code for a in parsed} | {a.parent_code for a in parsed if a.parent_code}
        existing = {a.code: a for a in s.scalars(select(Area).where(Area.code.in_(codes)))}
        kecamatan = [a for a in parsed if a.level == "kecamatan"]
        kelurahan = [a for a in parsed if a.level == "kelurahan"]
        for area in kecamatan:
            existing[area.code] = self._upsert(s, existing.get(area.code), area, parent=None)
        by_parent: dict[str, list[ParsedArea]] = defaultdict(list)
        for area in kelurahan:
            by_parent[area.parent_code or ""].append(area)
        dissolved = 0
        for parent_code, members in by_parent.items():
            parent = existing.get(parent_code)
            if parent is None:
                # A kelurahan-only file: the kecamatan is the union of its kelurahan.
                union = ParsedArea(
                    index=members[0].index, code=parent_code, level="kecamatan",
                    name=members[0].parent_name or parent_code,
                    geometry=dissolve([m.geometry for m in members]),
                )
                parent = existing[parent_code] = self._upsert(s, None, union, parent=None)
                dissolved += 1
            elif parent.level != "kecamatan":
                raise InvalidInput(
                    f"feature {members[0].index}: parent code {parent_code} is a {parent.level}, not a kecamatan"
                )
            s.flush()
            for area in members:
                self._upsert(s, existing.get(area.code), area, parent=parent)
        s.flush()
        return {"kecamatan": len(kecamatan) + dissolved, "kelurahan": len(kelurahan)}

    @staticmethod
    def _upsert(s: Session, row: Area | None, area: ParsedArea, parent: Area | None) -> Area:
        if row is None:
            row = Area(code=area.code)
            s.add(row)
        elif row.level != area.level:
            raise Conflict(f"area {area.code} exists as a {row.level}; it cannot become a {area.level}")
        lat, lon = area.label_point()
        row.level, row.name, row.geometry = area.level, area.name, area.geojson()
        row.area_km2, row.label_lat, row.label_lon = area.area_km2, lat, lon
        row.parent_id = parent.id if parent is not None else None
        return row

    # ---- point lookup ---------------------------------------------------------------------

    def index(self) -> AreaIndex:
        index = self._index
        if index is None:
            with self._index_lock:
                if self._index is None:
                    self._index = self._build_index()
                index = self._index
        return index

    def refresh(self) -> None:
        """Drop the lookup index; the next lookup rebuilds it from the database."""
        with self._index_lock:
            self._index = None

    def poll_areas_version(self) -> AreasImported | None:
        """Another process imported areas since we last looked: drop the stale index, say so.

        The first call only records the current version (nothing has changed yet).
        """
        with self._db.session() as s:
            city = s.get(City, CITY_ID)
            version = city.areas_version if city else 0
            first, changed = self._seen_version < 0, version > self._seen_version
            if not changed or first:
                self._seen_version = max(version, self._seen_version)
                return None
            counts = dict(s.execute(select(Area.level, func.count()).group_by(Area.level)).all())
        self._seen_version = version
        self.refresh()
        return AreasImported(
            source="city",
            payload=AreasImportedPayload(
                kecamatan=counts.get("kecamatan", 0), kelurahan=counts.get("kelurahan", 0), areas_version=version
            ),
        )

    def _build_index(self) -> AreaIndex:
        parent = aliased(Area)
        with self._db.session() as s:
            city = s.get(City, CITY_ID)
            version = city.areas_version if city else 0
            level = "kelurahan" if s.scalar(select(Area.id).where(Area.level == "kelurahan").limit(1)) else "kecamatan"
            rows = s.execute(
                select(Area, parent).outerjoin(parent, Area.parent_id == parent.id).where(Area.level == level)
            ).all()
        entries = []
        for area, kec in rows:
            ref = AreaRef(code=area.code, name=area.name, level=area.level)  # type: ignore[arg-type]
            loc = (
                Location(kelurahan=ref, kecamatan=AreaRef(code=kec.code, name=kec.name, level="kecamatan"))
                if kec is not None
                else Location(kelurahan=None, kecamatan=ref)
            )
            entries.append(IndexedArea(geometry=shape(json.loads(area.geometry)), location=loc))
        return AreaIndex(entries, version=version)

    def locate(self, lat: float, lon: float) -> Location:
        """The kelurahan and kecamatan at (lat, lon); `OutsideCity` when none holds it."""
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise InvalidInput(f"({lat}, {lon}) is not a latitude/longitude pair; latitude comes first")
        location = self.index().locate(lat, lon)
        if location is None:
            raise OutsideCity(
                f"({lat}, {lon}) is outside the city: no kelurahan or kecamatan contains it. "
                "Check the coordinates (latitude first, e.g. -5.14, 119.42 for Makassar).",
                details={"lat": lat, "lon": lon},
            )
        return location

    # ---- agencies -------------------------------------------------------------------------

    def agencies(self) -> list[AgencyOut]:
        with self._db.session() as s:
            return [AgencyOut.model_validate(a) for a in s.scalars(select(Agency).order_by(Agency.code))]

    def agency(self, code: str) -> AgencyOut:
        with self._db.session() as s:
            return AgencyOut.model_validate(self._agency_row(s, code))

    def agency_id(self, s: Session, code: str) -> int:
        """For other domains binding a row to an agency by its code, inside their own unit of work."""
        return self._agency_row(s, code).id

    @staticmethod
    def agency_codes(s: Session) -> dict[int, str]:
        """Agency id → code, for other domains naming the agencies of many rows at once."""
        return {row.id: row.code for row in s.execute(select(Agency.id, Agency.code))}

    @staticmethod
    def agency_code(s: Session, agency_id: int) -> str:
        row = s.get(Agency, agency_id)
        if row is None:
            raise NotFound(f"no agency with id {agency_id}")
        return row.code

    @staticmethod
    def _agency_row(s: Session, code: str) -> Agency:
        row = s.scalar(select(Agency).where(Agency.code == code.strip().upper()))
        if row is None:
            raise NotFound(f"no agency with code {code!r}; list them with GET /api/v1/agencies")
        return row

    def create_agency(self, data: AgencyIn, *, actor: Principal) -> AgencyOut:
        with self._db.session() as s:
            if s.scalar(select(Agency.id).where(Agency.code == data.code)) is not None:
                raise Conflict(f"agency {data.code} already exists; use PATCH to change it")
            row = Agency(**data.model_dump())
            s.add(row)
            self._audit.record(s, actor, "agency.create", target=data.code)
            s.flush()
            return AgencyOut.model_validate(row)

    def update_agency(self, code: str, patch: AgencyPatch, *, actor: Principal) -> AgencyOut:
        with self._db.session() as s:
            row = self._agency_row(s, code)
            changes = patch.model_dump(exclude_unset=True)
            for key, value in changes.items():
                setattr(row, key, value)
            self._audit.record(s, actor, "agency.update", target=row.code, details=sorted(changes))
            return AgencyOut.model_validate(row)

    def import_agencies(self, path: Path, *, actor: Principal) -> ImportResult:
        agencies = read_agencies_csv(path)
        with self._db.session() as s:
            existing = {a.code: a for a in s.scalars(select(Agency))}
            for agency in agencies:
                row = existing.get(agency.code)
                if row is None:
                    s.add(Agency(**agency.model_dump()))
                else:
                    for key, value in agency.model_dump().items():
                        setattr(row, key, value)
            self._audit.record(s, actor, "agency.import", target=path.name, details={"rows": len(agencies)})
        return ImportResult(imported=len(agencies))

    def _publish(self, event: AreasImported) -> None:
        # The CLI imports without a running bus; servers learn of the change when they next start.
        if self._bus.running:
            self._bus.publish(event)
