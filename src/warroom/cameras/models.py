"""Tables of the cameras domain. Only `cameras.service` (and the sweep, through it) writes them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from warroom.db import Base, UTCDateTime, utcnow


class Camera(Base):
    __tablename__ = "cameras"
    __table_args__ = (Index("ix_cameras_kecamatan_kelurahan", "kecamatan_code", "kelurahan_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), index=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    # Codes of the city's areas, filled from the point lookup; the city domain owns the names.
    kecamatan_code: Mapped[str] = mapped_column(String(32))
    kelurahan_code: Mapped[str | None] = mapped_column(String(32))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"))
    # Never holds a password: credentials are split off on the way in.
    stream_url: Mapped[str] = mapped_column(String(1000))
    username: Mapped[str | None] = mapped_column(String(200))
    password_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    privacy_masks: Mapped[list[Any]] = mapped_column(JSON, default=list)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CameraHealth(Base):
    """The current health of one camera and what its checker remembers between checks.

    Kept in the database, not in a worker, so any worker can check any camera next.
    """

    __tablename__ = "camera_health"

    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), default="unknown", index=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_checked: Mapped[datetime | None] = mapped_column(UTCDateTime)
    observed: Mapped[str | None] = mapped_column(String(16))
    candidate: Mapped[str | None] = mapped_column(String(16))
    streak: Mapped[int] = mapped_column(Integer, default=0)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    memory: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The camera's normal view (a small gray thumbnail) the `moved` check compares with.
    reference: Mapped[bytes | None] = mapped_column(LargeBinary)
    checks: Mapped[int] = mapped_column(Integer, default=0)
    snapshot_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    snapshot_slot: Mapped[int | None] = mapped_column(Integer)


class CameraHealthChange(Base):
    """One state change: the history behind uptime and the camera page."""

    __tablename__ = "camera_health_history"
    __table_args__ = (Index("ix_camera_health_history_camera_at", "camera_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    from_state: Mapped[str] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


