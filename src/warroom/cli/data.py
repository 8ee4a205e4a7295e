"""`warroom import ...`: the city's own data, validated and imported all-or-nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from warroom.auth.principal import cli_principal
from warroom.cameras.importing import write_csv, write_geojson
from warroom.city.schemas import AreaLevel, ImportResult
from warroom.cli.base import ConfigOption, DataDirOption, console, open_warroom

import_app = typer.Typer(help="Import the city's data (boundaries, agencies, cameras, apps).", no_args_is_help=True)
export_app = typer.Typer(help="Export the city's data.", no_args_is_help=True)

FileArg = Annotated[Path, typer.Argument(metavar="FILE", help="File to import.")]


@import_app.command("areas")
def import_areas(
    file: FileArg,
    level: Annotated[
        str | None, typer.Option("--level", help="kecamatan or kelurahan, when the file does not say.")
    ] = None,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Import the valid features and list the bad ones.")
    ] = False,
    city_name: Annotated[str | None, typer.Option("--city-name", help="Name of the city, e.g. 'Kota Makassar'.")] = None,
    data_dir: DataDirOption = None,
    config: ConfigOption = None,
) -> None:
    """Kecamatan/kelurahan boundaries from a GeoJSON FeatureCollection (EPSG:4326)."""
    if level not in (None, "kecamatan", "kelurahan"):
        raise typer.BadParameter("use kecamatan or kelurahan", param_hint="--level")
    wr = open_warroom(config, data_dir)
    parsed_level: AreaLevel | None = level  # type: ignore[assignment]
    result = wr.city.import_areas(
        file, actor=cli_principal(), level=parsed_level, skip_invalid=skip_invalid, city_name=city_name
    )
    _report(result, "areas")


@import_app.command("agencies")
def import_agencies(file: FileArg, data_dir: DataDirOption = None, config: ConfigOption = None) -> None:
    """Agencies (SKPD) from CSV with columns code,name[,contact_name,phone,email]."""
    wr = open_warroom(config, data_dir)
    _report(wr.city.import_agencies(file, actor=cli_principal()), "agencies")


@import_app.command("cameras")
def import_cameras(file: FileArg, data_dir: DataDirOption = None, config: ConfigOption = None) -> None:
    """Cameras from CSV (name,lat,lon,stream_url[,kind,username,password,agency_code,tags,enabled,privacy_masks]) or GeoJSON points."""
    wr = open_warroom(config, data_dir)
    _report(wr.cameras.import_file(file, actor=cli_principal()), "cameras")


@import_app.command("apps")
def import_apps(file: FileArg, data_dir: DataDirOption = None, config: ConfigOption = None) -> None:
    """Apps from CSV (name,agency_code,probes[,category,criticality,public_url,contact,interval_s,retries,maintenance,enabled]; probes and maintenance as JSON), or a JSON or YAML list of apps shaped like the API's body."""
    wr = open_warroom(config, data_dir)
    _report(wr.apps.import_file(file, actor=cli_principal()), "apps")


@export_app.command("cameras")
def export_cameras(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: standard output).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="csv or geojson.")] = "csv",
    data_dir: DataDirOption = None,
    config: ConfigOption = None,
) -> None:
    """Every camera as CSV or GeoJSON, in the format `warroom import cameras` reads (no passwords)."""
    if fmt not in ("csv", "geojson"):
        raise typer.BadParameter("use csv or geojson", param_hint="--format")
    wr = open_warroom(config, data_dir)
    rows = wr.cameras.export_rows()
    text = write_csv(rows) if fmt == "csv" else write_geojson(rows)
    if output is None:
        print(text, end="")
    else:
        output.write_text(text, encoding="utf-8")
        console.print(f"exported {len(rows)} cameras to {output}", highlight=False)


def _report(result: ImportResult, what: str) -> None:
    extra = ", ".join(f"{k}: {v}" for k, v in result.details.items())
    console.print(f"imported {result.imported} {what}" + (f" ({extra})" if extra else ""), highlight=False)
    for problem in result.skipped:
        console.print(f"  skipped {problem.where}: {problem.reason}", highlight=False)
