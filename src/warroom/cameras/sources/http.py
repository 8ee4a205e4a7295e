"""HTTP cameras: JPEG snapshot URLs and MJPEG (multipart/x-mixed-replace) streams.

Most lorong cameras are cheap IP cameras that only offer a snapshot URL or an MJPEG stream, so
this is the path most of the 7,490 health checks take. Two ways in:

- `HttpSource`, the blocking `FrameSource` (standard library `http.client`, no extra dependency),
  for the sampler and for tools that want frames one after another;
- `fetch_snapshot` + `decode_jpeg`, the scheduler's fast path: one aiohttp GET per check, raw bytes
  back, decoded at a reduced size only if a check needs pixels.

Every failure becomes a `SourceError` whose message says in plain words what the camera did wrong,
because the operator reading it is not the person who installed the camera.
"""

from __future__ import annotations

import base64
import http.client
import logging
import re
import socket
import ssl
import time
from typing import ClassVar, Literal, cast
from urllib.parse import unquote, urlsplit, urlunsplit

import aiohttp
import cv2
import numpy as np

from warroom.cameras.sources.base import FrameSource, SourceError, StreamSpec, redact_url

log = logging.getLogger(__name__)

MAX_IMAGE_BYTES = 20 * 1024 * 1024  # no camera frame is this big; a bigger body is not a frame
MIN_SIDE = 16  # smaller is a placeholder (often 1x1) that cameras send when they have no picture
JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_REDUCED = {
    (2, False): cv2.IMREAD_REDUCED_COLOR_2, (4, False): cv2.IMREAD_REDUCED_COLOR_4,
    (8, False): cv2.IMREAD_REDUCED_COLOR_8, (2, True): cv2.IMREAD_REDUCED_GRAYSCALE_2,
    (4, True): cv2.IMREAD_REDUCED_GRAYSCALE_4, (8, True): cv2.IMREAD_REDUCED_GRAYSCALE_8,
    (1, False): cv2.IMREAD_COLOR, (1, True): cv2.IMREAD_GRAYSCALE,
}
_HEADERS_END = re.compile(rb"\r?\n\r?\n")
_ACCEPT = "image/jpeg, image/png;q=0.9, multipart/x-mixed-replace;q=0.8, */*;q=0.1"


