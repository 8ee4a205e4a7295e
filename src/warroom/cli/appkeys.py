"""`warroom appkey ...`: the keys city apps push their own metrics and events with."""

from __future__ import annotations

from typing import Annotated

import typer

from warroom.auth.principal import cli_principal
from warroom.auth.schemas import AppKeyIn
from warroom.cli.admin import _validated
from warroom.cli.base import ConfigOption, DataDirOption, console, open_warroom

appkey_app = typer.Typer(help="Manage the push keys of city apps (ingest API).", no_args_is_help=True)


@appkey_app.command("add")
def appkey_add(
    app_id: Annotated[int, typer.Argument(help="Id of the app (see GET /api/v1/apps).")],
    name: Annotated[str | None, typer.Option("--name", help="A label for the key; default: the app's name.")] = None,
    expires_in_days: Annotated[int | None, typer.Option("--expires-in-days", help="Default: never.")] = None,
    data_dir: DataDirOption = None,
    config: ConfigOption = None,
) -> None:
    """Create a push key for one app; the key is printed alone on the last line, once."""
    wr = open_warroom(config, data_dir)
    data = _validated(AppKeyIn, name=name, expires_in_days=expires_in_days)
    created = wr.app_ingest.create_key(app_id, data, actor=cli_principal())
    console.print(f"app key {created.id} ({created.name}) of app {created.app_id}, for its pushes only")
    console.print("store it now; it cannot be shown again:")
    print(created.key)


@appkey_app.command("list")
def appkey_list(
    app_id: Annotated[int, typer.Argument(help="Id of the app.")],
    data_dir: DataDirOption = None,
    config: ConfigOption = None,
) -> None:
    """List an app's keys (never the keys themselves)."""
    wr = open_warroom(config, data_dir)
    for key in wr.app_ingest.keys(app_id):
        state = "revoked" if key.revoked_at else "active"
        used = key.last_used_at.isoformat(timespec="seconds") if key.last_used_at else "never used"
        print(f"{key.id}\t{key.name}\t{state}\t{used}")


@appkey_app.command("revoke")
def appkey_revoke(
    key_id: Annotated[int, typer.Argument(help="Id from `warroom appkey list APP_ID`.")],
    data_dir: DataDirOption = None,
    config: ConfigOption = None,
) -> None:
    """Revoke an app key at once."""
    wr = open_warroom(config, data_dir)
    key = wr.app_ingest.revoke_key(key_id, actor=cli_principal())
    console.print(f"revoked app key {key.id} ({key.name}) of app {key.app_id}")
