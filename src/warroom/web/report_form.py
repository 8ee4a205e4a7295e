"""The report form's fields: reading them from a post, checking them with messages a resident
understands (in their language, next to the field), and filing the report.

The reports service checks everything again (it is the only judge); this layer only turns its
refusals, and the obvious slips caught before it (an empty category, "-5,14" with a comma), into
words next to the right field, so a resident on a phone can fix the form rather than read an
error code.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from warroom.auth.principal import Principal
from warroom.container import WarRoom
from warroom.errors import InvalidInput, NotFound, OutsideCity
from warroom.reports.photos import PhotoRefused, PhotoUpload
from warroom.reports.schemas import MAX_DESCRIPTION, CategoryOut, ReporterIn, ReportIn
from warroom.web.report_text import ReportWords

CSRF_FIELD = "csrf"
TEXT_FIELDS = ("service_code", "lat", "lon", "address", "description", "name", "phone", "email")
MAX_ADDRESS = 500
# Where a pydantic error on `ReportIn` belongs on the form.
_FIELD_OF = {
    "service_code": "service_code", "lat": "lat", "lon": "lon", "address_string": "address",
    "description": "description", "first_name": "name", "email": "email", "phone": "phone",
}


def attr_field(category: str, code: str) -> str:
    """The form name of a category's attribute (every category's questions are on the page)."""
    return f"a.{category}.{code}"


@dataclass
class FormInput:
    """What the resident typed, as typed (kept when the form comes back with errors)."""

    service_code: str = ""
    lat: str = ""
    lon: str = ""
    address: str = ""
    description: str = ""
    name: str = ""
    phone: str = ""
    email: str = ""
    answers: dict[str, str | list[str]] = field(default_factory=dict)  # attr_field(...) -> value(s)

    @classmethod
    def read(cls, form: FormData) -> FormInput:
        values = {name: str(form.get(name) or "").strip() for name in TEXT_FIELDS}
        answers: dict[str, str | list[str]] = {}
        for name in {key for key in form if key.startswith("a.")}:
            items = [str(v).strip() for v in form.getlist(name) if isinstance(v, str)]
            answers[name] = items if len(items) > 1 else (items[0] if items else "")
        return cls(**values, answers=answers)

    def answer(self, name: str) -> str | list[str]:
        return self.answers.get(name, "")


@dataclass
class Outcome:
    ticket: str | None = None
    errors: dict[str, str] = field(default_factory=dict)
    top: str | None = None


def form_groups(categories: Sequence[CategoryOut], lang: str) -> list[tuple[str, list[CategoryOut]]]:
    """Categories by group for the form's <optgroup>s: emergencies first, then by group name."""
    def group_key(c: CategoryOut) -> tuple[int, str]:
        return (0 if c.emergency else 1, c.group or "~")

    ordered = sorted(categories, key=lambda c: (*group_key(c), c.name))
    return [(group or "", list(items)) for (_, group), items in groupby(ordered, key=group_key)]


