"""Boundary types of the public status page and its operator notices.

The `Public*` models are everything the public page and `/status.json` show; they are built from
names, states and numbers only, so nothing internal (URLs, hosts, probe errors, contacts, who wrote
a notice) can reach the public by accident: a field that is not here is not published.
"""

from __future__ import annotations

from datetime import date as Date
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from warroom.apps.schemas import AppState

NoticeState = Literal["investigating", "identified", "monitoring", "resolved"]
Overall = Literal["up", "degraded", "down", "maintenance", "unknown"]
OutageKind = Literal["down", "degraded", "maintenance"]


# ---- operator notices (the /api/v1 side) --------------------------------------------------


class NoticeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=3, max_length=200, description="Shown as is (escaped) on the public page.")
    body: str = Field("", max_length=2000)
    state: NoticeState = "investigating"
    app_id: int | None = Field(None, description="The app the notice is about; its agency is implied.")
    agency_code: str | None = Field(None, max_length=32, description="An agency; neither app nor agency: city-wide.")


class NoticePatch(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str | None = Field(None, min_length=3, max_length=200)
    body: str | None = Field(None, max_length=2000)
    state: NoticeState | None = Field(None, description="`resolved` sets `resolved_at`; leaving it clears it.")

    @model_validator(mode="after")
    def _something(self) -> NoticePatch:
        if not self.model_fields_set:
            raise ValueError("give at least one of title, body, state")
        return self


class NoticeOut(BaseModel):
    id: int
    title: str
    body: str
    state: NoticeState
    app_id: int | None
    agency_code: str | None
    author: str
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None


# ---- the public page ----------------------------------------------------------------------


class PublicDay(BaseModel):
    """One local day of an app's 90-day bar."""

    date: Date
    uptime: float | None = Field(description="0..1; null: no checks that day.")


class PublicApp(BaseModel):
    id: int
    name: str
    category: str
    state: AppState
    since: datetime | None = Field(description="When the current state began (UTC).")
    uptime_90d: float | None = Field(description="0..1 over the days with checks; null without any.")
    days: list[PublicDay] = Field(description="Oldest first, one per local day.")


class PublicAgency(BaseModel):
    code: str
    name: str
    overall: Overall
    apps: list[PublicApp]


class PublicNotice(BaseModel):
    id: int
    title: str
    body: str
    state: NoticeState
    app: str | None = Field(description="Name of the app, when the notice is about a listed one.")
    agency_code: str | None
    agency: str | None = Field(description="Name of the agency, when the notice is about one.")
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None


class Period(BaseModel):
    start: datetime
    end: datetime | None = Field(description="Null while it lasts.")


class PublicOutage(BaseModel):
    """An app's outages of one kind on one local day: the first few periods, and the totals."""

    app_id: int
    app: str
    agency_code: str
    kind: OutageKind = Field(description="down: not reachable; degraded: slow; maintenance: planned.")
    date: Date = Field(description="The local day the periods started.")
    periods: list[Period] = Field(description="Up to a few periods, earliest first; `count` has them all.")
    count: int
    total_s: float = Field(description="Seconds in this state that day (ongoing: until now).")
    ongoing: bool


class PublicStatus(BaseModel):
    city: str
    agency_code: str | None = Field(None, description="Set on one agency's page.")
    agency_name: str | None = None
    generated_at: datetime
    timezone: str = Field(description="IANA zone of the city; the page writes times in it.")
    zone_label: str = Field(description="Its short name, e.g. WITA.")
    overall: Overall
    counts: dict[str, int] = Field(description="Listed apps per state.")
    agencies: list[PublicAgency]
    notices: list[PublicNotice] = Field(description="Active notices, newest first.")
    resolved_notices: list[PublicNotice] = Field(description="Resolved in the last 14 days, newest first.")
    outages: list[PublicOutage] = Field(description="The last 14 days, newest first.")
