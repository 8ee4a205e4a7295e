"""A generated sample city for `warroom demo` when no real boundaries are given.

It is a grid of square kecamatan split into kelurahan, placed in open sea west of Sulawesi so it
can never be mistaken for a real place, and its name says it is a sample.
"""

from __future__ import annotations

import json
from pathlib import Path

SAMPLE_CITY_NAME = "Kota Contoh (sample city, generated)"
ORIGIN_LON, ORIGIN_LAT = 118.60, -5.30
KECAMATAN_DEG = 0.04
GRID = 3  # 3 x 3 kecamatan, each 2 x 2 kelurahan
SPLIT = 2


def sample_city_features() -> dict[str, object]:
    """A FeatureCollection of kelurahan (with their kecamatan codes), as a city would publish it."""
    features = []
    step = KECAMATAN_DEG / SPLIT
    for row in range(GRID):
        for col in range(GRID):
            kec_no = row * GRID + col + 1
            kec_code = f"99.01.{kec_no:02d}"
            for sub in range(SPLIT * SPLIT):
                lon0 = ORIGIN_LON + col * KECAMATAN_DEG + (sub % SPLIT) * step
                lat0 = ORIGIN_LAT + row * KECAMATAN_DEG + (sub // SPLIT) * step
                ring = [[lon0, lat0], [lon0 + step, lat0], [lon0 + step, lat0 + step], [lon0, lat0 + step], [lon0, lat0]]
                features.append({
                    "type": "Feature",
                    "properties": {
                        "code": f"{kec_code}.{1001 + sub}",
                        "level": "kelurahan",
                        "name": f"Kelurahan Contoh {kec_no}-{sub + 1}",
                        "parent_code": kec_code,
                        "parent_name": f"Kecamatan Contoh {kec_no}",
                    },
                    "geometry": {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]},
                })
    return {"type": "FeatureCollection", "name": SAMPLE_CITY_NAME, "features": features}


def write_sample_city(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "sample_city_kelurahan.geojson"
    path.write_text(json.dumps(sample_city_features()), encoding="utf-8")
    return path
