"""The demo's HTTPS service: a certificate ~10 days from expiry, kept while it stays in range and made
again when it drifts out, that the TLS probe calls degraded; and demo apps that follow the ports."""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from cryptography import x509

from warroom.apps.probes import HttpProbe, TlsProbe, run_probe
from warroom.apps.schemas import AppIn
from warroom.auth.principal import cli_principal
from warroom.container import WarRoom
from warroom.demo.seed import seed_demo
from warroom.demo.tls import CERT_DAYS, DemoTlsServer, days_left, ensure_cert, start_demo_tls


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[DemoTlsServer]:
    server = start_demo_tls(tmp_path)
    yield server
    server.stop()


def probe(config: TlsProbe | HttpProbe) -> object:
    async def go() -> object:
        async with aiohttp.ClientSession() as session:
            return await run_probe(config, session)

    return asyncio.run(go())


def test_the_certificate_is_kept_in_range_and_made_again_outside_it(tmp_path: Path) -> None:
    cert, key = ensure_cert(tmp_path)
    assert CERT_DAYS - 0.01 < days_left(cert) <= CERT_DAYS
    assert key.stat().st_mode & 0o077 == 0  # the private key is the owner's only
    first = cert.read_bytes()
    assert ensure_cert(tmp_path)[0].read_bytes() == first  # still ~10 days left: kept
    # Eleven days later it would have expired: a fresh one, not one the probe calls down.
    assert days_left(cert, now=dt.datetime.now(dt.UTC) + dt.timedelta(days=11)) < 0
    for left in (3.0, 20.0):  # a run long ago left one about to break (or one too far from it)
        cert.unlink()
        ensure_cert(tmp_path, days=left, keep=(left - 1, left + 1))
        assert left - 0.01 < days_left(cert) <= left
        ensure_cert(tmp_path)
        assert cert.read_bytes() != first and CERT_DAYS - 0.01 < days_left(cert) <= CERT_DAYS
    cert.write_text("not a certificate")
    ensure_cert(tmp_path)
    assert CERT_DAYS - 0.01 < days_left(cert) <= CERT_DAYS


def test_the_tls_probe_sees_a_certificate_about_to_expire(tls_server: DemoTlsServer, tmp_path: Path) -> None:
    served = ssl.get_server_certificate(("127.0.0.1", tls_server.port))
    expires = x509.load_pem_x509_certificate(served.encode()).not_valid_after_utc
    assert 9.9 < (expires - dt.datetime.now(dt.UTC)).total_seconds() / 86400 <= CERT_DAYS
    result = probe(TlsProbe(host="127.0.0.1", port=tls_server.port, warn_days=30, critical_days=7))
    assert (result.ok, result.degraded) == (True, True)  # type: ignore[attr-defined]
    assert 9.9 < result.cert_days <= CERT_DAYS  # type: ignore[attr-defined]
    page = probe(HttpProbe(url=f"https://127.0.0.1:{tls_server.port}/demo-apps/tls/x", verify_tls=False,
                           json_path_condition='json.status == "up"'))
    assert (page.ok, page.status) == (True, 200)  # type: ignore[attr-defined]
    trusted = probe(HttpProbe(url=f"https://127.0.0.1:{tls_server.port}/demo-apps/tls/x"))
    assert trusted.ok is False and "not trusted" in (trusted.error or "")  # type: ignore[attr-defined]
    # The next run listens on the same port when it is free, so the apps' URLs stay put.
    assert (tmp_path / "demo-tls" / "port").read_text() == str(tls_server.port)


def test_the_demo_app_with_the_certificate_is_degraded_and_follows_the_ports(
    wr: WarRoom, tls_server: DemoTlsServer
) -> None:
    seed_demo(wr, None, apps_base_url="http://127.0.0.1:8123/demo-apps", tls_port=tls_server.port)
    assert wr.apps.count() == 146
    with_tls = [j for j in wr.apps.jobs() if any(p.type == "tls" for p in j.probes)]
    assert len(with_tls) == 1
    out = asyncio.run(wr.app_sweeper.check_now(with_tls[0].app_id))
    assert (out.observed, out.state) == ("degraded", "degraded")
    assert [(r.type, r.ok, r.degraded) for r in out.results] == [("http", True, False), ("tls", True, True)]
    assert 9.9 < (out.results[1].cert_days or 0) <= CERT_DAYS

    # An operator's own app on localhost is not the demo's and must not move.
    mine = wr.apps.create(AppIn.model_validate({
        "name": "My local app", "agency_code": wr.city.agencies()[0].code,
        "probes": [{"type": "http", "url": "http://127.0.0.1:8123/health"}, {"type": "tls", "host": "127.0.0.1"}]}),
        actor=cli_principal())
    lines = seed_demo(wr, None, apps_base_url="http://127.0.0.1:9000/demo-apps", tls_port=4443)
    assert any("145 demo apps re-pointed" in line for line in lines)  # all but the refused (TCP) one
    jobs = {j.app_id: j for j in wr.apps.jobs()}
    urls = [p.url for j in jobs.values() for p in j.probes if isinstance(p, HttpProbe) and j.app_id != mine.id]
    assert urls and all(u.startswith(("http://127.0.0.1:9000/demo-apps/", "https://127.0.0.1:4443/demo-apps/tls/"))
                        for u in urls)
    assert [p.port for p in jobs[with_tls[0].app_id].probes if isinstance(p, TlsProbe)] == [4443]
    assert [p.model_dump(include={"url", "port"}) for p in jobs[mine.id].probes] == [
        {"url": "http://127.0.0.1:8123/health"}, {"port": 443}]
    assert seed_demo(wr, None, apps_base_url="http://127.0.0.1:9000/demo-apps", tls_port=4443)[-1].startswith("city")
