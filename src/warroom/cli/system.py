"""`warroom db|config|bench|docs ...`: running the installation itself."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from warroom.cli.base import ConfigOption, DataDirOption, console, err_console, open_warroom, settings_for
from warroom.config import config_file_path, masked
from warroom.db import current_revision

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
config_app = typer.Typer(help="Settings.", no_args_is_help=True)
bench_app = typer.Typer(help="Reproducible benchmarks (--json prints one JSON object).", no_args_is_help=True)
docs_app = typer.Typer(help="Generate reference documentation.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(data_dir: DataDirOption = None, config: ConfigOption = None) -> None:
    """Apply all pending migrations."""
    wr = open_warroom(config, data_dir)
    console.print(f"database at revision {current_revision(wr.db)}")


@config_app.command("check")
def config_check(data_dir: DataDirOption = None, config: ConfigOption = None) -> None:
    """Validate the settings and print the effective values, secrets masked."""
    settings = settings_for(config, data_dir)
    source = config_file_path(config)
    # The verdict goes to stderr so stdout stays plain JSON for scripts.
    err_console.print(f"settings OK (file: {source or 'none'}; environment: WARROOM_*)", highlight=False)
    print(json.dumps(masked(settings), indent=2))


@bench_app.command("locate")
def bench_locate(
    city: Annotated[
        Path | None, typer.Option("--city", help="Folder with the city's GeoJSON (default: a generated sample city).")
    ] = None,
    points: Annotated[int, typer.Option("--points", min=1000, help="Lookups per measurement.")] = 100_000,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")] = False,
) -> None:
    """Point → kelurahan/kecamatan lookups per second (single calls and batched)."""
    from warroom.bench.locate import run

    _print_result(run(city, points), as_json)


@bench_app.command("health")
def bench_health(
    cameras: Annotated[int, typer.Option("--cameras", min=10, help="Snapshot cameras to sweep.")] = 7490,
    city: Annotated[
        Path | None, typer.Option("--city", help="Folder with the city's GeoJSON (default: a generated sample city).")
    ] = None,
    workers: Annotated[int, typer.Option("--workers", min=0, help="Check processes; 0 = one per core.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")] = False,
) -> None:
    """Real health sweeps over snapshot cameras served locally, with known faults injected."""
    from warroom.bench.health import run

    _print_result(run(cameras, city, workers), as_json)


@bench_app.command("probes")
def bench_probes(
    targets: Annotated[int, typer.Option("--targets", min=10, help="HTTP targets (one app each) in a sweep.")] = 10_000,
    slow_share: Annotated[
        float, typer.Option("--slow-share", min=0, max=0.5, help="Share of targets answering only after the timeout.")
    ] = 0.02,
    refused_share: Annotated[
        float, typer.Option("--refused-share", min=0, max=0.5, help="Share of targets on a port nothing listens on.")
    ] = 0.02,
    timeout: Annotated[float, typer.Option("--timeout", min=0.1, max=60, help="Each probe's timeout_s.")] = 2.0,
    duration: Annotated[
        float, typer.Option("--duration", min=1, help="Seconds of the 146-apps-at-20-s CPU measurement.")
    ] = 60.0,
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, max=5000, help="Probes in flight (apps.probe_concurrency) for the sweeps.")
    ] = 500,
    sweeps: Annotated[int, typer.Option("--sweeps", min=2, help="Sweeps timed; the slowest is reported.")] = 2,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")] = False,
) -> None:
    """Real app sweeps over local HTTP targets (some slow, some refusing), and the CPU of 146 apps every 20 s."""
    from warroom.bench.probes import run

    result = run(targets, slow_share=slow_share, refused_share=refused_share, timeout=timeout, duration=duration,
                 concurrency=concurrency, sweeps=sweeps)
    _print_result(result, as_json)


@bench_app.command("open311")
def bench_open311(
    requests: Annotated[int, typer.Option("--requests", min=1, help="Reports posted (POST requests.json).")] = 3000,
    clients: Annotated[int, typer.Option("--clients", min=1, max=1000, help="Concurrent HTTP clients.")] = 32,
    gets: Annotated[int, typer.Option("--gets", min=0, help="Reports read back afterwards (GET requests/{id}.json).")] = 1000,
    city: Annotated[
        Path | None, typer.Option("--city", help="Folder with the city's GeoJSON (default: a generated sample city).")
    ] = None,
    profile: Annotated[
        Path | None, typer.Option("--profile", help="Write the server's cProfile stats (CPU time, every thread) here.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")] = False,
) -> None:
    """Reports filed through the real Open311 API (uvicorn on loopback) by concurrent clients, then read back."""
    from warroom.bench.open311 import run

    _print_result(run(requests, clients, gets=gets, city_dir=city, profile=profile), as_json)


def _print_result(result: dict[str, object], as_json: bool) -> None:
    if as_json:
        print(json.dumps(result, indent=2))
        return
    for key, value in result.items():
        console.print(f"{key}: {value}", highlight=False)


@docs_app.command("config")
def docs_config() -> None:
    """The configuration reference (docs/configuration.md), from the settings model."""
    from warroom.docs import config_reference

    print(config_reference(), end="")


@docs_app.command("cli")
def docs_cli() -> None:
    """The CLI reference (docs/cli.md), from the commands themselves."""
    from warroom.docs import cli_reference

    print(cli_reference(), end="")
