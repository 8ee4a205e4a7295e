"""KPI tiles on the wall, each bound to one metric an app pushes ("Izin terbit hari ini").

The only writer of wall_tiles. "Today" is the city's calendar day (`cameras.timezone`, the one
local time zone warroom knows), so a tile summing today's permits resets at local midnight, not
at 08:00 WITA when UTC's day turns.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.apps import metric_queries
from warroom.apps.ingest_schemas import TileIn, TileOut
from warroom.apps.models import App, WallTile
from warroom.auth.audit import AuditLog
from warroom.auth.principal import Principal
from warroom.city.service import CityService
from warroom.db import Database, utcnow
from warroom.errors import InvalidInput, NotFound


class TileService:
    def __init__(self, db: Database, audit: AuditLog, city: CityService, timezone: str) -> None:
        self._db = db
        self._audit = audit
        self._city = city
        self._zone = ZoneInfo(timezone)

    def create(self, data: TileIn, *, actor: Principal) -> TileOut:
        with self._db.session() as s:
            app = s.get(App, data.app_id)
            if app is None:
                raise InvalidInput(f"no app with id {data.app_id}; a tile must show a metric of a registered app")
            tile = WallTile(**data.model_dump())
            s.add(tile)
            s.flush()
            self._audit.record(s, actor, "tile.create", target=str(tile.id), details=data.model_dump())
            return self._out(s, tile, app.name, self.today(utcnow()))

    def delete(self, tile_id: int, *, actor: Principal) -> None:
        with self._db.session() as s:
            tile = s.get(WallTile, tile_id)
            if tile is None:
                raise NotFound(f"no wall tile with id {tile_id}")
            s.delete(tile)
            self._audit.record(s, actor, "tile.delete", target=str(tile_id), details={"title": tile.title})

    def list(self, *, agency_code: str | None = None, now: datetime | None = None) -> list[TileOut]:
        """Every tile with its current value, by position; with `agency_code`, that agency's apps only."""
        day = self.today(now or utcnow())
        with self._db.session() as s:
            query = select(WallTile, App.name).join(App, App.id == WallTile.app_id)
            if agency_code is not None:
                query = query.where(App.agency_id == self._city.agency_id(s, agency_code))
            rows = s.execute(query.order_by(WallTile.position, WallTile.id)).all()
            return [self._out(s, tile, name, day) for tile, name in rows]

    def today(self, now: datetime) -> tuple[datetime, datetime]:
        """The city's current calendar day as a UTC [start, end)."""
        local = now.astimezone(self._zone).date()
        start = datetime.combine(local, time(), self._zone)
        end = datetime.combine(local + timedelta(days=1), time(), self._zone)
        return start.astimezone(UTC), end.astimezone(UTC)

    @staticmethod
    def _out(s: Session, tile: WallTile, app_name: str, day: tuple[datetime, datetime]) -> TileOut:
        value: float | None = None
        at: datetime | None = None
        if tile.aggregate == "last":
            found = metric_queries.latest(s, tile.app_id, tile.metric)
            if found is not None:
                value, at = found
        else:
            how = "sum" if tile.aggregate == "sum_today" else "max"
            value, at = metric_queries.aggregate(s, tile.app_id, tile.metric, how, *day)
        return TileOut(
            id=tile.id, title=tile.title, app_id=tile.app_id, app_name=app_name, metric=tile.metric,
            aggregate=tile.aggregate,  # type: ignore[arg-type]
            unit=tile.unit, position=tile.position, value=value, at=at,
        )
