"""Open311 GeoReport v2 on the wire: its field names, JSON and XML, and its error body
(reading its forms and query strings is `reports.open311_forms`).

Nothing here touches the database: `reports.open311_api` calls `wr.reports` and
`wr.report_catalog` and hands their answers to the functions below. The spec is frozen
(http://wiki.open311.org/GeoReport_v2); where its JSON examples and the community's JSON Schemas
disagree (numbers vs strings for ids and codes), the schemas win: codes and ids are strings,
`lat`/`long` are numbers.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any, Literal
from urllib.parse import urljoin

from fastapi import Response
from pydantic import BaseModel, Field

from warroom.errors import Forbidden, NotFound, RateLimited, Unauthorized, WarroomError
from warroom.reports.schemas import CategoryOut, PublicReport, ReportCreated

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
MEDIA_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
DISCOVERY_FORMATS = ["text/xml", "application/json"]
MAX_RESULTS = 1000
# Characters XML 1.0 cannot carry at all, even escaped; ElementTree would write them as-is.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class Open311Error(Exception):
    """An error in the spec's shape: HTTP `status` and one or more (code, description) entries."""

    def __init__(self, status: int, *descriptions: str, retry_after_s: int | None = None) -> None:
        super().__init__("; ".join(descriptions))
        self.status = status
        self.descriptions = list(descriptions) or ["error"]
        self.retry_after_s = retry_after_s

    @classmethod
    def from_warroom(cls, err: WarroomError) -> Open311Error:
        """The product's error as the spec wants it: 404 for what does not exist, 403 for the
        api_key, 429 over the rate, and 400 for every other refusal (invalid input, outside the
        city, a conflict)."""
        if isinstance(err, RateLimited):
            return cls(429, err.message, retry_after_s=err.retry_after_s)
        if isinstance(err, NotFound):
            return cls(404, err.message)
        if isinstance(err, Forbidden | Unauthorized):
            return cls(403, err.message)
        if err.status >= 500:
            return cls(500, err.message)
        details = err.details
        if isinstance(details, list) and details and all(isinstance(d, dict) and "attribute" in d for d in details):
            # One error entry per wrong attribute, named as the client sent it (the spec allows several).
            return cls(400, *(f"attribute[{d['attribute']}]: {d.get('problem', 'invalid')}" for d in details))
        return cls(400, err.message)


# ---- wire models ---------------------------------------------------------------------------


class Wire(BaseModel):
    """Field order is the spec's order, kept in both JSON and XML."""


class WireService(Wire):
    service_code: str
    service_name: str
    description: str | None
    metadata: bool
    type: Literal["realtime", "batch", "blackbox"] = "realtime"
    keywords: str | None
    group: str | None


class WireValue(Wire):
    key: str
    name: str


class WireAttribute(Wire):
    variable: bool
    code: str
    datatype: str
    required: bool
    datatype_description: str | None
    order: int
    description: str
    values: list[WireValue]


class WireServiceDefinition(Wire):
    service_code: str
    attributes: list[WireAttribute]


class WireEndpoint(Wire):
    specification: str = SPEC_URL
    url: str
    changeset: str
    type: Literal["production", "test"] = "production"
    formats: list[str] = Field(default_factory=lambda: list(DISCOVERY_FORMATS))


class WireDiscovery(Wire):
    changeset: str
    contact: str
    key_service: str
    endpoints: list[WireEndpoint]


class WireRequest(Wire):
    service_request_id: str
    status: Literal["open", "closed"]
    status_notes: str | None
    service_name: str | None
    service_code: str
    description: str | None
    agency_responsible: str | None
    service_notice: str | None
    requested_datetime: str
    updated_datetime: str | None
    expected_datetime: str | None
    address: str | None
    address_id: str | None
    zipcode: str | None
    lat: float | None
    long: float | None
    media_url: str | None


class WireCreated(Wire):
    service_request_id: str
    service_notice: str | None
    account_id: str | None


class WireToken(Wire):
    service_request_id: str
    token: str


# ---- building them from the product's types -------------------------------------------------


def w3(moment: datetime, zone: tzinfo) -> str:
    """A W3C/ISO 8601 date-time with the city's offset, to the second (2026-11-28T12:00:00+08:00)."""
    if moment.tzinfo is None:  # stored as UTC; some drivers hand it back naive
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).isoformat(timespec="seconds")


def wire_service(category: CategoryOut) -> WireService:
    return WireService(
        service_code=category.code, service_name=category.name, description=category.description or None,
        metadata=bool(category.attributes), keywords=", ".join(category.keywords) or None,
        group=category.group or None,
    )