# ---- images ------------------------------------------------------------------------------------


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a JPEG's frame header or a PNG's IHDR, without decoding."""
    if data.startswith(PNG_MAGIC) and data[12:16] == b"IHDR":
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    i = 2
    while i + 9 <= len(data) and data[i] == 0xFF:
        marker = data[i + 1]
        if marker == 0xFF or marker == 0x01 or 0xD0 <= marker <= 0xD8:  # fill byte, TEM, RSTn, SOI
            i += 1 if marker == 0xFF else 2
            continue
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # a start-of-frame
            return int.from_bytes(data[i + 7 : i + 9], "big"), int.from_bytes(data[i + 5 : i + 7], "big")
        if marker == 0xDA:  # image data before any frame header
            return None
        i += 2 + int.from_bytes(data[i + 2 : i + 4], "big")
    return None


def check_image(data: bytes, content_type: str | None = None) -> None:
    """Raise invalid_image unless `data` starts like a JPEG or PNG, saying what came instead."""
    if data.startswith((JPEG_MAGIC, PNG_MAGIC)):
        return
    ctype = (content_type or "none given").split(";")[0].strip() or "none given"
    if not data:
        raise SourceError("invalid_image", f"the camera answered with an empty body, not an image (content-type {ctype})")
    head = data[:64].lstrip().lower()
    if "html" in ctype.lower() or head.startswith((b"<!doctype html", b"<html", b"<head", b"<body")):
        raise SourceError("invalid_image", f"the camera answered with an HTML page, not an image (content-type {ctype})")
    raise SourceError(
        "invalid_image",
        f"the camera answered with something that is not a JPEG or PNG image (content-type {ctype}, "
        f"{len(data)} bytes starting {data[:8]!r})",
    )


def decode_jpeg(data: bytes, reduce: int = 1, gray: bool = False) -> np.ndarray:
    """Decode a JPEG (or PNG) snapshot: BGR HxWx3, or HxW when `gray`.

    `reduce` 2, 4 or 8 uses libjpeg's scaled decoding (IMREAD_REDUCED_*), several times cheaper
    than decoding in full and resizing, which is all a health check needs. Truncated JPEGs are
    refused here because OpenCV would decode them silently, grey below the cut, and a half-grey
    frame would pass for a picture.
    """
    flag = _REDUCED.get((reduce, gray))
    if flag is None:
        raise ValueError(f"reduce must be 1, 2, 4 or 8, not {reduce!r}")
    check_image(data)
    size = image_size(data)
    kind = "PNG" if data.startswith(PNG_MAGIC) else "JPEG"
    if size is None:
        raise SourceError("invalid_image", f"the {kind} is corrupt: it has no readable size header ({len(data)} bytes)")
    if size[0] < MIN_SIDE or size[1] < MIN_SIDE:
        raise SourceError("invalid_image", f"the image is only {size[0]}×{size[1]} pixels: a placeholder, not a "
                          "camera picture (cameras send these when they have nothing to show)")
    tail = data[-32:].rstrip(b"\x00\r\n\t ")
    if (kind == "JPEG" and not tail.endswith(b"\xff\xd9")) or (kind == "PNG" and b"IEND" not in tail):
        raise SourceError("invalid_image", f"the {kind} is cut off: {len(data)} bytes and no end-of-image marker "
                          "(the camera or the network dropped the rest)")
    try:
        frame = cv2.imdecode(np.frombuffer(data, np.uint8), flag)
    except cv2.error as err:
        raise SourceError("invalid_image", f"the {kind} could not be decoded ({len(data)} bytes, corrupt data)") from err
    if frame is None:
        raise SourceError("invalid_image", f"the {kind} could not be decoded ({len(data)} bytes, corrupt data)")
    return frame


# ---- multipart (MJPEG) -------------------------------------------------------------------------


def multipart_boundary(content_type: str) -> bytes | None:
    """The boundary of a multipart/x-mixed-replace response, or None if it is not one."""
    if not content_type.lower().startswith("multipart/"):
        return None
    match = re.search(r'boundary="?([^";]+)"?', content_type, re.IGNORECASE)
    # Kept as declared: some cameras declare "--frame" and send "--frame", others declare "frame";
    # searching for the declared text finds the delimiter either way.
    return match.group(1).strip().encode("latin-1") if match else b"--"


class MultipartSplitter:
    """Cut an MJPEG byte stream into its JPEG parts, with or without per-part Content-Length."""

    def __init__(self, boundary: bytes) -> None:
        self.boundary = boundary
        self._buf = bytearray()

    def feed(self, data: bytes) -> None:
        self._buf += data
        if len(self._buf) > MAX_IMAGE_BYTES:
            raise SourceError("invalid_image", f"the MJPEG stream sent {len(self._buf) // 1_000_000} MB without "
                              "a part boundary: it is not a stream of JPEG frames")

    def next_part(self) -> bytes | None:
        """The next complete part, or None until more bytes arrive."""
        buf = self._buf
        start = buf.find(self.boundary)
        if start < 0:
            return None
        headers_end = _HEADERS_END.search(buf, start)
        if headers_end is None:
            return None
        body = headers_end.end()
        length = re.search(rb"content-length:\s*(\d+)", bytes(buf[start : headers_end.start()]), re.IGNORECASE)
        if length:
            end = body + int(length.group(1))
            if len(buf) < end:
                return None
            part = bytes(buf[body:end])
        else:
            end = buf.find(self.boundary, body)
            if end < 0:
                return None
            part = bytes(buf[body:end]).rstrip(b"\r\n-")
        del buf[:end]
        return part


# ---- the blocking source -----------------------------------------------------------------------


def _split_credentials(spec: StreamSpec) -> tuple[str, str | None, str | None]:
    """The URL without user:password, and the credentials (spec first, then the URL's)."""
    parts = urlsplit(spec.url)
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    netloc += f":{parts.port}" if parts.port else ""
    user = spec.username if spec.username is not None else (unquote(parts.username) if parts.username else None)
    password = spec.password if spec.username is not None else (unquote(parts.password) if parts.password else None)
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, "")), user, password


