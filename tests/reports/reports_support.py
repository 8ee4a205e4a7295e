"""Shared by the report tests (imported, not a conftest): a city with the demo's 21 agencies and
report catalog, and points inside it.

    from reports_support import a_point_in, new_report, reports_city  # noqa: F401 (fixture)

`new_report` files through the service; `events_during` runs something with the bus running and
returns the events it published; `offset` moves a point by metres (duplicate radius tests).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from datetime import datetime
from importlib import resources
from typing import TypeVar

import pytest

from warroom.auth.principal import cli_principal
from warroom.bus import Event
from warroom.container import WarRoom
from warroom.demo.report_catalog import demo_categories
from warroom.demo.sample_city import GRID, KECAMATAN_DEG, ORIGIN_LAT, ORIGIN_LON
from warroom.reports.schemas import ReportCreated, ReportIn

T = TypeVar("T")


@pytest.fixture
def reports_city(sample_city: WarRoom) -> WarRoom:
    """The sample city (9 kecamatan 99.01.01..09), the 21 demo agencies and the demo catalog."""
    wr = sample_city
    with resources.as_file(resources.files("warroom.demo") / "agencies.csv") as csv_path:
        wr.city.import_agencies(csv_path, actor=cli_principal())
    wr.report_catalog.create_many(demo_categories([a.code for a in wr.city.agencies()]), actor=cli_principal())
    return wr


def kecamatan_code(kecamatan_index: int = 0) -> str:
    """The code of the sample city's kecamatan number `kecamatan_index` (0-based), e.g. 99.01.01."""
    return f"99.01.{kecamatan_index + 1:02d}"


def a_point_in(wr: WarRoom, kecamatan_index: int = 0) -> tuple[float, float]:
    """(lat, lon) well inside kecamatan `kecamatan_index` of the sample city (0..8), off any border.

    `wr` is taken so a caller can never use it before the city exists; the point is checked.
    """
    row, col = divmod(kecamatan_index, GRID)
    # A quarter of the way into the kecamatan: inside its first kelurahan, 10 m or more from edges.
    lat = ORIGIN_LAT + row * KECAMATAN_DEG + KECAMATAN_DEG / 4
    lon = ORIGIN_LON + col * KECAMATAN_DEG + KECAMATAN_DEG / 4
    assert wr.city.locate(lat, lon).kecamatan.code == kecamatan_code(kecamatan_index)
    return lat, lon


def offset(lat: float, lon: float, north_m: float = 0.0, east_m: float = 0.0) -> tuple[float, float]:
    """A point `north_m` metres north and `east_m` metres east of (lat, lon)."""
    return lat + north_m / 111_320.0, lon + east_m / (111_320.0 * math.cos(math.radians(lat)))


def new_report(
    wr: WarRoom, service_code: str = "DRAINASE", *, kecamatan_index: int = 0, at: tuple[float, float] | None = None,
    now: datetime | None = None, **fields: object,
) -> ReportCreated:
    """File a report through the service as the web form would (anonymous reporter)."""
    lat, lon = at or a_point_in(wr, kecamatan_index)
    data = ReportIn.model_validate({"service_code": service_code, "lat": lat, "lon": lon, **fields})
    return wr.reports.create(data, source="web", actor=cli_principal(), now=now)


def events_during(wr: WarRoom, action: Callable[[], T], types: list[str] | None = None) -> tuple[T, list[Event]]:
    """Run `action` with the bus running; returns its result and the events it published."""

    async def scenario() -> tuple[T, list[Event]]:
        await wr.bus.start()
        stream = wr.bus.stream(types)
        try:
            result = action()
            seen: list[Event] = []
            while (event := await stream.next(timeout=0.05)) is not None:
                seen.append(event)
            return result, seen
        finally:
            stream.close()
            await wr.bus.stop()

    return asyncio.run(scenario())
