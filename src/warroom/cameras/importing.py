"""Camera lists in and out: CSV or GeoJSON, every bad row named by line (or feature), all or nothing.

A city's camera list usually lives in a spreadsheet kept by Dinas Kominfo; this reads it as CSV
with the columns below, or a GeoJSON FeatureCollection of points with the same properties.
Passwords may be imported (then stored encrypted) but are never exported.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from warroom.cameras.schemas import CameraIn
from warroom.errors import InvalidInput
from warroom.importing import (
    ROW_ERROR,
    ImportProblem,
    Row,
    csv_rows,
    load_json,
    parse_bool,
    read_text,
    validate_rows,
)

COLUMNS = ("name", "kind", "lat", "lon", "stream_url", "username", "password", "agency_code", "tags", "enabled", "privacy_masks")
REQUIRED = ("name", "lat", "lon", "stream_url")
EXPORT_COLUMNS = tuple(c for c in COLUMNS if c != "password")


def read_cameras(path: Path) -> tuple[list[tuple[str, CameraIn]], list[ImportProblem]]:
    """(where, camera) for every good row, and a problem for every bad one."""
    text = read_text(path)
    if path.suffix.lower() in (".geojson", ".json"):
        rows = _geojson_rows(path, text)
    else:
        rows = csv_rows(path, text, COLUMNS, REQUIRED)
    cameras, problems = validate_rows(rows, CameraIn, _clean)
    if not cameras and not problems:
        raise InvalidInput(f"{path}: no cameras in the file")
    return cameras, problems


def _geojson_rows(path: Path, text: str) -> list[Row]:
    data = load_json(path, text)
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise InvalidInput(f"{path}: expected a GeoJSON FeatureCollection of camera points")
    rows = []
    for index, feature in enumerate(data.get("features") or []):
        where = f"feature {index}"
        geometry = (feature or {}).get("geometry") or {}
        if geometry.get("type") != "Point" or len(geometry.get("coordinates") or []) < 2:
            rows.append((where, {ROW_ERROR: "geometry must be a Point [lon, lat]"}))
            continue
        lon, lat = geometry["coordinates"][:2]
        rows.append((where, {**(feature.get("properties") or {}), "lat": lat, "lon": lon}))
    return rows


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, str):
            value = value.strip()
            if value == "":
                continue
        if key == "tags" and isinstance(value, str):
            value = [t.strip() for t in value.split(";") if t.strip()]
        elif key == "enabled" and isinstance(value, str):
            value = parse_bool(key, value)
        elif key == "privacy_masks" and isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError as err:
                raise ValueError(f"privacy_masks must be JSON like [[[0,0],[0.3,0],[0.3,0.2]]]: {err.msg}") from err
        elif key == "kind" and isinstance(value, str):
            value = value.lower()
        out[key] = value
    return out


def write_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({
            **{k: row.get(k) for k in EXPORT_COLUMNS},
            "tags": ";".join(row.get("tags") or []),
            "enabled": "true" if row.get("enabled") else "false",
            "privacy_masks": json.dumps(row.get("privacy_masks") or []) if row.get("privacy_masks") else "",
        })
    return out.getvalue()


def write_geojson(rows: list[dict[str, Any]]) -> str:
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
            "properties": {k: row.get(k) for k in EXPORT_COLUMNS if k not in ("lat", "lon")},
        }
        for row in rows
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, indent=1)
