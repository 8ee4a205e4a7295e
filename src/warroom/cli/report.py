"""`warroom report ...`: reports written to files (the monthly SLA report of the city's apps)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from warroom.apps.sla_render import to_csv, to_pdf
from warroom.cli.base import ConfigOption, DataDirOption, console, open_warroom

report_app = typer.Typer(help="Reports (the apps' monthly SLA report).", no_args_is_help=True)
FORMATS = ("csv", "pdf", "json")


@report_app.command("sla")
def report_sla(
    month: Annotated[str, typer.Option("--month", help="Local calendar month, YYYY-MM (e.g. 2026-11).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write.")],
    agency: Annotated[str | None, typer.Option("--agency", help="Only this agency's apps (its code).")] = None,
    format: Annotated[  # noqa: A002 - the option is called --format
        str | None, typer.Option("--format", help="csv, pdf or json; default: from the file's extension, else csv.")
    ] = None,
    data_dir: DataDirOption = None,
    config: ConfigOption = None,
) -> None:
    """Uptime, outages and minutes down per app and per agency for one month (see docs/apps.md)."""
    kind = (format or output.suffix.lstrip(".") or "csv").lower()
    if format is None and kind not in FORMATS:
        kind = "csv"
    if kind not in FORMATS:
        raise typer.BadParameter("use csv, pdf or json", param_hint="--format")
    wr = open_warroom(config, data_dir)
    try:
        report = wr.app_sla.report(month, agency)
    finally:
        wr.close()
    if kind == "pdf":
        output.write_bytes(to_pdf(report))
    elif kind == "csv":
        output.write_text(to_csv(report), encoding="utf-8", newline="")
    else:
        output.write_text(report.model_dump_json(indent=2), encoding="utf-8")
    total = report.total
    uptime = "-" if total.uptime_pct is None else f"{total.uptime_pct:.3f} %"
    console.print(
        f"SLA {report.month}: {total.apps} apps, uptime {uptime}, {total.apps_met} met their target; wrote {output}",
        highlight=False,
    )
