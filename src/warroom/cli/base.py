"""What every command shares: the Typer app, global options and turning errors into messages."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from warroom.config import Settings, load_settings
from warroom.container import WarRoom, build_warroom
from warroom.db import migrate
from warroom.errors import WarroomError

app = typer.Typer(
    name="warroom",
    help="warroom: an open smart-city command center.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
err_console = Console(stderr=True)
console = Console()

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Settings file (default: $WARROOM_CONFIG, else ./warroom.toml if present)."),
]
DataDirOption = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Data folder (default: $WARROOM_DATA_DIR, else data_dir in the settings file, else ./warroom-data)."),
]


def fail(err: WarroomError) -> None:
    """A clean message instead of a traceback, with the details that say which row or key."""
    err_console.print(f"[bold red]error:[/] {err.message}", highlight=False)
    details = err.details
    if isinstance(details, list):
        for item in details[:20]:
            if isinstance(item, dict) and "where" in item:
                err_console.print(f"  {item['where']}: {item.get('reason') or item.get('problem')}", highlight=False)
        if len(details) > 20:
            err_console.print(f"  ... and {len(details) - 20} more", highlight=False)


def settings_for(config: Path | None, data_dir: Path | None, **overrides: Any) -> Settings:
    return load_settings(config, data_dir=data_dir, **overrides)


def open_warroom(config: Path | None, data_dir: Path | None, *, upgrade: bool = True) -> WarRoom:
    """Settings → war room with its schema migrated (every command that touches data uses this)."""
    settings = settings_for(config, data_dir)
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)  # one line per migration step is noise
    wr = build_warroom(settings)
    if upgrade:
        migrate(wr.db)
    return wr
