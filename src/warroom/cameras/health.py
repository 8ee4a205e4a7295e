"""Deciding a camera's health from one frame and what we remember of its earlier ones.

Cheap on purpose: every check works on a small grayscale image (160 px wide), so one core judges
thousands of cameras a minute. Each verdict needs only this frame plus the camera's `Memory`
(last frame fingerprint, reference view, sharpness baseline), which is stored in the database
between checks so any worker can check any camera next.

Verdicts, first match wins: black (too dark, with a lower bar at night), covered (almost uniform),
frozen (pixel-identical to the previous check), moved (no longer matches the reference view),
blurred (much less sharp than the camera's own baseline), else online. A camera that cannot be
reached or returns no usable image is offline. `Hysteresis` turns verdicts into states.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

import cv2
import numpy as np

HealthState = Literal["unknown", "online", "offline", "frozen", "black", "blurred", "covered", "moved"]
HEALTH_STATES: tuple[HealthState, ...] = (
    "unknown", "online", "offline", "frozen", "black", "blurred", "covered", "moved",
)
BROKEN_STATES = frozenset(HEALTH_STATES) - {"unknown", "online"}

ANALYSIS_WIDTH = 160
# The reference view: a small blurred thumbnail, compared block by block (4 x 3 blocks of 12 px).
THUMB_SIZE = (64, 48)
BLOCK = 8
# Blocks flatter than this in the reference (sky, asphalt) say nothing about where the camera looks.
TEXTURE_STD = 4.0
BLOCK_MATCH = 0.5
MIN_TEXTURED_BLOCKS = 3
# Checks of an online camera before its sharpness baseline is trusted.
BASELINE_SAMPLES = 3
BASELINE_ALPHA = 0.03
# Every REFERENCE_EVERY-th online check blends into the reference view, so a car parked for an
# hour becomes scenery while one passing by does not; rare updates also keep database writes small.
REFERENCE_EVERY = 10
REFERENCE_ALPHA = 0.3


@dataclass(frozen=True)
class Thresholds:
    black_mean_day: float = 25.0
    black_mean_night: float = 8.0
    covered_std: float = 5.0
    blur_ratio: float = 0.35
    blur_floor: float = 12.0
    moved_match_share: float = 0.4


@dataclass
class Memory:
    """What a check needs from earlier checks of the same camera (JSON-safe via to_json)."""

    fingerprint: str | None = None
    reference: bytes | None = None  # THUMB_SIZE uint8 thumbnail of the camera's normal view
    sharpness_baseline: float | None = None
    samples: int = 0

    def to_json(self) -> dict[str, Any]:
        """Everything but the reference view, which is stored as bytes of its own."""
        data = asdict(self)
        del data["reference"]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any] | None, reference: bytes | None = None) -> Memory:
        data = data or {}
        return cls(
            fingerprint=data.get("fingerprint"),
            reference=reference,
            sharpness_baseline=data.get("sharpness_baseline"),
            samples=int(data.get("samples", 0)),
        )


@dataclass
class Observation:
    verdict: HealthState
    metrics: dict[str, Any] = field(default_factory=dict)
    memory: Memory = field(default_factory=Memory)


def analysis_image(frame: np.ndarray) -> np.ndarray:
    """Any frame (BGR or gray, any size) as the small gray image the checks run on."""
    gray = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    height, width = gray.shape
    if width != ANALYSIS_WIDTH:
        new_h = max(1, round(height * ANALYSIS_WIDTH / width))
        gray = cv2.resize(gray, (ANALYSIS_WIDTH, new_h), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(gray)


def thumbnail(gray: np.ndarray) -> np.ndarray:
    small = cv2.resize(gray, THUMB_SIZE, interpolation=cv2.INTER_AREA)
    return cv2.GaussianBlur(small, (3, 3), 0)


def view_match(thumb: np.ndarray, reference: np.ndarray) -> float | None:
    """Share of the reference's textured blocks that still correlate with this frame.

    A passing bus or a parked car changes a few blocks; a camera turned away changes nearly all.
    None when the reference has too little texture to tell (an empty wet car park at night).
    Vectorised over the blocks: this runs for every camera on every check.
    """
    rows, cols = reference.shape[0] // BLOCK, reference.shape[1] // BLOCK

    def blocks(image: np.ndarray) -> np.ndarray:
        cut = image[: rows * BLOCK, : cols * BLOCK].astype(np.float32)
        return cut.reshape(rows, BLOCK, cols, BLOCK).transpose(0, 2, 1, 3).reshape(rows * cols, BLOCK * BLOCK)

    ref, cur = blocks(reference), blocks(thumb)
    textured = ref.std(axis=1) >= TEXTURE_STD
    if int(textured.sum()) < MIN_TEXTURED_BLOCKS:
        return None
    ref, cur = ref[textured], cur[textured]
    ref -= ref.mean(axis=1, keepdims=True)
    cur -= cur.mean(axis=1, keepdims=True)
    denom = np.sqrt((ref * ref).sum(axis=1) * (cur * cur).sum(axis=1))
    corr = np.where(denom > 1e-6, (ref * cur).sum(axis=1) / np.maximum(denom, 1e-6), 0.0)
    return float((corr >= BLOCK_MATCH).mean())


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Normalised cross-correlation of two thumbnails: 1 same structure, ~0 unrelated."""
    x = a.astype(np.float32).ravel()
    y = b.astype(np.float32).ravel()
    x -= x.mean()
    y -= y.mean()
    denom = float(np.sqrt((x * x).sum() * (y * y).sum()))
    return float((x * y).sum() / denom) if denom > 1e-6 else 0.0


