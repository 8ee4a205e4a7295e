"""`warroom bench locate`: point → kelurahan/kecamatan lookups per second.

The city is imported into a throwaway SQLite war room through the same import path the product
uses, then the lookup index answers random points spread over the city's bounding box (some fall
in the sea or outside the city, as real camera and report coordinates sometimes do).
"""

from __future__ import annotations

import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from warroom.auth.principal import cli_principal
from warroom.city.lookup import AreaIndex
from warroom.config import Settings
from warroom.container import build_warroom
from warroom.db import migrate
from warroom.demo.sample_city import SAMPLE_CITY_NAME, write_sample_city
from warroom.demo.seed import load_city_folder

SEED = 20261128


def run(city_dir: Path | None, points: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="warroom-bench-") as tmp:
        wr = build_warroom(Settings(data_dir=Path(tmp)))
        try:
            migrate(wr.db)
            if city_dir is not None:
                load_city_folder(wr, city_dir)
                city_name = wr.city.city().name
            else:
                wr.city.import_areas(write_sample_city(Path(tmp)), actor=cli_principal())
                city_name = SAMPLE_CITY_NAME
            index = wr.city.index()
        finally:
            wr.close()
    assert index.bounds is not None
    inside_lats, inside_lons = _points_inside(index, points)
    min_lon, min_lat, max_lon, max_lat = index.bounds
    rng = np.random.default_rng(SEED + 1)
    any_lats, any_lons = rng.uniform(min_lat, max_lat, points), rng.uniform(min_lon, max_lon, points)

    index.locate(float(inside_lats[0]), float(inside_lons[0]))  # warm-up
    inside_rate = _single_rate(index, inside_lats, inside_lons)
    mixed_rate = _single_rate(index, any_lats, any_lons)
    start = time.perf_counter()
    batch = index.locate_many(inside_lats, inside_lons)
    batch_s = time.perf_counter() - start
    if any(loc is None for loc in batch):
        raise RuntimeError("a point found inside the city was not found again; the index is broken")

    return {
        "benchmark": "locate",
        "city": city_name,
        "areas_indexed": len(index),
        "points": points,
        # Points inside the city (where cameras and reports are): the number that matters.
        "single_lookups_per_s": round(inside_rate),
        # Uniform over the bounding box: most fall in the sea around Makassar's islands.
        "single_lookups_per_s_bbox_uniform": round(mixed_rate),
        "batch_lookups_per_s": round(points / batch_s),
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
    }


def _points_inside(index: AreaIndex, count: int) -> tuple[np.ndarray, np.ndarray]:
    """`count` random points inside the city: uniform over the bbox, keeping those that land inside."""
    assert index.bounds is not None
    min_lon, min_lat, max_lon, max_lat = index.bounds
    rng = np.random.default_rng(SEED)
    lats: list[np.ndarray] = []
    lons: list[np.ndarray] = []
    found = 0
    while found < count:
        cand_lats = rng.uniform(min_lat, max_lat, count)
        cand_lons = rng.uniform(min_lon, max_lon, count)
        hit = np.array([loc is not None for loc in index.locate_many(cand_lats, cand_lons)])
        lats.append(cand_lats[hit])
        lons.append(cand_lons[hit])
        found += int(hit.sum())
    return np.concatenate(lats)[:count], np.concatenate(lons)[:count]


def _single_rate(index: AreaIndex, lats: np.ndarray, lons: np.ndarray) -> float:
    start = time.perf_counter()
    for lat, lon in zip(lats.tolist(), lons.tolist()):
        index.locate(lat, lon)
    return len(lats) / (time.perf_counter() - start)
