"""Reading a city's boundaries from GeoJSON, with every bad feature reported by index and reason.

Cities publish boundaries with their own property names. We read the generic names (`code`,
`name`, `level`, `parent_code`, `parent_name`) and the Indonesian Kemendagri ones
(`kode_kemendagri`, `kelurahan`, `kecamatan`, `kode_kecamatan`, `nama`), so the files of
github.com/cahyadsn/wilayah_boundaries and most BPS/BIG exports import without editing.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from warroom.city.schemas import AreaLevel, ImportProblem
from warroom.errors import InvalidInput

LEVEL_ALIASES: dict[str, AreaLevel] = {
    "kecamatan": "kecamatan",
    "district": "kecamatan",
    "kelurahan": "kelurahan",
    "desa": "kelurahan",
    "village": "kelurahan",
}
# Degrees of latitude/longitude are not equal in length; this is close enough for
# an area figure shown to operators (the official figures are in the city's own records).
_KM_PER_DEG = 111.32


@dataclass(frozen=True)
class ParsedArea:
    index: int
    code: str
    level: AreaLevel
    name: str
    geometry: BaseGeometry
    parent_code: str | None = None
    parent_name: str | None = None

    @property
    def area_km2(self) -> float:
        lat = self.geometry.centroid.y
        return round(self.geometry.area * _KM_PER_DEG**2 * math.cos(math.radians(lat)), 3)

    def geojson(self) -> str:
        return json.dumps(mapping(self.geometry), separators=(",", ":"))

    def label_point(self) -> tuple[float, float]:
        point = self.geometry.representative_point()
        return point.y, point.x


def read_feature_collection(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise InvalidInput(f"{path}: file not found") from err
    except UnicodeDecodeError as err:
        raise InvalidInput(f"{path}: not UTF-8 text; save the file as UTF-8 GeoJSON") from err
    except json.JSONDecodeError as err:
        raise InvalidInput(f"{path}: not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})") from err
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise InvalidInput(f"{path}: expected a GeoJSON FeatureCollection at the top level")
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise InvalidInput(f"{path}: the FeatureCollection has no features")
    return features


def parse_areas(
    features: list[dict[str, Any]], level: AreaLevel | None = None
) -> tuple[list[ParsedArea], list[ImportProblem]]:
    """Turn features into areas; each unusable feature becomes a problem (index and reason)."""
    areas: list[ParsedArea] = []
    problems: list[ImportProblem] = []
    seen: dict[str, int] = {}
    for index, feature in enumerate(features):
        try:
            area = _parse_feature(index, feature, level)
        except ValueError as err:
            problems.append(ImportProblem(where=f"feature {index}", reason=str(err)))
            continue
        if area.code in seen:
            problems.append(
                ImportProblem(
                    where=f"feature {index}",
                    reason=f"code {area.code} already used by feature {seen[area.code]}",
                )
            )
            continue
        seen[area.code] = index
        areas.append(area)
    return areas, problems


def _parse_feature(index: int, feature: Any, forced_level: AreaLevel | None) -> ParsedArea:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise ValueError("not a GeoJSON Feature")
    props = feature.get("properties") or {}
    if not isinstance(props, dict):
        raise ValueError("properties must be an object")
    level = forced_level or _level(props)
    code = _first(props, "code", "kode_kemendagri", "kode")
    if not code:
        raise ValueError("no area code (property 'code' or 'kode_kemendagri')")
    name = _first(props, "name", "nama", level)
    if not name:
        raise ValueError(f"no name (property 'name', 'nama' or '{level}')")
    parent_code = parent_name = None
    if level == "kelurahan":
        parent_code = _first(props, "parent_code", "kode_kecamatan")
        parent_name = _first(props, "parent_name", "kecamatan")
        if not parent_code:
            raise ValueError("a kelurahan needs its kecamatan's code ('parent_code' or 'kode_kecamatan')")
    return ParsedArea(
        index=index,
        code=code,
        level=level,
        name=name,
        geometry=_geometry(feature.get("geometry")),
        parent_code=parent_code,
        parent_name=parent_name,
    )


def _level(props: dict[str, Any]) -> AreaLevel:
    raw = props.get("level")
    if raw is not None:
        level = LEVEL_ALIASES.get(str(raw).strip().lower())
        if level is None:
            raise ValueError(f"unknown level {raw!r}; use 'kecamatan' or 'kelurahan'")
        return level
    if props.get("kelurahan") or props.get("desa"):
        return "kelurahan"
    if props.get("kecamatan"):
        return "kecamatan"
    raise ValueError("cannot tell kecamatan from kelurahan: add a 'level' property or pass --level")


def _first(props: dict[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = props.get(key)
        if value is not None and str(value).strip():
            return str(value).strip()
    return None


def _geometry(raw: Any) -> BaseGeometry:
    if not isinstance(raw, dict):
        raise ValueError("missing geometry")
    if raw.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValueError(f"geometry is {raw.get('type')!r}; areas must be Polygon or MultiPolygon")
    try:
        geom = shape(raw)
    except Exception as err:  # noqa: BLE001 - shapely raises several types for malformed input
        raise ValueError(f"malformed coordinates: {err}") from err
    if geom.is_empty:
        raise ValueError("empty geometry")
    min_x, min_y, max_x, max_y = geom.bounds
    if not (-180 <= min_x <= max_x <= 180 and -90 <= min_y <= max_y <= 90):
        raise ValueError(
            "coordinates are not longitude/latitude (EPSG:4326, [lon, lat]); "
            "re-project the file or check for swapped axes"
        )
    if not geom.is_valid:
        raise ValueError(f"invalid polygon: {explain_validity(geom)}")
    return geom


def dissolve(parts: list[BaseGeometry]) -> BaseGeometry:
    """The union of kelurahan, used when a file has kelurahan but no kecamatan polygons."""
    return shapely.union_all(parts)
