"""The health checker on real encoded frames: each fault found, real CCTV judged online."""

from __future__ import annotations


import cv2
import numpy as np
import pytest

from conftest import shared
from warroom.cameras.health import Memory, Thresholds, hysteresis, observe, observe_failure, online_share
from warroom.cameras.sources.synthetic import render_frame

THRESHOLDS = Thresholds()


def jpeg_roundtrip(frame: np.ndarray) -> np.ndarray:
    """What a snapshot camera gives the checker: a JPEG, decoded at quarter size in gray."""
    ok, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 80])
    assert ok
    return cv2.imdecode(data, cv2.IMREAD_REDUCED_GRAYSCALE_4)


def learned(scene: str, checks: int = 6) -> Memory:
    memory = Memory()
    for k in range(checks):
        observation = observe(jpeg_roundtrip(render_frame(scene, 11, 7.0 * k)), memory, THRESHOLDS, night=False)
        assert observation.verdict == "online", observation.metrics
        memory = observation.memory
    return memory


@pytest.mark.parametrize("scene", ["street", "lorong"])
@pytest.mark.parametrize("fault", ["black", "blurred", "covered", "moved"])
def test_each_frame_fault_is_found(scene: str, fault: str) -> None:
    memory = learned(scene)
    observation = observe(jpeg_roundtrip(render_frame(scene, 11, 100.0, fault=fault)), memory, THRESHOLDS, night=False)
    assert observation.verdict == fault, observation.metrics


@pytest.mark.parametrize("scene", ["street", "lorong"])
def test_a_frozen_camera_repeats_the_same_frame(scene: str) -> None:
    memory = learned(scene)
    frozen = jpeg_roundtrip(render_frame(scene, 11, 50.0))
    first = observe(frozen, memory, THRESHOLDS, night=False)
    assert first.verdict == "online"
    assert observe(frozen, first.memory, THRESHOLDS, night=False).verdict == "frozen"


def test_night_lowers_the_darkness_bar() -> None:
    dim = (render_frame("street", 3, 1.0).astype(np.float32) * 0.12).astype(np.uint8)  # mean ~15
    assert observe(dim, Memory(), THRESHOLDS, night=False).verdict == "black"
    assert observe(dim, Memory(), THRESHOLDS, night=True).verdict == "online"


def test_faults_never_become_the_cameras_normal() -> None:
    memory = learned("street")
    blurred = observe(jpeg_roundtrip(render_frame("street", 11, 100.0, fault="blurred")), memory, THRESHOLDS, night=False)
    assert blurred.memory.sharpness_baseline == memory.sharpness_baseline
    assert blurred.memory.reference == memory.reference


def test_offline_keeps_memory_and_says_why() -> None:
    memory = learned("lorong")
    observation = observe_failure("timeout", "no frame within 5 s", memory)
    assert observation.verdict == "offline" and observation.metrics == {"reason": "timeout", "error": "no frame within 5 s"}
    assert observation.memory is memory


def test_memory_survives_json_and_bytes() -> None:
    memory = learned("street")
    again = Memory.from_json(memory.to_json(), memory.reference)
    assert again == memory and "reference" not in memory.to_json()


CLIPS = ["bgslibrary_video02.avi", "bgslibrary_video.avi", "intel_car-detection.mp4", "intel_person-bicycle-car-detection.gif"]


@pytest.mark.parametrize("clip", CLIPS)
def test_real_cctv_is_judged_online(clip: str) -> None:
    """Checks spread over the clip, twice round, as a camera looping it would be checked."""
    capture = cv2.VideoCapture(str(shared(f"video/{clip}")))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    assert len(frames) > 20
    step = max(1, len(frames) // 12)
    state, candidate, streak, memory = "unknown", None, 0, Memory()
    states = []
    for frame in (frames[::step] * 2):
        observation = observe(frame, memory, THRESHOLDS, night=False)
        memory = observation.memory
        result = hysteresis(state, candidate, streak, observation.verdict, 3)  # type: ignore[arg-type]
        state, candidate, streak = result.state, result.candidate, result.streak
        states.append(state)
    assert set(states) == {"online"}, states


def test_hysteresis_needs_n_agreeing_checks() -> None:
    r = hysteresis("unknown", None, 0, "online", 3)
    assert (r.state, r.changed) == ("online", True)  # the first verdict is believed
    r = hysteresis("online", None, 0, "black", 3)
    assert (r.state, r.candidate, r.streak, r.changed) == ("online", "black", 1, False)
    r = hysteresis(r.state, r.candidate, r.streak, "black", 3)
    assert (r.state, r.streak) == ("online", 2)
    r2 = hysteresis(r.state, r.candidate, r.streak, "blurred", 3)  # a different verdict starts over
    assert (r2.state, r2.candidate, r2.streak) == ("online", "blurred", 1)
    r = hysteresis(r.state, r.candidate, r.streak, "black", 3)
    assert (r.state, r.changed, r.streak) == ("black", True, 0)
    r = hysteresis("black", None, 0, "black", 3)
    assert not r.changed


def test_online_share_over_windows() -> None:
    from datetime import UTC, datetime, timedelta

    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    changes = [
        (t0, "unknown", "online"),
        (t0 + timedelta(hours=6), "online", "offline"),
        (t0 + timedelta(hours=9), "offline", "online"),
    ]
    end = t0 + timedelta(hours=12)
    assert online_share(changes, t0, end) == pytest.approx(0.75)
    assert online_share(changes, t0 + timedelta(hours=8), end) == pytest.approx(0.75)  # 1 h offline, 3 h online
    assert online_share(changes, t0 - timedelta(days=1), t0) is None  # not watched yet
