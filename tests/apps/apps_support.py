"""Shared by the app tests (imported, not a conftest): a fake city application on a real aiohttp
server in a thread whose answers the test sets (`server.mode["flap"] = False` makes /flap fail),
plus agencies to own the apps."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator

import pytest
from aiohttp import web

from warroom.auth.principal import cli_principal
from warroom.city.schemas import AgencyIn
from warroom.container import WarRoom


class FakeApp:
    def __init__(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.mode = {"flap": True}
        self.loop = asyncio.new_event_loop()
        self.started = threading.Event()
        self.runner: web.AppRunner | None = None
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _app(self) -> web.Application:
        async def ok(request: web.Request) -> web.Response:
            return web.json_response({"status": "up"})

        async def slow(request: web.Request) -> web.Response:
            await asyncio.sleep(0.3)
            return web.json_response({"status": "up"})

        async def flap(request: web.Request) -> web.Response:
            if self.mode["flap"]:
                return web.json_response({"status": "up"})
            return web.json_response({"status": "down"}, status=503)

        async def fail(request: web.Request) -> web.Response:
            return web.Response(status=500, text="Internal Server Error")

        app = web.Application()
        for path, handler in [("/ok", ok), ("/slow", slow), ("/flap", flap), ("/fail", fail)]:
            app.router.add_get(path, handler)
        return app

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.runner = web.AppRunner(self._app(), shutdown_timeout=1.0)
        self.loop.run_until_complete(self.runner.setup())
        self.loop.run_until_complete(web.TCPSite(self.runner, "127.0.0.1", self.port).start())
        self.started.set()
        self.loop.run_forever()

    def stop(self) -> None:
        if self.runner is not None:
            asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def probe(self, path: str, **extra: object) -> dict[str, object]:
        return {"type": "http", "url": self.url(path), "timeout_s": 3, **extra}


@pytest.fixture(scope="module")
def fake_app() -> Iterator[FakeApp]:
    server = FakeApp()
    server.thread.start()
    assert server.started.wait(10), "the fake app did not start within 10 s"
    yield server
    server.stop()


@pytest.fixture
def flapper(fake_app: FakeApp) -> Iterator[FakeApp]:
    fake_app.mode["flap"] = True
    yield fake_app
    fake_app.mode["flap"] = True


@pytest.fixture
def agencies(wr: WarRoom) -> WarRoom:
    for code, name in (("DISKOMINFO", "Dinas Komunikasi dan Informatika"), ("BAPENDA", "Badan Pendapatan Daerah")):
        wr.city.create_agency(AgencyIn(code=code, name=name), actor=cli_principal())
    return wr
