"""PyAV cameras: real CCTV clips as file:// cameras, an HLS playlist, and a real RTSP server.

The RTSP server is GStreamer's (tests/support/rtsp_server.py under Debian's /usr/bin/python3,
where PyGObject lives), H.264 over RTSP/TCP with Basic auth like an IP camera. Each test that
starts one kills it in teardown.
"""

from __future__ import annotations

import functools
import logging
import os
import selectors
import signal
import subprocess
import threading
import time
import traceback
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import av
import numpy as np
import pytest
from conftest import ROOT, free_port, missing, shared

from warroom.cameras.sources import open_source
from warroom.cameras.sources.base import SourceError, StreamSpec
from warroom.cameras.sources.opencv import OpenCVSource
from warroom.cameras.sources.pyav import PyAVSource

SYSTEM_PYTHON = "/usr/bin/python3"
SERVER_SCRIPT = ROOT / "tests" / "support" / "rtsp_server.py"
APT = ("apt-get install -y python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base "
       "gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly gstreamer1.0-plugins-bad")
USER, PASSWORD = "viewer", "rtsp-Secret-42"
READ_TIMEOUT = 1.0

CLIPS = [  # name, (width, height), frames in one pass
    ("bgslibrary_video02.avi", (320, 240), 750),
    ("bgslibrary_video.avi", (640, 360), 374),
    ("intel_car-detection.mp4", (768, 432), 377),
]


def file_spec(path: Path) -> StreamSpec:
    return StreamSpec(path.as_uri(), connect_timeout_s=2.0, read_timeout_s=READ_TIMEOUT)


# ---- file cameras ------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "size", "frames"), CLIPS)
def test_a_clip_is_a_camera_that_loops(name: str, size: tuple[int, int], frames: int) -> None:
    with open_source(file_spec(shared(f"video/{name}"))) as cam:
        first = cam.read()
        assert first.shape == (size[1], size[0], 3) and first.dtype == np.uint8
        loop_at = next((n for n in range(1, frames + 20) if np.array_equal(cam.read(), first)), None)
        assert cam.read().shape == first.shape
    assert loop_at is not None and frames - 5 <= loop_at <= frames, f"looped after {loop_at} frames"


