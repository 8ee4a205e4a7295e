"""Boundary types of the ingest API: what apps push about themselves, what staff read back, the
bus events a push announces, and the wall's KPI tiles."""

from __future__ import annotations

import json
import math
import sys
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from warroom.bus import Event

METRIC_NAME = r"^[a-z][a-z0-9_]{0,63}$"
EVENT_TYPE = r"^[a-z][a-z0-9_.]{0,63}$"
CLIENT_ID = r"^[A-Za-z0-9._:-]{1,64}$"
MAX_LABELS = 10
MAX_EVENT_DATA = 8192
MAX_FLOAT = sys.float_info.max
Severity = Literal["info", "warning", "critical"]
Aggregate = Literal["last", "sum_today", "max_today"]


def _no_nul(value: str) -> str:
    # PostgreSQL cannot store NUL in text: refuse it here rather than fail in the database.
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    return value


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    names = {bool: "a boolean", str: "a string", list: "a list", dict: "an object"}
    return names.get(type(value), type(value).__name__)


LabelKey = Annotated[str, StringConstraints(min_length=1, max_length=64), AfterValidator(_no_nul)]
LabelValue = Annotated[str, StringConstraints(max_length=200), AfterValidator(_no_nul)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MetricPointIn(Strict):
    name: str = Field(pattern=METRIC_NAME, description="e.g. requests_total: lower-case letters, digits, '_'.")
    # Strict: "12" and true are refused, not turned into 12.0 and 1.0; NaN and infinity too.
    value: float = Field(strict=True, allow_inf_nan=False, description="A finite number.")
    at: AwareDatetime | None = Field(
        None, description="When it was measured, ISO 8601 with a zone; default: when received."
    )
    labels: dict[LabelKey, LabelValue] | None = Field(
        None, max_length=MAX_LABELS, description=f"At most {MAX_LABELS} pairs; keys ≤ 64, values ≤ 200 characters."
    )

    @field_validator("value", mode="before")
    @classmethod
    def _number(cls, value: Any) -> Any:
        # Python's JSON parser reads NaN and Infinity; say plainly why each is refused.
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"must be a JSON number, not {_kind(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"must be a finite number, not {value}")
        if isinstance(value, int) and abs(value) > MAX_FLOAT:
            raise ValueError("is too large for a 64-bit floating-point number")
        return value


class MetricsIn(Strict):
    batch_id: str | None = Field(
        None, pattern=CLIENT_ID,
        description="Your id for this push: a retry with the same id is answered, not stored twice.",
    )
    points: list[MetricPointIn] = Field(min_length=1, description="1 to apps.ingest_max_points points.")


class EventIn(Strict):
    id: str | None = Field(
        None, pattern=CLIENT_ID,
        description="Your id for this event: a retry with the same id is answered, not stored twice.",
    )
    type: str = Field(pattern=EVENT_TYPE, description="e.g. batch.failed: lower-case letters, digits, '_', '.'.")
    severity: Severity = "info"
    message: Annotated[str, AfterValidator(_no_nul)] = Field(min_length=1, max_length=500)
    data: dict[str, Any] | None = Field(None, description=f"Any JSON object up to {MAX_EVENT_DATA} bytes.")
    at: AwareDatetime | None = Field(None, description="When it happened; default: when received.")

    @field_validator("data")
    @classmethod
    def _data(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is None:
            return None
        try:
            text = json.dumps(value, allow_nan=False, ensure_ascii=False, separators=(",", ":"))
            size = len(text.encode())
        except UnicodeEncodeError as err:  # a lone surrogate: it could not be sent on to the wall
            raise ValueError("data must be valid Unicode text (it has a lone surrogate escape)") from err
        except ValueError as err:
            raise ValueError("data must not contain NaN or infinity (not JSON numbers)") from err
        if size > MAX_EVENT_DATA:
            raise ValueError(f"data is {size} bytes as JSON; at most {MAX_EVENT_DATA} are accepted")
        if "\\u0000" in text:
            raise ValueError("data must not contain a NUL character")
        return value


class PushOut(BaseModel):
    accepted: int = Field(description="Points (or events) stored by this push, or by the first push with its id.")
    duplicate: bool = Field(description="True when the id was seen before: nothing was stored this time.")


class MetricSummary(BaseModel):
    name: str
    last_value: float
    last_at: datetime
    points: int


class SeriesOut(BaseModel):
    name: str
    step: int | None = Field(description="Seconds per averaged bucket (raised to fit the point cap); null: raw points.")
    truncated: bool = Field(description="True when raw points were cut to the newest ones within the cap.")
    points: list[tuple[datetime, float]]


class AppEventOut(BaseModel):
    id: int
    client_id: str | None
    type: str
    severity: Severity
    message: str
    data: dict[str, Any] | None
    at: datetime
    received_at: datetime


class AppEventPayload(BaseModel):
    app_id: int
    app_name: str
    event_id: int
    client_id: str | None
    type: str
    severity: Severity
    message: str
    data: dict[str, Any] | None = None
    at: datetime


class AppEventPushed(Event):
    """An app reported something itself (a failed batch, a surge of sign-ups)."""

    type: Literal["app.event"] = "app.event"
    payload: AppEventPayload


class AppMetricsPayload(BaseModel):
    app_id: int
    app_name: str
    names: list[str] = Field(description="The metric names in the push (sorted, at most 50).")
    count: int


class AppMetricsPushed(Event):
    """New points arrived: live KPI tiles bound to one of `names` can refresh."""

    type: Literal["app.metrics"] = "app.metrics"
    payload: AppMetricsPayload


class TileIn(Strict):
    title: str = Field(min_length=1, max_length=100, description='e.g. "Izin terbit hari ini".')
    app_id: int = Field(ge=1)
    metric: str = Field(pattern=METRIC_NAME)
    aggregate: Aggregate = Field(description="last: latest value; sum_today / max_today: over today, city time.")
    unit: str | None = Field(None, max_length=16)
    position: int = Field(0, ge=0, le=10_000, description="Tiles are shown by position, then id.")


class TileOut(BaseModel):
    id: int
    title: str
    app_id: int
    app_name: str
    metric: str
    aggregate: Aggregate
    unit: str | None
    position: int
    value: float | None = Field(description="null when the metric has no point (today, for *_today).")
    at: datetime | None = Field(description="Time of the newest point behind the value.")
