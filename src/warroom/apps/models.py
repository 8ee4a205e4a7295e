"""Tables of the apps domain. Only `apps.service` (and the sweep, through it) writes them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from warroom.db import Base, UTCDateTime, utcnow


class App(Base):
    """One of the city's applications and how warroom probes it."""

    __tablename__ = "apps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"), index=True)
    category: Mapped[str] = mapped_column(String(64))
    criticality: Mapped[str] = mapped_column(String(16))
    public_url: Mapped[str | None] = mapped_column(String(1000))
    contact: Mapped[str | None] = mapped_column(String(200))
    # Probe configs as validated by `apps.probes.ProbeConfig`, stored as plain dicts.
    probes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    interval_s: Mapped[int] = mapped_column(Integer, default=20)
    retries: Mapped[int] = mapped_column(Integer, default=2)
    # [{"start": ISO datetime, "end": ISO datetime}] in UTC; inside one, alarms are silenced.
    maintenance: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AppStatus(Base):
    """The current state of one app and the failure streak behind it (kept here, not in a worker)."""

    __tablename__ = "app_status"

    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), default="unknown", index=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_checked: Mapped[datetime | None] = mapped_column(UTCDateTime)
    observed: Mapped[str | None] = mapped_column(String(16))
    streak: Mapped[int] = mapped_column(Integer, default=0)
    latency_ms: Mapped[float | None] = mapped_column(Float)
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class AppStatusChange(Base):
    """One state change: the app's history."""

    __tablename__ = "app_status_history"
    __table_args__ = (Index("ix_app_status_history_app_at", "app_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    from_state: Mapped[str] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(String(500))


class ProbeSample(Base):
    """One check's raw outcome, the source of uptime and latency percentiles."""

    __tablename__ = "app_probe_samples"
    __table_args__ = (Index("ix_app_probe_samples_app_at", "app_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ok: Mapped[bool] = mapped_column(Boolean)
    degraded: Mapped[bool] = mapped_column(Boolean, default=False)
    latency_ms: Mapped[float | None] = mapped_column(Float)
