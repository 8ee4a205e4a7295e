"""Boundary types of the cameras domain: API bodies, import rows and bus events."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from warroom.bus import Event
from warroom.cameras.health import HealthState
from warroom.city.schemas import AreaRef

CameraKind = Literal["road", "lorong", "other"]
SCHEMES = ("rtsp", "rtsps", "http", "https", "file", "synthetic")
MAX_MASKS = 16
MAX_MASK_POINTS = 64

Point = tuple[float, float]


def _check_url(value: str) -> str:
    value = value.strip()
    scheme = urlsplit(value).scheme.lower()
    if scheme not in SCHEMES:
        raise ValueError(f"stream URL must start with one of {', '.join(s + '://' for s in SCHEMES)}")
    return value


def _check_masks(masks: list[list[Point]]) -> list[list[Point]]:
    """Privacy masks: polygons in frame coordinates as fractions of width and height (0..1)."""
    if len(masks) > MAX_MASKS:
        raise ValueError(f"at most {MAX_MASKS} privacy masks per camera")
    for i, polygon in enumerate(masks):
        if not 3 <= len(polygon) <= MAX_MASK_POINTS:
            raise ValueError(f"mask {i}: a polygon needs 3 to {MAX_MASK_POINTS} points")
        for x, y in polygon:
            if not (0 <= x <= 1 and 0 <= y <= 1):
                raise ValueError(f"mask {i}: points are fractions of the frame, 0..1 (got {x}, {y})")
    return masks


class CameraIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=2, max_length=200)
    kind: CameraKind = "other"
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    agency_code: str | None = None
    stream_url: str = Field(max_length=1000, description="rtsp://, http(s)://, file:// or synthetic://")
    username: str | None = Field(None, max_length=200)
    password: SecretStr | None = Field(None, description="Stored encrypted; never returned.")
    tags: list[str] = Field(default_factory=list, max_length=32)
    privacy_masks: list[list[Point]] = Field(
        default_factory=list, description="Polygons blacked out before storage and display, 0..1 of the frame."
    )
    enabled: bool = True

    @field_validator("stream_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _check_url(value)

    @field_validator("privacy_masks")
    @classmethod
    def _masks(cls, value: list[list[Point]]) -> list[list[Point]]:
        return _check_masks(value)


class CameraPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(None, min_length=2, max_length=200)
    kind: CameraKind | None = None
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    agency_code: str | None = None
    stream_url: str | None = Field(None, max_length=1000)
    username: str | None = Field(None, max_length=200)
    password: SecretStr | None = None
    tags: list[str] | None = Field(None, max_length=32)
    privacy_masks: list[list[Point]] | None = None
    enabled: bool | None = None

    @field_validator("stream_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return None if value is None else _check_url(value)

    @field_validator("privacy_masks")
    @classmethod
    def _masks(cls, value: list[list[Point]] | None) -> list[list[Point]] | None:
        return None if value is None else _check_masks(value)


class HealthOut(BaseModel):
    state: HealthState
    since: datetime | None
    last_checked: datetime | None
    observed: HealthState | None = None
    metrics: dict[str, Any] = Field(default_factory=dict, description="Measurements of the latest check.")


class CameraOut(BaseModel):
    id: int
    name: str
    kind: CameraKind
    lat: float
    lon: float
    kecamatan: AreaRef | None
    kelurahan: AreaRef | None
    agency_code: str | None
    stream_url: str = Field(description="Without any password.")
    has_credentials: bool
    tags: list[str]
    privacy_masks: list[list[Point]]
    enabled: bool
    health: HealthOut
    snapshot_at: datetime | None = None


class CameraPage(BaseModel):
    items: list[CameraOut]
    total: int
    limit: int
    offset: int


class CheckOut(BaseModel):
    observed: HealthState
    state: HealthState
    metrics: dict[str, Any]


class HealthChangeOut(BaseModel):
    at: datetime
    from_state: HealthState
    to_state: HealthState
    metrics: dict[str, Any]


class KecamatanHealth(BaseModel):
    code: str
    name: str
    total: int
    broken: int
    by_state: dict[str, int]


class CameraSummary(BaseModel):
    total: int
    enabled: int
    by_state: dict[str, int]
    by_kecamatan: list[KecamatanHealth]


class Uptime(BaseModel):
    """Share of each window the camera was online (null: not watched during that window)."""

    h24: float | None = Field(alias="24h")
    d7: float | None = Field(alias="7d")
    d30: float | None = Field(alias="30d")

    model_config = ConfigDict(populate_by_name=True)


class CameraHealthChangedPayload(BaseModel):
    camera_id: int
    name: str
    kind: CameraKind
    from_state: HealthState
    to_state: HealthState
    kecamatan_code: str
    kelurahan_code: str | None
    lat: float
    lon: float
    metrics: dict[str, Any] = {}


class CameraHealthChanged(Event):
    type: Literal["camera.health_changed"] = "camera.health_changed"
    payload: CameraHealthChangedPayload
