"""Shared by the Open311 tests (imported, not a conftest): the community's JSON Schemas loaded
from ../shared at run time, API keys, reading XML answers, counting what was stored.

    from open311_support import Open311, open311  # noqa: F401 (fixture)

The schemas are never copied into this repository (their licence is unchecked; see
../shared/data/open311/schemas/PROVENANCE.md). They have no `$id`, and requests.json and
services.json refer to request.json and service.json by relative `$ref`, so all of them go into
one `referencing.Registry` keyed by file name. `minItems` sits inside `items` there and has no
effect, so non-empty lists are checked separately.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import httpx2 as httpx
import pytest
from conftest import shared
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4
from sqlalchemy import func, select

from warroom.auth.principal import cli_principal
from warroom.auth.schemas import ApiKeyIn
from warroom.container import WarRoom
from warroom.reports.models import Report, ReportUpdate

SCHEMA_FILES = ("request.json", "requests.json", "service.json", "services.json", "service-definition.json", "swagger.json")
# A W3C date-time with a zone (the spec: "Timezone information ... must be included").
W3_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"
DATETIME_FIELDS = ("requested_datetime", "updated_datetime", "expected_datetime")


def schema_validators() -> dict[str, Draft4Validator]:
    folder = shared("open311/schemas")
    contents = {name: json.loads((folder / name).read_text(encoding="utf-8")) for name in SCHEMA_FILES}
    registry: Registry = Registry().with_resources(
        (name, Resource.from_contents(doc, default_specification=DRAFT4)) for name, doc in contents.items()
    )
    validators = {name: Draft4Validator(doc, registry=registry) for name, doc in contents.items()}
    # Swagger 2.0 cannot say "or null": its POST and token answers are checked with nulls dropped.
    for name in ("RequestResponse", "TokenResponse"):
        validators[name] = Draft4Validator({"$ref": f"swagger.json#/definitions/{name}"}, registry=registry)
    return validators


@dataclass
class Open311:
    """The live server's Open311 base URL, a key with the open311 scope, and the validators."""

    wr: WarRoom
    base: str
    key: str
    schemas: dict[str, Draft4Validator]

    def url(self, path: str) -> str:
        return f"{self.base}/open311/v2/{path}"

    def get(self, path: str, **params: Any) -> httpx.Response:
        return httpx.get(self.url(path), params=params or None, timeout=30)

    def post(self, path: str, data: Any, *, key: str | None = "default", **kwargs: Any) -> httpx.Response:
        """Form-encoded; `data` a dict or a list of pairs (for repeated attribute[code][])."""
        pairs = list(data.items()) if isinstance(data, dict) else list(data)
        if key is not None:
            pairs.append(("api_key", self.key if key == "default" else key))
        body = urlencode([(name, str(value)) for name, value in pairs]).encode("utf-8")
        headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8", **kwargs.pop("headers", {})}
        return httpx.post(self.url(path), content=body, headers=headers, timeout=30, **kwargs)

    def valid(self, schema: str, body: Any) -> None:
        """No schema errors (all listed at once on failure)."""
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in self.schemas[schema].iter_errors(body)]
        assert not errors, f"{schema}: {errors}"

    def stored(self) -> tuple[int, int]:
        """(reports, report updates) in the database: what "nothing stored" is checked against."""
        with self.wr.db.session() as s:
            return (s.scalar(select(func.count()).select_from(Report)) or 0,
                    s.scalar(select(func.count()).select_from(ReportUpdate)) or 0)


def add_key(wr: WarRoom, name: str, scopes: list[str]) -> tuple[int, str]:
    created = wr.auth.create_apikey(ApiKeyIn(name=name, scopes=scopes), actor=cli_principal())
    return created.id, created.key


@pytest.fixture
def open311(reports_city: WarRoom, live_server: str) -> Open311:
    _, key = add_key(reports_city, "fixmystreet-makassar", ["open311"])
    return Open311(wr=reports_city, base=live_server, key=key, schemas=schema_validators())


def json_body(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == JSON_TYPE
    return json.loads(response.content.decode("utf-8"))


def xml_root(response: httpx.Response, root: str, status: int = 200) -> ET.Element:
    """The parsed XML answer, after checking status, content type, declaration and root tag."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == XML_TYPE
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    element = ET.fromstring(response.content)
    assert element.tag == root, element.tag
    return element


def xml_items(element: ET.Element, item: str) -> list[dict[str, str | None]]:
    """Each `item` child as {tag: text}, for flat items (requests, services, errors)."""
    children = list(element)
    assert all(child.tag == item for child in children), [c.tag for c in children]
    return [{field.tag: field.text for field in child} for child in children]


def as_text(value: Any) -> str | None:
    """A JSON value as the XML answer writes it (booleans lower-case, null as an empty element)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def check_datetimes(request: dict[str, Any], offset: str = "+08:00") -> None:
    """Every date-time carries the city's zone (Asia/Makassar) and parses as ISO 8601."""
    for name in DATETIME_FIELDS:
        value = request.get(name)
        if value is None:
            continue
        assert W3_DATETIME.match(value) and value.endswith(offset), (name, value)
        assert datetime.fromisoformat(value).tzinfo is not None


def without_nulls(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if v is not None}
