"""Open311 bad input over real HTTP: each gets the spec's status and error body
`[{"code", "description"}]` (in JSON and in XML), a description naming what was wrong, and
nothing is stored. Also: api_key rules, floods (429), and a key made with the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from open311_support import (
    Open311,
    add_key,
    json_body,
    open311,  # noqa: F401 - fixture
    xml_items,
    xml_root,
)
from reports_support import a_point_in, reports_city  # noqa: F401 - fixture

from warroom.auth.principal import cli_principal
from warroom.config import Settings

BODY_LIMIT = 65_536


@pytest.fixture
def settings(tmp_path: Path, database_url: str, request: pytest.FixtureRequest) -> Settings:
    """A generous post rate unless a test asks for another (`indirect` parametrisation): most
    tests here send many refused posts from one address on purpose."""
    rate = getattr(request, "param", "1000/minute")
    return Settings(
        data_dir=tmp_path / "data", database_url=database_url,
        reports={"post_rate_limit": rate}, server={"max_request_bytes": BODY_LIMIT},
    )


def good(o: Open311, **change: Any) -> dict[str, Any]:
    lat, lon = a_point_in(o.wr, 0)
    form = {"service_code": "JALAN_RUSAK", "lat": lat, "long": lon, "attribute[tingkat]": "sedang",
            "description": "Jalan berlubang"}
    form.update(change)
    return {k: v for k, v in form.items() if v is not None}


def refused(response: httpx.Response, status: int, fragment: str) -> list[str]:
    """The spec's error body in JSON with `status`; some description mentions `fragment`."""
    body = json_body(response, status)
    assert isinstance(body, list) and body, body
    assert all(set(e) == {"code", "description"} and e["code"] == status for e in body), body
    descriptions = [e["description"] for e in body]
    assert any(fragment in d for d in descriptions), (fragment, descriptions)
    return descriptions


def refused_xml(response: httpx.Response, status: int, fragment: str) -> None:
    items = xml_items(xml_root(response, "errors", status), "error")
    assert items and all(set(i) == {"code", "description"} and i["code"] == str(status) for i in items), items
    assert any(fragment in (i["description"] or "") for i in items), (fragment, items)


BAD_FORMS: list[tuple[str, dict[str, Any], int, str]] = [
    ("no service_code", {"service_code": None}, 400, "service_code was not provided"),
    ("unknown service_code", {"service_code": "NOPE"}, 404, "'NOPE'"),
    ("lat not a number", {"lat": "abc"}, 400, "lat must be a number"),
    ("long with a comma", {"long": "119,41"}, 400, "long must be a number"),
    ("lat NaN", {"lat": "nan"}, 400, "lat must be a finite number"),
    ("lat out of range", {"lat": "91"}, 400, "lat:"),
    ("lat without long", {"long": None}, 400, "send both lat and long"),
    ("address only", {"lat": None, "long": None, "address_string": "Jl. Somba Opu 1"}, 400, "warroom needs a point"),
    ("address_id only", {"lat": None, "long": None, "address_id": "A-1"}, 400, "warroom needs a point"),
    ("no location", {"lat": None, "long": None}, 400, "location was not provided"),
    ("outside the city", {"lat": "-5.1477", "long": "119.4327"}, 400, "outside"),
    ("description of 4,001 characters", {"description": "x" * 4001}, 400, "description"),
    ("number attribute not a number", {"attribute[lebar_m]": "lebar"}, 400, "attribute[lebar_m]"),
    ("value not in the list", {"attribute[tingkat]": "parah"}, 400, "attribute[tingkat]"),
    ("required attribute missing", {"attribute[tingkat]": None}, 400, "attribute[tingkat]"),
    ("unknown attribute", {"attribute[warna]": "merah"}, 400, "attribute[warna]"),
    ("malformed attribute name", {"attribute[tingkat": "berat"}, 400, "attribute[code]=value"),
    ("multivaluelist value not listed", {"service_code": "SAMPAH", "attribute[tingkat]": None,
                                         "attribute[jenis_sampah][]": "nuklir"}, 400, "attribute[jenis_sampah]"),
    ("datetime attribute without a zone", {"service_code": "LAMPU_MATI", "attribute[tingkat]": None,
                                           "attribute[mati_sejak]": "2026-11-01T19:00:00"}, 400, "attribute[mati_sejak]"),
    ("media_url not http", {"media_url": "javascript:alert(1)"}, 400, "media_url"),
    ("email not an address", {"email": "not-an-email"}, 400, "email"),
    ("wrong jurisdiction_id", {"jurisdiction_id": "jakarta.go.id"}, 404, "jurisdiction_id"),
]


@pytest.mark.parametrize(("case", "change", "status", "fragment"), BAD_FORMS, ids=[c[0] for c in BAD_FORMS])
def test_bad_posts_get_the_spec_error_and_store_nothing(
    open311: Open311, case: str, change: dict[str, Any], status: int, fragment: str
) -> None:
    before = open311.stored()
    refused(open311.post("requests.json", good(open311, **change)), status, fragment)
    refused_xml(open311.post("requests.xml", good(open311, **change)), status, fragment)
    assert open311.stored() == before


def test_several_problems_are_listed_together_and_a_field_twice_is_refused(open311: Open311) -> None:
    form = good(open311, **{"attribute[tingkat]": "parah", "attribute[lebar_m]": "lebar", "attribute[warna]": "x"})
    descriptions = refused(open311.post("requests.json", form), 400, "attribute[tingkat]")
    assert len(descriptions) == 3
    twice = list(good(open311).items()) + [("service_code", "SAMPAH")]
    refused(open311.post("requests.json", twice), 400, "service_code is given more than once")
    assert open311.stored() == (0, 0)
    # 4,000 characters is the spec's limit, not one over it.
    assert json_body(open311.post("requests.json", good(open311, description="y" * 4000)))[0]["service_request_id"]


