"""Snapshots: the latest frames of each camera, privacy masks burnt in before they touch disk.

Each camera has a small ring of files (`snapshots/<id>/<slot>.jpg`, `snapshots_per_camera` slots)
overwritten in turn, so retention needs no clean-up job and no directory listing per check.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import cv2
import numpy as np


def snapshot_path(root: Path, camera_id: int, slot: int) -> Path:
    return root / str(camera_id) / f"{slot}.jpg"


def apply_masks(frame: np.ndarray, masks: list[Any]) -> np.ndarray:
    """Black out each polygon (points as fractions 0..1 of width and height) in place."""
    if not masks:
        return frame
    height, width = frame.shape[:2]
    polygons = [
        np.array([[round(x * (width - 1)), round(y * (height - 1))] for x, y in polygon], dtype=np.int32)
        for polygon in masks
    ]
    cv2.fillPoly(frame, polygons, (0, 0, 0) if frame.ndim == 3 else 0)
    return frame


def encode(frame: np.ndarray, quality: int = 80) -> bytes:
    ok, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("could not encode the snapshot")
    return data.tobytes()


def write_atomic(path: Path, data: bytes) -> None:
    """Readers never see half a JPEG: write beside it, then rename over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
