"""Boundary types of the city domain: what the API, the CLI and the bus exchange."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from warroom.bus import Event
from warroom.importing import ImportProblem, ImportResult  # noqa: F401 - the city's imports report with them

AreaLevel = Literal["kecamatan", "kelurahan"]
AGENCY_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,31}$")


class AreaRef(BaseModel):
    code: str
    name: str
    level: AreaLevel


class Location(BaseModel):
    """Where a point is: the kelurahan (when the city has them) and its kecamatan."""

    kelurahan: AreaRef | None
    kecamatan: AreaRef


class CityCounts(BaseModel):
    kecamatan: int
    kelurahan: int
    agencies: int


class CityOut(BaseModel):
    name: str
    code: str | None
    population: int | None
    is_sample: bool = Field(description="True for the generated sample city of the demo.")
    bbox: tuple[float, float, float, float] | None = Field(
        description="[min_lon, min_lat, max_lon, max_lat]; null before areas are imported."
    )
    view_bbox: tuple[float, float, float, float] | None = Field(
        description="Bounds of the main land without small outlying islands: where a map opens."
    )
    counts: CityCounts


class AgencyBase(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=2, max_length=200)
    contact_name: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=64)
    email: str | None = Field(None, max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AgencyIn(AgencyBase):
    code: str = Field(description="Short code, e.g. DISKOMINFO; upper-case letters, digits, - and _.")

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        value = value.strip().upper()
        if not AGENCY_CODE.match(value):
            raise ValueError("use 1-32 upper-case letters, digits, '-' or '_', e.g. DISKOMINFO")
        return value


class AgencyPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(None, min_length=2, max_length=200)
    contact_name: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=64)
    email: str | None = Field(None, max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AgencyOut(AgencyIn):
    model_config = ConfigDict(from_attributes=True)


class AreasImportedPayload(BaseModel):
    kecamatan: int
    kelurahan: int
    areas_version: int


class AreasImported(Event):
    type: Literal["city.areas_imported"] = "city.areas_imported"
    payload: AreasImportedPayload
