"""The `warroom` command. Each sub-command lives in a small module beside this one."""

from __future__ import annotations

import sys

from warroom.cli.admin import apikey_app, user_app
from warroom.cli.appkeys import appkey_app
from warroom.cli.base import app, fail
from warroom.cli.data import export_app, import_app
from warroom.cli.report import report_app
from warroom.cli.run import demo, serve  # noqa: F401 - registers the commands
from warroom.cli.system import bench_app, config_app, db_app, docs_app
from warroom.errors import WarroomError

app.add_typer(db_app, name="db")
app.add_typer(config_app, name="config")
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")
app.add_typer(user_app, name="user")
app.add_typer(apikey_app, name="apikey")
app.add_typer(appkey_app, name="appkey")
app.add_typer(report_app, name="report")
app.add_typer(bench_app, name="bench")
app.add_typer(docs_app, name="docs")


def main() -> None:
    try:
        app(standalone_mode=True)
    except WarroomError as err:
        fail(err)
        sys.exit(1)
