"""The demo's cameras: Makassar's 230 road points and 7,260 lorong, all synthetic, some failing.

Road cameras stand in the dense central kelurahan (the smallest ones, where the traffic is);
lorong cameras are spread over every kelurahan of the main land, more in the larger ones. A few
percent fail in each way, so the wall shows a living city from the first sweep. Every camera is a
`synthetic://` stream rendered at 320x240 to keep one machine's CPU for the checks.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape

from warroom.cameras.schemas import CameraIn
from warroom.container import WarRoom

ROAD_CAMERAS = 230
LORONG_CAMERAS = 7260
BUSIEST_KELURAHAN = 40
SEED = 7371  # Makassar's Kemendagri code
# Share of cameras failing in each way (the rest are healthy).
FAULT_SHARES = {"offline": 0.03, "frozen": 0.02, "black": 0.02, "blurred": 0.02, "covered": 0.01, "moved": 0.01}
# Lorong cameras film front doors: about one in five has a privacy mask over a house front.
MASKED_SHARE = 0.2
HOUSE_FRONT = [[0.0, 0.15], [0.3, 0.15], [0.3, 0.85], [0.0, 0.85]]


def demo_cameras(wr: WarRoom, road: int = ROAD_CAMERAS, lorong: int = LORONG_CAMERAS) -> list[tuple[str, CameraIn]]:
    rng = np.random.default_rng(SEED)
    areas = _main_land_kelurahan(wr)
    by_size = sorted(areas, key=lambda a: a["area"])
    busiest = by_size[:BUSIEST_KELURAHAN]
    weights = np.sqrt(np.array([a["area"] for a in areas]))
    cameras: list[tuple[str, CameraIn]] = []
    road_homes = [busiest[i % len(busiest)] for i in range(road)]
    lorong_homes = [areas[i] for i in rng.choice(len(areas), size=lorong, p=weights / weights.sum())]
    faults = _faults(rng, road + lorong)
    for number, (kind, home) in enumerate([("road", h) for h in road_homes] + [("lorong", h) for h in lorong_homes]):
        lon, lat = _point_in(home["geometry"], rng)
        fault = faults[number]
        url = f"synthetic://{'street' if kind == 'road' else 'lorong'}?seed={number + 1}&size=320x240"
        if fault == "moved":
            # A camera is only "moved" against the view it had before: these are turned away for
            # the second half of every hour, and look where they should the rest of the time.
            url += "&schedule=moved:1800-3600&cycle=3600"
        elif fault:
            url += f"&fault={fault}"
        label = "Jalan" if kind == "road" else "Lorong"
        masks = [HOUSE_FRONT] if kind == "lorong" and rng.random() < MASKED_SHARE else []
        cameras.append((f"camera {number + 1}", CameraIn(
            name=f"{label} {home['name']} {number + 1:04d}", kind=kind, lat=round(lat, 6), lon=round(lon, 6),
            agency_code="DISHUB" if kind == "road" else "DISKOMINFO", stream_url=url,
            tags=["demo", kind], privacy_masks=masks,
        )))
    return cameras


def _main_land_kelurahan(wr: WarRoom) -> list[dict[str, Any]]:
    """Kelurahan whose centre lies within the city's main land (no outlying islands)."""
    bounds = wr.city.index().main_bounds
    areas = []
    for feature in wr.city.areas_geojson("kelurahan")["features"]:
        geometry = shape(feature["geometry"])
        centre = geometry.representative_point()
        if bounds and not (bounds[0] <= centre.x <= bounds[2] and bounds[1] <= centre.y <= bounds[3]):
            continue
        shapely.prepare(geometry)
        areas.append({"name": feature["properties"]["name"], "geometry": geometry, "area": geometry.area})
    if not areas:
        raise ValueError("the city has no kelurahan to place demo cameras in; import its areas first")
    return areas


def _point_in(geometry: Any, rng: np.random.Generator) -> tuple[float, float]:
    min_x, min_y, max_x, max_y = geometry.bounds
    for _ in range(1000):
        x, y = rng.uniform(min_x, max_x), rng.uniform(min_y, max_y)
        if shapely.contains_xy(geometry, x, y):
            return float(x), float(y)
    point = geometry.representative_point()
    return point.x, point.y


def _faults(rng: np.random.Generator, count: int) -> list[str | None]:
    plan: list[str | None] = []
    for fault, share in FAULT_SHARES.items():
        plan += [fault] * round(count * share)
    plan += [None] * (count - len(plan))
    order = rng.permutation(count)
    return [plan[i] for i in order]

