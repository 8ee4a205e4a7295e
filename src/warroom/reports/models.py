"""Tables of the citizen-reports domain ("Sombere"). Only `reports.service` (and the catalog
service for the catalog tables) writes them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from warroom.db import Base, UTCDateTime, utcnow


class ServiceCategory(Base):
    """One kind of report a resident can file (an Open311 service): who handles it and how fast."""

    __tablename__ = "report_categories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # Open311 service_code
    name: Mapped[str] = mapped_column(String(100))  # Indonesian, as residents read it
    name_en: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(1000), default="")
    description_en: Mapped[str | None] = mapped_column(String(1000))
    group: Mapped[str] = mapped_column(String(64), default="")
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"), index=True)
    emergency: Mapped[bool] = mapped_column(Boolean, default=False)
    # Shown to the reporter at once, e.g. "Darurat: telepon 112" for fires.
    notice: Mapped[str | None] = mapped_column(String(500))
    coordinate_hours: Mapped[float] = mapped_column(Float, default=6.0)
    resolve_hours: Mapped[float] = mapped_column(Float, default=168.0)
    duplicate_radius_m: Mapped[float] = mapped_column(Float, default=50.0)
    # Open311 service definition attributes, as validated by `reports.schemas.AttributeDef`.
    attributes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class RoutingRule(Base):
    """Send a category's reports from one kecamatan to another agency than the category's own.

    E.g. drains in the coastal kecamatan go to BPBD in the rainy season. The most specific rule
    wins (category and kecamatan, then kecamatan only, then category only), then `priority`.
    """

    __tablename__ = "report_routing_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("report_categories.id", ondelete="CASCADE"))
    kecamatan_code: Mapped[str | None] = mapped_column(String(32))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Report(Base):
    """A resident's report (an Open311 service request) and where it stands."""

    __tablename__ = "reports"
    __table_args__ = (
        Index("ix_reports_status_requested", "status", "requested_at"),
        Index("ix_reports_category_status", "category_id", "status"),
        Index("ix_reports_agency_status", "agency_id", "status"),
        Index("ix_reports_lat_lon", "lat", "lon"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket: Mapped[str] = mapped_column(String(32), unique=True)  # Open311 service_request_id
    token: Mapped[str] = mapped_column(String(64), unique=True)  # Open311 token
    category_id: Mapped[int] = mapped_column(ForeignKey("report_categories.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(24), default="received")
    reject_reason: Mapped[str | None] = mapped_column(String(24))  # duplicate | spam | out_of_scope
    description: Mapped[str | None] = mapped_column(Text)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    address_string: Mapped[str | None] = mapped_column(String(500))
    address_id: Mapped[str | None] = mapped_column(String(100))
    kecamatan_code: Mapped[str | None] = mapped_column(String(32), index=True)
    kelurahan_code: Mapped[str | None] = mapped_column(String(32), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"))
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    media_url: Mapped[str | None] = mapped_column(String(1000))
    # The reporter: never shown in public answers, never in Open311 GET responses.
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(50))
    device_id: Mapped[str | None] = mapped_column(String(100))
    account_id: Mapped[str | None] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(16))  # open311 | web | staff
    client: Mapped[str | None] = mapped_column(String(100))  # the API key's name, for Open311 posts
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    coordinate_due: Mapped[datetime] = mapped_column(UTCDateTime)
    resolve_due: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    coordinated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set once by the SLA job when a deadline passes unmet: "coordinate" and/or "resolve".
    coordinate_breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolve_breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A probable duplicate of an open report of the same category nearby (set on arrival);
    # `merged_into` once an operator merged it: its reporter then follows that report.
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="SET NULL"), index=True)
    merged_into: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="SET NULL"), index=True)


class ReportUpdate(Base):
    """One change of a report: who, when, what, and a note that is public or staff-only."""

    __tablename__ = "report_updates"
    __table_args__ = (Index("ix_report_updates_report_at", "report_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"))
    note: Mapped[str | None] = mapped_column(String(2000))
    public: Mapped[bool] = mapped_column(Boolean, default=False)


class ReportPhoto(Base):
    """A photo sent with a report: re-encoded, EXIF stripped, stored outside the web root."""

    __tablename__ = "report_photos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(100))  # random name under data_dir/report-photos
    content_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
