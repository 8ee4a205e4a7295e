"""Stand-ins for thousands of city applications, in their own processes, for `warroom bench probes`.

Each process listens on a few ports and speaks just enough HTTP/1.1 for a probe: `/ok/{name}`
answers a small health JSON at once, `/slow/{name}` only after longer than any probe waits. Every
answer closes its connection, so each probe pays for a fresh TCP connection, as probing 10,000
different hosts would (keep-alive to four local ports would flatter the prober). The servers run
in processes of their own so their CPU is not counted as the prober's and they do not share its
event loop; they are a bare asyncio protocol rather than an aiohttp app because on a two-core
machine the stand-ins' own CPU would otherwise decide the result.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import socket
import time
from pathlib import Path
from typing import Any


def free_port() -> int:
    """A port nothing listens on right now (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


OK_BODY = b'{"status": "up"}'
RESPONSE = b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s"


class _Target(asyncio.Protocol):
    """One connection: read the request head, answer (now or after `slow_s`), close."""

    def __init__(self, slow_s: float) -> None:
        self._slow_s = slow_s
        self._head = b""
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self._head += data
        if b"\r\n\r\n" not in self._head:
            if len(self._head) > 16384:
                self._answer(431, b"Request Header Fields Too Large", b"")
            return
        parts = self._head.split(b"\r\n", 1)[0].split(b" ")
        path = parts[1] if len(parts) == 3 else b""
        if path.startswith(b"/ok/"):
            self._answer(200, b"OK", OK_BODY)
        elif path.startswith(b"/slow/"):
            asyncio.get_running_loop().call_later(self._slow_s, self._answer, 200, b"OK", OK_BODY)
        else:
            self._answer(404, b"Not Found", b"")

    def _answer(self, status: int, reason: bytes, body: bytes) -> None:
        if self._transport is None or self._transport.is_closing():
            return  # the prober gave up on a slow answer and hung up
        self._transport.write(RESPONSE % (status, reason, len(body), body))
        self._transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None


def _serve(ports: list[int], slow_s: float, ready: Any) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        for port in ports:
            await loop.create_server(lambda: _Target(slow_s), "127.0.0.1", port, backlog=4096)
        ready.set()
        await asyncio.Event().wait()  # until terminated

    asyncio.run(main())


class AppServers:
    """`processes` servers of `ports_each` ports; `bases` are their URLs, `refused` a closed port's."""

    def __init__(self, *, processes: int = 2, ports_each: int = 2, slow_s: float = 5.0) -> None:
        context = multiprocessing.get_context("spawn")
        self.processes = processes
        self._ports = [[free_port() for _ in range(ports_each)] for _ in range(processes)]
        self._events = [context.Event() for _ in range(processes)]
        self._processes = [
            context.Process(target=_serve, args=(ports, slow_s, ready), daemon=True, name=f"warroom-bench-apps-{n}")
            for n, (ports, ready) in enumerate(zip(self._ports, self._events))
        ]
        self.bases = [f"http://127.0.0.1:{port}" for ports in self._ports for port in ports]
        self.refused = f"http://127.0.0.1:{free_port()}"

    def start(self) -> None:
        for process in self._processes:
            process.start()
        deadline = time.monotonic() + 60
        for process, ready in zip(self._processes, self._events):
            while not ready.wait(0.1):
                if not process.is_alive() or time.monotonic() > deadline:
                    raise RuntimeError("the benchmark's app servers did not start")
        deadline = time.monotonic() + 10
        for ports in self._ports:
            for port in ports:
                while True:
                    try:
                        with socket.create_connection(("127.0.0.1", port), timeout=1):
                            break
                    except OSError:
                        if time.monotonic() > deadline:
                            raise RuntimeError(f"the benchmark's app server on port {port} is not listening") from None
                        time.sleep(0.05)

    def cpu_seconds(self) -> float:
        """CPU used by the server processes so far (from /proc: they are still running)."""
        total = 0.0
        for process in self._processes:
            try:
                fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, TypeError):
                continue
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return round(total, 2)

    def stop(self) -> None:
        for process in self._processes:
            if process.is_alive():
                process.terminate()
        for process in self._processes:
            process.join(10)
