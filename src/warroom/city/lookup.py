"""Point → kelurahan/kecamatan, exact on the polygons and fast enough for every camera and report.

An STRtree narrows a point to the few polygons whose boxes hold it, then the exact covered-by test
on prepared geometries decides. A point on a shared border belongs to the area with the lowest code,
so the answer never depends on insertion order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

from warroom.city.schemas import AreaRef, Location


@dataclass(frozen=True)
class IndexedArea:
    """The smallest area level of the city (kelurahan, or kecamatan in a city without them)."""

    geometry: BaseGeometry
    location: Location


class AreaIndex:
    def __init__(self, areas: Sequence[IndexedArea], version: int = 0) -> None:
        ordered = sorted(areas, key=lambda a: (a.location.kelurahan or a.location.kecamatan).code)
        self.version = version
        self._locations = [a.location for a in ordered]
        geometries = np.array([a.geometry for a in ordered], dtype=object)
        shapely.prepare(geometries)
        self._tree = STRtree(geometries)
        self.bounds: tuple[float, float, float, float] | None = (
            tuple(shapely.total_bounds(geometries).tolist()) if len(ordered) else None  # type: ignore[assignment]
        )
        self.main_bounds = _main_bounds(geometries) if len(ordered) else None

    def area_refs(self) -> dict[str, AreaRef]:
        """Every indexed area and its parent, by code (for naming areas stored by code elsewhere)."""
        refs: dict[str, AreaRef] = {}
        for loc in self._locations:
            refs[loc.kecamatan.code] = loc.kecamatan
            if loc.kelurahan is not None:
                refs[loc.kelurahan.code] = loc.kelurahan
        return refs

    def __len__(self) -> int:
        return len(self._locations)

    def locate(self, lat: float, lon: float) -> Location | None:
        """The area holding (lat, lon), or None when the point is outside the city."""
        hits = self._tree.query(shapely.Point(lon, lat), predicate="covered_by")
        if len(hits) == 0:
            return None
        return self._locations[int(hits.min())]

    def locate_many(self, lats: np.ndarray, lons: np.ndarray) -> list[Location | None]:
        """Vectorised lookup for imports and benchmarks: one tree query for all points."""
        points = shapely.points(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
        point_idx, area_idx = self._tree.query(points, predicate="covered_by")
        best = np.full(len(points), -1, dtype=np.int64)
        # Lowest area index wins on shared borders: visit pairs from highest to lowest area.
        order = np.argsort(-area_idx, kind="stable")
        best[point_idx[order]] = area_idx[order]
        return [self._locations[i] if i >= 0 else None for i in best.tolist()]



# Parts of the city smaller than this share of its largest part are left out of `main_bounds`.
MAIN_PART_SHARE = 0.05


def _main_bounds(geometries: np.ndarray) -> tuple[float, float, float, float]:
    """Bounds of the city's main land: its large connected parts, without small outlying islands.

    Makassar's Kepulauan Sangkarrang islands make the full bounding box three times wider than
    the mainland; a wall fitted to it shows the city as a small patch.
    """
    parts = shapely.get_parts(shapely.union_all(geometries))
    areas = shapely.area(parts)
    main = parts[areas >= areas.max() * MAIN_PART_SHARE]
    return tuple(shapely.total_bounds(main).tolist())  # type: ignore[return-value]
