"""A stand-in for thousands of snapshot cameras, in its own process, for `warroom bench health`.

Frames are rendered and JPEG-encoded once at start (a pool per scene and per fault), so serving
costs the server little and the benchmark measures warroom, not the fake cameras. Each camera
hands out the next frame of its pool on every request; after `inject`, the chosen cameras fail:
offline answers 503, frozen repeats one frame, the others serve frames of their fault.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import socket
import time
import urllib.request
from pathlib import Path
from typing import Any

POOL = 8  # frames per view: a camera never shows the same frame twice in a row
VIEWS = 4  # different street and alley views; camera n shows view n % VIEWS
SIZE = (640, 480)
SCENES = ("street", "lorong")
FRAME_FAULTS = ("black", "blurred", "covered", "moved")


def _render_pools() -> dict[tuple[str, int, str | None], list[bytes]]:
    from warroom.cameras.sources.synthetic import encode_jpeg, render_frame

    pools: dict[tuple[str, int, str | None], list[bytes]] = {}
    for scene in SCENES:
        for view in range(VIEWS):
            for fault in (None, *FRAME_FAULTS):
                pools[(scene, view, fault)] = [
                    encode_jpeg(render_frame(scene, 1000 + view, 3.7 * k, fault=fault, size=SIZE)) for k in range(POOL)
                ]
    return pools


def _serve(port: int, ready: Any) -> None:
    from aiohttp import web

    pools = _render_pools()
    faults: dict[int, str] = {}
    served: dict[int, int] = {}

    async def frame(request: web.Request) -> web.Response:
        number = int(request.match_info["number"])
        scene = request.query.get("scene", "street")
        fault = faults.get(number)
        if fault == "offline":
            return web.Response(status=503, text="camera unreachable")
        count = served[number] = served.get(number, 0) + 1
        view = number % VIEWS
        if fault == "frozen":
            body = pools[(scene, view, None)][0]
        else:
            body = pools[(scene, view, fault)][(number + count) % POOL]
        return web.Response(body=body, content_type="image/jpeg")

    async def inject(request: web.Request) -> web.Response:
        faults.clear()
        faults.update({int(k): v for k, v in (await request.json()).items()})
        return web.json_response({"faults": len(faults)})

    app = web.Application()
    app.router.add_get("/cam/{number}.jpg", frame)
    app.router.add_post("/faults", inject)
    ready.set()
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None, backlog=4096)


class CameraServer:
    def __init__(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        context = multiprocessing.get_context("spawn")
        self._ready = context.Event()
        self._process = context.Process(target=_serve, args=(self.port, self._ready), daemon=True)

    def start(self) -> None:
        self._process.start()
        if not self._ready.wait(120):
            raise RuntimeError("the benchmark's camera server did not start")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the benchmark's camera server is not listening")

    def inject(self, plan: dict[int, str]) -> None:
        body = json.dumps({str(k): v for k, v in plan.items()}).encode()
        request = urllib.request.Request(f"{self.url}/faults", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    def cpu_seconds(self) -> float:
        pid = self._process.pid
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, TypeError):
            return 0.0
        return round((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), 2)

    def stop(self) -> None:
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(10)