def observe(frame: np.ndarray, memory: Memory, thresholds: Thresholds, *, night: bool) -> Observation:
    """The verdict on one frame, with the memory to keep for the next check."""
    gray = analysis_image(frame)
    mean = float(gray.mean())
    std = float(gray.std())
    sharpness = float(cv2.Laplacian(gray, cv2.CV_32F).var())
    fingerprint = hashlib.blake2b(gray.tobytes(), digest_size=8).hexdigest()
    thumb = thumbnail(gray)
    reference = np.frombuffer(memory.reference, np.uint8).reshape(THUMB_SIZE[::-1]) if memory.reference else None
    match = view_match(thumb, reference) if reference is not None else None
    metrics: dict[str, Any] = {
        "mean": round(mean, 1), "std": round(std, 1), "sharpness": round(sharpness, 1),
        "view_match": None if match is None else round(match, 3),
        "baseline": None if memory.sharpness_baseline is None else round(memory.sharpness_baseline, 1),
        "night": night,
    }
    dark_below = thresholds.black_mean_night if night else thresholds.black_mean_day
    baseline_ready = memory.samples >= BASELINE_SAMPLES and memory.sharpness_baseline is not None
    verdict: HealthState
    if mean < dark_below:
        verdict = "black"
    elif std < thresholds.covered_std:
        verdict = "covered"
    elif memory.fingerprint == fingerprint:
        verdict = "frozen"
    elif match is not None and match < thresholds.moved_match_share:
        verdict = "moved"
    elif sharpness < thresholds.blur_floor or (
        baseline_ready and sharpness < thresholds.blur_ratio * memory.sharpness_baseline  # type: ignore[operator]
    ):
        verdict = "blurred"
    else:
        verdict = "online"
    return Observation(verdict, metrics, _remember(memory, verdict, fingerprint, thumb, reference, sharpness))


def _remember(
    memory: Memory,
    verdict: HealthState,
    fingerprint: str,
    thumb: np.ndarray,
    reference: np.ndarray | None,
    sharpness: float,
) -> Memory:
    """Learn only from healthy frames, so a fault never becomes the camera's new normal."""
    updated = Memory(fingerprint=fingerprint, reference=memory.reference,
                     sharpness_baseline=memory.sharpness_baseline, samples=memory.samples)
    if verdict != "online":
        return updated
    if reference is None:
        updated.reference = thumb.tobytes()
    elif memory.samples % REFERENCE_EVERY == REFERENCE_EVERY - 1:
        blended = (1 - REFERENCE_ALPHA) * reference.astype(np.float32) + REFERENCE_ALPHA * thumb
        updated.reference = np.clip(blended, 0, 255).astype(np.uint8).tobytes()
    base = memory.sharpness_baseline
    updated.sharpness_baseline = sharpness if base is None else (1 - BASELINE_ALPHA) * base + BASELINE_ALPHA * sharpness
    updated.samples = memory.samples + 1
    return updated


def observe_failure(reason: str, message: str, memory: Memory) -> Observation:
    """A camera that gave no usable frame is offline; the reason says which way it failed."""
    return Observation("offline", {"reason": reason, "error": message}, memory)


@dataclass(frozen=True)
class HysteresisResult:
    state: HealthState
    candidate: HealthState | None
    streak: int
    changed: bool


def hysteresis(
    state: HealthState, candidate: HealthState | None, streak: int, observed: HealthState, required: int
) -> HysteresisResult:
    """A state changes only after `required` consecutive checks observe the same new verdict.

    The first check of a camera (state `unknown`) is believed at once: there is no alarm to avoid.
    """
    if observed == state:
        return HysteresisResult(state, None, 0, False)
    if state == "unknown":
        return HysteresisResult(observed, None, 0, True)
    streak = streak + 1 if candidate == observed else 1
    if streak >= required:
        return HysteresisResult(observed, None, 0, True)
    return HysteresisResult(state, observed, streak, False)


def online_share(changes: list[Any], start: datetime, end: datetime) -> float | None:
    """Online seconds / watched seconds in [start, end), walking the state changes in order."""
    state: str = "unknown"
    cursor = start
    online = watched = 0.0
    for at, from_state, to_state in changes:
        if at <= start:
            state = to_state
            continue
        if at >= end:
            break
        if state == "unknown" and cursor == start:
            state = from_state
        span = (at - cursor).total_seconds()
        if state != "unknown":
            watched += span
            online += span if state == "online" else 0.0
        state, cursor = to_state, at
    span = (end - cursor).total_seconds()
    if state != "unknown":
        watched += span
        online += span if state == "online" else 0.0
    return round(online / watched, 4) if watched > 0 else None

