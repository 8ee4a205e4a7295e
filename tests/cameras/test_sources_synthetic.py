"""Synthetic cameras: every fault must show in the frame statistics the health checker uses.

The numbers are the checker's own measures (mean and spread of grey, Laplacian variance for
sharpness, correlation of a blurred 32x24 thumbnail for "same view"), so if a fault stops looking
like itself here, the demo and the health-check tests would silently stop exercising it.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from warroom.cameras.sources import open_source
from warroom.cameras.sources.base import SourceError, StreamSpec
from warroom.cameras.sources.http import decode_jpeg
from warroom.cameras.sources.synthetic import SyntheticSource, encode_jpeg, render_frame

SCENES = ["street", "lorong"]


class Clock:
    """An injectable clock: tests move time by assigning `t`."""

    def __init__(self, t: float = 0.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def gray(frame: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)


def sharpness(frame: np.ndarray) -> float:
    return float(cv2.Laplacian(gray(frame), cv2.CV_64F).var())


def thumbnail_correlation(a: np.ndarray, b: np.ndarray) -> float:
    def thumb(frame: np.ndarray) -> np.ndarray:
        small = cv2.resize(gray(frame), (32, 24), interpolation=cv2.INTER_AREA)
        return cv2.GaussianBlur(small, (3, 3), 0).astype(np.float64).ravel()

    return float(np.corrcoef(thumb(a), thumb(b))[0, 1])


def source(url: str, clock: Clock) -> SyntheticSource:
    return SyntheticSource(StreamSpec(url), clock=clock)


@pytest.mark.parametrize("scene", SCENES)
def test_a_normal_frame_looks_like_a_camera_picture(scene: str) -> None:
    frame = render_frame(scene, 3, 1_000.0)
    assert frame.shape == (480, 640, 3) and frame.dtype == np.uint8
    g = gray(frame)
    assert 60 < g.mean() < 200, "lit like daytime"
    assert g.std() > 25, "a scene with contrast, not a flat fill"
    assert sharpness(frame) > 500, "textured and in focus"
    assert render_frame(scene, 3, 1_000.0, size=(320, 240)).shape == (240, 320, 3)


@pytest.mark.parametrize("scene", SCENES)
def test_each_fault_shows_in_the_frame_statistics(scene: str) -> None:
    t = 4_321.5
    normal = render_frame(scene, 7, t)
    black = gray(render_frame(scene, 7, t, "black"))
    assert black.mean() < 10

    covered = gray(render_frame(scene, 7, t, "covered"))
    assert covered.std() < 4 and covered.mean() >= 10, "uniform, but not black"

    blurred = render_frame(scene, 7, t, "blurred")
    assert sharpness(blurred) < sharpness(normal) / 20
    assert abs(gray(blurred).mean() - gray(normal).mean()) < 10, "same scene, only out of focus"

    reference = render_frame(scene, 7, 0.0)
    for later in (60.0, 600.0, 3_600.0):
        assert thumbnail_correlation(reference, render_frame(scene, 7, later)) > 0.8, "the view stays the view"
        moved = render_frame(scene, 7, later, "moved")
        assert abs(thumbnail_correlation(reference, moved)) < 0.5, "a moved camera sees something else"
        assert sharpness(moved) > 500 and gray(moved).mean() > 60, "still sharp and bright"


@pytest.mark.parametrize("scene", SCENES)
def test_frozen_frames_are_byte_identical_and_live_ones_never_are(scene: str) -> None:
    clock = Clock(100.0)
    live, frozen = source(f"synthetic://{scene}?seed=2", clock), source(f"synthetic://{scene}?seed=2&fault=frozen", clock)
    live.open()
    frozen.open()
    live_frames, frozen_frames = [], []
    for t in (100.0, 100.001, 100.04, 160.0, 5_000.0):
        clock.t = t
        live_frames.append(live.read().tobytes())
        frozen_frames.append(frozen.read().tobytes())
    assert len(set(frozen_frames)) == 1
    assert len(set(live_frames)) == len(live_frames), "sensor noise alone makes each frame different"
    # a new check (a new source) of a frozen camera sees the very same picture
    again = source(f"synthetic://{scene}?seed=2&fault=frozen", clock)
    again.open()
    assert again.read().tobytes() == frozen_frames[0]


def test_a_still_picture_still_differs_frame_to_frame_by_sensor_noise() -> None:
    for fault in ("covered", "black"):  # nothing moves in these: only the noise can differ
        a, b = render_frame("lorong", 1, 10.0, fault), render_frame("lorong", 1, 10.001, fault)
        assert a.tobytes() != b.tobytes()
    a, b = render_frame("lorong", 1, 10.0), render_frame("lorong", 1, 10.001)
    difference = np.abs(a.astype(np.int16) - b.astype(np.int16))
    assert (difference > 0).any(axis=2).mean() > 0.5, "noise touches most pixels"
    assert (difference > 4).mean() < 0.001, "in a millisecond only noise (and an edge pixel or two) changes"


def test_the_schedule_turns_faults_on_and_off_with_the_clock() -> None:
    clock = Clock(5.0)
    cam = source("synthetic://street?seed=4&schedule=black:10-20,frozen:30-40,offline:50-60&cycle=100", clock)
    cam.open()
    assert gray(cam.read()).mean() > 60
    clock.t = 15.0
    assert gray(cam.read()).mean() < 10
    clock.t = 25.0
    assert gray(cam.read()).mean() > 60
    clock.t = 31.0
    first = cam.read()
    clock.t = 39.9
    assert np.array_equal(cam.read(), first)
    assert np.array_equal(first, render_frame("street", 4, 30.0)), "frozen at the moment the fault began"
    clock.t = 41.0
    assert not np.array_equal(cam.read(), first)
    clock.t = 55.0
    with pytest.raises(SourceError) as err:
        cam.read()
    assert err.value.reason == "connect"
    with pytest.raises(SourceError):
        source(cam.spec.url, clock).open()
    clock.t = 65.0
    assert gray(cam.read()).mean() > 60, "back after the window"
    clock.t = 1_115.0  # the cycle repeats
    assert gray(cam.read()).mean() < 10


def test_frames_are_deterministic_in_seed_and_time() -> None:
    assert np.array_equal(render_frame("street", 9, 12.5), render_frame("street", 9, 12.5))
    assert np.array_equal(render_frame("lorong", 9, 12.5, "moved"), render_frame("lorong", 9, 12.5, "moved"))
    assert not np.array_equal(render_frame("street", 9, 12.5), render_frame("street", 10, 12.5))
    a, b = source("synthetic://lorong?seed=9", Clock(77.0)), source("synthetic://lorong?seed=9", Clock(77.0))
    a.open()
    b.open()
    assert np.array_equal(a.read(), b.read())


def test_an_offline_camera_raises_connect() -> None:
    cam = source("synthetic://lorong?fault=offline", Clock())
    with pytest.raises(SourceError) as err:
        cam.open()
    assert err.value.reason == "connect"
    with pytest.raises(SourceError) as err:
        cam.read()
    assert err.value.reason == "connect"
    with pytest.raises(SourceError):
        render_frame("lorong", 0, 0.0, "offline")


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("synthetic://beach", "scene one of street, lorong"),
        ("synthetic://street?fault=melted", "unknown fault 'melted'"),
        ("synthetic://street?size=10x10", "outside 16x16"),
        ("synthetic://street?schedule=black:50-150&cycle=100", "within the cycle"),
        ("synthetic://street?colour=red", "unknown option(s) colour"),
    ],
)
def test_a_mistyped_url_says_what_is_wrong(url: str, words: str) -> None:
    with pytest.raises(SourceError) as err:
        SyntheticSource(StreamSpec(url))
    assert err.value.reason == "unsupported" and words in err.value.message


def test_encoded_frames_decode_back() -> None:
    frame = render_frame("street", 1, 50.0)
    data = encode_jpeg(frame, quality=80)
    assert data[:3] == b"\xff\xd8\xff" and data[-2:] == b"\xff\xd9"
    decoded = decode_jpeg(data)
    assert decoded.shape == frame.shape
    assert abs(float(decoded.mean()) - float(frame.mean())) < 2


def test_open_source_picks_by_scheme() -> None:
    with open_source(StreamSpec("synthetic://lorong?seed=1&size=320x240")) as cam:
        assert cam.type == "synthetic" and cam.read().shape == (240, 320, 3)
    assert open_source(StreamSpec("http://127.0.0.1/snap.jpg")).type == "http"
    assert open_source(StreamSpec("https://cams.example/live/index.m3u8")).type == "pyav"
    assert open_source(StreamSpec("file:///tmp/clip.mp4")).type == "pyav"
    assert open_source(StreamSpec("rtsp://127.0.0.1/cam")).type == "pyav"
    with pytest.raises(SourceError) as err:
        open_source(StreamSpec("onvif://u:secret@10.0.0.9/"))
    assert err.value.reason == "unsupported" and "supported schemes are rtsp://" in err.value.message
    assert "secret" not in err.value.message
