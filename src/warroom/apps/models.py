"""Tables of the apps domain. Only `apps.service` (and the sweep, through it) writes them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint, text
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
    # Shown on the public status page (name, state, uptime; never URLs or probe errors).
    status_page: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
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


class AppRollup(Base):
    """Probe samples summed over a 5-minute (`resolution_s` 300) or hourly (3600) bucket.

    Raw samples live 48 h; these keep uptime and latency for months in a few rows per app.
    Latency is kept as counts per fixed bin (`apps.rollup.LATENCY_BINS_MS`), so percentiles over
    any span are the merge of its buckets' bins, not an average of averages.
    """

    __tablename__ = "app_rollups"

    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), primary_key=True)
    resolution_s: Mapped[int] = mapped_column(Integer, primary_key=True)
    start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    checks: Mapped[int] = mapped_column(Integer)
    ok: Mapped[int] = mapped_column(Integer)
    degraded: Mapped[int] = mapped_column(Integer)
    latency_sum_ms: Mapped[float] = mapped_column(Float, default=0.0)
    latency_hist: Mapped[list[int]] = mapped_column(JSON, default=list)


class AppRollupMark(Base):
    """How far each resolution has been rolled up: samples before `until` are in the rollups."""

    __tablename__ = "app_rollup_marks"

    resolution_s: Mapped[int] = mapped_column(Integer, primary_key=True)
    until: Mapped[datetime] = mapped_column(UTCDateTime)


class AppMetricPoint(Base):
    """One value an app pushed about itself (requests served, queue length, ...)."""

    __tablename__ = "app_metric_points"
    __table_args__ = (Index("ix_app_metric_points_app_name_at", "app_id", "name", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    value: Mapped[float] = mapped_column(Float)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    labels: Mapped[dict[str, str] | None] = mapped_column(JSON)


class AppEvent(Base):
    """A typed event an app pushed (a failed batch job, a surge of sign-ups); also sent on the bus."""

    __tablename__ = "app_events"
    __table_args__ = (Index("ix_app_events_app_at", "app_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"))
    client_id: Mapped[str | None] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(String(500))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AppIngestReceipt(Base):
    """A push already taken, by the client's own id: a retried push is answered, not stored twice."""

    __tablename__ = "app_ingest_receipts"
    __table_args__ = (UniqueConstraint("app_id", "client_id", name="uq_app_ingest_receipts_app_client"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # metrics | event
    accepted: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class WallTile(Base):
    """A KPI tile on the wall bound to one app metric (e.g. "Izin terbit hari ini")."""

    __tablename__ = "wall_tiles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    metric: Mapped[str] = mapped_column(String(64))
    aggregate: Mapped[str] = mapped_column(String(16))  # last | sum_today | max_today
    unit: Mapped[str | None] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StatusNotice(Base):
    """A public note on the status page, written by an operator ("SIMPEG sedang diperbaiki")."""

    __tablename__ = "status_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    app_id: Mapped[int | None] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(String(2000))
    state: Mapped[str] = mapped_column(String(16))  # investigating | identified | monitoring | resolved
    author: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
