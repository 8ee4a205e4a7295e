"""The demo's HTTPS service whose certificate is about to expire, so the TLS probe has something to say.

`warroom demo` keeps a self-signed certificate for 127.0.0.1 in the data dir that expires in about
CERT_DAYS days (made again whenever it is missing or its remaining life has drifted out of
KEEP_DAYS), and serves it from a small HTTPS server on a local port, in a thread of its own, for
as long as the demo runs. One demo app probes it: the TLS probe (warn 30 days, critical 7) sees
~10 days left and calls it degraded, as a real app whose renewal was forgotten would be.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import logging
import ssl
import threading
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

_LOG = logging.getLogger(__name__)
CERT_DAYS = 10.0
KEEP_DAYS = (8.0, 12.0)  # a certificate with this many days left is kept; otherwise made again
HOST = "127.0.0.1"
RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 16\r\n"
            b"Connection: close\r\n\r\n{\"status\": \"up\"}")


def days_left(cert_path: Path, now: dt.datetime | None = None) -> float:
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    return (cert.not_valid_after_utc - (now or dt.datetime.now(dt.UTC))).total_seconds() / 86400


def ensure_cert(folder: Path, days: float = CERT_DAYS, keep: tuple[float, float] = KEEP_DAYS) -> tuple[Path, Path]:
    """(certificate, key) in `folder`, made afresh unless the current one has `keep` days left."""
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    try:
        if key_path.exists() and keep[0] <= days_left(cert_path) <= keep[1]:
            return cert_path, key_path
    except (OSError, ValueError):  # missing or unreadable: make a new one
        pass
    return write_self_signed(folder, days, "warroom demo (self-signed, expiring soon)")


def write_self_signed(folder: Path, days: float, common_name: str = "localhost") -> tuple[Path, Path]:
    """A new self-signed certificate for localhost and 127.0.0.1 ending `days` from now, and its key."""
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    folder.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName(
            [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_path.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


class _Answer(asyncio.Protocol):
    """Any request gets a small health JSON, then the connection is closed."""

    def __init__(self) -> None:
        self._head = b""
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self._head += data
        if self._transport is not None and (b"\r\n\r\n" in self._head or len(self._head) > 16384):
            self._transport.write(RESPONSE)
            self._transport.close()


class DemoTlsServer:
    """HTTPS on HOST, in a thread with its own event loop; `port` is known once `start` returns."""

    def __init__(self, cert: Path, key: Path, port: int = 0) -> None:
        self._context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._context.load_cert_chain(cert, key)
        self._wanted = port
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="demo-tls", daemon=True)

    def start(self) -> int:
        """Listen on the wanted port (the previous run's, so app URLs stay put), else on any free one."""
        self._thread.start()
        try:
            self._server = self._listen(self._wanted)
        except OSError:
            if not self._wanted:
                self.stop()
                raise
            self._server = self._listen(0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    def _listen(self, port: int) -> asyncio.Server:
        opening = self._loop.create_server(_Answer, HOST, port, ssl=self._context, ssl_handshake_timeout=10)
        return asyncio.run_coroutine_threadsafe(opening, self._loop).result(10)

    def stop(self) -> None:
        if self._server is not None:
            self._loop.call_soon_threadsafe(self._server.close)
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
        if not self._thread.is_alive():
            self._loop.close()


def start_demo_tls(data_dir: Path) -> DemoTlsServer:
    """Make (or keep) the certificate and serve it, on the same port as last time when it is free."""
    folder = data_dir / "demo-tls"
    cert, key = ensure_cert(folder)
    port_file = folder / "port"
    try:
        wanted = int(port_file.read_text())
    except (OSError, ValueError):
        wanted = 0
    server = DemoTlsServer(cert, key, port=wanted)
    port = server.start()
    if port != wanted:
        port_file.write_text(str(port))
    _LOG.info("demo HTTPS service on %s:%d, certificate expires in %.1f days", HOST, port, days_left(cert))
    return server
