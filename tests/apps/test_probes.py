"""Probes against real local servers: HTTP routes that misbehave on purpose, and HTTPS with a
self-signed certificate made here, valid for 10 days, so the TLS probe has a known answer.

One aiohttp server (plain and TLS sites on the same app) runs in a thread for the whole module;
each probe runs on its own event loop in the test thread, as a worker's would.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from pydantic import TypeAdapter, ValidationError

from warroom.apps.conditions import ConditionError, evaluate, parse_condition
from warroom.apps.probes import MAX_REDIRECTS, ProbeConfig, ProbeResult, run_probe
from warroom.demo.tls import write_self_signed

ADAPTER: TypeAdapter[Any] = TypeAdapter(ProbeConfig)
HUGE = 100 * 1024 * 1024
CERT_DAYS = 10


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for localhost and 127.0.0.1 that expires CERT_DAYS from now."""
    return write_self_signed(folder, CERT_DAYS)


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Servers:
    """The misbehaving application: HTTP on `port`, the same routes over TLS on `tls_port`."""

    def __init__(self, cert: Path, key: Path) -> None:
        self.port, self.tls_port = closed_port(), closed_port()
        self.tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.tls.load_cert_chain(cert, key)
        self.loop = asyncio.new_event_loop()
        self.started = threading.Event()
        self.loop_hits = 0
        self.huge_sent: int | None = None  # bytes written before the client hung up
        self.runner: web.AppRunner | None = None
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def app(self) -> web.Application:
        async def ok(request: web.Request) -> web.Response:
            return web.json_response({"status": "up", "checks": [{"name": "db", "ok": True}]})

        async def slow(request: web.Request) -> web.Response:
            await asyncio.sleep(0.5)
            return web.Response(text="slow but fine")

        async def broken(request: web.Request) -> web.Response:
            return web.Response(status=500, text="Internal Server Error")

        async def page(request: web.Request) -> web.Response:
            return web.Response(text="<h1>Layanan Perizinan Makassar</h1><p>Service OK</p>", content_type="text/html")

        async def loop(request: web.Request) -> web.Response:
            self.loop_hits += 1
            raise web.HTTPFound("/loop")

        async def hops(request: web.Request) -> web.Response:
            left = int(request.match_info["left"])
            raise web.HTTPFound(f"/hops/{left - 1}" if left > 1 else "/ok")

        async def drip(request: web.Request) -> web.StreamResponse:
            response = web.StreamResponse()
            await response.prepare(request)
            with contextlib.suppress(ConnectionError):  # the probe hanging up is the point
                for _ in range(30):
                    await response.write(b".")
                    await asyncio.sleep(1)
            return response

        async def huge(request: web.Request) -> web.StreamResponse:
            response = web.StreamResponse()  # chunked: no Content-Length to give the size away
            await response.prepare(request)
            chunk, sent = b"x" * 65536, 0
            try:
                while sent < HUGE:
                    await response.write(chunk)
                    sent += len(chunk)
            except ConnectionError:
                pass  # the probe stopped reading, as it should
            finally:
                self.huge_sent = sent
            return response

        async def declared(request: web.Request) -> web.StreamResponse:
            response = web.StreamResponse(headers={"Content-Length": str(HUGE)})
            await response.prepare(request)
            await response.write(b"x" * 1024)
            return response

        app = web.Application()
        for path, handler in [("/ok", ok), ("/slow", slow), ("/500", broken), ("/page", page), ("/loop", loop),
                              ("/hops/{left}", hops), ("/drip", drip), ("/huge", huge), ("/declared", declared)]:
            app.router.add_get(path, handler)
        return app

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.runner = web.AppRunner(self.app(), shutdown_timeout=1.0)
        self.loop.run_until_complete(self.runner.setup())
        self.loop.run_until_complete(web.TCPSite(self.runner, "127.0.0.1", self.port).start())
        self.loop.run_until_complete(
            web.TCPSite(self.runner, "127.0.0.1", self.tls_port, ssl_context=self.tls).start())
        self.started.set()
        self.loop.run_forever()

    def stop(self) -> None:
        if self.runner is not None:
            asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    def url(self, path: str, *, tls: bool = False) -> str:
        return f"https://127.0.0.1:{self.tls_port}{path}" if tls else f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    cert, key = self_signed(tmp_path_factory.mktemp("tls"))
    running = Servers(cert, key)
    running.thread.start()
    assert running.started.wait(10), "the test servers did not start within 10 s"
    yield running
    running.stop()


def probe(config: dict[str, Any]) -> tuple[ProbeResult, float]:
    """Validate and run one probe on a fresh session; the result and the seconds it took."""

    async def go() -> ProbeResult:
        async with aiohttp.ClientSession() as session:
            return await run_probe(ADAPTER.validate_python(config), session)

    started = time.monotonic()
    result = asyncio.run(go())
    return result, time.monotonic() - started


