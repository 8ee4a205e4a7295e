"""Reading Open311 input: a POST requests.[format] form into the product's `ReportIn`, and the
GET requests.[format] query string into filters, with a 400 in the spec's shape that names
every wrong field by its Open311 name (`long`, `attribute[code]`), never the product's."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import ValidationError

from warroom.reports.open311 import Open311Error
from warroom.reports.schemas import ReporterIn, ReportIn

MAX_WINDOW = timedelta(days=90)
MAX_IDS = 1000
# The reporter's optional fields, as Open311 names them (all map 1:1 onto `ReporterIn`).
REPORTER_FIELDS = ("email", "device_id", "account_id", "first_name", "last_name", "phone")
SCALAR_FIELDS = frozenset(
    {"api_key", "jurisdiction_id", "service_code", "lat", "long", "address_string", "address_id",
     "description", "media_url", *REPORTER_FIELDS}
)
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
# A "+hh:mm" offset sent unencoded in a query string arrives as " hh:mm".
_SPACED_OFFSET = re.compile(r" (\d{2}:?\d{2})$")
_FIELD_NAMES = {"lon": "long"}  # the product's names → Open311's, in error messages
# Pydantic's "should match pattern '^...$'" told in words.
_PATTERNS = {
    "media_url": "must be an http:// or https:// URL",
    "email": "is not an e-mail address",
    "phone": "may hold only digits, spaces and + ( ) . - (5 to 50 characters)",
    "service_code": "is not a service code (letters, digits, _ and -, at most 32); list them with GET services.json",
}


# ---- reading a POST ------------------------------------------------------------------------


@dataclass
class PostForm:
    """A POST requests.[format] body, fields as sent (empty ones dropped: the spec's "optional"
    says an empty parameter is the same as an absent one)."""

    fields: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, str | list[str]] = field(default_factory=dict)
    # Refused parts, reported by `report_in` (after the api_key check, which comes first).
    problems: list[str] = field(default_factory=list)

    @property
    def api_key(self) -> str | None:
        return self.fields.get("api_key")


def read_form(items: Sequence[tuple[str, Any]]) -> PostForm:
    """Split `attribute[code]` / `attribute[code][]` from plain fields; note file parts,
    repeated plain fields and malformed attribute names as problems."""
    form = PostForm()
    problems = form.problems
    lists: dict[str, list[str]] = {}
    seen: set[str] = set()
    for name, value in items:
        if not isinstance(value, str):
            problems.append(f"{name}: files are not accepted here; send a link to the photo in media_url")
            continue
        value = value.strip()
        if name.startswith("attribute"):
            match = _ATTRIBUTE.match(name)
            if match is None:
                problems.append(f"{name}: write attributes as attribute[code]=value or attribute[code][]=value")
            elif value:
                lists.setdefault(match.group(1), []).append(value)
                if match.group(2):
                    form.attributes[match.group(1)] = []  # marks a list even with one value
            continue
        if name in seen and name in SCALAR_FIELDS:
            problems.append(f"{name} is given more than once; send it once")
        elif value:
            form.fields[name] = value
        seen.add(name)
    for code, values in lists.items():
        form.attributes[code] = values if len(values) > 1 or code in form.attributes else values[0]
    return form


def _number(form: PostForm, name: str) -> float | None:
    raw = form.fields.get(name)
    if raw is None:
        return None
    try:
        number = float(raw)
    except ValueError:
        raise Open311Error(400, f"{name} must be a number (WGS84 degrees, e.g. -5.1477), not {raw[:40]!r}") from None
    if not math.isfinite(number):
        raise Open311Error(400, f"{name} must be a finite number")
    return number


def report_in(form: PostForm) -> ReportIn:
    """The post as the product's `ReportIn`, or a 400 listing every problem by its Open311 name."""
    if form.problems:
        raise Open311Error(400, *form.problems)
    if "service_code" not in form.fields:
        raise Open311Error(400, "service_code was not provided; list the codes with GET services.json")
    lat, lon = _number(form, "lat"), _number(form, "long")
    if lat is None or lon is None:
        if lat is not None or lon is not None:
            raise Open311Error(400, "send both lat and long")
        if "address_string" in form.fields or "address_id" in form.fields:
            raise Open311Error(
                400, "warroom needs a point: send lat and long (WGS84) with the address_string or address_id; "
                "it routes each report by the kelurahan the point lies in and has no geocoder"
            )
        raise Open311Error(400, "location was not provided: send lat and long (WGS84)")
    fields = form.fields
    try:
        return ReportIn(
            service_code=fields["service_code"], lat=lat, lon=lon, address_string=fields.get("address_string"),
            address_id=fields.get("address_id"), description=fields.get("description"),
            media_url=fields.get("media_url"), attributes=form.attributes,
            reporter=ReporterIn(**{name: fields.get(name) for name in REPORTER_FIELDS}),
        )
    except ValidationError as err:
        raise Open311Error(400, *(_problem(e) for e in err.errors())) from None


