"""What the public report pages (`web.report_pages`) need from the reports domain, in one place:
filing a report with its photos all or nothing, the rate limit per client address, a tracking
view, and the public map's data, cached briefly so a crowd looking at the map after a flood is
served from memory.

What the public sees is `PublicReport` (no reporter, no staff notes). The map shows less still:
no description or address (free text that may name people, e.g. "rumah Pak Budi"), coordinates
rounded to about 10 m, merged reports only through the report they were merged into.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from warroom.auth.principal import Principal
from warroom.city.service import CityService
from warroom.config import Settings
from warroom.errors import NotFound
from warroom.ratelimit import RateLimiter
from warroom.reports.catalog import CatalogService
from warroom.reports.photos import PhotoStore, PhotoUpload
from warroom.reports.schemas import CategoryOut, PublicReport, ReportCreated, ReportIn
from warroom.reports.service import ReportService

T = TypeVar("T")
MAP_LIMIT = 1000  # newest open reports on the public map (its JSON stays ~150 KB, ~25 KB gzipped)
MAP_TTL_S = 30.0
AREAS_DECIMALS = 5  # ~1 m: plenty for a base map, a third of the raw GeoJSON's size
POINT_DECIMALS = 4  # ~11 m on the public map: the spot, not the house door


@dataclass(frozen=True)
class Tracking:
    """One report for its tracking page: the report, and for a merged one the report it went into."""

    report: PublicReport
    master: PublicReport | None
    category: CategoryOut | None
    spam: bool


@dataclass(frozen=True)
class MapData:
    reports: list[PublicReport]
    capped: bool
    geojson_gz: bytes
    geojson: bytes


class PublicReports:
    def __init__(
        self, reports: ReportService, catalog: CatalogService, photos: PhotoStore, city: CityService, settings: Settings
    ) -> None:
        self._reports = reports
        self._catalog = catalog
        self._photos = photos
        self._city = city
        self.zone = ZoneInfo(settings.cameras.timezone)
        # Per client address, shared by the form and anonymous Open311 posts when they use it.
        self.limiter = RateLimiter(
            settings.reports.post_rate_limit, settings.apps.rate_limit_storage, what="reports",
            setting="apps.rate_limit_storage",
        )
        self._cache: dict[Any, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    # ---- filing ------------------------------------------------------------------------------

    def check_rate(self, client: str | None) -> None:
        """Count one post from `client` (an address); `RateLimited` over `reports.post_rate_limit`."""
        self.limiter.hit(f"ip:{client or 'unknown'}")

    def file(self, data: ReportIn, uploads: Sequence[PhotoUpload], *, actor: Principal) -> ReportCreated:
        """File a web report with its photos, all or nothing.

        Every photo is checked and re-encoded first (`PhotoRefused` stores nothing), then written;
        the report and its photo rows go in one transaction, and if the report is refused (outside
        the city, a wrong answer) the files just written are deleted again.
        """
        cleaned = self._photos.prepare(uploads)
        stored = self._photos.write(cleaned)

        def add_photos(s: Session, report_id: int) -> None:
            self._photos.add_rows(s, report_id, stored)

        try:
            created = self._reports.create(data, source="web", actor=actor, on_store=add_photos if stored else None)
        except BaseException:
            self._photos.discard(stored)
            raise
        self._forget("map")
        return created

    # ---- reading -----------------------------------------------------------------------------

    def track(self, ticket: str) -> Tracking:
        """The tracking view of `ticket`; `NotFound` for an unknown one.

        A report rejected as spam keeps its status and notes on its page but loses its
        description and photos there (and its photos are not served): what spam carries is
        nobody's business to publish.
        """
        report = self._reports.get_public(ticket)
        spam = report.status == "rejected" and self._reports.get(ticket).reject_reason == "spam"
        if spam:
            report = report.model_copy(update={"description": None, "photos": [], "media_url": None})
        master = None
        if report.merged_into:
            try:
                master = self._reports.get_public(report.merged_into)
            except NotFound:
                master = None
        try:
            category: CategoryOut | None = self._catalog.get(report.service_code)
        except NotFound:
            category = None
        return Tracking(report=report, master=master, category=category, spam=spam)

    def open_map(self) -> MapData:
        """The newest open reports (not merged ones: their master is on the map), cached briefly."""
        return self._cached("map", MAP_TTL_S, self._build_map)

    def _build_map(self) -> MapData:
        rows = self._reports.public_list(open311_status="open", limit=MAP_LIMIT + 1)
        capped = len(rows) > MAP_LIMIT
        rows = [r for r in rows[:MAP_LIMIT] if r.merged_into is None]
        features = [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(r.lon, POINT_DECIMALS), round(r.lat, POINT_DECIMALS)]},
                "properties": {
                    "ticket": r.ticket, "service_code": r.service_code, "service_name": r.service_name,
                    "status": r.status, "kecamatan": r.kecamatan.name if r.kecamatan else None,
                    "requested": r.requested_at.astimezone(self.zone).date().isoformat(),
                },
            }
            for r in rows
        ]
        body = json.dumps(
            {"type": "FeatureCollection", "capped": capped, "features": features}, ensure_ascii=False, separators=(",", ":")
        ).encode()
        return MapData(reports=rows, capped=capped, geojson=body, geojson_gz=gzip.compress(body, 6))

    def areas(self) -> tuple[bytes, bytes]:
        """The kecamatan boundaries as GeoJSON (plain, gzipped): the form's and the map's base map
        when no tile server is configured. Public data; rebuilt when the areas change."""
        version = self._city.index().version
        return self._cached(("areas", version), 3600.0, self._build_areas)

    def _build_areas(self) -> tuple[bytes, bytes]:
        found = self._city.areas_geojson("kecamatan")
        features = [
            {
                "type": "Feature",
                "properties": {"code": f["properties"]["code"], "name": f["properties"]["name"]},
                "geometry": _rounded(f["geometry"]),
            }
            for f in found["features"]
        ]
        body = json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":")).encode()
        return body, gzip.compress(body, 6)

    def categories(self) -> list[CategoryOut]:
        return self._catalog.list(active_only=True)

    # ---- a small time-to-live cache ----------------------------------------------------------

    def _cached(self, key: Any, ttl: float, build: Callable[[], T]) -> T:
        """`build()`, or its copy of the last `ttl` seconds; under a crowd one request builds and
        the others wait for that copy (as the status page's cache does)."""
        hit = self._cache.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]  # type: ignore[no-any-return]
        with self._lock:
            now = time.monotonic()
            hit = self._cache.get(key)
            if hit is not None and hit[0] > now:
                return hit[1]  # type: ignore[no-any-return]
            value = build()
            for old in [k for k, (expires, _) in self._cache.items() if expires <= now]:
                del self._cache[old]
            self._cache[key] = (now + ttl, value)
            return value

    def _forget(self, key: Any) -> None:
        self._cache.pop(key, None)


def _rounded(geometry: dict[str, Any]) -> dict[str, Any]:
    def walk(value: Any) -> Any:
        if isinstance(value, float):
            return round(value, AREAS_DECIMALS)
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}