# HTTP


def test_http_ok_with_json_conditions(servers: Servers) -> None:
    result, _ = probe({"type": "http", "url": servers.url("/ok"), "json_path_condition": 'json.status == "up"',
                       "conditions": ["status == 200", "latency_ms < 2000", "json.checks.0.ok == true"]})
    assert result.ok and not result.degraded, result
    assert result.status == 200 and result.error is None and result.failed_conditions == []
    assert result.latency_ms is not None and 0 < result.latency_ms < 2000


def test_http_failed_condition_is_named(servers: Servers) -> None:
    result, _ = probe({"type": "http", "url": servers.url("/ok"), "conditions": ['json.status == "down"']})
    assert not result.ok
    assert result.failed_conditions == ['json.status == "down"']
    assert result.error == 'condition failed: json.status == "down" (got "up")'


def test_http_slow_is_degraded_not_down(servers: Servers) -> None:
    result, took = probe({"type": "http", "url": servers.url("/slow"), "max_latency_ms": 200, "timeout_s": 3})
    assert result.ok and result.degraded, result
    assert result.latency_ms is not None and result.latency_ms >= 450 and took < 3


def test_http_500_is_down(servers: Servers) -> None:
    result, _ = probe({"type": "http", "url": servers.url("/500")})
    assert not result.ok and result.status == 500
    assert result.error == "status 500, expected 200"


def test_http_keywords(servers: Servers) -> None:
    good, _ = probe({"type": "http", "url": servers.url("/page"), "keyword_present": "Service OK",
                     "keyword_absent": "error", "conditions": ['body not contains "Exception"']})
    assert good.ok, good
    missing, _ = probe({"type": "http", "url": servers.url("/page"), "keyword_present": "Selamat datang"})
    assert not missing.ok and missing.error == "keyword 'Selamat datang' not found"
    present, _ = probe({"type": "http", "url": servers.url("/page"), "keyword_absent": "Perizinan",
                        "conditions": ['body contains "Service"']})
    assert not present.ok and present.error == "keyword 'Perizinan' found" and present.failed_conditions == []


def test_http_redirect_loop_stops_at_the_limit(servers: Servers) -> None:
    servers.loop_hits = 0
    result, took = probe({"type": "http", "url": servers.url("/loop"), "timeout_s": 5})
    assert not result.ok and result.error == f"too many redirects ({MAX_REDIRECTS})"
    assert servers.loop_hits == MAX_REDIRECTS + 1 and took < 3


def test_http_redirects_followed_up_to_the_limit_or_not_at_all(servers: Servers) -> None:
    followed, _ = probe({"type": "http", "url": servers.url(f"/hops/{MAX_REDIRECTS}")})
    assert followed.ok and followed.status == 200, followed
    too_far, _ = probe({"type": "http", "url": servers.url(f"/hops/{MAX_REDIRECTS + 1}")})
    assert not too_far.ok and too_far.error == f"too many redirects ({MAX_REDIRECTS})"
    kept, _ = probe({"type": "http", "url": servers.url("/hops/1"), "follow_redirects": False})
    assert not kept.ok and kept.status == 302 and kept.error == "status 302, expected 200"


def test_http_drip_ends_at_the_timeout(servers: Servers) -> None:
    result, took = probe({"type": "http", "url": servers.url("/drip"), "keyword_present": "done", "timeout_s": 2})
    assert not result.ok and result.error == "timed out after 2 s"
    assert 1.9 < took < 3.5


def test_http_huge_body_is_cut_at_1_mib(servers: Servers) -> None:
    servers.huge_sent = None
    result, took = probe({"type": "http", "url": servers.url("/huge"), "keyword_present": "never", "timeout_s": 10})
    assert not result.ok and result.error == "response body over 1 MiB"
    assert took < 3
    deadline = time.monotonic() + 3
    while servers.huge_sent is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert servers.huge_sent is not None and servers.huge_sent < 32 * 1024 * 1024, servers.huge_sent


def test_http_declared_huge_body_is_refused_unread(servers: Servers) -> None:
    result, took = probe({"type": "http", "url": servers.url("/declared"), "conditions": ['body contains "x"']})
    assert not result.ok and result.error == "response body over 1 MiB" and took < 3


def test_http_connection_refused() -> None:
    result, took = probe({"type": "http", "url": f"http://127.0.0.1:{closed_port()}/"})
    assert not result.ok and result.error == "connection refused" and took < 3


# HTTPS and TLS


def test_https_self_signed_fails_verification(servers: Servers) -> None:
    result, _ = probe({"type": "http", "url": servers.url("/ok", tls=True), "timeout_s": 5})
    assert not result.ok and result.status is None
    assert result.error in {"TLS certificate not trusted: self-signed certificate",
                            "TLS certificate not trusted: self signed certificate"}, result.error