def _problem(error: Any) -> str:
    where = [str(p) for p in error["loc"] if p != "reporter"]
    name = ".".join(_FIELD_NAMES.get(p, p) for p in where) or "request"
    if where[:1] == ["attributes"] and len(where) > 1:
        name = f"attribute[{where[1]}]"
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "string_pattern_mismatch":
        message = _PATTERNS.get(name, "has characters that are not allowed here")
    return f"{name}: {message}"


# ---- reading a GET requests query ----------------------------------------------------------


@dataclass
class RequestQuery:
    tickets: list[str] | None = None
    service_codes: list[str] | None = None
    start: datetime | None = None
    end: datetime | None = None
    status: Literal["open", "closed"] | None = None


def _csv(values: Sequence[str]) -> list[str]:
    """`a,b` and `x=a&x=b` alike ("can be declared multiple times, comma delimited")."""
    return list(dict.fromkeys(part.strip() for value in values for part in value.split(",") if part.strip()))


def parse_w3(value: str, name: str) -> datetime:
    """A W3C date-time with its zone (Z or ±hh:mm), as the spec demands; else a 400 saying so."""
    text = _SPACED_OFFSET.sub(r"+\1", value.strip())
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Open311Error(400, f"{name} is not a W3C date-time: {value[:40]!r}; write e.g. 2026-11-28T00:00:00+08:00") from None
    if moment.tzinfo is None:
        raise Open311Error(400, f"{name} needs a time zone (Z or +08:00): {value[:40]!r}")
    return moment


def request_query(params: dict[str, list[str]], now: datetime) -> RequestQuery:
    """GET requests' filters. `service_request_id` overrides all the others; without it the window
    is at most 90 days (default: the 90 days before `end`, or before now)."""
    ids = _csv(params.get("service_request_id", []))
    if ids:
        if len(ids) > MAX_IDS:
            raise Open311Error(400, f"at most {MAX_IDS} service_request_id values at once")
        return RequestQuery(tickets=ids)
    statuses = set(_csv(params.get("status", [])))
    if statuses - {"open", "closed"}:
        raise Open311Error(400, f"status must be open, closed or both, not {','.join(sorted(statuses))[:60]!r}")
    start_raw, end_raw = _csv(params.get("start_date", []))[:1], _csv(params.get("end_date", []))[:1]
    start = parse_w3(start_raw[0], "start_date") if start_raw else None
    end = parse_w3(end_raw[0], "end_date") if end_raw else None
    if start is None and end is None:
        end = now
    if start is None:
        start = end - MAX_WINDOW  # type: ignore[operator]
    if end is None:
        end = start + MAX_WINDOW
    if end < start:
        raise Open311Error(400, "end_date is before start_date")
    if end - start > MAX_WINDOW:
        raise Open311Error(400, "start_date to end_date may span at most 90 days; ask for several windows")
    codes = _csv(params.get("service_code", []))
    status: Literal["open", "closed"] | None = statuses.pop() if len(statuses) == 1 else None  # type: ignore[assignment]
    return RequestQuery(service_codes=codes or None, start=start, end=end, status=status)