def _number(text: str) -> float | None:
    try:
        value = float(text.replace(",", ".").strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _attribute_answers(
    filled: FormInput, category: CategoryOut | None, words: ReportWords, errors: dict[str, str]
) -> dict[str, str | list[str]]:
    """The chosen category's answers, keyed by attribute code, as the service expects them."""
    if category is None:
        return {}
    answers: dict[str, str | list[str]] = {}
    for attr in category.attributes:
        if not attr.variable:
            continue
        name = attr_field(category.code, attr.code)
        raw = filled.answer(name)
        if raw in ("", []):
            if attr.required:
                errors[name] = words.t("err.required")
            continue
        if attr.datatype == "number" and isinstance(raw, str):
            raw = raw.replace(",", ".")
        if attr.datatype == "datetime" and isinstance(raw, str):
            try:  # <input type=datetime-local> has no zone: the city's
                raw = datetime.fromisoformat(raw).replace(tzinfo=words.zone).isoformat()
            except ValueError:
                errors[name] = words.t("err.attr_invalid")
                continue
        answers[attr.code] = raw
    return answers


def build_report(
    filled: FormInput, categories: dict[str, CategoryOut], words: ReportWords
) -> tuple[ReportIn | None, dict[str, str]]:
    """The `ReportIn` of the form, or the field errors found before asking the service."""
    errors: dict[str, str] = {}
    category = categories.get(filled.service_code)
    if not filled.service_code:
        errors["service_code"] = words.t("err.category")
    elif category is None:
        errors["service_code"] = words.t("err.category_unknown")
    lat, lon = _number(filled.lat), _number(filled.lon)
    if not filled.lat and not filled.lon:
        errors["location"] = words.t("err.location")
    else:
        if lat is None or not -90 <= lat <= 90:
            errors["lat"] = words.t("err.number")
        if lon is None or not -180 <= lon <= 180:
            errors["lon"] = words.t("err.number")
    if len(filled.description) > MAX_DESCRIPTION:
        errors["description"] = words.t("err.too_long", max=MAX_DESCRIPTION)
    if len(filled.address) > MAX_ADDRESS:
        errors["address"] = words.t("err.too_long", max=MAX_ADDRESS)
    answers = _attribute_answers(filled, category, words, errors)
    if errors or lat is None or lon is None:
        return None, errors
    try:
        report = ReportIn(
            service_code=filled.service_code, lat=lat, lon=lon, address_string=filled.address or None,
            description=filled.description or None, attributes=answers,
            reporter=ReporterIn(first_name=filled.name or None, phone=filled.phone or None, email=filled.email or None),
        )
    except ValidationError as err:
        for problem in err.errors():
            where = _FIELD_OF.get(str(problem["loc"][-1]), "")
            errors[where or "form"] = _pydantic_words(where, words)
        return None, errors
    return report, errors


def _pydantic_words(where: str, words: ReportWords) -> str:
    if where in ("email", "phone"):
        return words.t(f"err.{where}")
    if where in ("description", "address", "name"):
        return words.t("err.too_long", max=MAX_DESCRIPTION if where == "description" else 100)
    return words.t("err.attr_invalid")


def file_report(
    wr: WarRoom, filled: FormInput, uploads: Sequence[PhotoUpload], *, words: ReportWords, actor: Principal
) -> Outcome:
    """Check the form, then file it with its photos; the outcome is a ticket or field errors."""
    categories = {c.code: c for c in wr.reports_public.categories()}
    report, errors = build_report(filled, categories, words)
    most = wr.settings.reports.photos_per_report
    if len(uploads) > most:
        errors["photos"] = words.t("err.photo.too_many", count=most)
    if report is None or errors:
        return Outcome(errors=errors)
    try:
        created = wr.reports_public.file(report, uploads, actor=actor)
    except PhotoRefused as err:
        size = f"{wr.settings.reports.photo_max_bytes / (1024 * 1024):g} MB"
        return Outcome(errors={"photos": words.t(f"err.photo.{err.reason}", n=err.photo or "", count=most, size=size)})
    except OutsideCity:
        return Outcome(errors={"location": words.t("err.outside")})
    except NotFound:
        return Outcome(errors={"service_code": words.t("err.category_unknown")})
    except InvalidInput as err:
        return Outcome(**_service_refusal(err, filled.service_code, words))
    return Outcome(ticket=created.ticket)


def _service_refusal(err: InvalidInput, category: str, words: ReportWords) -> dict[str, Any]:
    """An attribute the service refused goes next to its field; anything else above the form."""
    if err.code == "invalid_attribute" and isinstance(err.details, list):
        found = {}
        for problem in err.details:
            code = str(problem.get("attribute", ""))
            text = str(problem.get("problem", ""))
            found[attr_field(category, code)] = words.t("err.required" if text.startswith("required") else "err.attr_invalid")
        return {"errors": found}
    return {"top": words.t("err.other", message=err.message)}