def test_api_key_missing_bad_revoked_or_unscoped_is_403(open311: Open311) -> None:
    wr = open311.wr
    _, viewer = add_key(wr, "dashboard-viewer", [])
    _, ingest = add_key(wr, "metrics-pusher", ["ingest"])
    revoked_id, revoked = add_key(wr, "old-gateway", ["open311"])
    wr.auth.revoke_apikey(revoked_id, actor=cli_principal())
    cases = [(None, "api_key was not provided"), ("wrk_not-a-real-key", "Invalid api_key"),
             (revoked, "Invalid api_key"), (viewer, "lacks the open311 scope"), (ingest, "lacks the open311 scope")]
    for key, fragment in cases:
        refused(open311.post("requests.json", good(open311), key=key), 403, fragment)
        refused_xml(open311.post("requests.xml", good(open311), key=key), 403, fragment)
    # The key is checked before anything else: a bad form with a bad key is a 403, not a 400.
    refused(open311.post("requests.json", {"lat": "abc", "attribute[x": "1", "description": "x" * 4001}, key=None),
            403, "api_key")
    assert open311.stored() == (0, 0)


def test_bodies_that_are_not_forms_or_too_large(open311: Open311) -> None:
    as_json = httpx.post(open311.url("requests.json"), json={**good(open311), "api_key": open311.key})
    refused(as_json, 400, "application/x-www-form-urlencoded")
    with_file = httpx.post(open311.url("requests.json"), data={**good(open311), "api_key": open311.key},
                           files={"media": ("a.jpg", b"\xff\xd8\xff", "image/jpeg")})
    refused(with_file, 400, "media: files are not accepted")
    huge = open311.post("requests.json", good(open311, description="z" * (BODY_LIMIT + 10)))
    assert huge.status_code == 413
    assert open311.stored() == (0, 0)


def test_unknown_resources_methods_and_formats(open311: Open311) -> None:
    refused(open311.get("requests/LAP-999999.json"), 404, "LAP-999999")
    refused_xml(open311.get("requests/LAP-999999.xml"), 404, "LAP-999999")
    refused_xml(open311.get("tokens/no-such-token.xml"), 404, "token not found")
    refused(open311.get("services/NOPE.json"), 404, "NOPE")
    refused(open311.get("services.json", jurisdiction_id="jakarta.go.id"), 404, "jurisdiction_id")
    refused(open311.get("services.yaml"), 404, "ask for .json or .xml")
    refused(open311.get("nothing-here.json"), 404, "no such Open311 resource")
    refused_xml(httpx.delete(open311.url("requests.xml")), 405, "DELETE is not allowed")
    refused(open311.get("requests.json", start_date="2026-01-01T00:00:00+08:00", end_date="2026-06-01T00:00:00+08:00"),
            400, "at most 90 days")
    refused(open311.get("requests.json", start_date="2026-06-01T00:00:00Z", end_date="2026-05-01T00:00:00Z"),
            400, "end_date is before start_date")
    refused(open311.get("requests.json", start_date="yesterday"), 400, "not a W3C date-time")
    refused(open311.get("requests.json", start_date="2026-06-01T00:00:00"), 400, "needs a time zone")
    refused_xml(open311.get("requests.xml", status="pending"), 400, "status must be open, closed or both")


@pytest.mark.parametrize("settings", ["3/minute"], indirect=True)
def test_a_flood_from_one_address_or_one_key_gets_429(open311: Open311) -> None:
    # Without a usable key: the address's budget (3 a minute), so guessing keys soon stops.
    for _ in range(3):
        refused(open311.post("requests.json", good(open311), key="wrk_guess"), 403, "Invalid api_key")
    flooded = open311.post("requests.json", good(open311), key="wrk_guess")
    refused(flooded, 429, "too many reports from this address")
    assert int(flooded.headers["Retry-After"]) >= 1
    # With a key: ten times that, counted per key (a gateway relays many residents).
    for _ in range(30):
        refused(open311.post("requests.json", good(open311, service_code=None)), 400, "service_code")
    over = open311.post("requests.json", good(open311))
    refused(over, 429, "too many reports with this api_key")
    refused_xml(open311.post("requests.xml", good(open311)), 429, "too many")
    assert open311.stored() == (0, 0)
    _, other = add_key(open311.wr, "another-gateway", ["open311"])
    assert json_body(open311.post("requests.json", good(open311), key=other))[0]["service_request_id"]


def test_a_key_made_with_the_cli_files_reports(open311: Open311, settings: Settings, database_url: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARROOM_") or k.startswith("WARROOM_TEST_")}
    env.update(WARROOM_DATA_DIR=str(settings.data_dir), WARROOM_DATABASE_URL=database_url)
    result = subprocess.run(
        [sys.executable, "-m", "warroom", "apikey", "add", "qlue-gateway", "--scope", "open311"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    key = result.stdout.strip().splitlines()[-1]
    assert key.startswith("wrk_") and " " not in key
    created = json_body(open311.post("requests.json", good(open311), key=key))
    ticket = created[0]["service_request_id"]
    assert open311.wr.reports.get(ticket).client == "qlue-gateway"
    assert json.loads(open311.get(f"requests/{ticket}.json").text)[0]["status"] == "open"
