"""Importing boundaries: real Makassar files, and every kind of bad feature reported by index."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from warroom.auth.principal import cli_principal
from warroom.container import WarRoom
from warroom.errors import InvalidInput

ACTOR = cli_principal()


def square(lon: float, lat: float, size: float = 0.01) -> dict[str, Any]:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def kelurahan(code: str, name: str, parent: str, geometry: dict[str, Any]) -> dict[str, Any]:
    props = {"code": code, "name": name, "level": "kelurahan", "parent_code": parent, "parent_name": f"Kec {parent}"}
    return {"type": "Feature", "properties": props, "geometry": geometry}


def write(tmp_path: Path, features: list[Any], name: str = "areas.geojson") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def test_makassar_kecamatan_then_kelurahan(wr: WarRoom, makassar_dir: Path) -> None:
    first = wr.city.import_areas(makassar_dir / "makassar_kecamatan.geojson", actor=ACTOR)
    second = wr.city.import_areas(makassar_dir / "makassar_kelurahan.geojson", actor=ACTOR)
    assert first.imported == 15 and second.imported == 153
    city = wr.city.city()
    assert city.name == "Kota Makassar"
    assert (city.counts.kecamatan, city.counts.kelurahan) == (15, 153)
    areas = wr.city.areas_geojson("kecamatan")["features"]
    counts = {f["properties"]["name"]: f["properties"]["kelurahan_count"] for f in areas}
    assert sum(counts.values()) == 153
    assert counts["Mariso"] == 9  # from the file's jumlah_kelurahan


def test_kelurahan_alone_dissolves_into_kecamatan(wr: WarRoom, makassar_dir: Path) -> None:
    result = wr.city.import_areas(makassar_dir / "makassar_kelurahan.geojson", actor=ACTOR)
    assert result.details == {"kecamatan": 15, "kelurahan": 153}
    names = sorted(f["properties"]["name"] for f in wr.city.areas_geojson("kecamatan")["features"])
    assert len(names) == 15 and "Ujung Pandang" in names and "Kepulauan Sangkarrang" in names


def test_reimport_updates_in_place(wr: WarRoom, makassar_dir: Path) -> None:
    path = makassar_dir / "makassar_kelurahan.geojson"
    wr.city.import_areas(path, actor=ACTOR)
    wr.city.import_areas(path, actor=ACTOR)
    counts = wr.city.city().counts
    assert (counts.kecamatan, counts.kelurahan) == (15, 153)


BAD_FEATURES: list[tuple[Any, str]] = [
    ({"type": "Feature", "properties": {"code": "1", "name": "A", "level": "kelurahan", "parent_code": "9"},
      "geometry": {"type": "Point", "coordinates": [119.4, -5.1]}}, "must be Polygon or MultiPolygon"),
    (kelurahan("2", "Bowtie", "9", {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}),
     "Self-intersection"),
    (kelurahan("3", "Swapped", "9", square(-5.1, 119.4)), "swapped axes"),
    ({"type": "Feature", "properties": {"name": "No code", "level": "kelurahan", "parent_code": "9"},
      "geometry": square(119.4, -5.1)}, "no area code"),
    ({"type": "Feature", "properties": {"code": "5", "level": "kelurahan", "parent_code": "9"},
      "geometry": square(119.4, -5.1)}, "no name"),
    ({"type": "Feature", "properties": {"code": "6", "name": "Orphan", "level": "kelurahan"},
      "geometry": square(119.4, -5.1)}, "kecamatan's code"),
    ({"type": "Feature", "properties": {"code": "7", "name": "What"}, "geometry": square(119.4, -5.1)},
     "cannot tell kecamatan from kelurahan"),
    ({"type": "Feature", "properties": {"code": "8", "name": "X", "level": "rt"}, "geometry": square(119.4, -5.1)},
     "unknown level"),
    ("not a feature", "not a GeoJSON Feature"),
    ({"type": "Feature", "properties": {"code": "10", "name": "Broken", "level": "kecamatan"},
      "geometry": {"type": "Polygon", "coordinates": [[[1, 2], [3]]]}}, "malformed coordinates"),
]


@pytest.mark.parametrize(("feature", "reason"), BAD_FEATURES)
def test_each_bad_feature_is_reported_by_index_and_nothing_is_imported(
    wr: WarRoom, tmp_path: Path, feature: Any, reason: str
) -> None:
    good = kelurahan("73.01.01.1001", "Good", "73.01.01", square(119.40, -5.10))
    path = write(tmp_path, [good, feature])
    with pytest.raises(InvalidInput) as err:
        wr.city.import_areas(path, actor=ACTOR)
    problems = err.value.details
    assert problems[0]["where"] == "feature 1"
    assert reason in problems[0]["reason"]
    assert "nothing was imported" in err.value.message and "--skip-invalid" in err.value.message
    assert wr.city.city().counts.kelurahan == 0


def test_skip_invalid_imports_the_good_and_lists_the_bad(wr: WarRoom, tmp_path: Path) -> None:
    features = [
        kelurahan("73.01.01.1001", "Good A", "73.01.01", square(119.40, -5.10)),
        kelurahan("73.01.01.1002", "Swapped", "73.01.01", square(-5.10, 119.41)),
        kelurahan("73.01.01.1003", "Good B", "73.01.01", square(119.41, -5.10)),
        kelurahan("73.01.01.1001", "Duplicate", "73.01.01", square(119.42, -5.10)),
    ]
    result = wr.city.import_areas(write(tmp_path, features), actor=ACTOR, skip_invalid=True)
    assert result.imported == 2
    assert [p.where for p in result.skipped] == ["feature 1", "feature 3"]
    assert "already used by feature 0" in result.skipped[1].reason
    assert wr.city.city().counts.kelurahan == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", r"not valid JSON \(line 1"),
        ('{"type": "Feature"}', "expected a GeoJSON FeatureCollection"),
        ('{"type": "FeatureCollection", "features": []}', "has no features"),
    ],
)
def test_malformed_files(wr: WarRoom, tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.geojson"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidInput, match=message):
        wr.city.import_areas(path, actor=ACTOR)


def test_missing_file(wr: WarRoom, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="file not found"):
        wr.city.import_areas(tmp_path / "nope.geojson", actor=ACTOR)


def test_import_is_audited(wr: WarRoom, tmp_path: Path) -> None:
    path = write(tmp_path, [kelurahan("73.01.01.1001", "Good", "73.01.01", square(119.40, -5.10))])
    wr.city.import_areas(path, actor=ACTOR)
    entry = wr.audit.entries(action="city.import_areas")[0]
    assert entry.actor == ACTOR.name and entry.target == "areas.geojson"
    assert entry.details["kelurahan"] == 1
