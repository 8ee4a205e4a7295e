"""Boundary types of the citizen-reports domain: the catalog, a new report, what staff and the
public see of a report, lifecycle changes, and bus events.

Open311's own wire format (its field names, XML, errors) lives in `reports.open311`; these are
the product's types, shared by the Open311 API, the web form and the staff API.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from warroom.bus import Event

# The lifecycle. Open311 shows the first four as "open", the rest as "closed".
ReportStatus = Literal["received", "verified", "dispatched", "in_progress", "resolved", "closed_not_fixed", "rejected"]
OPEN_STATUSES: frozenset[str] = frozenset({"received", "verified", "dispatched", "in_progress"})
CLOSED_STATUSES: frozenset[str] = frozenset({"resolved", "closed_not_fixed", "rejected"})
RejectReason = Literal["duplicate", "spam", "out_of_scope"]
# Which change may follow which: a closed report can be reopened (back to verified) by staff.
TRANSITIONS: dict[str, frozenset[str]] = {
    "received": frozenset({"verified", "dispatched", "in_progress", "resolved", "closed_not_fixed", "rejected"}),
    "verified": frozenset({"dispatched", "in_progress", "resolved", "closed_not_fixed", "rejected"}),
    "dispatched": frozenset({"in_progress", "resolved", "closed_not_fixed", "rejected"}),
    "in_progress": frozenset({"dispatched", "resolved", "closed_not_fixed", "rejected"}),
    "resolved": frozenset({"verified"}),
    "closed_not_fixed": frozenset({"verified"}),
    "rejected": frozenset({"verified"}),
}
Source = Literal["open311", "web", "staff"]
Datatype = Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
MAX_DESCRIPTION = 4000
CODE = r"^[A-Za-z0-9_-]{1,32}$"


def open311_status(status: str) -> Literal["open", "closed"]:
    return "open" if status in OPEN_STATUSES else "closed"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# ---- the catalog ---------------------------------------------------------------------------


class AttributeValue(Strict):
    key: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)


class AttributeDef(Strict):
    """An Open311 service-definition attribute: an extra question the form asks for a category."""

    code: str = Field(pattern=CODE)
    datatype: Datatype
    description: str = Field(min_length=1, max_length=500, description="The question, in Indonesian.")
    datatype_description: str | None = Field(None, max_length=200)
    required: bool = False
    variable: bool = Field(True, description="False: informational only, nothing to answer.")
    order: int = Field(1, ge=1)
    values: list[AttributeValue] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _lists_have_values(self) -> AttributeDef:
        if self.datatype.endswith("valuelist") and not self.values:
            raise ValueError(f"attribute {self.code}: a {self.datatype} needs values")
        return self


class CategoryIn(Strict):
    code: str = Field(pattern=CODE, description="Open311 service_code, e.g. JALAN_RUSAK.")
    name: str = Field(min_length=2, max_length=100, description="Indonesian name, e.g. Jalan rusak.")
    name_en: str | None = Field(None, max_length=100)
    description: str = Field("", max_length=1000)
    description_en: str | None = Field(None, max_length=1000)
    group: str = Field("", max_length=64)
    keywords: list[str] = Field(default_factory=list, max_length=30)
    agency_code: str = Field(min_length=1, max_length=32)
    emergency: bool = False
    notice: str | None = Field(None, max_length=500, description='Told to the reporter at once, e.g. "telepon 112".')
    coordinate_hours: float | None = Field(None, gt=0, le=24 * 30, description="Default: reports.coordinate_hours.")
    resolve_hours: float | None = Field(None, gt=0, le=24 * 365, description="Default: reports.resolve_hours.")
    duplicate_radius_m: float | None = Field(None, ge=0, le=5000, description="Default: reports.duplicate_radius_m.")
    attributes: list[AttributeDef] = Field(default_factory=list, max_length=30)
    active: bool = True


class CategoryPatch(Strict):
    name: str | None = Field(None, min_length=2, max_length=100)
    name_en: str | None = Field(None, max_length=100)
    description: str | None = Field(None, max_length=1000)
    description_en: str | None = Field(None, max_length=1000)
    group: str | None = Field(None, max_length=64)
    keywords: list[str] | None = Field(None, max_length=30)
    agency_code: str | None = Field(None, min_length=1, max_length=32)
    emergency: bool | None = None
    notice: str | None = Field(None, max_length=500)
    coordinate_hours: float | None = Field(None, gt=0, le=24 * 30)
    resolve_hours: float | None = Field(None, gt=0, le=24 * 365)
    duplicate_radius_m: float | None = Field(None, ge=0, le=5000)
    attributes: list[AttributeDef] | None = Field(None, max_length=30)
    active: bool | None = None


class CategoryOut(BaseModel):
    code: str
    name: str
    name_en: str | None
    description: str
    description_en: str | None
    group: str
    keywords: list[str]
    agency_code: str
    agency_name: str
    emergency: bool
    notice: str | None
    coordinate_hours: float
    resolve_hours: float
    duplicate_radius_m: float
    attributes: list[AttributeDef]
    active: bool


class RuleIn(Strict):
    category_code: str | None = Field(None, pattern=CODE, description="Empty: every category.")
    kecamatan_code: str | None = Field(None, max_length=32, description="Empty: the whole city.")
    agency_code: str = Field(min_length=1, max_length=32)
    priority: int = Field(0, ge=-1000, le=1000)
    note: str | None = Field(None, max_length=200)

    @model_validator(mode="after")
    def _narrows(self) -> RuleIn:
        if self.category_code is None and self.kecamatan_code is None:
            raise ValueError("a rule needs a category, a kecamatan or both (else it would take every report)")
        return self


class RuleOut(BaseModel):
    id: int
    category_code: str | None
    kecamatan_code: str | None
    agency_code: str
    priority: int
    note: str | None


# ---- a new report --------------------------------------------------------------------------


class ReporterIn(Strict):
    """Optional contact details: kept for staff, never shown publicly."""

    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    email: str | None = Field(None, max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: str | None = Field(None, max_length=50, pattern=r"^[0-9+() .-]{5,50}$")
    device_id: str | None = Field(None, max_length=100)
    account_id: str | None = Field(None, max_length=100)


class ReportIn(Strict):
    """A new report, whoever files it (an Open311 client, the web form, an operator on the phone).

    Location is a point: an Open311 post with only an address is refused (warroom routes by
    place and has no geocoder). Attributes are checked against the category's definition by
    the service, which knows it.
    """

    service_code: str = Field(pattern=CODE)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    address_string: str | None = Field(None, max_length=500)
    address_id: str | None = Field(None, max_length=100)
    description: str | None = Field(None, max_length=MAX_DESCRIPTION)
    media_url: str | None = Field(None, max_length=1000, pattern=r"^https?://")
    attributes: dict[str, str | list[str]] = Field(default_factory=dict, max_length=30)
    reporter: ReporterIn = Field(default_factory=ReporterIn)

    @field_validator("lat", "lon")
    @classmethod
    def _finite(cls, value: float) -> float:
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("must be a finite number")
        return value


class AreaName(BaseModel):
    code: str
    name: str


class ReportCreated(BaseModel):
    """What the reporter is told right after filing."""

    ticket: str
    token: str
    status: ReportStatus
    agency_code: str
    agency_name: str
    kecamatan: AreaName | None
    kelurahan: AreaName | None
    notice: str | None = Field(description="The category's notice (emergencies: call 112).")
    duplicate_of: str | None = Field(description="Ticket of an open report nearby of the same kind.")
    coordinate_due: datetime
    resolve_due: datetime


# ---- reading -------------------------------------------------------------------------------


class UpdateOut(BaseModel):
    at: datetime
    actor: str | None = Field(description="Who changed it; null in public answers.")
    from_status: ReportStatus | None
    to_status: ReportStatus
    agency_code: str | None
    note: str | None
    public: bool


class PhotoOut(BaseModel):
    id: int
    url: str
    width: int
    height: int


class PublicReport(BaseModel):
    """A report as anyone may see it: no reporter, no staff-only notes."""

    ticket: str
    service_code: str
    service_name: str
    status: ReportStatus
    open311_status: Literal["open", "closed"]
    description: str | None
    lat: float
    lon: float
    address_string: str | None
    address_id: str | None = Field(None, description="The client's address id (Open311), when it sent one.")
    kecamatan: AreaName | None
    kelurahan: AreaName | None
    agency_code: str
    agency_name: str
    requested_at: datetime
    updated_at: datetime
    resolve_due: datetime
    merged_into: str | None = Field(description="Ticket this report was merged into; follow it for updates.")
    public_notes: list[UpdateOut]
    photos: list[PhotoOut]
    media_url: str | None


class ReportOut(PublicReport):
    """A report as staff see it: the reporter, every note, deadlines and breaches."""

    id: int
    source: Source
    client: str | None
    reporter: ReporterIn
    attributes: dict[str, Any]
    reject_reason: RejectReason | None
    coordinate_due: datetime
    coordinated_at: datetime | None
    closed_at: datetime | None
    coordinate_breached_at: datetime | None
    resolve_breached_at: datetime | None
    duplicate_of: str | None
    duplicates: list[str] = Field(description="Tickets linked to this one as probable duplicates.")
    updates: list[UpdateOut]


class ReportPage(BaseModel):
    items: list[ReportOut]
    total: int
    limit: int
    offset: int


class ReportChange(Strict):
    """A staff action on a report: a new status, another agency, a note, or several at once."""

    status: ReportStatus | None = None
    reject_reason: RejectReason | None = None
    agency_code: str | None = Field(None, min_length=1, max_length=32)
    note: str | None = Field(None, max_length=2000)
    public: bool = Field(False, description="Show the note to the reporter and on the public pages.")

    @model_validator(mode="after")
    def _something(self) -> ReportChange:
        if self.status is None and self.agency_code is None and not self.note:
            raise ValueError("say what changes: a status, an agency_code, or a note")
        if self.status == "rejected" and self.reject_reason is None:
            raise ValueError("a rejection needs a reject_reason: duplicate, spam or out_of_scope")
        return self


class MergeIn(Strict):
    into: str = Field(min_length=1, max_length=32, description="Ticket of the report to merge this one into.")


# ---- bus events ----------------------------------------------------------------------------


class ReportEventPayload(BaseModel):
    ticket: str
    service_code: str
    service_name: str
    status: ReportStatus
    from_status: ReportStatus | None = None
    agency_code: str
    kecamatan_code: str | None
    lat: float
    lon: float
    emergency: bool = False
    duplicate_of: str | None = None
    deadline: Literal["coordinate", "resolve"] | None = None
    note: str | None = Field(None, description="Public notes only.")


class ReportFiled(Event):
    type: Literal["report.filed"] = "report.filed"
    payload: ReportEventPayload


class ReportStatusChanged(Event):
    type: Literal["report.status_changed"] = "report.status_changed"
    payload: ReportEventPayload


class ReportReassigned(Event):
    type: Literal["report.reassigned"] = "report.reassigned"
    payload: ReportEventPayload


class ReportMerged(Event):
    type: Literal["report.merged"] = "report.merged"
    payload: ReportEventPayload


class ReportSlaBreached(Event):
    type: Literal["report.sla_breached"] = "report.sla_breached"
    payload: ReportEventPayload


class ReportNoteAdded(Event):
    """A note on a report without a change of status or agency (public notes in `payload.note`)."""

    type: Literal["report.note_added"] = "report.note_added"
    payload: ReportEventPayload
