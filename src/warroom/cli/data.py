"""`warroom import ...`: the city's own data, validated and imported all-or-nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from warroom.auth.principal import cli_principal
from warroom.city.schemas import AreaLevel, ImportResult
from warroom.cli.base import ConfigOption, DataDirOption, console, open_warroom

import_app = typer.Typer(help="Import the city's data (boundaries, agencies).", no_args_is_help=True)

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


def _report(result: ImportResult, what: str) -> None:
    extra = ", ".join(f"{k}: {v}" for k, v in result.details.items())
    console.print(f"imported {result.imported} {what}" + (f" ({extra})" if extra else ""), highlight=False)
    for problem in result.skipped:
        console.print(f"  skipped {problem.where}: {problem.reason}", highlight=False)
