"""Probes: how warroom asks an application whether it is up (http, tcp, dns, tls).

Each probe type is a pydantic model with a `type` Literal, and `ProbeConfig` is their discriminated
union (as Frigate picks detector plugins), so an imported portfolio is checked field by field before
anything runs. `run_probe` never raises for a failing app: every failure becomes a `ProbeResult` with
an error in plain words, and every probe is bounded in time, body size and redirects, because one
hostile or broken app must not stall the sweep over the other 145.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Literal
from urllib.parse import urlsplit

import aiohttp
from cryptography import x509
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from warroom.apps.conditions import Condition, judge, parse_all

logger = logging.getLogger(__name__)

MAX_BODY = 1 << 20  # 1 MiB: enough for any status page or health JSON, small enough for 10,000 probes
MAX_REDIRECTS = 5
USER_AGENT = "warroom-probe/0.1"


class _Probe(BaseModel):
    """Fields every probe has. `subjects` says what its conditions may talk about."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    subjects: ClassVar[frozenset[str]] = frozenset({"latency_ms"})

    timeout_s: float = Field(10.0, gt=0, le=120, description="Whole probe, connect to last byte, in seconds.")
    conditions: list[str] = Field(default_factory=list, description='Gatus-style checks, e.g. "latency_ms < 800".')

    @field_validator("conditions")
    @classmethod
    def _parse_conditions(cls, value: list[str]) -> list[str]:
        parse_all(value, cls.subjects)  # ConditionError is a ValueError: pydantic reports it on the field
        return value

    def parsed_conditions(self) -> list[Condition]:
        """The conditions as parsed at validation time (cached by text)."""
        return parse_all(self.conditions, self.subjects)


class HttpProbe(_Probe):
    """An HTTP(S) request judged by status, keywords, JSON, latency and conditions."""

    subjects: ClassVar[frozenset[str]] = frozenset({"status", "latency_ms", "body", "json"})

    type: Literal["http"] = "http"
    url: str = Field(description="http:// or https:// URL to request.")
    method: Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] = "GET"
    expected_status: int = Field(200, ge=100, le=599)
    keyword_present: str | None = Field(None, min_length=1, description="The body must contain this text.")
    keyword_absent: str | None = Field(None, min_length=1, description="The body must not contain this text.")
    json_path_condition: str | None = Field(None, description='A condition on the JSON body, e.g. json.status == "up".')
    max_latency_ms: int | None = Field(None, gt=0, description="Slower than this is degraded, not down.")
    follow_redirects: bool = Field(True, description=f"Follow up to {MAX_REDIRECTS} redirects.")
    verify_tls: bool = True

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(f"url {value!r} must be an http:// or https:// URL with a host")
        return value

    @field_validator("json_path_condition")
    @classmethod
    def _json_condition(cls, value: str | None) -> str | None:
        parse_all([value] if value else [], {"json"})
        return value

    def parsed_conditions(self) -> list[Condition]:
        extra = parse_all([self.json_path_condition], {"json"}) if self.json_path_condition else []
        return super().parsed_conditions() + extra

    def reads_body(self) -> bool:
        """Only read what a check needs: a status-only probe stops after the headers."""
        return bool(self.keyword_present or self.keyword_absent or self.json_path_condition) or any(
            c.subject in {"body", "json"} for c in self.parsed_conditions()
        )


class TcpProbe(_Probe):
    """A TCP connect: the port accepts connections."""

    type: Literal["tcp"] = "tcp"
    host: str = Field(min_length=1)
    port: int = Field(ge=1, le=65535)


class DnsProbe(_Probe):
    """A name resolves through the system resolver (what the app's users see)."""

    type: Literal["dns"] = "dns"
    name: str = Field(min_length=1, max_length=253)


class TlsProbe(_Probe):
    """Days until the certificate expires: warn before it breaks, alarm when it is about to."""

    subjects: ClassVar[frozenset[str]] = frozenset({"latency_ms", "cert_days"})

    type: Literal["tls"] = "tls"
    host: str = Field(min_length=1)
    port: int = Field(443, ge=1, le=65535)
    warn_days: float = Field(14, ge=0, description="Fewer days left than this is degraded.")
    critical_days: float = Field(7, ge=0, description="Fewer days left than this is down.")

    @model_validator(mode="after")
    def _thresholds(self) -> TlsProbe:
        if self.critical_days > self.warn_days:
            raise ValueError(f"critical_days ({self.critical_days:g}) must not exceed warn_days ({self.warn_days:g})")
        return self