def wire_definition(category: CategoryOut) -> WireServiceDefinition:
    attributes = [
        WireAttribute(
            variable=a.variable, code=a.code, datatype=a.datatype, required=a.required,
            datatype_description=a.datatype_description, order=a.order, description=a.description,
            values=[WireValue(key=v.key, name=v.name) for v in a.values],
        )
        for a in sorted(category.attributes, key=lambda a: (a.order, a.code))
    ]
    return WireServiceDefinition(service_code=category.code, attributes=attributes)


def service_notice(notice: str | None, agency_name: str, resolve_due: datetime, zone: tzinfo) -> str:
    """What happens next, in the residents' language: the category's own notice (emergencies:
    call 112) first, then who handles it and by when."""
    due = resolve_due if resolve_due.tzinfo else resolve_due.replace(tzinfo=UTC)
    when = due.astimezone(zone).strftime("%d-%m-%Y %H:%M %Z")  # e.g. 05-12-2026 12:13 WITA
    handled = f"Ditangani oleh {agency_name}; target selesai {when}."
    return f"{notice} {handled}" if notice else handled


def wire_created(created: ReportCreated, account_id: str | None, zone: tzinfo) -> WireCreated:
    notice = service_notice(created.notice, created.agency_name, created.resolve_due, zone)
    if created.duplicate_of:
        notice += f" Mungkin sama dengan laporan {created.duplicate_of}."
    return WireCreated(service_request_id=created.ticket, service_notice=notice, account_id=account_id)


def wire_request(report: PublicReport, *, notice: str | None, base_url: str, zone: tzinfo) -> WireRequest:
    """A report as Open311 shows it to anyone: never the reporter (PublicReport has no reporter)."""
    notes = [u.note for u in sorted(report.public_notes, key=lambda u: u.at) if u.note]
    media = report.media_url
    if media is None and report.photos:
        media = urljoin(base_url, report.photos[0].url)
    places = [report.address_string, report.kelurahan and report.kelurahan.name, report.kecamatan and report.kecamatan.name]
    address = ", ".join(dict.fromkeys(p for p in places if p)) or None
    return WireRequest(
        service_request_id=report.ticket, status=report.open311_status, status_notes=notes[-1] if notes else None,
        service_name=report.service_name, service_code=report.service_code, description=report.description,
        agency_responsible=report.agency_name,
        service_notice=(service_notice(notice, report.agency_name, report.resolve_due, zone)
                        if report.open311_status == "open" else notice),
        requested_datetime=w3(report.requested_at, zone), updated_datetime=w3(report.updated_at, zone),
        expected_datetime=w3(report.resolve_due, zone), address=address,
        address_id=report.address_id, zipcode=None, lat=report.lat, long=report.lon,
        media_url=media,
    )


# ---- rendering -----------------------------------------------------------------------------

# In XML a list is an element holding one child per item (Spark convention, reversed).
_ITEM_TAGS = {"attributes": "attribute", "values": "value", "endpoints": "endpoint", "formats": "format"}


def _xml_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("\ufffd", str(value))


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            child = ET.SubElement(element, key)
            if isinstance(item, list):
                for entry in item:
                    _fill(ET.SubElement(child, _ITEM_TAGS[key]), entry)
            else:
                _fill(child, item)
    else:
        element.text = _xml_text(value)


def to_xml(data: Any, root: str, item: str | None = None) -> bytes:
    """XML with the declaration the spec asks for; ElementTree escapes every text node."""
    element = ET.Element(root)
    if item is None:
        _fill(element, data)
    else:
        for entry in data:
            _fill(ET.SubElement(element, item), entry)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="unicode").encode("utf-8")


def render(
    fmt: str, payload: Wire | Sequence[Wire], *, root: str, item: str | None = None, status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """One response in `fmt`: a model (an object in JSON, `root` in XML) or a list of models (a
    JSON array; in XML `root` holding one `item` per model)."""
    if isinstance(payload, Wire):
        data: Any = payload.model_dump(mode="json")
    else:
        data = [p.model_dump(mode="json") for p in payload]
    if fmt == "xml":
        body = to_xml(data, root, item)
    else:
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(body, status_code=status, media_type=MEDIA_TYPES.get(fmt, MEDIA_TYPES["json"]), headers=headers)


def render_error(fmt: str, err: Open311Error) -> Response:
    body = [{"code": err.status, "description": d} for d in err.descriptions]
    if fmt == "xml":
        content = to_xml(body, "errors", "error")
    else:
        content = json.dumps(body, ensure_ascii=False).encode("utf-8")
    headers = {"Retry-After": str(err.retry_after_s)} if err.retry_after_s is not None else None
    return Response(content, status_code=err.status, media_type=MEDIA_TYPES.get(fmt, MEDIA_TYPES["json"]),
                    headers=headers)