def _basic(user: str, password: str | None) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password or ''}".encode()).decode("ascii")


def _auth_error(status: int, reason: str, challenge: str, has_user: bool) -> SourceError:
    what = "refused the username and password" if has_user else "wants a username and password and none is configured"
    if status == 403:
        what = "forbids access to this URL for these credentials" if has_user else "forbids access to this URL"
    if has_user and challenge.lower().startswith("digest"):
        what += " (it asks for Digest authentication; warroom sends Basic)"
    return SourceError("auth", f"the camera {what} (HTTP {status} {reason})")


class HttpSource(FrameSource):
    """A snapshot or MJPEG camera over HTTP(S); which one is decided by the first response."""

    type: ClassVar[str] = "http"

    def __init__(self, spec: StreamSpec) -> None:
        super().__init__(spec)
        self._url, self._user, self._password = _split_credentials(spec)
        self._parts = urlsplit(self._url)
        if self._parts.scheme not in ("http", "https") or not self._parts.hostname:
            raise SourceError("unsupported", f"{redact_url(spec.url)} is not an http(s):// camera URL")
        self._conn: http.client.HTTPConnection | None = None
        self._response: http.client.HTTPResponse | None = None
        self._sock: socket.socket | None = None
        self._splitter: MultipartSplitter | None = None
        self._pending: tuple[bytes, str] | None = None
        self.mode: Literal["snapshot", "mjpeg"] | None = None

    def open(self) -> None:
        self.close()
        response = self._request()
        content_type = response.getheader("Content-Type") or ""
        boundary = multipart_boundary(content_type)
        if boundary is not None:
            self.mode, self._response, self._splitter = "mjpeg", response, MultipartSplitter(boundary)
        else:  # the first snapshot is already here: keep it for the first read()
            self.mode = "snapshot"
            self._pending = (self._read_body(response, time.monotonic() + self.spec.read_timeout_s), content_type)
        log.debug("opened %s as %s", redact_url(self.spec.url), self.mode)

    def read(self) -> np.ndarray:
        if self.mode is None:
            raise SourceError("connect", f"{redact_url(self.spec.url)} was read before a successful open()")
        if self.mode == "mjpeg":
            return decode_jpeg(self._next_part())
        if self._pending is None:
            response = self._request()
            body = self._read_body(response, time.monotonic() + self.spec.read_timeout_s)
            self._pending = (body, response.getheader("Content-Type") or "")
        (body, content_type), self._pending = self._pending, None
        check_image(body, content_type)
        return decode_jpeg(body)

    def close(self) -> None:
        self._drop()
        self._splitter = self._pending = self.mode = None

    # -- internals --

    def _drop(self) -> None:
        """Forget the connection (not the mode): the next request reconnects."""
        if self._response is not None:
            self._response.close()
        if self._conn is not None:
            self._conn.close()
        self._conn = self._response = self._sock = None

    def _request(self) -> http.client.HTTPResponse:
        """GET the URL on the kept-alive connection (reconnecting if the camera dropped it)."""
        parts, spec = self._parts, self.spec
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = {"User-Agent": "warroom", "Accept": _ACCEPT}
        if self._user is not None:
            headers["Authorization"] = _basic(self._user, self._password)
        for attempt in (1, 2):
            fresh = self._conn is None or self._conn.sock is None
            conn = self._connect() if fresh else cast(http.client.HTTPConnection, self._conn)
            try:
                # kept here: http.client forgets conn.sock once a response says "Connection: close"
                self._sock = cast(socket.socket, conn.sock)
                self._sock.settimeout(spec.read_timeout_s)
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as err:
                self._drop()
                if fresh or attempt == 2:
                    raise SourceError("connect", f"{redact_url(spec.url)} closed the connection without answering") from err
            except TimeoutError as err:
                self._drop()
                raise SourceError("timeout", f"{redact_url(spec.url)} accepted the connection but sent no answer "
                                  f"within {spec.read_timeout_s:g} s") from err
            except (OSError, http.client.HTTPException) as err:
                self._drop()
                raise SourceError("connect", f"{redact_url(spec.url)} broke the HTTP exchange ({type(err).__name__})") from err
        if response.status in (401, 403):
            self._drop()
            raise _auth_error(response.status, response.reason, response.getheader("WWW-Authenticate") or "",
                              self._user is not None)
        if response.status >= 300:
            where = f", to {redact_url(response.getheader('Location') or '?')}" if 300 <= response.status < 400 else ""
            self._drop()
            raise SourceError("connect", f"the camera answered HTTP {response.status} {response.reason}{where} "
                              f"instead of an image at {redact_url(spec.url)}")
        return response

    def _connect(self) -> http.client.HTTPConnection:
        parts, spec = self._parts, self.spec
        host, port = parts.hostname or "", parts.port
        conn: http.client.HTTPConnection
        if parts.scheme == "https":
            conn = http.client.HTTPSConnection(host, port, timeout=spec.connect_timeout_s,
                                               context=ssl.create_default_context())
        else:
            conn = http.client.HTTPConnection(host, port, timeout=spec.connect_timeout_s)
        where = f"{host}:{port or (443 if parts.scheme == 'https' else 80)}"
        try:
            conn.connect()
        except TimeoutError as err:
            raise SourceError("timeout", f"no connection to {where} within {spec.connect_timeout_s:g} s") from err
        except ConnectionRefusedError as err:
            raise SourceError("connect", f"{where} refused the connection (nothing listening on that port)") from err
        except socket.gaierror as err:
            raise SourceError("connect", f"the camera host {host!r} does not resolve ({err.strerror})") from err
        except ssl.SSLError as err:
            raise SourceError("connect", f"TLS with {where} failed ({err.reason or err.strerror})") from err
        except OSError as err:
            raise SourceError("connect", f"cannot connect to {where} ({err.strerror or type(err).__name__})") from err
        self._conn = conn
        return conn

    def _recv(self, response: http.client.HTTPResponse, deadline: float) -> bytes:
        """Up to 64 KiB, within what is left of the read timeout (a camera dribbling one byte a
        second must not hold a check for minutes)."""
        remaining = deadline - time.monotonic()
        try:
            if remaining <= 0:
                raise TimeoutError
            if self._sock is None:
                raise SourceError("connect", f"{redact_url(self.spec.url)} read after the connection was dropped")
            self._sock.settimeout(remaining)
            return response.read1(65536)
        except TimeoutError as err:
            raise SourceError("timeout", f"{redact_url(self.spec.url)} stopped sending within the "
                              f"{self.spec.read_timeout_s:g} s read timeout") from err
        except http.client.IncompleteRead as err:
            return bytes(err.partial)
        except (OSError, http.client.HTTPException) as err:
            raise SourceError("ended", f"{redact_url(self.spec.url)} broke off mid-image ({type(err).__name__})") from err

    def _read_body(self, response: http.client.HTTPResponse, deadline: float) -> bytes:
        length = int(response.getheader("Content-Length") or 0)
        if length > MAX_IMAGE_BYTES:
            self._drop()
            raise SourceError("invalid_image", f"the camera announced a {length // 1_000_000} MB body: not a snapshot")
        chunks: list[bytes] = []
        total = 0
        while chunk := self._recv(response, deadline):
            chunks.append(chunk)
            total += len(chunk)
            if total > MAX_IMAGE_BYTES:
                self._drop()
                raise SourceError("invalid_image", "the camera sent more than 20 MB for one snapshot: not an image")
        response.close()  # marks the exchange finished so the kept-alive connection can be reused
        if response.will_close:
            self._drop()  # the camera closes after each answer: reconnect next time
        return b"".join(chunks)

    def _next_part(self) -> bytes:
        assert self._splitter is not None and self._response is not None
        deadline = time.monotonic() + self.spec.read_timeout_s
        while (part := self._splitter.next_part()) is None:
            chunk = self._recv(self._response, deadline)
            if not chunk:
                raise SourceError("ended", f"the MJPEG stream {redact_url(self.spec.url)} ended")
            self._splitter.feed(chunk)
        return part


