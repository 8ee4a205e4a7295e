"""Tables of the city domain. Only `city.service` writes them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from warroom.db import Base, UTCDateTime, utcnow


class City(Base):
    """The one city this installation serves (a single row, id 1)."""

    __tablename__ = "city"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str | None] = mapped_column(String(32))
    population: Mapped[int | None] = mapped_column(Integer)
    # A generated sample city is labelled as such everywhere it is shown.
    is_sample: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bumped on every area import, so every process can tell its lookup index is stale.
    areas_version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Area(Base):
    """A kecamatan (district) or kelurahan (urban village) with its boundary."""

    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True, doc="Official (Kemendagri) code.")
    level: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="CASCADE"), index=True)
    geometry: Mapped[str] = mapped_column(Text, doc="GeoJSON geometry, EPSG:4326 [lon, lat].")
    area_km2: Mapped[float] = mapped_column(Float)
    label_lat: Mapped[float] = mapped_column(Float)
    label_lon: Mapped[float] = mapped_column(Float)


class Agency(Base):
    """A city agency (SKPD) that incidents and reports are routed to."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(200))
