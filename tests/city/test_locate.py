"""Point lookup: exact on the real polygons, for every one of Makassar's 153 kelurahan."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from warroom.container import WarRoom
from warroom.errors import InvalidInput, OutsideCity


def test_every_kelurahan_label_point_locates_to_that_kelurahan(makassar: WarRoom, makassar_dir: Path) -> None:
    features = json.loads((makassar_dir / "makassar_kelurahan.geojson").read_text())["features"]
    assert len(features) == 153
    for feature in features:
        props = feature["properties"]
        location = makassar.city.locate(props["label_lat"], props["label_lng"])
        assert location.kelurahan is not None
        assert (location.kelurahan.code, location.kelurahan.name) == (props["kode_kemendagri"], props["kelurahan"])
        assert (location.kecamatan.code, location.kecamatan.name) == (props["kode_kecamatan"], props["kecamatan"])


def test_city_hall_is_in_ujung_pandang(makassar: WarRoom) -> None:
    # Balai Kota Makassar, Jl. Ahmad Yani.
    location = makassar.city.locate(-5.1345, 119.4125)
    assert location.kecamatan.name == "Ujung Pandang"


def test_the_sea_is_outside_the_city(makassar: WarRoom) -> None:
    with pytest.raises(OutsideCity) as err:
        makassar.city.locate(-5.13, 119.30)  # Makassar Strait, between the coast and the islands
    assert "outside the city" in err.value.message and "latitude first" in err.value.message


def test_swapped_coordinates_are_refused_with_a_hint(makassar: WarRoom) -> None:
    with pytest.raises(InvalidInput, match="latitude comes first"):
        makassar.city.locate(119.42, -5.14)


def test_batched_lookup_agrees_with_single_lookups(makassar: WarRoom) -> None:
    index = makassar.city.index()
    min_lon, min_lat, max_lon, max_lat = index.bounds  # type: ignore[misc]
    rng = np.random.default_rng(7)
    lats, lons = rng.uniform(min_lat, max_lat, 3000), rng.uniform(min_lon, max_lon, 3000)
    batch = index.locate_many(lats, lons)
    single = [index.locate(la, lo) for la, lo in zip(lats.tolist(), lons.tolist())]
    assert batch == single
    assert any(loc is not None for loc in single) and any(loc is None for loc in single)


def test_a_point_on_a_shared_border_belongs_to_the_lowest_code(sample_city: WarRoom) -> None:
    # Sample city kelurahan are 0.02° squares from (118.60, -5.30); x = 118.62 is a shared edge.
    location = sample_city.city.locate(-5.29, 118.62)
    assert location.kelurahan is not None and location.kelurahan.code == "99.01.01.1001"


def test_index_follows_a_new_import(sample_city: WarRoom, makassar_dir: Path) -> None:
    from warroom.auth.principal import cli_principal

    with pytest.raises(OutsideCity):
        sample_city.city.locate(-5.1345, 119.4125)
    sample_city.city.import_areas(makassar_dir / "makassar_kelurahan.geojson", actor=cli_principal())
    assert sample_city.city.locate(-5.1345, 119.4125).kecamatan.name == "Ujung Pandang"


def test_another_process_import_is_noticed(sample_city: WarRoom, settings, makassar_dir: Path) -> None:  # type: ignore[no-untyped-def]
    """A second war room on the same database stands for the CLI importing while a server runs."""
    from warroom.auth.principal import cli_principal
    from warroom.container import build_warroom

    assert sample_city.city.poll_areas_version() is None  # first look: nothing changed
    other = build_warroom(settings)
    try:
        other.city.import_areas(makassar_dir / "makassar_kelurahan.geojson", actor=cli_principal())
    finally:
        other.close()
    event = sample_city.city.poll_areas_version()
    assert event is not None and event.payload.kelurahan == 36 + 153
    assert sample_city.city.locate(-5.1345, 119.4125).kecamatan.name == "Ujung Pandang"
    assert sample_city.city.poll_areas_version() is None