# ---- the async fast path -----------------------------------------------------------------------


async def fetch_snapshot(session: aiohttp.ClientSession, spec: StreamSpec) -> bytes:
    """One JPEG from a snapshot URL (or the first frame of an MJPEG URL) as raw bytes.

    Checks only that the bytes are an image (magic number); decoding is left to the caller, who
    may not need pixels at all (a size/hash check) or only a reduced grey copy."""
    url, user, password = _split_credentials(spec)
    safe = redact_url(spec.url)
    headers = {"Accept": _ACCEPT} | ({"Authorization": _basic(user, password)} if user is not None else {})
    timeout = aiohttp.ClientTimeout(total=spec.connect_timeout_s + spec.read_timeout_s,
                                    sock_connect=spec.connect_timeout_s, sock_read=spec.read_timeout_s)
    try:
        async with session.get(url, headers=headers, timeout=timeout) as response:
            if response.status in (401, 403):
                raise _auth_error(response.status, response.reason or "", response.headers.get("WWW-Authenticate", ""),
                                  user is not None)
            if response.status >= 300:
                raise SourceError("connect", f"the camera answered HTTP {response.status} {response.reason} "
                                  f"instead of an image at {safe}")
            content_type = response.headers.get("Content-Type", "")
            boundary = multipart_boundary(content_type)
            if boundary is not None:
                splitter = MultipartSplitter(boundary)
                while (body := splitter.next_part()) is None:
                    chunk = await response.content.readany()
                    if not chunk:
                        raise SourceError("ended", f"the MJPEG stream {safe} ended before its first frame")
                    splitter.feed(chunk)
            else:
                if (response.content_length or 0) > MAX_IMAGE_BYTES:
                    raise SourceError("invalid_image", f"the camera announced a {response.content_length} byte body: "
                                      "not a snapshot")
                body = await response.content.read(MAX_IMAGE_BYTES + 1)
                if len(body) > MAX_IMAGE_BYTES:
                    raise SourceError("invalid_image", "the camera sent more than 20 MB for one snapshot: not an image")
    except aiohttp.ConnectionTimeoutError as err:
        raise SourceError("timeout", f"no connection to {safe} within {spec.connect_timeout_s:g} s") from err
    except (aiohttp.SocketTimeoutError, TimeoutError) as err:
        raise SourceError("timeout", f"{safe} accepted the connection but sent no image within "
                          f"{spec.read_timeout_s:g} s") from err
    except aiohttp.ClientConnectorError as err:
        raise SourceError("connect", f"cannot connect to {safe} ({err.os_error.strerror or type(err.os_error).__name__})") from err
    except aiohttp.ClientPayloadError as err:
        raise SourceError("ended", f"{safe} broke off in the middle of the image") from err
    except aiohttp.ClientError as err:
        raise SourceError("connect", f"the HTTP exchange with {safe} failed ({type(err).__name__})") from err
    check_image(body, content_type)
    return body