ProbeConfig = Annotated[HttpProbe | TcpProbe | DnsProbe | TlsProbe, Field(discriminator="type")]


@dataclass
class ProbeResult:
    """What one probe saw. `ok` False means down; `degraded` means up but slow or nearly expired."""

    ok: bool
    degraded: bool = False
    latency_ms: float | None = None
    status: int | None = None
    cert_days: float | None = None
    error: str | None = None
    failed_conditions: list[str] = field(default_factory=list)


class ProbeFailure(Exception):
    """A probe that could not get an answer; the message is shown to operators as is."""


async def run_probe(probe: HttpProbe | TcpProbe | DnsProbe | TlsProbe, session: aiohttp.ClientSession) -> ProbeResult:
    """Run one probe within its timeout. Returns a result for every failure of the target."""
    started = time.perf_counter()
    try:
        async with asyncio.timeout(probe.timeout_s):
            return await _RUNNERS[probe.type](probe, session, started)
    except TimeoutError:
        return ProbeResult(ok=False, error=f"timed out after {probe.timeout_s:g} s")
    except ProbeFailure as err:
        return ProbeResult(ok=False, latency_ms=_since(started), error=str(err))
    except Exception as err:  # a bug or a surprise from a library must not stop the sweep
        logger.warning("probe %s failed unexpectedly", probe.type, exc_info=True)
        return ProbeResult(ok=False, error=f"probe failed: {type(err).__name__}: {err}")


def _since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _judge(probe: _Probe, result: ProbeResult, values: dict[str, Any], problems: list[str]) -> ProbeResult:
    """Apply the conditions after the probe's own checks. Down is not also degraded."""
    result.failed_conditions, error = judge(probe.parsed_conditions(), values, problems)
    if error is not None:
        result.ok, result.degraded, result.error = False, False, error
    return result


async def _run_http(probe: HttpProbe, session: aiohttp.ClientSession, started: float) -> ProbeResult:
    try:
        # aiohttp counts responses, not hops (+1); ssl=False still encrypts, it only skips trust.
        async with session.request(
            probe.method, probe.url, allow_redirects=probe.follow_redirects, max_redirects=MAX_REDIRECTS + 1,
            ssl=probe.verify_tls, headers={"User-Agent": USER_AGENT},
        ) as response:
            body = await _read_body(response) if probe.reads_body() else None
    except TimeoutError:
        raise  # aiohttp's own timeouts are ClientErrors too; report them as run_probe does
    except aiohttp.TooManyRedirects:
        raise ProbeFailure(f"too many redirects ({MAX_REDIRECTS})") from None
    except aiohttp.ClientConnectorCertificateError as err:
        why = getattr(err.certificate_error, "verify_message", None) or err.certificate_error
        raise ProbeFailure(f"TLS certificate not trusted: {why}") from None
    except aiohttp.ClientSSLError as err:
        raise ProbeFailure(f"TLS handshake failed: {err}") from None
    except aiohttp.ClientConnectorError as err:
        raise ProbeFailure(_connect_error(err.os_error, err.host)) from None
    except aiohttp.ClientError as err:
        raise ProbeFailure(f"HTTP error: {err}") from None
    result = ProbeResult(ok=True, latency_ms=_since(started), status=response.status)
    problems: list[str] = []
    if response.status != probe.expected_status:
        problems.append(f"status {response.status}, expected {probe.expected_status}")
    values: dict[str, Any] = {"status": response.status, "latency_ms": result.latency_ms}
    if body is not None:
        values["body"] = body
        if probe.keyword_present and probe.keyword_present not in body:
            problems.append(f"keyword {probe.keyword_present!r} not found")
        if probe.keyword_absent and probe.keyword_absent in body:
            problems.append(f"keyword {probe.keyword_absent!r} found")
        if any(condition.subject == "json" for condition in probe.parsed_conditions()):
            with contextlib.suppress(ValueError):  # json.* conditions then fail as "not available"
                values["json"] = json.loads(body)
    if probe.max_latency_ms is not None and result.latency_ms > probe.max_latency_ms:
        result.degraded = True
    return _judge(probe, result, values, problems)


