"""One camera check, as a plain function a worker process can run: frame in, observation out.

Jobs and outcomes are small picklable dataclasses; everything a check needs travels in the job
(the camera's memory included), so it can run in any process of the pool, or on any worker.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import cv2
import numpy as np

from warroom.cameras.health import (
    BROKEN_STATES,
    HealthState,
    Memory,
    Observation,
    Thresholds,
    observe,
    observe_failure,
)
from warroom.cameras.schemas import CameraHealthChanged, CameraHealthChangedPayload
from warroom.cameras.snapshots import apply_masks, encode, write_atomic
from warroom.cameras.sources import open_source
from warroom.cameras.sources.base import SourceError, StreamSpec, redact_url
from warroom.cameras.sources.http import decode_jpeg
from warroom.config import Settings

_LOG = logging.getLogger(__name__)
# Snapshots are kept at most this wide: enough for the wall, small on disk.
SNAPSHOT_MAX_WIDTH = 640


@dataclass
class CheckJob:
    camera_id: int
    spec: StreamSpec
    memory: dict[str, Any]
    reference: bytes | None
    thresholds: Thresholds
    night: bool
    masks: list[Any] = field(default_factory=list)
    snapshot: Path | None = None  # where to write this check's snapshot, if one is due


@dataclass
class CheckOutcome:
    camera_id: int
    observed: str
    metrics: dict[str, Any]
    memory: dict[str, Any]
    snapshot_written: bool = False
    reference: bytes | None = None  # set only when the reference view changed


def check_jpeg(job: CheckJob, data: bytes) -> CheckOutcome:
    """Judge a snapshot camera's JPEG: a quarter-size gray decode is all the checks need."""
    memory = Memory.from_json(job.memory, job.reference)
    try:
        gray = decode_jpeg(data, reduce=4, gray=True)
    except SourceError as err:
        return _outcome(job, observe_failure(err.reason, err.message, memory))
    observation = observe(gray, memory, job.thresholds, night=job.night)
    written = False
    if job.snapshot is not None:
        if job.masks:
            written = _write_frame(job, decode_jpeg(data, gray=False))
        else:
            write_atomic(job.snapshot, data)  # nothing to hide: the camera's own JPEG as it came
            written = True
    return _outcome(job, observation, written)


def check_stream(job: CheckJob) -> CheckOutcome:
    """Open the camera, read one frame, judge it; any failure of the camera is `offline`."""
    memory = Memory.from_json(job.memory, job.reference)
    try:
        with open_source(job.spec) as source:
            frame = source.read()
    except SourceError as err:
        _LOG.debug("camera %d (%s): %s", job.camera_id, redact_url(job.spec.url), err.message)
        return _outcome(job, observe_failure(err.reason, err.message, memory))
    observation = observe(frame, memory, job.thresholds, night=job.night)
    written = _write_frame(job, frame) if job.snapshot is not None else False
    return _outcome(job, observation, written)


def _write_frame(job: CheckJob, frame: np.ndarray) -> bool:
    assert job.snapshot is not None
    height, width = frame.shape[:2]
    if width > SNAPSHOT_MAX_WIDTH:
        frame = cv2.resize(frame, (SNAPSHOT_MAX_WIDTH, round(height * SNAPSHOT_MAX_WIDTH / width)), interpolation=cv2.INTER_AREA)
    else:
        frame = frame.copy()  # never paint masks on a frame someone else holds
    write_atomic(job.snapshot, encode(apply_masks(frame, job.masks)))
    return True


def _outcome(job: CheckJob, observation: Observation, written: bool = False) -> CheckOutcome:
    reference = observation.memory.reference
    changed = reference if reference is not None and reference != job.reference else None
    return CheckOutcome(job.camera_id, observation.verdict, observation.metrics, observation.memory.to_json(), written, changed)


@dataclass
class PreparedCheck:
    """A check to run and what is needed to record it (hysteresis state, names for the event)."""

    job: CheckJob
    slot: int
    state: HealthState
    candidate: HealthState | None
    streak: int
    checks: int
    name: str
    kind: str
    lat: float
    lon: float
    kecamatan_code: str
    kelurahan_code: str | None

    def changed_event(self, to_state: str, metrics: dict[str, Any]) -> CameraHealthChanged:
        return CameraHealthChanged(
            source=f"camera:{self.job.camera_id}",
            payload=CameraHealthChangedPayload(
                camera_id=self.job.camera_id, name=self.name, kind=self.kind, from_state=self.state,  # type: ignore[arg-type]
                to_state=to_state, kecamatan_code=self.kecamatan_code, kelurahan_code=self.kelurahan_code,  # type: ignore[arg-type]
                lat=self.lat, lon=self.lon, metrics=metrics,
            ),
        )


def thresholds_from(settings: Settings) -> Thresholds:
    cfg = settings.cameras
    return Thresholds(
        black_mean_day=cfg.black_mean_day, black_mean_night=cfg.black_mean_night, covered_std=cfg.covered_std,
        blur_ratio=cfg.blur_ratio, blur_floor=cfg.blur_floor, moved_match_share=cfg.moved_match_share,
    )


def is_night(now: datetime, timezone: str, hours: tuple[int, int]) -> bool:
    hour = now.astimezone(ZoneInfo(timezone)).hour
    start, end = hours
    return hour >= start or hour < end if start > end else start <= hour < end


def log_change(check: PreparedCheck, to_state: str, metrics: dict[str, Any]) -> None:
    """Once when a camera breaks, once when it recovers: never once per check."""
    if to_state == "online" and check.state in BROKEN_STATES:
        _LOG.info("camera %d (%s) recovered after being %s", check.job.camera_id, check.name, check.state)
    elif to_state in BROKEN_STATES:
        reason = metrics.get("reason") or ""
        _LOG.warning("camera %d (%s) is %s %s", check.job.camera_id, check.name, to_state, reason)