@pytest.mark.parametrize("name", [c[0] for c in CLIPS])
def test_a_truncated_clip_fails_or_loops_early_but_never_hangs(name: str, tmp_path: Path) -> None:
    data = shared(f"video/{name}").read_bytes()
    cut = tmp_path / name
    cut.write_bytes(data[: len(data) * 4 // 10])
    frames = next(c[2] for c in CLIPS if c[0] == name)
    started = time.monotonic()
    try:
        with PyAVSource(file_spec(cut)) as cam:
            first = cam.read()
            loop_at = next(n for n in range(1, 2 * frames) if np.array_equal(cam.read(), first))
        assert loop_at < frames * 0.6, "it played only what is there, then started over"
    except SourceError as err:
        assert err.reason in ("ended", "invalid_image", "timeout")
    assert time.monotonic() - started < 20


def test_a_missing_file_is_a_connect_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as err:
        PyAVSource(file_spec(tmp_path / "nope.mp4")).open()
    assert err.value.reason == "connect" and "does not exist" in err.value.message


def test_opencv_fallback_reads_and_loops_a_clip_too() -> None:
    with OpenCVSource(file_spec(shared("video/bgslibrary_video.avi"))) as cam:
        frames = [cam.read() for _ in range(380)]
    assert all(f.shape == (360, 640, 3) for f in frames)
    assert np.array_equal(frames[0], frames[374]), "looped at the end of the clip"


# ---- HLS ---------------------------------------------------------------------------------------


@pytest.fixture
def hls_url(tmp_path: Path) -> Iterator[str]:
    """The parking-lot clip remuxed (no re-encode) into an HLS playlist, served over HTTP."""
    with av.open(str(shared("video/intel_car-detection.mp4"))) as source, \
            av.open(str(tmp_path / "index.m3u8"), "w", format="hls", options={"hls_time": "2"}) as target:
        stream = target.add_stream_from_template(source.streams.video[0])
        for packet in source.demux(source.streams.video[0]):
            if packet.dts is not None:
                packet.stream = stream
                target.mux(packet)
    handler = functools.partial(QuietFiles, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/index.m3u8"
    server.shutdown()
    server.server_close()


class QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def test_an_hls_stream_plays_and_then_ends(hls_url: str) -> None:
    with open_source(StreamSpec(hls_url, read_timeout_s=3.0)) as cam:
        assert cam.type == "pyav"
        assert cam.read().shape == (432, 768, 3)
        with pytest.raises(SourceError) as err:
            for _ in range(1000):
                cam.read()
    assert err.value.reason == "ended", "a live source does not loop like a file"


# ---- RTSP --------------------------------------------------------------------------------------


class RtspServer:
    """GStreamer's RTSP server as a child process; `kill()` and `pause()` simulate a dying camera."""

    def __init__(self, *args: str) -> None:
        self.port = free_port()
        self.url = f"rtsp://127.0.0.1:{self.port}/cam"
        self.process = subprocess.Popen(
            [SYSTEM_PYTHON, str(SERVER_SCRIPT), "--port", str(self.port), *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        with selectors.DefaultSelector() as selector:
            assert self.process.stdout is not None
            selector.register(self.process.stdout, selectors.EVENT_READ)
            ready = selector.select(timeout=15) and self.process.stdout.readline().startswith("READY")
        if not ready:
            self.stop()
            pytest.fail(f"the RTSP server did not start: {self.process.stderr.read() if self.process.stderr else ''}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()  # SIGKILL also ends a SIGSTOPped process
        self.process.wait(timeout=10)
        for pipe in (self.process.stdout, self.process.stderr):
            if pipe is not None:
                pipe.close()


@functools.cache
def rtsp_unavailable() -> str | None:
    """Why this machine cannot run the RTSP server, or None if it can."""
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        return f"{SYSTEM_PYTHON} is absent"
    check = subprocess.run([SYSTEM_PYTHON, str(SERVER_SCRIPT), "--check"], capture_output=True, text=True,
                           timeout=60, check=False)
    if check.returncode != 0:
        said = check.stdout.strip() or (check.stderr.strip().splitlines() or ["no output"])[-1]
        return f"GStreamer's RTSP server cannot run under {SYSTEM_PYTHON} ({said}); install it with `{APT}`"
    return None


def start_rtsp(*args: str) -> RtspServer:
    if (why := rtsp_unavailable()) is not None:
        missing("rtsp", why)
    return RtspServer(*args)


@pytest.fixture(scope="module")
def rtsp_camera() -> Iterator[RtspServer]:
    """A camera that wants credentials, shared by the tests that do not hurt it."""
    server = start_rtsp("--user", USER, "--password", PASSWORD)
    yield server
    server.stop()


@pytest.fixture
def rtsp_victim() -> Iterator[RtspServer]:
    """A camera of its own for a test that kills or freezes it."""
    server = start_rtsp()
    yield server
    server.stop()


def rtsp_spec(url: str, user: str | None = USER, password: str | None = PASSWORD) -> StreamSpec:
    return StreamSpec(url, username=user, password=password, connect_timeout_s=5.0, read_timeout_s=READ_TIMEOUT)


def test_pyav_reads_rtsp_over_tcp_with_credentials(rtsp_camera: RtspServer) -> None:
    with open_source(rtsp_spec(rtsp_camera.url)) as cam:
        frames = [cam.read() for _ in range(8)]
    assert cam.type == "pyav"
    assert all(f.shape == (240, 320, 3) for f in frames)
    assert len({f.tobytes() for f in frames}) > 1, "a live picture: the ball moves"


@pytest.mark.parametrize(("user", "password"), [(USER, "wrong-password"), (None, None)])
def test_wrong_or_missing_credentials_fail_without_leaking_them(
    rtsp_camera: RtspServer, user: str | None, password: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    av.logging.set_level(av.logging.VERBOSE)  # FFmpeg's own log quotes URLs: it must be scrubbed too
    try:
        with pytest.raises(SourceError) as err:
            open_source(rtsp_spec(rtsp_camera.url, user, password)).open()
    finally:
        av.logging.set_level(None)
    assert err.value.reason in ("auth", "connect")
    text = "".join(traceback.format_exception(err.value)) + caplog.text
    assert "wrong-password" not in text and PASSWORD not in text


def test_credentials_in_the_url_work_and_stay_out_of_errors(rtsp_camera: RtspServer) -> None:
    url = rtsp_camera.url.replace("rtsp://", f"rtsp://{USER}:{PASSWORD}@")
    with PyAVSource(rtsp_spec(url, None, None)) as cam:
        assert cam.read().shape == (240, 320, 3)
    with pytest.raises(SourceError) as err:
        PyAVSource(rtsp_spec(url.replace(PASSWORD, "Not-" + PASSWORD), None, None)).open()
    assert err.value.reason == "auth" and PASSWORD not in "".join(traceback.format_exception(err.value))


def test_nothing_listening_is_a_connect_error() -> None:
    with pytest.raises(SourceError) as err:
        PyAVSource(rtsp_spec(f"rtsp://127.0.0.1:{free_port()}/cam")).open()
    assert err.value.reason == "connect" and "refused" in err.value.message


def test_opencv_takes_over_when_pyav_cannot_read_the_stream(
    rtsp_camera: RtspServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unsupported(self: PyAVSource) -> None:  # as when PyAV's FFmpeg lacks the camera's codec
        raise SourceError("unsupported", "this FFmpeg build cannot read it")

    monkeypatch.setattr(PyAVSource, "open", unsupported)
    with open_source(rtsp_spec(rtsp_camera.url)) as cam:
        assert cam.read().shape == (240, 320, 3)
        assert cam.active.type == "opencv"  # type: ignore[attr-defined]


def read_until_failure(cam: PyAVSource) -> tuple[SourceError, float]:
    """Read on (frames already in flight still come out) until the source fails; return the
    error and the seconds between the last frame and the failure."""
    started = last_frame = time.monotonic()
    while time.monotonic() - started < 10:
        try:
            cam.read()
        except SourceError as err:
            return err, time.monotonic() - last_frame
        last_frame = time.monotonic()
    pytest.fail("the source kept giving frames for 10 s after its camera died")


def test_a_camera_killed_mid_stream_fails_within_the_read_timeout(rtsp_victim: RtspServer) -> None:
    with PyAVSource(rtsp_spec(rtsp_victim.url, None, None)) as cam:
        cam.read()
        rtsp_victim.process.send_signal(signal.SIGKILL)
        err, silence = read_until_failure(cam)
    assert err.reason in ("ended", "timeout") and silence < 3 * READ_TIMEOUT


def test_a_camera_that_stops_sending_times_out(rtsp_victim: RtspServer) -> None:
    with PyAVSource(rtsp_spec(rtsp_victim.url, None, None)) as cam:
        cam.read()
        rtsp_victim.process.send_signal(signal.SIGSTOP)  # the connection stays open; nothing more comes
        err, silence = read_until_failure(cam)
    assert err.reason == "timeout" and READ_TIMEOUT * 0.9 <= silence < 3 * READ_TIMEOUT
