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

from pydantic import ValidationError

from warroom.cameras.schemas import CameraIn
from warroom.city.schemas import ImportProblem
from warroom.errors import InvalidInput

COLUMNS = ("name", "kind", "lat", "lon", "stream_url", "username", "password", "agency_code", "tags", "enabled", "privacy_masks")
REQUIRED = ("name", "lat", "lon", "stream_url")
EXPORT_COLUMNS = tuple(c for c in COLUMNS if c != "password")


def read_cameras(path: Path) -> tuple[list[tuple[str, CameraIn]], list[ImportProblem]]:
    """(where, camera) for every good row, and a problem for every bad one."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as err:
        raise InvalidInput(f"{path}: file not found") from err
    except UnicodeDecodeError as err:
        raise InvalidInput(f"{path}: not UTF-8 text; save it as UTF-8") from err
    rows = _geojson_rows(path, text) if path.suffix.lower() in (".geojson", ".json") else _csv_rows(path, text)
    cameras: list[tuple[str, CameraIn]] = []
    problems: list[ImportProblem] = []
    for where, values in rows:
        try:
            cameras.append((where, CameraIn.model_validate(_clean(values))))
        except (ValidationError, ValueError) as err:
            problems.append(ImportProblem(where=where, reason=_reason(err)))
    if not cameras and not problems:
        raise InvalidInput(f"{path}: no cameras in the file")
    return cameras, problems


def fail_if_problems(path: Path, problems: list[ImportProblem]) -> None:
    """All of a file's problems at once, in file order, so one round of fixes is enough."""
    if problems:
        problems = sorted(problems, key=lambda p: int(p.where.rsplit(" ", 1)[-1]))
        raise InvalidInput(
            f"{path}: {len(problems)} bad row(s), nothing was imported "
            f"(first: {problems[0].where}: {problems[0].reason})",
            details=[p.model_dump() for p in problems],
        )


def _csv_rows(path: Path, text: str) -> list[tuple[str, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    if missing or unknown:
        raise InvalidInput(
            f"{path}: the header needs {', '.join(REQUIRED)} (optional: "
            f"{', '.join(c for c in COLUMNS if c not in REQUIRED)}); missing: {', '.join(missing) or '-'}; "
            f"unknown: {', '.join(unknown) or '-'}"
        )
    rows = []
    for row in reader:
        if None in row:
            rows.append((f"line {reader.line_num}", {"__error__": "more fields than the header has"}))
            continue
        rows.append((f"line {reader.line_num}", {k.strip(): v for k, v in row.items()}))
    return rows


def _geojson_rows(path: Path, text: str) -> list[tuple[str, dict[str, Any]]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise InvalidInput(f"{path}: not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})") from err
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise InvalidInput(f"{path}: expected a GeoJSON FeatureCollection of camera points")
    rows = []
    for index, feature in enumerate(data.get("features") or []):
        where = f"feature {index}"
        geometry = (feature or {}).get("geometry") or {}
        if geometry.get("type") != "Point" or len(geometry.get("coordinates") or []) < 2:
            rows.append((where, {"__error__": "geometry must be a Point [lon, lat]"}))
            continue
        lon, lat = geometry["coordinates"][:2]
        rows.append((where, {**(feature.get("properties") or {}), "lat": lat, "lon": lon}))
    return rows


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    if "__error__" in values:
        raise ValueError(values["__error__"])
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, str):
            value = value.strip()
            if value == "":
                continue
        if key == "tags" and isinstance(value, str):
            value = [t.strip() for t in value.split(";") if t.strip()]
        elif key == "enabled" and isinstance(value, str):
            if value.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError(f"enabled must be true or false, not {value!r}")
            value = value.lower() in ("true", "1", "yes")
        elif key == "privacy_masks" and isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError as err:
                raise ValueError(f"privacy_masks must be JSON like [[[0,0],[0.3,0],[0.3,0.2]]]: {err.msg}") from err
        elif key == "kind" and isinstance(value, str):
            value = value.lower()
        out[key] = value
    return out


def _reason(err: Exception) -> str:
    if isinstance(err, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'row'}: {e['msg']}" for e in err.errors())
    return str(err)


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
