"""`warroom demo` (the whole war room, seeded) and `warroom serve` (an existing one)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn

from warroom.app import create_app
from warroom.auth.principal import cli_principal
from warroom.auth.schemas import UserIn
from warroom.cli.base import ConfigOption, DataDirOption, app, console, open_warroom
from warroom.container import WarRoom
from warroom.demo.pushes import prepare_demo_pushes, push_forever
from warroom.demo.seed import seed_demo
from warroom.demo.tls import start_demo_tls

SHUTDOWN_GRACE_S = 3
HostOption = Annotated[str | None, typer.Option("--host", help="Bind address (default from settings: 127.0.0.1).")]
PortOption = Annotated[int | None, typer.Option("--port", help="TCP port (default from settings: 8000).")]


@app.command()
def demo(
    city: Annotated[
        Path | None,
        typer.Option("--city", help="Folder with the city's *kecamatan*.geojson / *kelurahan*.geojson "
                     "(e.g. ../shared/data/makassar). Without it a labelled sample city is generated."),
    ] = None,
    data_dir: DataDirOption = None,
    host: HostOption = None,
    port: PortOption = None,
    config: ConfigOption = None,
) -> None:
    """Run the whole war room (SQLite in the data dir unless WARROOM_DATABASE_URL is set): migrate, load the city, agencies and an admin, then serve."""
    wr = open_warroom(config, data_dir)
    tls = start_demo_tls(wr.settings.data_dir)  # the demo app whose certificate is about to expire
    try:
        summary = seed_demo(wr, city, apps_base_url=f"http://127.0.0.1:{port or wr.settings.server.port}/demo-apps",
                            tls_port=tls.port)
        for line in summary:
            console.print(line, highlight=False)
        password = _ensure_admin(wr)
        pushers = prepare_demo_pushes(wr)
        base = f"http://127.0.0.1:{port or wr.settings.server.port}"
        _serve(wr, host, port, admin_password=password, demo_apps=True,
               background=[lambda: push_forever(base, pushers)] if pushers else [])
    finally:
        tls.stop()


@app.command()
def serve(
    data_dir: DataDirOption = None,
    host: HostOption = None,
    port: PortOption = None,
    config: ConfigOption = None,
) -> None:
    """Serve an existing war room (migrates the database first; seeds nothing)."""
    wr = open_warroom(config, data_dir)
    _serve(wr, host, port)


def _ensure_admin(wr: WarRoom) -> str | None:
    """Create `admin` on first run; its password is printed once and never stored in clear."""
    if wr.auth.user_exists("admin"):
        return None
    configured = wr.settings.admin_password
    password = configured.get_secret_value() if configured else secrets.token_urlsafe(12)
    wr.auth.create_user(UserIn(username="admin", password=password, role="admin"), actor=cli_principal())
    return password


def _serve(
    wr: WarRoom,
    host: str | None,
    port: int | None,
    admin_password: str | None = None,
    *,
    demo_apps: bool = False,
    background: Sequence[Callable[[], Coroutine[Any, Any, None]]] = (),
) -> None:
    server = wr.settings.server
    host, port = host or server.host, port or server.port
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host
    console.print(f"\n[bold]warroom[/] is starting at [link]http://{shown}:{port}/[/link]", highlight=False)
    if admin_password is not None:
        console.print(f"  sign in as [bold]admin[/] with password [bold]{admin_password}[/] (shown once)", highlight=False)
    elif wr.auth.user_exists("admin"):
        console.print("  sign in as [bold]admin[/] (password set on first run; reset: warroom user passwd admin)")
    console.print(f"  public status page: [link]http://{shown}:{port}/status[/link]", highlight=False)
    console.print("  press Ctrl-C to stop\n")
    try:
        uvicorn.run(
            create_app(wr, run_sweeps=True, demo_apps=demo_apps, background=background), host=host, port=port, log_level=wr.settings.log_level.lower(),
            proxy_headers=True, forwarded_allow_ips=server.forwarded_allow_ips,
            # Open live feeds (SSE) never end by themselves; without this, Ctrl-C waits forever.
            timeout_graceful_shutdown=SHUTDOWN_GRACE_S,
        )
    finally:
        wr.close()
