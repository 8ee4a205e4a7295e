"""Seeding the demo war room: the city (real or sample), its agencies, cameras and apps.

Runs on every `warroom demo`, but only fills what is empty, so a second run reuses the data dir
as it was left (users, changes and all).
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from warroom.auth.principal import cli_principal
from warroom.container import WarRoom
from warroom.demo.apps import demo_apps, repoint_demo_apps
from warroom.demo.cameras import demo_cameras
from warroom.demo.report_catalog import demo_categories
from warroom.demo.sample_city import SAMPLE_CITY_NAME, write_sample_city
from warroom.errors import InvalidInput


def seed_demo(
    wr: WarRoom, city_dir: Path | None, *, apps_base_url: str | None = None, tls_port: int | None = None
) -> list[str]:
    """Load what the demo needs; returns lines telling the operator what was done.

    `apps_base_url` is where the demo server answers for its fake apps (`/demo-apps`); by
    default the configured server port on this machine. `tls_port` is the demo's HTTPS service
    with the expiring certificate (`demo.tls`), when it runs. Apps seeded by an earlier run are
    re-pointed at this run's ports.
    """
    lines: list[str] = []
    current = wr.city.city()
    if current.counts.kecamatan:
        lines.append(f"city: {current.name} ({current.counts.kecamatan} kecamatan, "
                     f"{current.counts.kelurahan} kelurahan) already in {wr.settings.data_dir}")
    elif city_dir is not None:
        lines.append(load_city_folder(wr, city_dir))
    else:
        path = write_sample_city(wr.settings.data_dir / "sample-city")
        wr.city.import_areas(path, actor=cli_principal(), city_name=SAMPLE_CITY_NAME)
        wr.city.set_city(SAMPLE_CITY_NAME, actor=cli_principal(), is_sample=True)
        lines.append(f"city: no --city given, generated the sample city '{SAMPLE_CITY_NAME}'")
    if not wr.city.agencies():
        with resources.as_file(resources.files("warroom.demo") / "agencies.csv") as csv_path:
            result = wr.city.import_agencies(csv_path, actor=cli_principal())
        lines.append(f"agencies: seeded {result.imported} Makassar SKPD")
    if wr.cameras.count() == 0:
        cameras = demo_cameras(wr)
        wr.cameras.create_many(cameras, actor=cli_principal())
        road = sum(1 for _, c in cameras if c.kind == "road")
        lines.append(f"cameras: registered {road} road and {len(cameras) - road} lorong cameras (synthetic)")
    if not wr.report_catalog.list(active_only=False):
        categories = demo_categories([a.code for a in wr.city.agencies()])
        wr.report_catalog.create_many(categories, actor=cli_principal())
        lines.append(f"reports: seeded {len(categories)} report categories (Open311 services)")
    base = apps_base_url or f"http://127.0.0.1:{wr.settings.server.port}/demo-apps"
    if wr.apps.count() == 0:
        apps = demo_apps([a.code for a in wr.city.agencies()], base, tls_port)
        wr.apps.create_many(apps, actor=cli_principal())
        lines.append(f"apps: registered {len(apps)} city apps, probed at the demo's own {base}")
    elif moved := repoint_demo_apps(wr, base, tls_port):
        lines.append(f"apps: {moved} demo apps re-pointed at this run's ports ({base})")
    return lines


def load_city_folder(wr: WarRoom, folder: Path) -> str:
    """Import a folder laid out like ../shared/data/makassar: kecamatan, kelurahan, city outline."""
    kecamatan = sorted(folder.glob("*kecamatan*.geojson"))
    kelurahan = sorted(folder.glob("*kelurahan*.geojson"))
    if not kelurahan and not kecamatan:
        raise InvalidInput(f"{folder}: no *kecamatan*.geojson or *kelurahan*.geojson file in this folder")
    for path in kecamatan + kelurahan:
        wr.city.import_areas(path, actor=cli_principal())
    name, code, population = _city_outline(folder)
    if name:
        wr.city.set_city(name, actor=cli_principal(), code=code, population=population)
    city = wr.city.city()
    return f"city: {city.name} ({city.counts.kecamatan} kecamatan, {city.counts.kelurahan} kelurahan) from {folder}"


def _city_outline(folder: Path) -> tuple[str | None, str | None, int | None]:
    """Name, code and population from a *kota*.geojson, when the folder has one."""
    for path in sorted(folder.glob("*kota*.geojson")):
        try:
            props = json.loads(path.read_text(encoding="utf-8"))["features"][0]["properties"]
        except (OSError, ValueError, KeyError, IndexError, TypeError) as err:
            raise InvalidInput(f"{path}: cannot read the city outline ({err})") from err
        population = props.get("penduduk_total") or props.get("population")
        return (
            props.get("nama") or props.get("name"),
            props.get("kode_kemendagri") or props.get("code"),
            int(population) if population is not None else None,
        )
    return None, None, None
