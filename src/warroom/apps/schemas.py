"""Boundary types of the apps domain: API bodies, check results and bus events."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from warroom.apps.probes import ProbeConfig
from warroom.bus import Event

Criticality = Literal["low", "medium", "high", "critical"]
AppState = Literal["unknown", "up", "degraded", "down", "maintenance"]
Observed = Literal["up", "degraded", "down", "maintenance"]
MAX_PROBES = 8
MAX_WINDOWS = 50


class MaintenanceWindow(BaseModel):
    """A planned outage, in UTC: checks go on, but the app shows `maintenance` and raises no alarm."""

    model_config = ConfigDict(extra="forbid")

    start: AwareDatetime
    end: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> MaintenanceWindow:
        if self.end <= self.start:
            raise ValueError("a maintenance window must end after it starts")
        return self

    def covers(self, at: datetime) -> bool:
        return self.start <= at < self.end


class AppIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=2, max_length=200)
    agency_code: str = Field(min_length=1, max_length=32, description="Code of the owner agency (SKPD).")
    category: str = Field("layanan publik", min_length=1, max_length=64, description="e.g. layanan publik, internal, data")
    criticality: Criticality = "medium"
    public_url: str | None = Field(None, max_length=1000)
    contact: str | None = Field(None, max_length=200)
    probes: list[ProbeConfig] = Field(min_length=1, max_length=MAX_PROBES, description="How to ask the app whether it is up.")
    interval_s: int = Field(20, ge=5, le=3600, description="Seconds between checks (jittered).")
    retries: int = Field(2, ge=1, le=10, description="Consecutive failing checks before the app is down.")
    maintenance: list[MaintenanceWindow] = Field(default_factory=list, max_length=MAX_WINDOWS)
    enabled: bool = True
    status_page: bool = Field(True, description="Listed on the public status page (name, state and uptime only).")


class AppPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(None, min_length=2, max_length=200)
    agency_code: str | None = Field(None, min_length=1, max_length=32)
    category: str | None = Field(None, min_length=1, max_length=64)
    criticality: Criticality | None = None
    public_url: str | None = Field(None, max_length=1000)
    contact: str | None = Field(None, max_length=200)
    probes: list[ProbeConfig] | None = Field(None, min_length=1, max_length=MAX_PROBES)
    interval_s: int | None = Field(None, ge=5, le=3600)
    retries: int | None = Field(None, ge=1, le=10)
    maintenance: list[MaintenanceWindow] | None = Field(None, max_length=MAX_WINDOWS)
    enabled: bool | None = None
    status_page: bool | None = None


class StatusOut(BaseModel):
    state: AppState
    since: datetime | None
    last_checked: datetime | None
    observed: Observed | None = None
    latency_ms: float | None = None


class AppOut(BaseModel):
    id: int
    name: str
    agency_code: str
    category: str
    criticality: Criticality
    public_url: str | None
    contact: str | None
    probes: list[dict[str, Any]]
    interval_s: int
    retries: int
    maintenance: list[MaintenanceWindow]
    enabled: bool
    status_page: bool
    status: StatusOut


class AppPage(BaseModel):
    items: list[AppOut]
    total: int
    limit: int
    offset: int


class ProbeResultOut(BaseModel):
    """One probe's answer in a check: `ok` False is a failure, `degraded` is up but slow or expiring."""

    type: str
    ok: bool
    degraded: bool = False
    latency_ms: float | None = None
    status: int | None = None
    cert_days: float | None = None
    error: str | None = None
    failed_conditions: list[str] = Field(default_factory=list)


class CheckOut(BaseModel):
    observed: Observed = Field(description="This check's own verdict.")
    state: AppState = Field(description="The app's state after retries and maintenance windows.")
    results: list[ProbeResultOut]


class StatusChangeOut(BaseModel):
    at: datetime
    from_state: AppState
    to_state: AppState
    error: str | None


class UptimeWindow(BaseModel):
    """Uptime (share of checks that answered, degraded counted as up) and latency percentiles."""

    samples: int
    uptime: float | None = Field(description="0..1; null without samples in the window.")
    p50_ms: float | None
    p95_ms: float | None


class AppUptime(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    h24: UptimeWindow = Field(alias="24h")
    d7: UptimeWindow = Field(alias="7d")
    d30: UptimeWindow = Field(alias="30d")


class AppStatusChangedPayload(BaseModel):
    app_id: int
    name: str
    agency_code: str
    from_state: AppState
    to_state: AppState
    error: str | None = None


class AppStatusChanged(Event):
    type: Literal["app.status_changed"] = "app.status_changed"
    payload: AppStatusChangedPayload