async def _read_body(response: aiohttp.ClientResponse) -> str:
    """At most MAX_BODY bytes: a 100 MB download or an endless stream is cut, not buffered."""
    body = bytearray()
    if (response.content_length or 0) <= MAX_BODY:
        async for chunk in response.content.iter_chunked(64 * 1024):
            body += chunk
            if len(body) > MAX_BODY:
                break
    if (response.content_length or 0) > MAX_BODY or len(body) > MAX_BODY:
        response.close()  # drop the connection rather than drain the rest
        raise ProbeFailure("response body over 1 MiB")
    try:
        return body.decode(response.charset or "utf-8", errors="replace")
    except LookupError:  # a charset name Python does not know
        return body.decode("utf-8", errors="replace")


def _connect_error(err: BaseException | None, host: str) -> str:
    """Socket errors as operators say them."""
    if isinstance(err, ConnectionRefusedError):
        return "connection refused"
    if isinstance(err, socket.gaierror):
        return f"host {host!r} does not resolve"
    if isinstance(err, TimeoutError):
        return "connect timed out"
    return f"cannot connect: {err.strerror if isinstance(err, OSError) and err.strerror else err}"


async def _run_tcp(probe: TcpProbe, session: aiohttp.ClientSession, started: float) -> ProbeResult:
    try:
        _, writer = await asyncio.open_connection(probe.host, probe.port)
    except OSError as err:
        raise ProbeFailure(_connect_error(err, probe.host)) from None
    writer.transport.abort()  # a probe has nothing to say; no graceful close to wait for
    result = ProbeResult(ok=True, latency_ms=_since(started))
    return _judge(probe, result, {"latency_ms": result.latency_ms}, [])


async def _run_dns(probe: DnsProbe, session: aiohttp.ClientSession, started: float) -> ProbeResult:
    loop = asyncio.get_running_loop()
    try:
        await loop.getaddrinfo(probe.name, None, type=socket.SOCK_STREAM)
    except socket.gaierror as err:
        raise ProbeFailure(f"name {probe.name!r} does not resolve ({err.strerror})") from None
    result = ProbeResult(ok=True, latency_ms=_since(started))
    return _judge(probe, result, {"latency_ms": result.latency_ms}, [])


async def _run_tls(probe: TlsProbe, session: aiohttp.ClientSession, started: float) -> ProbeResult:
    # Verification off on purpose: a self-signed or already-expired certificate still has a date,
    # and that date is what this probe is for (trust is the http probe's verify_tls).
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    try:
        _, writer = await asyncio.open_connection(probe.host, probe.port, ssl=context, server_hostname=probe.host)
    except ssl.SSLError as err:
        raise ProbeFailure(f"TLS handshake failed: {err.reason or err}") from None
    except OSError as err:
        raise ProbeFailure(_connect_error(err, probe.host)) from None
    try:
        der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
    finally:
        writer.transport.abort()
    if not der:
        raise ProbeFailure("the server sent no certificate")
    expires = x509.load_der_x509_certificate(der).not_valid_after_utc
    days = round((expires - datetime.now(UTC)).total_seconds() / 86400, 3)
    result = ProbeResult(ok=True, latency_ms=_since(started), cert_days=days)
    problems: list[str] = []
    if days < 0:
        problems.append(f"certificate expired {-days:.1f} days ago")
    elif days < probe.critical_days:
        problems.append(f"certificate expires in {days:.1f} days (critical under {probe.critical_days:g})")
    elif days < probe.warn_days:
        result.degraded = True
    return _judge(probe, result, {"latency_ms": result.latency_ms, "cert_days": days}, problems)


_RUNNERS: dict[str, Callable[[Any, aiohttp.ClientSession, float], Awaitable[ProbeResult]]] = {
    "http": _run_http, "tcp": _run_tcp, "dns": _run_dns, "tls": _run_tls,
}
