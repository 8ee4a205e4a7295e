"""HTTP cameras against a real local HTTP server: snapshots, MJPEG, and the ways cameras go wrong.

The server is the standard library's ThreadingHTTPServer speaking HTTP/1.1 (keep-alive, like
camera firmware); the client code under test is unchanged: real sockets, real timeouts.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import threading
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import aiohttp
import cv2
import numpy as np
import pytest

from warroom.cameras.sources.base import SourceError, StreamSpec
from warroom.cameras.sources.http import HttpSource, decode_jpeg, fetch_snapshot
from warroom.cameras.sources.synthetic import encode_jpeg, render_frame

USER, PASSWORD = "operator", "Pa55-never-in-logs"
TIMEOUT = 0.5  # the read timeout for the hanging endpoints; they must give up within 3x this


def jpeg(t: float, size: tuple[int, int] = (320, 240)) -> bytes:
    return encode_jpeg(render_frame("street", 5, t, size=size))


class CameraServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Camera)
        self.stop = threading.Event()  # releases the handlers that hang on purpose
        self.hits: Counter[str] = Counter()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"


class Camera(BaseHTTPRequestHandler):
    """One fake-free IP camera with a URL per behaviour."""

    protocol_version = "HTTP/1.1"
    server: CameraServer

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass

    def send(self, status: int, body: bytes, content_type: str, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        self.server.hits[path] += 1
        if path == "/snap.jpg":
            self.send(200, jpeg(time.time()), "image/jpeg")
        elif path == "/private.jpg":
            expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
            if self.headers.get("Authorization") != expected:
                self.send(401, b"<html>401</html>", "text/html", WWW_Authenticate='Basic realm="cam"')
            else:
                self.send(200, jpeg(time.time()), "image/jpeg")
        elif path == "/page.html":
            self.send(200, b"<!DOCTYPE html><html><body>Login to NVR</body></html>", "text/html; charset=utf-8")
        elif path == "/tiny.jpg":
            self.send(200, encode_jpeg(np.zeros((1, 1, 3), np.uint8)), "image/jpeg")
        elif path == "/truncated.jpg":
            data = jpeg(1.0)
            self.send(200, data[: len(data) * 6 // 10], "image/jpeg")
        elif path == "/octets":
            self.send(200, bytes(range(256)) * 4, "application/octet-stream")
        elif path == "/hang":
            self.server.stop.wait(30)  # accepts, reads the request, never answers
        elif path.startswith("/mjpeg"):
            self.mjpeg(lengths=path != "/mjpeg-nolength", stall_after=1 if path == "/mjpeg-stall" else None)
        else:
            self.send(404, b"not found", "text/plain")

    def mjpeg(self, lengths: bool, stall_after: int | None) -> None:
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frameboundary")
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            for n in range(200):
                if n == stall_after:
                    self.server.stop.wait(30)
                    return
                data = jpeg(n / 25)
                head = "--frameboundary\r\nContent-Type: image/jpeg\r\n"
                head += f"Content-Length: {len(data)}\r\n\r\n" if lengths else "\r\n"
                self.wfile.write(head.encode() + data + b"\r\n")
                if self.server.stop.wait(0.02):
                    return
        except (BrokenPipeError, ConnectionResetError):
            return


@pytest.fixture
def server() -> Iterator[CameraServer]:
    server = CameraServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield server
    server.stop.set()
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def camera(server: CameraServer) -> str:
    return server.url


def spec(url: str, user: str | None = None, password: str | None = None) -> StreamSpec:
    return StreamSpec(url, username=user, password=password, connect_timeout_s=2.0, read_timeout_s=TIMEOUT)


def fetch(s: StreamSpec) -> bytes:
    async def run() -> bytes:
        async with aiohttp.ClientSession() as session:
            return await fetch_snapshot(session, s)

    return asyncio.run(run())


def no_password_in(err: BaseException) -> None:
    text = "".join(traceback.format_exception(err))
    assert PASSWORD not in text and PASSWORD not in repr(err.args)


# ---- HttpSource ------------------------------------------------------------------------------


def test_a_snapshot_camera_is_fetched_again_for_each_frame(server: CameraServer) -> None:
    hits = server.hits
    with HttpSource(spec(f"{server.url}/snap.jpg")) as cam:
        first, second = cam.read(), cam.read()
    assert cam.type == "http" and first.shape == (240, 320, 3)
    assert hits["/snap.jpg"] == 2, "open() fetched the first frame, the second read fetched again"
    assert not np.array_equal(first, second), "a new picture each time"


@pytest.mark.parametrize("path", ["/mjpeg", "/mjpeg-nolength"])
def test_an_mjpeg_stream_gives_its_parts_in_order(camera: str, path: str) -> None:
    with HttpSource(spec(camera + path)) as cam:
        assert cam.mode == "mjpeg"
        frames = [cam.read() for _ in range(5)]
    assert all(f.shape == (240, 320, 3) for f in frames)
    assert len({f.tobytes() for f in frames}) == 5


def test_basic_auth_opens_the_private_camera_and_wrong_credentials_say_auth(
    camera: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with HttpSource(spec(f"{camera}/private.jpg", USER, PASSWORD)) as cam:
        assert cam.read().shape == (240, 320, 3)
    for user, password, words in [(USER, "wrong", "refused the username and password"), (None, None, "wants a username")]:
        with pytest.raises(SourceError) as err:
            HttpSource(spec(f"{camera}/private.jpg", user, password)).open()
        assert err.value.reason == "auth" and words in err.value.message and "401" in err.value.message
    # credentials written into the URL are used, and never echoed
    with pytest.raises(SourceError) as err:
        HttpSource(spec(f"http://{USER}:{PASSWORD}@{camera[7:]}/missing.jpg")).open()
    assert "404" in err.value.message and "***" in err.value.message
    no_password_in(err.value)
    assert PASSWORD not in caplog.text


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/page.html", "an HTML page, not an image (content-type text/html)"),
        ("/tiny.jpg", "only 1×1 pixels"),
        ("/truncated.jpg", "cut off"),
        ("/octets", "not a JPEG or PNG image (content-type application/octet-stream"),
    ],
)
def test_a_camera_that_sends_no_usable_image_says_what_it_sent(camera: str, path: str, words: str) -> None:
    with HttpSource(spec(camera + path)) as cam, pytest.raises(SourceError) as err:
        cam.read()
    assert err.value.reason == "invalid_image" and words in err.value.message


def test_a_camera_that_never_answers_times_out_within_the_read_timeout(camera: str) -> None:
    started = time.monotonic()
    with pytest.raises(SourceError) as err:
        HttpSource(spec(f"{camera}/hang")).open()
    assert err.value.reason == "timeout" and time.monotonic() - started < 3 * TIMEOUT


def test_an_mjpeg_stream_that_stalls_times_out(camera: str) -> None:
    with HttpSource(spec(f"{camera}/mjpeg-stall")) as cam:
        cam.read()
        started = time.monotonic()
        with pytest.raises(SourceError) as err:
            cam.read()
    assert err.value.reason == "timeout" and time.monotonic() - started < 3 * TIMEOUT


def test_nothing_listening_is_a_connect_error() -> None:
    with pytest.raises(SourceError) as err:
        HttpSource(spec("http://127.0.0.1:9/snap.jpg")).open()
    assert err.value.reason == "connect" and "refused" in err.value.message


# ---- fetch_snapshot + decode_jpeg --------------------------------------------------------------


def test_fetch_snapshot_returns_jpeg_bytes_that_decode_reduced(camera: str) -> None:
    data = fetch(spec(f"{camera}/snap.jpg"))
    assert data[:3] == b"\xff\xd8\xff"
    assert decode_jpeg(data).shape == (240, 320, 3)
    assert decode_jpeg(data, reduce=4, gray=True).shape == (60, 80)
    assert decode_jpeg(data, reduce=2).shape == (120, 160, 3)
    first_part = fetch(spec(f"{camera}/mjpeg"))
    assert decode_jpeg(first_part, reduce=8).shape == (30, 40, 3)


def test_fetch_snapshot_failures_carry_the_right_reason(camera: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    cases = [
        (spec(f"{camera}/private.jpg", USER, "nope"), "auth", "refused the username and password"),
        (spec(f"{camera}/private.jpg"), "auth", "wants a username"),
        (spec(f"{camera}/page.html", USER, PASSWORD), "invalid_image", "an HTML page, not an image (content-type text/html)"),
        (spec(f"{camera}/octets"), "invalid_image", "not a JPEG or PNG"),
        (spec(f"http://{USER}:{PASSWORD}@{camera[7:]}/missing.jpg"), "connect", "HTTP 404"),
        (spec("http://127.0.0.1:9/snap.jpg", USER, PASSWORD), "connect", "cannot connect"),
    ]
    for s, reason, words in cases:
        with pytest.raises(SourceError) as err:
            fetch(s)
        assert (err.value.reason, words in err.value.message) == (reason, True), err.value.message
        no_password_in(err.value)
    assert decode_jpeg(fetch(spec(f"{camera}/private.jpg", USER, PASSWORD))).shape == (240, 320, 3)
    assert PASSWORD not in caplog.text


def test_fetch_snapshot_gives_up_on_a_silent_camera_within_the_read_timeout(camera: str) -> None:
    started = time.monotonic()
    with pytest.raises(SourceError) as err:
        fetch(spec(f"{camera}/hang"))
    assert err.value.reason == "timeout" and time.monotonic() - started < 3 * TIMEOUT


def test_decode_jpeg_says_exactly_what_is_wrong_with_a_bad_image(camera: str) -> None:
    # Some OpenCV builds decode a cut-off JPEG without complaint (grey below the cut), 4.14 returns
    # None; either way decode_jpeg must name the cause, so the end marker is checked explicitly.
    truncated = fetch(spec(f"{camera}/truncated.jpg"))
    for data, words in [
        (truncated, "cut off"),
        (fetch(spec(f"{camera}/tiny.jpg")), "1×1"),
        (b"<html>no</html>", "HTML page"),
        (b"\xff\xd8\xff\xe0" + bytes(300) + b"\xff\xd9", "corrupt"),
        (b"", "empty body"),
    ]:
        with pytest.raises(SourceError) as err:
            decode_jpeg(data, reduce=4, gray=True)
        assert err.value.reason == "invalid_image" and words in err.value.message


def test_decode_jpeg_reads_png_and_rejects_odd_reductions() -> None:
    ok, png = cv2.imencode(".png", render_frame("lorong", 1, 0.0, size=(64, 48)))
    assert ok and decode_jpeg(png.tobytes(), gray=True).shape == (48, 64)
    with pytest.raises(ValueError):
        decode_jpeg(png.tobytes(), reduce=3)