def test_https_without_verification_passes(servers: Servers) -> None:
    result, _ = probe({"type": "http", "url": servers.url("/ok", tls=True), "verify_tls": False,
                       "json_path_condition": 'json.status == "up"'})
    assert result.ok and result.status == 200, result


def test_tls_probe_reads_days_left(servers: Servers) -> None:
    result, _ = probe({"type": "tls", "host": "127.0.0.1", "port": servers.tls_port, "warn_days": 14,
                       "critical_days": 7, "conditions": ["cert_days > 9"]})
    assert result.ok and result.degraded, result
    assert result.cert_days is not None and CERT_DAYS - 0.1 < result.cert_days <= CERT_DAYS


def test_tls_probe_critical_and_plain_port(servers: Servers) -> None:
    critical, _ = probe({"type": "tls", "host": "localhost", "port": servers.tls_port, "warn_days": 30,
                         "critical_days": 11})
    assert not critical.ok and not critical.degraded
    assert critical.error is not None and critical.error.startswith("certificate expires in 10.0 days")
    plain, took = probe({"type": "tls", "host": "127.0.0.1", "port": servers.port, "timeout_s": 3})
    assert not plain.ok and plain.cert_days is None and plain.error is not None and took < 3.5
    assert plain.error.startswith(("TLS handshake failed", "timed out")), plain.error


# TCP and DNS


def test_tcp_open_and_closed(servers: Servers) -> None:
    opened, _ = probe({"type": "tcp", "host": "127.0.0.1", "port": servers.port, "timeout_s": 2})
    assert opened.ok and opened.latency_ms is not None
    closed, took = probe({"type": "tcp", "host": "127.0.0.1", "port": closed_port(), "timeout_s": 2})
    assert not closed.ok and closed.error == "connection refused" and took < 3


def test_dns_localhost_and_a_name_that_does_not_exist() -> None:
    local, _ = probe({"type": "dns", "name": "localhost", "timeout_s": 3})
    assert local.ok and local.error is None
    nowhere, took = probe({"type": "dns", "name": "does-not-exist.invalid", "timeout_s": 3})
    assert not nowhere.ok and took < 4
    assert nowhere.error is not None and "does not resolve" in nowhere.error, nowhere.error


# Config validation


def validation_message(config: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        ADAPTER.validate_python(config)
    return str(caught.value)


def test_unknown_type_is_refused() -> None:
    message = validation_message({"type": "ftp", "host": "x"})
    assert "'ftp'" in message and "'http', 'tcp', 'dns', 'tls'" in message


def test_extra_key_is_refused() -> None:
    message = validation_message({"type": "tcp", "host": "a", "port": 80, "retries": 3})
    assert "retries" in message and "Extra inputs are not permitted" in message


def test_bad_fields_are_refused() -> None:
    assert "ftp://x" in validation_message({"type": "http", "url": "ftp://x"})
    assert "port" in validation_message({"type": "tcp", "host": "a", "port": 70000})
    assert "critical_days" in validation_message({"type": "tls", "host": "a", "warn_days": 3, "critical_days": 7})


@pytest.mark.parametrize(("text", "problem"), [
    ("status === 200", "unknown operator"),
    ("status is 200", "expected `<subject> <operator> <value>`"),
    ("body < 5", "body is text"),
    ("latency_ms < fast", "cannot read the value 'fast'"),
    ('status contains "2"', "status is a number"),
    ("json == 1", "dotted path after json"),
    ("uptime > 99", "unknown subject 'uptime'"),
    ("body contains", "value after the operator is missing"),
])
def test_bad_condition_is_quoted_and_explained(text: str, problem: str) -> None:
    message = validation_message({"type": "http", "url": "http://x", "conditions": ["status == 200", text]})
    assert repr(text) in message and problem in message, message


def test_condition_for_another_probe_type_is_refused() -> None:
    message = validation_message({"type": "tcp", "host": "a", "port": 1, "conditions": ["cert_days > 14"]})
    assert "'cert_days' is not measured by this probe" in message


def test_conditions_evaluate_without_eval() -> None:
    values = {"status": 200, "latency_ms": 120.5, "body": '{"a": {"b": [1, "two"]}}',
              "json": {"a": {"b": [1, "two"]}, "flag": True, "count": "5"}}
    passing = ["status == 200", "latency_ms <= 120.5", "json.a.b.1 == \"two\"", 'json.a.b contains "two"',
               'body not contains "three"', "json.flag == true", 'json.count == "5"']
    assert evaluate([parse_condition(t) for t in passing], values) == []
    failing = ["json.flag == 1", "json.count > 4", "json.missing == 1", "cert_days > 1", "status != 200"]
    assert [why.split(" (")[0] for why in evaluate([parse_condition(t) for t in failing], values)] == failing
    with pytest.raises(ConditionError):
        parse_condition("__import__('os') == 1")
